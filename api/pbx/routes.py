"""REST for PBX actions (``/api/pbx``): supervisors listen / whisper / barge on a live
call; agents (or supervisors for them) log in to a queue, log out, pause with a reason,
unpause; click-to-dial through the DND guard. Each action is recorded with who asked and
the PBX's answer; a PBX ``Error`` comes back as a 4xx/5xx naming the PBX's message."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Request
from pydantic import BaseModel, Field

from api.auth import Principal
from api.complaints.deps import PoliciesDep, domain_errors
from api.complaints.settings import agent_extension
from api.deps import RuntimeDep, register_access, require
from api.outbound.dnd import DndService
from api.pbx.service import (
    PbxActions,
    PbxTimeout,
    PbxUnavailable,
    http_status,
    record_dict,
)
from api.schemas import Open
from domain.errors import DndNumberRefused
from domain.pbx_actions.action import PbxAction

__all__ = ["ACCESS", "router"]

ACCESS: dict[str, tuple[str, ...]] = {
    "pbx-supervise": ("supervisor",),  # listen / whisper / barge on a live call
    "pbx-agent": ("agent", "supervisor"),  # queue login / logout / pause / unpause
    "pbx-dial": ("agent", "supervisor"),  # click-to-dial (DND guard first)
    "pbx-actions": ("supervisor", "auditor", "admin"),  # read a recorded action
}


def _role(resource: str) -> Callable[[Request], Principal]:
    register_access(ACCESS)
    return require(resource)


router = APIRouter(prefix="/api/pbx", tags=["pbx actions"])
Supervisor = Annotated[Principal, Depends(_role("pbx-supervise"))]
AgentUser = Annotated[Principal, Depends(_role("pbx-agent"))]
Dialler = Annotated[Principal, Depends(_role("pbx-dial"))]
Reader = Annotated[Principal, Depends(_role("pbx-actions"))]
Extension = Annotated[str, Field(pattern=r"^\d{2,10}$")]
Name = Annotated[str, Field(min_length=1, max_length=80, pattern=r"^[^\r\n]*$")]


def get_pbx(request: Request, runtime: RuntimeDep) -> PbxActions:
    """The runtime's AMI client is ``runtime.pbx`` (None or absent: actions answer 503)."""
    return PbxActions(runtime.app, runtime.clock, getattr(runtime, "pbx", None),
                      DndService(runtime.app, runtime.clock),
                      getattr(request.app.state, "pbx_plan", None))


PbxDep = Annotated[PbxActions, Depends(get_pbx)]



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


class DialOut(ActionOut):
    number: str
    registry_version: int | None


class Supervise(BaseModel):
    extension: Extension | None = Field(None, description="the supervisor's phone "
                                        "(default: the digits the user name ends with)")


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


@contextmanager
def pbx_errors() -> Iterator[None]:
    """No connection: 503; no answer in time: 504; domain errors as in complaints."""
    try:
        with domain_errors():
            yield
    except PbxUnavailable as error:
        raise HTTPException(503, str(error)) from error
    except PbxTimeout as error:
        raise HTTPException(504, str(error)) from error


def answered(record: PbxAction) -> dict[str, Any]:
    """The record, or the PBX's refusal as a clear 4xx/5xx (the record is kept)."""
    if not record.ok:
        raise HTTPException(http_status(record.message),
                            f"the PBX refused {record.action} ({record.kind}): "
                            f"{record.message or record.response or 'no message'}",
                            headers={"X-Pbx-Action": record.action_id})
    return record_dict(record)


def _own(who: Principal, extension: str, policies: Any) -> None:
    """Agents act on their own extension only."""
    if who.role == "agent" and agent_extension(who.name, policies) != extension:
        raise HTTPException(403, f"agents act on their own extension only, not {extension}")


def _user_extension(who: Principal, given: str | None, policies: Any, what: str) -> str:
    extension = given or agent_extension(who.name, policies)
    if not extension:
        raise HTTPException(422, f"give the {what} extension (user {who.name!r} has none)")
    return extension


@router.post("/calls/{call}/{mode}", response_model=ActionOut,
             summary="Listen, whisper or barge on a live call (ChanSpy for your phone)")
def supervise(call: Annotated[str, Field(min_length=1, max_length=80)],
              mode: Literal["listen", "whisper", "barge"], body: Supervise, pbx: PbxDep,
              policies: PoliciesDep, who: Supervisor) -> dict[str, Any]:
    extension = _user_extension(who, body.extension, policies, "supervisor's")
    with pbx_errors():
        record = pbx.supervise(who.name, mode, call, extension)
    return answered(record)


@router.post("/agents/{extension}/login", response_model=ActionOut,
             summary="Log an agent in to a queue (QueueAdd)")
def login(extension: Extension, body: Login, pbx: PbxDep, policies: PoliciesDep,
          who: AgentUser) -> dict[str, Any]:
    _own(who, extension, policies)
    with pbx_errors():
        record = pbx.login(who.name, extension, body.queue, body.name, body.paused,
                           body.reason)
    return answered(record)


@router.post("/agents/{extension}/logout", response_model=ActionOut,
             summary="Log an agent out of a queue (QueueRemove)")
def logout(extension: Extension, body: Logout, pbx: PbxDep, policies: PoliciesDep,
           who: AgentUser) -> dict[str, Any]:
    _own(who, extension, policies)
    with pbx_errors():
        record = pbx.logout(who.name, extension, body.queue)
    return answered(record)


@router.post("/agents/{extension}/pause", response_model=ActionOut,
             summary="Pause an agent with a reason (QueuePause), in one queue or all")
def pause(extension: Extension, body: Pause, pbx: PbxDep, policies: PoliciesDep,
          who: AgentUser) -> dict[str, Any]:
    _own(who, extension, policies)
    with pbx_errors():
        record = pbx.pause(who.name, extension, body.reason, body.queue)
    return answered(record)


@router.post("/agents/{extension}/unpause", response_model=ActionOut,
             summary="Unpause an agent (QueuePause Paused=false), in one queue or all")
def unpause(extension: Extension, body: Unpause, pbx: PbxDep, policies: PoliciesDep,
            who: AgentUser) -> dict[str, Any]:
    _own(who, extension, policies)
    with pbx_errors():
        record = pbx.unpause(who.name, extension, body.queue)
    return answered(record)


@router.post("/dial", response_model=DialOut,
             summary="Click-to-dial: refused (409) when the number is on the DND list")
def dial(body: Dial, pbx: PbxDep, policies: PoliciesDep, who: Dialler) -> dict[str, Any]:
    mine = agent_extension(who.name, policies) if who.role == "agent" else None
    if mine is not None and body.extension not in (None, mine):
        raise HTTPException(403, f"agents dial from their own extension only ({mine})")
    extension = _user_extension(who, mine or body.extension, policies, "agent's")
    try:
        with pbx_errors():
            call, record = pbx.dial(who.name, extension, body.number)
    except HTTPException as error:
        cause = error.__cause__
        if isinstance(cause, DndNumberRefused):
            error.headers = {"X-Dnd-Registry-Version": str(cause.version)}
        raise
    return {**answered(record), "number": call.number,
            "registry_version": call.registry_version}


@router.get("/actions/{action_id}", response_model=ActionOut,
            summary="A recorded PBX action: who asked, the fields sent, the PBX's answer")
def action(action_id: Annotated[str, Field(min_length=1, max_length=80)], pbx: PbxDep,
           who: Reader) -> dict[str, Any]:
    with pbx_errors():
        return record_dict(pbx.get(action_id))
