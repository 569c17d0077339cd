"""REST: the DND registry, agents' wrap-up of calls, and customers' classification."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, UploadFile
from pydantic import BaseModel, Field

from api.auth import Principal, own_extension
from api.deps import Who, service
from api.outbound.dnd import DndService
from api.outbound.wrapup import WrapupService
from api.schemas import Open
from domain.time import epoch_seconds

__all__ = ["router"]

router = APIRouter(prefix="/api", tags=["dnd and wrap-up"])
DndDep = Annotated[DndService, Depends(service("dnd", DndService))]
WrapupDep = Annotated[WrapupService, Depends(service("wrapup", WrapupService))]
Number = Annotated[str, Field(min_length=1, max_length=40)]
CallRef = Annotated[str, Field(min_length=1, max_length=80)]


class DndLookup(Open):
    number: str
    listed: bool
    entry: dict[str, Any] | None
    version: int


class DndChange(Open):
    number: str
    version: int


class DndList(Open):
    version: int
    count: int
    entries: list[dict[str, Any]]


class DndImport(Open):
    read: int
    added: int
    already_listed: int
    refused: list[dict[str, Any]]
    version: int


class WrapupOut(Open):
    call_id: str
    linkedid: str
    code: str | None
    agent: str | None
    notes: str
    callback_at: float | None


class CustomerOut(Open):
    number: str
    dispositions: list[dict[str, Any]]


class AddDnd(BaseModel):
    number: Number
    note: Annotated[str, Field(max_length=2000)] = ""
    complaint: Annotated[str, Field(max_length=40, description="the complaint it comes "
                                    "from, if any")] = ""


class SetWrapup(BaseModel):
    code: Annotated[str, Field(max_length=40, description="sale, intent, callback, "
                               "not-interested, dnd-request or complaint")]
    notes: Annotated[str, Field(max_length=5000)] = ""
    callback_at: datetime | None = Field(None, description="with 'callback': when to call")
    agent: Annotated[str | None, Field(max_length=40, description="supervisors: the "
                                       "agent's extension (default: the call's last)")] = None


class WrapupNote(BaseModel):
    text: Annotated[str, Field(min_length=1, max_length=5000)]


# -- DND -------------------------------------------------------------------------------
@router.get("/dnd", response_model=DndList, summary="The DND list, newest first")
def dnd_list(dnd: DndDep, who: Who, offset: Annotated[int, Query(ge=0)] = 0,
             limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> dict[str, Any]:
    return dnd.entries(offset, limit)


@router.post("/dnd", status_code=201, response_model=DndChange,
             summary="Add a number (from an admin, or from a complaint)")
def dnd_add(body: AddDnd, dnd: DndDep, who: Who) -> dict[str, Any]:
    source = "complaint" if body.complaint or who.role == "complaints" else "admin"
    added, version = dnd.add(who.name, body.number, source, complaint=body.complaint,
                             note=body.note)
    found = dnd.lookup(body.number)
    return {**found, "added": added, "version": version}


@router.post("/dnd/import", response_model=DndImport,
             summary="Import a CSV of numbers (one per line, or a number/phone column)")
async def dnd_import(file: UploadFile, dnd: DndDep, who: Who) -> dict[str, Any]:
    # The HTTP edge (api/system/edge.py) has already refused a body over
    # CALLBOARD_HTTP_MAX_UPLOAD_BYTES with 413, before it was read.
    data = await file.read()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise HTTPException(422, f"the file is not UTF-8 text: {error}") from error
    report = dnd.import_csv(who.name, text, file.filename or "upload.csv")
    return report


@router.get("/dnd/{number}", response_model=DndLookup, summary="Is this number on the list?")
def dnd_lookup(number: Number, dnd: DndDep, who: Who) -> dict[str, Any]:
    return dnd.lookup(number)


@router.delete("/dnd/{number}", response_model=DndChange,
               summary="Remove a number (with the reason)")
def dnd_remove(number: Number, dnd: DndDep, who: Who,
               reason: Annotated[str, Query(min_length=1, max_length=2000)]) -> dict[str, Any]:
    version = dnd.remove(who.name, number, reason)
    found = dnd.lookup(number)
    return {**found, "version": version}


# -- wrap-up ---------------------------------------------------------------------------
def _acting_agent(who: Principal) -> str | None:
    """An agent acts on their own calls only: their bound extension; None for a
    supervisor."""
    return own_extension(who) if who.role == "agent" else None


@router.get("/calls/{call}/wrapup", response_model=WrapupOut, summary="A call's wrap-up")
def wrapup_get(call: CallRef, service: WrapupDep,
               who: Who) -> dict[str, Any]:
    out = service.get(call)
    mine = _acting_agent(who)
    if mine is not None and mine not in out["agents"]:
        raise HTTPException(403, f"call {out['linkedid']} is not yours")
    return out


@router.put("/calls/{call}/wrapup", response_model=WrapupOut,
            summary="Set the disposition and notes (the latest counts)")
def wrapup_set(call: CallRef, body: SetWrapup, service: WrapupDep,
               who: Who) -> dict[str, Any]:
    out = service.set(call, who.name, body.code, body.notes,
                      epoch_seconds(body.callback_at, "callback_at"),
                      by_agent=_acting_agent(who), agent=body.agent)
    return out


@router.post("/calls/{call}/wrapup/notes", response_model=WrapupOut,
             summary="Add a note to a call's wrap-up")
def wrapup_note(call: CallRef, body: WrapupNote, service: WrapupDep,
                who: Who) -> dict[str, Any]:
    out = service.add_note(call, who.name, body.text,
                           by_agent=_acting_agent(who))
    return out


@router.get("/customers/{number}", response_model=CustomerOut,
            summary="A customer's class (potential, intent, near-closing, closed) from the "
                    "dispositions of their calls")
def customer(number: Number, service: WrapupDep,
             who: Who) -> dict[str, Any]:
    return service.customer(number)
