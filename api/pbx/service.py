"""PBX actions on people's behalf: build the AMI action, record the request, send it
through the AMI client ``api.bootstrap`` gives it, record the PBX's answer, and turn a
PBX error into a clear HTTP status (:func:`http_status`).

Supervisors listen / whisper / barge on a live call with a ChanSpy Originate for their
extension (``Local/<ext>@supervisor``, ``Data: <agent channel>,qEb[w|B]``, as the
recorded supervision scenario does); agents (or supervisors for them) log in, log out,
pause with a reason and unpause (``QueueAdd`` / ``QueueRemove`` / ``QueuePause``); a
click-to-dial goes through the DND guard first and is sent only when cleared.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol
from uuid import UUID

from adapters.ami.client import ActionResult
from adapters.store.application import CallCenter
from api.runtime import load
from domain.errors import (
    DndNumberRefused,
    InvalidChoice,
    NoAgentOnCall,
    PbxTimeout,
    PbxUnavailable,
)
from domain.ids import call_id
from domain.outbound.dnd import DndRegistry, OutboundDial
from domain.pbx_actions.action import PbxAction, pbx_action_id
from domain.telephony.call import Call

__all__ = ["SPY_OPTIONS", "DialGuard", "PbxActions", "PbxClient", "PbxPlan", "http_status",
           "record_dict"]

SPY_OPTIONS = {"listen": "qEb", "whisper": "qEbw", "barge": "qEbB"}
_UNSAFE = re.compile(r"[,\r\n]")


class PbxClient(Protocol):
    """What the service needs of ``adapters.ami.client.AmiFeedClient``."""

    def send_action(self, name: str, fields: Mapping[str, str],
                    timeout: float = 5.0) -> ActionResult: ...


class DialGuard(Protocol):
    """The DND guard every click-to-dial goes through first (``api.outbound.dnd``'s
    ``DndService``, given by ``api.bootstrap``): records the dial asked for and whether
    the registry refused it."""

    def request_dial(self, key: str, by: str, agent: str, number: str) -> OutboundDial: ...

    def registry(self) -> DndRegistry: ...


@dataclass(frozen=True)
class PbxPlan:
    """How this PBX's dialplan names things (as in the recorded scenarios). A click-to-dial's
    context, caller id and channel variables are the site's (``api.settings``'s
    ``OriginateSettings``, passed in by ``api.bootstrap``): a dialplan often needs some
    variables (the lab's writes its OUTCALL queue_log line with ``AGENTNAME``). Templates
    may name ``{ext}`` (the agent's extension) and ``{by}`` (the Callboard user)."""

    agent_interface: str = "Local/{ext}@agents/n"
    agent_state_interface: str = "Custom:agent{ext}"
    supervisor_channel: str = "Local/{ext}@supervisor"
    dial_channel: str = "Local/{ext}@agents-out"
    dial_context: str = "outbound"
    dial_caller_id: str = "<{ext}>"
    dial_variables: tuple[tuple[str, str], ...] = ()
    timeout_s: float = 5.0

    def dial_fields(self, extension: str, by: str) -> dict[str, str]:
        """Context, CallerID and ``Variable`` (``A=1,B=2``: Asterisk splits on commas)
        of a click-to-dial. A comma or line break in a filled-in value would split it or
        end the frame, so they become spaces."""
        def fill(template: str) -> str:
            return _UNSAFE.sub(" ", template.format(ext=extension, by=by))
        fields = {"Context": self.dial_context, "CallerID": fill(self.dial_caller_id)}
        if self.dial_variables:
            fields["Variable"] = ",".join(f"{k}={fill(v)}" for k, v in self.dial_variables)
        return fields


def http_status(message: str) -> int:
    """The HTTP status for a PBX ``Error`` answer: 404 when what it names does not exist,
    409 when the PBX's state does not allow it, 502 when the PBX could not do it."""
    text = message.lower()
    if "not found" in text or "no such" in text:
        return 404
    if "already there" in text or "not there" in text:
        return 409
    return 502


def record_dict(record: PbxAction) -> dict[str, Any]:
    return {"action_id": record.action_id, "id": str(record.id), "kind": record.kind,
            "action": record.action, "fields": record.fields, "by": record.by,
            "call": record.call, "requested_at": record.requested_at,
            "outcome": record.outcome, "response": record.response,
            "message": record.message, "ok": record.ok, "state": record.state,
            "detail": record.detail}


class PbxActions:
    def __init__(self, app: CallCenter, clock: Callable[[], float], client: PbxClient | None,
                 dnd: DialGuard, plan: PbxPlan | None = None) -> None:
        self.app, self.clock, self.client, self.dnd = app, clock, client, dnd
        self.plan = plan or PbxPlan()

    # -- supervisors -------------------------------------------------------------------
    def supervise(self, by: str, mode: str, call_ref: str, extension: str) -> PbxAction:
        """ChanSpy on the agent's channel of a live call, for ``extension``'s phone."""
        if mode not in SPY_OPTIONS:
            raise InvalidChoice(f"unknown mode {mode!r}: use listen, whisper or barge")
        call = self._call(call_ref)
        target = self.agent_channel(call)
        fields = {"Channel": self.plan.supervisor_channel.format(ext=extension),
                  "Application": "ChanSpy", "Data": f"{target},{SPY_OPTIONS[mode]}",
                  "CallerID": f"Supervisor <{extension}>", "Async": "true"}
        return self._run(by, mode, "Originate", fields, call=str(call.id))

    def _call(self, ref: str) -> Call:
        try:
            key = UUID(ref)
        except ValueError:
            key = call_id(ref)
        return load(self.app, Call, key, f"call {ref!r} (give a call id or a Linkedid)")

    @staticmethod
    def agent_channel(call: Call) -> str:
        """The channel of the agent talking on a live call (what ChanSpy listens to);
        ``CallAlreadyEnded`` or ``NoAgentOnCall`` when there is none."""
        call.check_not_ended()
        for visit in reversed(call.visits):
            if visit.outcome == "answered" and not visit.completed and visit.agent_channel:
                return visit.agent_channel
        if call.channel.startswith("Local/") and "@agents" in call.channel:  # an agent's dial
            return call.channel
        raise NoAgentOnCall(f"call {call.linkedid} has no agent on it to listen to")

    # -- agents ------------------------------------------------------------------------
    def login(self, by: str, extension: str, queue: str, name: str = "",
              paused: bool = False, reason: str = "") -> PbxAction:
        fields = {"Queue": queue, "Interface": self.plan.agent_interface.format(ext=extension),
                  "StateInterface": self.plan.agent_state_interface.format(ext=extension),
                  "Penalty": "0", "Paused": "true" if paused else "false"}
        if name:
            fields["MemberName"] = name
        if paused and reason:
            fields["Reason"] = reason
        return self._run(by, "login", "QueueAdd", fields)

    def logout(self, by: str, extension: str, queue: str) -> PbxAction:
        fields = {"Queue": queue, "Interface": self.plan.agent_interface.format(ext=extension)}
        return self._run(by, "logout", "QueueRemove", fields)

    def pause(self, by: str, extension: str, reason: str, queue: str = "") -> PbxAction:
        fields = {"Interface": self.plan.agent_interface.format(ext=extension),
                  "Paused": "true", "Reason": reason}
        if queue:
            fields["Queue"] = queue
        return self._run(by, "pause", "QueuePause", fields)

    def unpause(self, by: str, extension: str, queue: str = "") -> PbxAction:
        fields = {"Interface": self.plan.agent_interface.format(ext=extension),
                  "Paused": "false"}
        if queue:
            fields["Queue"] = queue
        return self._run(by, "unpause", "QueuePause", fields)

    # -- click-to-dial -----------------------------------------------------------------
    def dial(self, by: str, extension: str, number: str) -> tuple[OutboundDial, PbxAction]:
        """The DND guard first: a refused dial is recorded and raises ``DndNumberRefused``
        (nothing is sent); a cleared one is originated with the dial's key as ActionID."""
        action_id = self._new_action_id()
        dial = self.dnd.request_dial(action_id, by, extension, number)
        if dial.refused:
            registry = self.dnd.registry()
            entry = registry.entry(dial.number)
            raise DndNumberRefused(
                f"{dial.number} is on the do-not-disturb list; refused by registry "
                f"version {dial.registry_version}; nothing was dialled",
                dial.number, dial.registry_version or 0, entry.source if entry else "")
        fields = {"Channel": self.plan.dial_channel.format(ext=extension),
                  **self.plan.dial_fields(extension, by), "Exten": dial.number,
                  "Priority": "1", "Async": "true"}
        return dial, self._run(by, "dial", "Originate", fields, action_id=action_id)

    # -- sending -----------------------------------------------------------------------
    @staticmethod
    def _new_action_id() -> str:
        return f"cb-pbx-{uuid.uuid4().hex[:16]}"

    def _run(self, by: str, kind: str, action: str, fields: dict[str, str], *,
             call: str = "", action_id: str | None = None) -> PbxAction:
        """Record the request, send it, record the answer (or why none came). Raises
        ``PbxUnavailable`` / ``PbxTimeout`` after recording the failure; an ``Error``
        answer is returned recorded (``record.ok`` is False)."""
        action_id = action_id or self._new_action_id()
        record = PbxAction.request(action_id, self.clock(), by, kind, action, fields, call)
        self.app.save(record)
        if self.client is None:
            return self._fail(record, PbxUnavailable("PBX actions are not enabled: this "
                                                     "server has no AMI connection"))
        try:
            result = self.client.send_action(action, {**fields, "ActionID": action_id},
                                             self.plan.timeout_s)
        except TimeoutError:
            return self._fail(record, PbxTimeout(
                f"the PBX did not answer {action} within {self.plan.timeout_s:g} s"))
        except ConnectionError as error:
            return self._fail(record, PbxUnavailable(f"no AMI connection: {error}"))
        record.answer(self.clock(), result.headers.get("Response", ""),
                      result.headers.get("Message", ""))
        self.app.save(record)
        return record

    def _fail(self, record: PbxAction, error: Exception) -> PbxAction:
        record.fail(self.clock(), str(error))
        self.app.save(record)
        raise error

    def get(self, action_id: str) -> PbxAction:
        return load(self.app, PbxAction, pbx_action_id(action_id),
                    f"PBX action {action_id!r}")
