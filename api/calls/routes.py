"""REST: a call's timeline, recordings and their audio, and the event log for audits.

Customer numbers and names are masked for the roles that may not see them by the response
hook (``api.system.masking``), by value, wherever they stand: in event data, channel
names, AMI fields. Raw frames are still withheld from those roles: a frame holds customer
data in fields nobody has listed (an account code, a dialplan variable), so we would
rather not show it than trust a mask with it."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import FileResponse

from adapters.store.event_log import call_frames, log_page, positions_of
from api.deps import RuntimeDep, Who
from api.schemas import EventsPage, Recordings, Timeline
from domain.access.user import User
from domain.audit import AuditSeal
from domain.complaints.complaint import Complaint
from domain.events import event_topic
from domain.outbound.dnd import DndRegistry, OutboundDial
from domain.outbound.wrapup import Wrapup
from domain.pbx_actions.action import PbxAction
from domain.qa.evaluation import Evaluation
from domain.qa.form import EvaluationForm
from domain.qa.policy import SamplingPolicy
from domain.qa.sample import Sample
from domain.telephony.agent import Agent
from domain.telephony.call import Call
from domain.telephony.feed import Feed, FeedChunk
from domain.telephony.pbx import Pbx
from domain.telephony.queue import Queue
from domain.time import epoch_seconds

__all__ = ["router"]

router = APIRouter(prefix="/api", tags=["calls and audit"])
AGGREGATES: dict[str, type] = {cls.__name__: cls for cls in (
    Call, Agent, Queue, Pbx, Feed, FeedChunk, User, Complaint, Wrapup, DndRegistry,
    OutboundDial, AuditSeal, PbxAction, Evaluation, EvaluationForm, SamplingPolicy, Sample)}
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def _event_dict(event: Any) -> dict[str, Any]:
    """Envelope at the top, the event's own fields under ``data``."""
    fields = {k: v for k, v in vars(event).items()
              if k not in ("originator_id", "originator_version", "timestamp")}
    return {"type": type(event).__qualname__, "version": event.originator_version,
            "at": fields.get("at"), "recorded_at": event.timestamp.isoformat(),
            "data": fields}


def _topic(kind: str) -> str:
    """``Call.Answered`` -> the stored topic of that event class."""
    aggregate, _, name = kind.partition(".")
    try:
        return event_topic(AGGREGATES[aggregate], name)
    except (KeyError, LookupError):
        raise HTTPException(422, f"bad type {kind!r}: use Aggregate.Event, e.g. "
                            f"Call.Answered (aggregates: {', '.join(AGGREGATES)})") from None


def _uuid(text: str, what: str) -> UUID:
    try:
        return UUID(text)
    except ValueError:
        raise HTTPException(422, f"bad {what} {text!r}: not a UUID") from None


@router.get("/calls/{call_id}/timeline",
            response_model=Timeline, summary="Every event of a call and the raw AMI "
            "frames behind them")
def timeline(call_id: str, runtime: RuntimeDep,
             who: Who) -> dict[str, Any]:
    app = runtime.app
    key = _uuid(call_id, "call id")
    stored = app.recorder.select_events(key)
    if not stored or not stored[0].topic.startswith("domain.telephony.call:"):
        raise HTTPException(404, f"no call {call_id}")
    events: list[Any] = [app.mapper.to_domain_event(s) for s in stored]
    positions = positions_of(app, key)
    keys = {events[0].linkedid} | {v for e in events for v in (
        getattr(e, "uniqueid", None),) if v}
    rows = [{**_event_dict(e), "log_position": positions.get(e.originator_version)}
            for e in events]
    frames = call_frames(app, list(positions.values()), sorted(keys))
    out: dict[str, Any] = {"call_id": call_id, "linkedid": events[0].linkedid,
                           "events": rows, "frames": frames}
    if not who.sees_numbers:  # raw frames carry the numbers in many headers
        for frame in out["frames"]:
            frame["raw"] = "(hidden for this role)"
    return out


@router.get("/recordings",
            response_model=Recordings, summary="Recordings, newest first")
def recordings(runtime: RuntimeDep, who: Who,
               agent: str | None = None, queue: str | None = None,
               since: Annotated[datetime | None, Query(alias="from")] = None,
               until: Annotated[datetime | None, Query(alias="to")] = None,
               ) -> dict[str, Any]:
    rows = runtime.view("recordings")["recordings"]
    lo, hi = epoch_seconds(since, "from"), epoch_seconds(until, "to")
    rows = [r for r in rows if (agent is None or agent in (r["agent_name"], r["agent"]))
            and (queue is None or r["queue"] == queue)
            and (lo is None or r["started_at"] >= lo) and (hi is None or r["started_at"] < hi)]
    return {"recordings": rows, "count": len(rows)}


@router.get("/recordings/{name}/audio", summary="The audio (HTTP Range supported)",
            response_class=FileResponse)
def audio(name: str, request: Request, runtime: RuntimeDep,
          who: Who) -> FileResponse:
    known = {r["name"] for r in runtime.view("recordings")["recordings"]}
    folder = request.app.state.recordings_dir
    if name not in known or folder is None or not (folder / name).is_file():
        raise HTTPException(404, f"no recording {name!r}")
    path = folder / name
    size = path.stat().st_size
    wanted = request.headers.get("range")
    if wanted is not None:
        match = _RANGE.match(wanted.strip())
        if match is None or match.group(1) == match.group(2) == "":
            raise HTTPException(416, f"bad Range {wanted!r}: use bytes=START-END",
                                headers={"Content-Range": f"bytes */{size}"})
        if match.group(1) and int(match.group(1)) >= size:
            raise HTTPException(416, f"Range {wanted!r} starts beyond the file's {size} "
                                "bytes", headers={"Content-Range": f"bytes */{size}"})
    return FileResponse(path, media_type="audio/wav", filename=name)


@router.get("/events",
            response_model=EventsPage, summary="The event log for audits, page by page")
def events(runtime: RuntimeDep, who: Who,
           after: Annotated[int, Query(ge=0, description="continue after this position")] = 0,
           limit: Annotated[int, Query(ge=1, le=1000)] = 100,
           type: Annotated[str | None, Query(description="e.g. Call.Answered")] = None,
           aggregate: Annotated[str | None, Query(description="aggregate id")] = None,
           since: Annotated[datetime | None, Query(alias="from")] = None,
           until: Annotated[datetime | None, Query(alias="to")] = None,
           ) -> dict[str, Any]:
    topics = (_topic(type),) if type is not None else ()
    if after > runtime.head():
        raise HTTPException(416, f"position {after} is beyond the end of the log "
                            f"({runtime.head()})")
    entries, next_after = log_page(
        runtime.app, after=after, limit=limit, topics=topics,
        aggregate_id=_uuid(aggregate, "aggregate id") if aggregate else None,
        since=epoch_seconds(since, "from"), until=epoch_seconds(until, "to"))
    rows = [{"position": e.position, "topic": e.topic, "aggregate_id": e.aggregate_id,
             **({"frames": len(e.event.frames), "version": e.version}
                if e.topic.endswith("FeedChunk.Recorded") else _event_dict(e.event))}
            for e in entries]
    return {"events": rows, "next_after": next_after}
