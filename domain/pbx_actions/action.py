"""One action Callboard asked of the PBX, who asked for it, and what the PBX answered.

``PbxAction`` is created ``Requested`` (who, which kind of action, the AMI action and its
fields, and the call it is about, if any) before anything is sent, then settles once:
``Answered`` with the PBX's ``Response`` and ``Message`` (``Success`` or ``Error``), or
``Failed`` when no answer came (not connected, connection lost, timeout). The id follows
from the AMI ActionID, so the answer found in the feed can be matched to the request.
"""

from __future__ import annotations

from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.errors import InvalidChoice, PbxActionSettled
from domain.ids import NAMESPACE

__all__ = ["PBX_ACTION_KINDS", "PbxAction", "pbx_action_id"]

# listen / whisper / barge: ChanSpy for a supervisor; login / logout / pause / unpause:
# QueueAdd / QueueRemove / QueuePause; dial: click-to-dial Originate
PBX_ACTION_KINDS = ("listen", "whisper", "barge", "login", "logout", "pause", "unpause",
                    "dial")


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

    # -- invariants --------------------------------------------------------------------
    def check_unsettled(self) -> None:
        if self.outcome is not None:
            raise PbxActionSettled(f"PBX action {self.action_id} already {self.outcome}")

    @property
    def ok(self) -> bool:
        return self.outcome == "answered" and self.response.lower() in ("success", "follows")

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
