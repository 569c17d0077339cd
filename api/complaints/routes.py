"""REST: complaint tickets, their lifecycle, timeline, deadlines and reports."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from api.complaints.deps import ComplaintsDep
from api.complaints.service import complaint_summary
from api.deps import RuntimeDep, Who
from api.schemas import Open
from domain.complaints.complaint import Complaint
from domain.time import epoch_seconds

__all__ = ["router"]

router = APIRouter(prefix="/api/complaints", tags=["complaints"])
Ref = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9._-]+$")]
Text = Annotated[str, Field(max_length=5000)]
Short = Annotated[str, Field(max_length=200)]


class ComplaintOut(Open):
    reference: str
    status: str
    severity: str
    category: str
    escalated: bool
    deadlines: dict[str, float]
    breached: list[str]
    calls: list[str]
    agents: list[str]


class ComplaintList(Open):
    as_of: float
    complaints: list[dict[str, Any]]
    flagged_calls: list[dict[str, Any]]


class TimelineOut(Open):
    reference: str
    complaint: ComplaintOut
    entries: list[dict[str, Any]]


class BreachesOut(Open):
    checked_at: float
    breaches: list[dict[str, Any]]


class OpenComplaint(BaseModel):
    reference: Ref | None = None
    channel: Short
    customer_name: Short
    customer_number: Annotated[str, Field(max_length=40)] = ""
    customer_contact: Short = ""
    matter: Text
    category: Annotated[str, Field(min_length=1, max_length=60)]
    severity: Short = "normal"
    major_reason: Short = ""
    calls: Annotated[list[Short], Field(max_length=20)] = []
    agent: Short = ""


class LinkCall(BaseModel):
    call: Annotated[str, Field(min_length=1, max_length=80, description="call id or Linkedid")]


class LinkAgent(BaseModel):
    agent: Annotated[str, Field(min_length=1, max_length=80, description="extension")]
    agent_name: Short = ""


class Assign(BaseModel):
    handler: Short


class Note(BaseModel):
    text: Text


class CustomerUpdate(BaseModel):
    how: Short = "phone"
    message: Text


class Escalate(BaseModel):
    to: Short
    reason: Text = ""


class Severity(BaseModel):
    severity: Short
    major_reason: Short = ""


class Resolve(BaseModel):
    resolution: Text
    responsibility: Short
    penalty_note: Text = ""


class FollowUp(BaseModel):
    satisfied: bool
    note: Text = ""


class Close(BaseModel):
    note: Text = ""


class Reopen(BaseModel):
    reason: Text


def _out(complaint: Complaint) -> dict[str, Any]:
    return complaint_summary(complaint)


@router.post("", status_code=201, response_model=ComplaintOut,
             summary="Open a complaint (optionally linked to calls and an agent)")
def open_complaint(body: OpenComplaint, service: ComplaintsDep, who: Who) -> dict[str, Any]:
    return _out(service.open(who.name, **body.model_dump()))


@router.get("", response_model=ComplaintList, summary="Complaints, newest first, and calls "
            "agents flagged as complaints in their wrap-up")
def list_complaints(runtime: RuntimeDep, who: Who, status: str | None = None,
                    category: str | None = None, agent: str | None = None,
                    severity: str | None = None) -> dict[str, Any]:
    view: dict[str, Any] = runtime.read("complaints", lambda f: f.view(runtime.clock()))
    view["complaints"] = [c for c in view["complaints"] if (status is None or c["status"]
                          == status) and (category is None or c["category"] == category)
                          and (agent is None or agent in c["agents"])
                          and (severity is None or c["severity"] == severity)]
    return view


@router.get("/report", summary="Received, resolved, resolution rate and breaches, in total, "
            "per agent and per category")
def report(runtime: RuntimeDep, who: Who,
           since: Annotated[datetime, Query(alias="from")],
           until: Annotated[datetime | None, Query(alias="to")] = None) -> dict[str, Any]:
    lo = epoch_seconds(since, "from")
    hi = epoch_seconds(until, "to")
    if hi is None:  # up to now, now included
        hi = math.nextafter(runtime.clock(), math.inf)
    assert lo is not None
    found: dict[str, Any] = runtime.read("complaints", lambda f: f.report(lo, hi))
    return found


@router.post("/check-deadlines", response_model=BreachesOut,
             summary="Record the deadline breaches due by now")
def check_deadlines(service: ComplaintsDep, who: Who) -> dict[str, Any]:
    now = service.clock()
    breaches = service.check_deadlines(now)
    return {"checked_at": now, "breaches": [b.__dict__ for b in breaches]}


@router.get("/{reference}", response_model=ComplaintOut, summary="One complaint")
def get_complaint(reference: Ref, service: ComplaintsDep, who: Who) -> dict[str, Any]:
    return _out(service.get(reference))


@router.get("/{reference}/timeline", response_model=TimelineOut,
            summary="The complaint's events merged with its calls' events, recordings and "
                    "the agents' state at the time")
def timeline(reference: Ref, service: ComplaintsDep, who: Who) -> dict[str, Any]:
    return service.timeline(reference)


@router.post("/{reference}/calls", response_model=ComplaintOut,
             summary="Link a call (and the agents who took or dialled it)")
def link_call(reference: Ref, body: LinkCall, service: ComplaintsDep,
              who: Who) -> dict[str, Any]:
    return _out(service.link_call(reference, who.name, body.call))


@router.post("/{reference}/agents", response_model=ComplaintOut, summary="Link an agent")
def link_agent(reference: Ref, body: LinkAgent, service: ComplaintsDep,
               who: Who) -> dict[str, Any]:
    return _out(service.change(reference, lambda c, at: c.link_agent(
        at, who.name, body.agent, body.agent_name)))


def _step(path: str, model: type[BaseModel], summary: str, act: Any) -> None:
    """A lifecycle step: POST ``/{reference}/<path>`` with ``model``; ``act(complaint, at,
    by, body, deadlines)`` changes the complaint (``deadlines``: the center's policy)."""

    def endpoint(reference: Ref, body: BaseModel, service: ComplaintsDep,
                 who: Who) -> dict[str, Any]:
        return _out(service.change(reference, lambda c, at: act(c, at, who.name, body,
                                                               service.policy)))

    endpoint.__annotations__["body"] = model  # the step's own request model
    endpoint.__name__ = path.replace("-", "_")
    router.post(f"/{{reference}}/{path}", response_model=ComplaintOut,
                summary=summary)(endpoint)


_step("assign", Assign, "Assign to a handler",
      lambda c, at, by, b, p: c.assign(at, by, b.handler))
_step("notes", Note, "Add an investigation note",
      lambda c, at, by, b, p: c.add_note(at, by, b.text))
_step("customer-updates", CustomerUpdate, "Record that the customer was updated",
      lambda c, at, by, b, p: c.update_customer(at, by, b.how, b.message))
_step("escalate", Escalate, "Escalate",
      lambda c, at, by, b, p: c.escalate(at, by, b.to, b.reason))
_step("severity", Severity, "Change the severity (deadlines follow)",
      lambda c, at, by, b, p: c.change_severity(at, by, b.severity, b.major_reason,
                                                p))
_step("resolve", Resolve, "Resolve (resolution, responsibility, penalty note)",
      lambda c, at, by, b, p: c.resolve(at, by, b.resolution, b.responsibility,
                                        b.penalty_note))
_step("follow-up", FollowUp, "Record a follow-up visit (satisfied or not)",
      lambda c, at, by, b, p: c.follow_up(at, by, b.satisfied, b.note))
_step("close", Close, "Close a resolved complaint",
      lambda c, at, by, b, p: c.close(at, by, b.note))
_step("reopen", Reopen, "Reopen a resolved or closed complaint",
      lambda c, at, by, b, p: c.reopen(at, by, b.reason, p))
