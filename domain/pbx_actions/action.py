"""One action Callboard asked of the PBX, who asked for it, and what the PBX answered.

``PbxAction`` is created ``Requested`` (who, which kind of action, the AMI action and its
fields, and the call it is about, if any) before anything is sent, then settles once:
``Answered`` with the PBX's ``Response`` and ``Message`` (``Success`` or ``Error``), or
``Failed`` when no answer came (not connected, connection lost, timeout). The id follows
from the AMI ActionID, so the answer found in the feed can be matched to the request.

An ``Async`` Originate (listen, whisper, barge, click-to-dial) is only *queued* by that
answer: Asterisk says "Originate successfully queued" and tells later, in an
``OriginateResponse`` event with the same ActionID, whether the channel answered
(``Response: Success``) or not (``Failure`` and a ``Reason``). Ingestion folds that event
in as ``Originated``. ``state`` reads the whole story: ``requested`` -> ``queued`` ->
``connected`` | ``failed`` for an Async Originate; ``requested`` -> ``connected`` (the PBX
did it) | ``failed`` (refused, or no answer) for the others. We chose to record the outcome
from the feed rather than have the request wait for it, because the outcome can come
seconds later (a phone rings) and a restart in between must not lose it: the frame is
stored and the event is written in its batch.
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.errors import InvalidChoice, PbxActionSettled
from domain.ids import NAMESPACE

__all__ = ["ORIGINATE_REASONS", "PBX_ACTION_KINDS", "OriginateOutcome", "PbxAction",
           "originate_reason", "pbx_action_id"]

# listen / whisper / barge: ChanSpy for a supervisor; login / logout / pause / unpause:
# QueueAdd / QueueRemove / QueuePause; dial: click-to-dial Originate
PBX_ACTION_KINDS = ("listen", "whisper", "barge", "login", "logout", "pause", "unpause",
                    "dial")


# OriginateResponse's Reason: the last control frame the channel saw (Asterisk's
# AST_CONTROL_* numbers), so "0" is a channel that could not be made at all
ORIGINATE_REASONS = {"0": "the channel could not be created (no such extension or device)",
                     "1": "hung up", "3": "rang without an answer", "4": "answered",
                     "5": "busy", "8": "congestion"}


def originate_reason(response: str, reason: str) -> str:
    """The PBX's outcome in words, with its own values kept: ``Failure (Reason 0: ...)``."""
    words = ORIGINATE_REASONS.get(reason, "no reason given" if not reason else "")
    return f"{response} (Reason {reason or '-'}{': ' + words if words else ''})"


@dataclass(frozen=True, slots=True)
class OriginateOutcome:
    """An ``OriginateResponse`` from the feed: what became of the Originate with this
    ActionID. Routed to the ``PbxAction`` by ingestion (``adapters.ingest``), not through
    the telephony handler: the telephony domain does not know PBX actions."""

    action_id: str
    at: float
    response: str  # Success | Failure
    reason: str  # the Reason header, a number as text
    channel: str


def pbx_action_id(action_id: str) -> UUID:
    """One PbxAction per AMI ActionID."""
    return uuid5(NAMESPACE, f"pbx-action:{action_id}")


class PbxAction(Aggregate):
    """An AMI action sent on someone's behalf, and its outcome."""

    @staticmethod
    def create_id(action_id: str, **kwargs: object) -> UUID:
        return pbx_action_id(action_id)

    @classmethod
    def request(cls, action_id: str, at: float, by: str, kind: str, action: str,
                fields: dict[str, str], call: str = "") -> PbxAction:
        if kind not in PBX_ACTION_KINDS:
            raise InvalidChoice(f"unknown PBX action {kind!r}: use one of "
                                f"{', '.join(PBX_ACTION_KINDS)}")
        return cls(action_id=action_id, at=at, by=by, kind=kind, action=action,
                   fields=dict(fields), call=call)

    @event("Requested")
    def __init__(self, action_id: str, at: float, by: str, kind: str, action: str,
                 fields: dict[str, str], call: str) -> None:
        self.action_id = action_id
        self.requested_at = at
        self.by = by
        self.kind = kind
        self.action = action
        self.fields = fields
        self.call = call
        self.outcome: str | None = None  # answered | failed
        self.response = ""  # the PBX's Response header (Success, Error)
        self.message = ""  # its Message, or why no answer came
        self.settled_at: float | None = None
        self.result: str | None = None  # connected | failed, from the OriginateResponse
        self.reason = ""  # the PBX's outcome in words, with its Reason number
        self.concluded_at: float | None = None
        self.channel = ""  # the channel the Originate made, as the PBX named it

    # -- invariants --------------------------------------------------------------------
    def check_unsettled(self) -> None:
        if self.outcome is not None:
            raise PbxActionSettled(f"PBX action {self.action_id} already {self.outcome}")

    @property
    def ok(self) -> bool:
        return self.outcome == "answered" and self.response.lower() in ("success", "follows")

    @property
    def queues(self) -> bool:
        """An Async Originate: its Success answer only means "queued"."""
        return self.action == "Originate" and self.fields.get("Async", "").lower() in (
            "true", "yes", "1")

    @property
    def state(self) -> str:
        """requested | queued | connected | failed (see the module's docstring)."""
        if self.result is not None:
            return self.result
        if self.outcome is None:
            return "requested"
        if not self.ok:
            return "failed"
        return "queued" if self.queues else "connected"

    @property
    def detail(self) -> str:
        """Why the action is in its state, in the PBX's words."""
        return self.reason or self.message

    # -- outcomes ----------------------------------------------------------------------
    def answer(self, at: float, response: str, message: str) -> None:
        self.check_unsettled()
        self._answered(at, response, message)

    @event("Answered")
    def _answered(self, at: float, response: str, message: str) -> None:
        self.outcome, self.response, self.message, self.settled_at = (
            "answered", response, message, at)

    def fail(self, at: float, reason: str) -> None:
        self.check_unsettled()
        self._failed(at, reason)

    @event("Failed")
    def _failed(self, at: float, reason: str) -> None:
        self.outcome, self.message, self.settled_at = "failed", reason, at

    # -- the outcome of an Async Originate ---------------------------------------------
    def conclude(self, outcome: OriginateOutcome) -> None:
        """Fold in the ``OriginateResponse``. It may be read before the answer is saved
        (both come on one socket, written by two threads), so only a second outcome is
        refused, not a missing answer."""
        if self.result is not None:
            raise PbxActionSettled(f"PBX action {self.action_id} already {self.result}")
        result = "connected" if outcome.response.lower() == "success" else "failed"
        self._originated(outcome.at, result, originate_reason(outcome.response,
                                                              outcome.reason),
                         outcome.channel)

    @event("Originated")
    def _originated(self, at: float, result: str, reason: str, channel: str) -> None:
        self.result, self.reason, self.concluded_at = result, reason, at
        self.channel = channel
