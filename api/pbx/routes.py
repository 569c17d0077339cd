"""REST for PBX actions (``/api/pbx``): supervisors listen / whisper / barge on a live
call; agents (or supervisors for them) log in to a queue, log out, pause with a reason,
unpause; click-to-dial through the DND guard. Each action is recorded with who asked and
the PBX's answer; a PBX ``Error`` comes back as a 4xx/5xx naming the PBX's message
(``answered``); no connection (503), no answer in time (504) and a DND refusal (409) are
domain errors, answered by ``api.app``."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException
from pydantic import BaseModel, Field

from api.auth import Principal, own_extension
from api.deps import Who, service
from api.pbx.service import PbxActions, http_status, record_dict
from api.schemas import Open
from domain.pbx_actions.action import PbxAction

__all__ = ["router"]

router = APIRouter(prefix="/api/pbx", tags=["pbx actions"])
Extension = Annotated[str, Field(pattern=r"^\d{2,10}$")]
Name = Annotated[str, Field(min_length=1, max_length=80, pattern=r"^[^\r\n]*$")]
PbxDep = Annotated[PbxActions, Depends(service("pbx", PbxActions))]
CallRef = Annotated[str, Field(min_length=1, max_length=80)]


class ActionOut(Open):
    action_id: str
    kind: str
    action: str
    fields: dict[str, str]
    by: str
    outcome: str | None
    response: str
    message: str
    ok: bool
    state: str = Field(description="requested, queued (an Async Originate the PBX has "
                       "queued), connected or failed: GET /api/pbx/actions/{id} again to "
                       "see a queued one end")
    detail: str = Field(description="why: the PBX's answer, or its OriginateResponse "
                        "Reason in words")


class DialOut(ActionOut):
    number: str
    registry_version: int | None


class Supervise(BaseModel):
    extension: Extension | None = Field(None, description="the supervisor's own phone: "
                                        "only the extension bound to the user is accepted")


class Login(BaseModel):
    queue: Name
    name: Annotated[str, Field(max_length=80, pattern=r"^[^\r\n]*$")] = ""
    paused: bool = False
    reason: Annotated[str, Field(max_length=80, pattern=r"^[^\r\n]*$")] = ""


class Logout(BaseModel):
    queue: Name


class Pause(BaseModel):
    reason: Name
    queue: Annotated[str, Field(max_length=80, pattern=r"^[^\r\n]*$")] = ""


class Unpause(BaseModel):
    queue: Annotated[str, Field(max_length=80, pattern=r"^[^\r\n]*$")] = ""


class Dial(BaseModel):
    number: Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[0-9+()\-. ]+$")]
    extension: Extension | None = Field(None, description="supervisors: the agent's "
                                        "extension (agents dial from their own)")


def answered(record: PbxAction) -> dict[str, Any]:
    """The record, or the PBX's refusal as a clear 4xx/5xx (the record is kept)."""
    if not record.ok:
        raise HTTPException(http_status(record.message),
                            f"the PBX refused {record.action} ({record.kind}): "
                            f"{record.message or record.response or 'no message'}",
                            headers={"X-Pbx-Action": record.action_id})
    return record_dict(record)


def _own(who: Principal, extension: str) -> None:
    """Agents act on their own (bound) extension only."""
    if who.role == "agent" and own_extension(who) != extension:
        raise HTTPException(403, f"agents act on their own extension only, not {extension}")


def _user_extension(who: Principal, given: str | None, what: str) -> str:
    extension = given or who.extension
    if not extension:
        raise HTTPException(422, f"give the {what} extension (user {who.name!r} has none "
                            f"bound: `callboard user add {who.name} --role {who.role} "
                            "--extension EXT`)")
    return extension


def _spy_phone(who: Principal, given: str | None) -> str:
    """The phone a supervisor listens from: their own bound extension only. Letting the
    body name any phone let a supervisor put a call's audio on a phone someone else
    answers (or on no desk at all); without a bound one, ``NoExtensionBound`` (409) says
    how to bind it."""
    mine = own_extension(who)
    if given is not None and given != mine:
        raise HTTPException(403, f"supervisors listen from their own extension only ({mine}),"
                            f" not {given}: leave it out, or have an admin bind another "
                            f"(`callboard user add {who.name} --role {who.role} "
                            "--extension EXT`)")
    return mine


@router.post("/calls/{call}/{mode}", response_model=ActionOut,
             summary="Listen, whisper or barge on a live call (ChanSpy for your own phone)")
def supervise(call: CallRef, mode: Literal["listen", "whisper", "barge"], body: Supervise,
              pbx: PbxDep, who: Who) -> dict[str, Any]:
    return answered(pbx.supervise(who.name, mode, call, _spy_phone(who, body.extension)))


@router.post("/agents/{extension}/login", response_model=ActionOut,
             summary="Log an agent in to a queue (QueueAdd)")
def login(extension: Extension, body: Login, pbx: PbxDep, who: Who) -> dict[str, Any]:
    _own(who, extension)
    return answered(pbx.login(who.name, extension, body.queue, body.name, body.paused,
                              body.reason))


@router.post("/agents/{extension}/logout", response_model=ActionOut,
             summary="Log an agent out of a queue (QueueRemove)")
def logout(extension: Extension, body: Logout, pbx: PbxDep, who: Who) -> dict[str, Any]:
    _own(who, extension)
    return answered(pbx.logout(who.name, extension, body.queue))


@router.post("/agents/{extension}/pause", response_model=ActionOut,
             summary="Pause an agent with a reason (QueuePause), in one queue or all")
def pause(extension: Extension, body: Pause, pbx: PbxDep, who: Who) -> dict[str, Any]:
    _own(who, extension)
    return answered(pbx.pause(who.name, extension, body.reason, body.queue))


@router.post("/agents/{extension}/unpause", response_model=ActionOut,
             summary="Unpause an agent (QueuePause Paused=false), in one queue or all")
def unpause(extension: Extension, body: Unpause, pbx: PbxDep, who: Who) -> dict[str, Any]:
    _own(who, extension)
    return answered(pbx.unpause(who.name, extension, body.queue))


@router.post("/dial", response_model=DialOut,
             summary="Click-to-dial: refused (409) when the number is on the DND list")
def dial(body: Dial, pbx: PbxDep, who: Who) -> dict[str, Any]:
    mine = own_extension(who) if who.role == "agent" else None
    if mine is not None and body.extension not in (None, mine):
        raise HTTPException(403, f"agents dial from their own extension only ({mine})")
    extension = _user_extension(who, mine or body.extension, "agent's")
    call, record = pbx.dial(who.name, extension, body.number)  # DND refusal: 409
    return {**answered(record), "number": call.number,
            "registry_version": call.registry_version}


@router.get("/actions/{action_id}", response_model=ActionOut,
            summary="A recorded PBX action: who asked, the fields sent, the PBX's answer")
def action(action_id: CallRef, pbx: PbxDep, who: Who) -> dict[str, Any]:
    return record_dict(pbx.get(action_id))
