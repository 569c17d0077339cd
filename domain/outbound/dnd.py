"""The do-not-disturb registry and the guard outbound dials go through.

``DndRegistry`` is one aggregate for the center's whole list, so its aggregate version is
the registry's version: it goes up by one with every change (an entry added, a batch
imported, an entry removed), and a refused dial names the version that refused it.
Numbers are kept as their digits only (``+1 (202) 555-0101`` -> ``12025550101``).

``OutboundDial`` records one dial asked of Callboard: who asked, for which number, and
the guard's verdict (``Refused`` with the registry version and the entry's source, or
``Cleared`` with the version that let it through). The Originate action records what
the PBX answered on the same aggregate (it lives here because the guard and the dial it
judges belong together).
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.errors import DndNumberRefused, InvalidChoice, NotOnDndList
from domain.ids import NAMESPACE

__all__ = ["DND_SOURCES", "DndEntry", "DndRegistry", "OutboundDial", "dial_id",
           "normalise_number", "registry_id"]

DND_SOURCES = ("wrap-up", "complaint", "import", "admin")


def registry_id(name: str = "default") -> UUID:
    return uuid5(NAMESPACE, f"dnd:{name}")


def dial_id(key: str) -> UUID:
    """One OutboundDial per request key (e.g. the Originate's ActionID)."""
    return uuid5(NAMESPACE, f"dial:{key}")


def normalise_number(number: str) -> str:
    digits = "".join(ch for ch in number if ch.isdigit())
    if not digits:
        raise InvalidChoice(f"not a phone number: {number!r}")
    return digits


@dataclass(frozen=True)
class DndEntry:
    number: str
    source: str
    by: str
    at: float
    call_id: str = ""
    complaint: str = ""
    note: str = ""


class DndRegistry(Aggregate):
    """The numbers that asked not to be called again."""

    @staticmethod
    def create_id(name: str, **kwargs: object) -> UUID:
        return registry_id(name)

    @event("Started")
    def __init__(self, name: str, at: float) -> None:
        self.name = name
        self.entries: dict[str, DndEntry] = {}

    # -- queries -------------------------------------------------------------------------
    def entry(self, number: str) -> DndEntry | None:
        return self.entries.get(normalise_number(number))

    def check_dial(self, number: str) -> int:
        """The guard: returns the registry version that lets ``number`` be dialled, or
        raises ``DndNumberRefused`` naming the version that refused it."""
        found = self.entry(number)
        if found is not None:
            raise DndNumberRefused(
                f"{found.number} is on the do-not-disturb list (added from "
                f"{found.source} by {found.by}); registry version {self.version}",
                found.number, self.version, found.source)
        return self.version

    # -- changes -------------------------------------------------------------------------
    def add(self, at: float, by: str, number: str, source: str, call_id: str = "",
            complaint: str = "", note: str = "") -> bool:
        """False when the number is already listed (nothing changes then)."""
        if source not in DND_SOURCES:
            raise InvalidChoice(f"unknown DND source {source!r}: use one of "
                                f"{', '.join(DND_SOURCES)}")
        digits = normalise_number(number)
        if digits in self.entries:
            return False
        self._added(at, by, digits, source, call_id, complaint, note)
        return True

    @event("Added")
    def _added(self, at: float, by: str, number: str, source: str, call_id: str,
               complaint: str, note: str) -> None:
        self.entries[number] = DndEntry(number, source, by, at, call_id, complaint, note)

    def import_numbers(self, at: float, by: str, numbers: list[str],
                       file_name: str) -> list[str]:
        """An admin's CSV import: one change for the batch. Returns the numbers newly
        listed (digits); those already listed or repeated are left out."""
        new: list[str] = []
        for number in numbers:
            digits = normalise_number(number)
            if digits not in self.entries and digits not in new:
                new.append(digits)
        if new:
            self._imported(at, by, new, file_name)
        return new

    @event("Imported")
    def _imported(self, at: float, by: str, numbers: list[str], file_name: str) -> None:
        for number in numbers:
            self.entries[number] = DndEntry(number, "import", by, at, note=file_name)

    def remove(self, at: float, by: str, number: str, reason: str) -> None:
        digits = normalise_number(number)
        if digits not in self.entries:
            raise NotOnDndList(f"{digits} is not on the do-not-disturb list")
        if not reason.strip():
            raise InvalidChoice("a reason is required to remove a number from the list")
        self._removed(at, by, digits, reason.strip())

    @event("Removed")
    def _removed(self, at: float, by: str, number: str, reason: str) -> None:
        del self.entries[number]


class OutboundDial(Aggregate):
    """One outbound dial asked of Callboard, and the DND guard's verdict on it."""

    @staticmethod
    def create_id(key: str, **kwargs: object) -> UUID:
        return dial_id(key)

    @classmethod
    def request(cls, key: str, at: float, by: str, agent: str, number: str,
                registry: DndRegistry) -> OutboundDial:
        """Ask for a dial and judge it at once: the result is ``Refused`` or
        ``Cleared`` (``refused`` tells which). The caller saves it either way."""
        dial = cls(key=key, at=at, by=by, agent=agent, number=normalise_number(number))
        try:
            version = registry.check_dial(number)
        except DndNumberRefused as refusal:
            dial._refused(at, "dnd", refusal.version, refusal.source)
        else:
            dial._cleared(at, version)
        return dial

    @event("Requested")
    def __init__(self, key: str, at: float, by: str, agent: str, number: str) -> None:
        self.key = key
        self.requested_at = at
        self.by = by
        self.agent = agent
        self.number = number
        self.refused = False
        self.reason = ""
        self.registry_version: int | None = None

    @event("Refused")
    def _refused(self, at: float, reason: str, registry_version: int, dnd_source: str) -> None:
        self.refused, self.reason, self.registry_version = True, reason, registry_version

    @event("Cleared")
    def _cleared(self, at: float, registry_version: int) -> None:
        self.registry_version = registry_version
