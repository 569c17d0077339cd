"""Agent wrap-up of a call (disposition and notes) and the customer classification.

``Wrapup``: one aggregate per call. The agent sets a disposition (wrap-up code) and notes;
setting it again replaces it (the latest counts), every setting stays in the log. Codes:
``sale``, ``intent``, ``callback`` (with the time to call back), ``not-interested``,
``dnd-request`` (the number goes on the DND list) and ``complaint`` (flags the call for
the complaint handlers). The event carries what figures need later without looking the
call up: the agent, the customer's number, the call's start.

``classify``: a customer's class follows from their dispositions, in the order they
were set:

- ``sale`` makes them ``closed``; a closed customer stays closed;
- ``intent`` makes them ``intent`` (``near-closing`` when a callback is already booked
  after an earlier intent);
- ``callback`` moves an ``intent`` customer to ``near-closing`` and leaves anyone
  else ``potential``;
- ``not-interested`` puts them back to ``potential`` (unless closed);
- ``dnd-request`` and ``complaint`` leave the class as it is (``potential`` if none yet).

A customer with no disposition is not classified (``None``).
"""

from __future__ import annotations

from collections.abc import Iterable
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.errors import InvalidChoice
from domain.ids import NAMESPACE

__all__ = ["CLASSES", "CODES", "Wrapup", "classify", "wrapup_id"]

CODES = ("sale", "intent", "callback", "not-interested", "dnd-request", "complaint")
CLASSES = ("potential", "intent", "near-closing", "closed")


def wrapup_id(call_id: str) -> UUID:
    """One Wrapup per call (the Call aggregate's id)."""
    return uuid5(NAMESPACE, f"wrapup:{call_id}")


def classify(codes: Iterable[str]) -> str | None:
    """The customer's class after these dispositions (oldest first)."""
    stage: str | None = None
    for code in codes:
        if stage == "closed":
            continue
        if code == "sale":
            stage = "closed"
        elif code == "intent":
            stage = "near-closing" if stage == "near-closing" else "intent"
        elif code == "callback":
            stage = "near-closing" if stage in ("intent", "near-closing") else "potential"
        elif code == "not-interested":
            stage = "potential"
        else:  # dnd-request, complaint
            stage = stage or "potential"
    return stage


class Wrapup(Aggregate):
    """The wrap-up of one call."""

    @staticmethod
    def create_id(call_id: str, **kwargs: object) -> UUID:
        return wrapup_id(call_id)

    @event("Started")
    def __init__(self, call_id: str, linkedid: str, at: float) -> None:
        self.call_id = call_id
        self.linkedid = linkedid
        self.code: str | None = None
        self.agent = ""
        self.notes = ""
        self.callback_at: float | None = None
        self.customer_number = ""

    @staticmethod
    def check_code(code: str, at: float, callback_at: float | None) -> None:
        if code not in CODES:
            raise InvalidChoice(f"unknown wrap-up code {code!r}: use one of {', '.join(CODES)}")
        if code == "callback" and (callback_at is None or callback_at <= at):
            raise InvalidChoice("a callback needs a time to call back, later than now")
        if code != "callback" and callback_at is not None:
            raise InvalidChoice(f"a callback time goes only with the code 'callback', not "
                                f"{code!r}")

    def set_disposition(self, at: float, by: str, agent: str, code: str, notes: str,
                        customer_number: str, call_started_at: float,
                        callback_at: float | None = None) -> None:
        """``agent``: the extension of the agent whose wrap-up it is (figures count it
        for them, on the day the call started)."""
        self.check_code(code, at, callback_at)
        if not agent:
            raise InvalidChoice("the agent whose wrap-up it is is required")
        self._disposition_set(at, by, agent, code, notes.strip(), callback_at,
                              customer_number, call_started_at, self.call_id, self.linkedid)

    @event("DispositionSet")
    def _disposition_set(self, at: float, by: str, agent: str, code: str, notes: str,
                         callback_at: float | None, customer_number: str,
                         call_started_at: float, call_id: str, linkedid: str) -> None:
        self.code, self.agent, self.notes = code, agent, notes
        self.callback_at, self.customer_number = callback_at, customer_number

    def add_note(self, at: float, by: str, text: str) -> None:
        if not text.strip():
            raise InvalidChoice("a note is required")
        self._note_added(at, by, text.strip())

    @event("NoteAdded")
    def _note_added(self, at: float, by: str, text: str) -> None:
        self.notes = f"{self.notes}\n{text}" if self.notes else text
