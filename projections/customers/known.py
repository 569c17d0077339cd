"""The customers Callboard has seen: every number and name it knows as a customer's, so
that masking (``domain.access.masking``) can find them by value in any text.

Known numbers: the caller number of every call, dialled numbers (click-to-dial and the
PBX's ``Exten``), complaint numbers and contacts, DND numbers, wrap-up customer numbers.
Known names: the caller name of inbound calls (a queued caller, or a caller whose number is
a customer's number: an outbound call's caller id is the agent, whose name every role
sees) and complaint customer names. Only what can be matched by value is kept
(``customer_number``, ``customer_name``): an extension is not a customer's number.

``version`` grows with every number or name added, so a holder rebuilds its matcher only
when the set grew. The view says how many, never which: it may be printed.
"""

from __future__ import annotations

from typing import Any

from domain.access.masking import customer_name, customer_number
from domain.complaints.complaint import Complaint
from domain.outbound.dnd import DndRegistry, OutboundDial
from domain.outbound.wrapup import Wrapup
from domain.pbx_actions.action import PbxAction
from domain.telephony.call import Call
from projections.topics import DatedDispatching, Table, on, topics_of

__all__ = ["KnownCustomersFold"]


class KnownCustomersFold(DatedDispatching):
    name = "customers"

    def __init__(self) -> None:
        self.numbers: set[str] = set()
        self.names: set[str] = set()
        self.version = 0
        self.handlers = self.table()
        self.topics = topics_of(self.handlers)

    def table(self) -> Table:
        return {
            **on(Call, Started=self._call, Queued=self._queued, DialStarted=self._dialed),
            **on(Complaint, Opened=self._complaint),
            **on(DndRegistry, Added=self._dnd, Imported=self._imported),
            **on(OutboundDial, Requested=self._dialed),
            **on(Wrapup, DispositionSet=self._wrapup),
            **on(PbxAction, Requested=self._action),
        }

    def _number(self, value: Any) -> None:
        number = customer_number(value) if isinstance(value, str) else None
        if number is not None and number not in self.numbers:
            self.numbers.add(number)
            self.version += 1

    def _name(self, value: Any) -> None:
        name = customer_name(value) if isinstance(value, str) else None
        if name is not None and name not in self.names:
            self.names.add(name)
            self.version += 1

    def _call(self, e: Any) -> None:
        self._number(e.caller_number)
        if customer_number(e.caller_number or ""):
            self._name(e.caller_name)

    def _queued(self, e: Any) -> None:
        self._number(e.caller_number)
        self._name(e.caller_name)

    def _dialed(self, e: Any) -> None:
        self._number(e.number)

    def _complaint(self, e: Any) -> None:
        self._number(e.customer_number)
        self._number(e.customer_contact)  # a phone number; an e-mail address is not
        self._name(e.customer_name)

    def _dnd(self, e: Any) -> None:
        self._number(e.number)

    def _imported(self, e: Any) -> None:
        for number in e.numbers:
            self._number(number)

    def _wrapup(self, e: Any) -> None:
        self._number(e.customer_number)

    def _action(self, e: Any) -> None:
        if e.kind == "dial":
            self._number(e.fields.get("Exten", ""))

    def view(self, now: float) -> dict[str, Any]:
        return {"numbers": len(self.numbers), "names": len(self.names),
                "version": self.version}
