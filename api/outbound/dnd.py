"""The DND registry service: add, remove, look up, import a CSV, and the guard every
outbound dial through Callboard goes through (``request_dial``: the Originate action
calls it first and places the call only when it comes back cleared)."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import asdict
from typing import Any, TypeVar

from eventsourcing.persistence import IntegrityError

from adapters.store.application import CallCenter
from api.runtime import find
from domain.errors import AlreadyExists, InvalidChoice
from domain.outbound.dnd import DndEntry, DndRegistry, OutboundDial, normalise_number, registry_id

__all__ = ["DndService", "entry_dict", "parse_numbers"]

T = TypeVar("T")
HEADER_WORDS = ("number", "phone", "msisdn", "tel", "mobile")
MAX_IMPORT = 1_000_000


def entry_dict(entry: DndEntry | None) -> dict[str, Any] | None:
    return None if entry is None else asdict(entry)


def parse_numbers(text: str) -> tuple[list[str], list[dict[str, Any]]]:
    """A CSV of numbers: one per line, or in the column named number/phone/msisdn/tel/
    mobile of a header line. Returns the numbers and the rows refused (line, why)."""
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as error:
        raise InvalidChoice(f"not a CSV file: {error}") from error
    column = 0
    first = 0
    if rows and rows[0] and not any(ch.isdigit() for ch in "".join(rows[0])):
        header = [cell.strip().lower() for cell in rows[0]]
        column = next((i for i, h in enumerate(header) if h in HEADER_WORDS), 0)
        first = 1
    numbers: list[str] = []
    refused: list[dict[str, Any]] = []
    for line, row in enumerate(rows[first:], start=first + 1):
        if not row or not "".join(row).strip():
            continue
        value = row[column].strip() if column < len(row) else ""
        try:
            numbers.append(normalise_number(value))
        except InvalidChoice as error:
            refused.append({"line": line, "value": value[:40], "why": str(error)})
    if len(numbers) > MAX_IMPORT:
        raise InvalidChoice(f"{len(numbers)} numbers: import at most {MAX_IMPORT} at once")
    return numbers, refused


class DndService:
    def __init__(self, app: CallCenter, clock: Callable[[], float]) -> None:
        self.app, self.clock = app, clock

    def registry(self) -> DndRegistry:
        """The registry as stored (a new, unsaved one before the first entry)."""
        return find(self.app, DndRegistry, registry_id()) or DndRegistry("default",
                                                                        self.clock())

    def _change(self, step: Callable[[DndRegistry, float], T]) -> tuple[T, int]:
        """Apply ``step`` to the registry and save it; again if someone changed it first.
        Returns the step's result and the registry's version after it."""
        for attempt in range(3):
            registry = self.registry()
            result = step(registry, self.clock())
            try:
                self.app.save(registry)
            except IntegrityError:
                if attempt == 2:
                    raise
                continue
            return result, registry.version
        raise AssertionError("unreachable")

    def add(self, by: str, number: str, source: str, call_id: str = "", complaint: str = "",
            note: str = "") -> tuple[bool, int]:
        """(whether it was newly listed, the registry version)."""
        return self._change(lambda r, at: r.add(at, by, number, source, call_id, complaint,
                                                note))

    def remove(self, by: str, number: str, reason: str) -> int:
        return self._change(lambda r, at: r.remove(at, by, number, reason))[1]

    def import_csv(self, by: str, text: str, file_name: str) -> dict[str, Any]:
        numbers, refused = parse_numbers(text)
        added, version = self._change(lambda r, at: r.import_numbers(at, by, numbers,
                                                                      file_name))
        return {"read": len(numbers) + len(refused), "added": len(added),
                "already_listed": len(numbers) - len(added), "refused": refused,
                "version": version}

    def lookup(self, number: str) -> dict[str, Any]:
        registry = self.registry()
        entry = registry.entry(number)
        return {"number": normalise_number(number), "listed": entry is not None,
                "entry": entry_dict(entry), "version": registry.version}

    def entries(self, offset: int = 0, limit: int = 100) -> dict[str, Any]:
        registry = self.registry()
        rows = sorted(registry.entries.values(), key=lambda e: (-e.at, e.number))
        return {"version": registry.version, "count": len(rows),
                "entries": [asdict(e) for e in rows[offset:offset + limit]]}

    def request_dial(self, key: str, by: str, agent: str, number: str) -> OutboundDial:
        """Record a dial asked for and the guard's verdict (``dial.refused``, with the
        registry version that refused or cleared it). A key used before is refused."""
        dial = OutboundDial.request(key, self.clock(), by, agent, number, self.registry())
        try:
            self.app.save(dial)
        except IntegrityError:
            raise AlreadyExists(f"a dial with key {key!r} was asked for already") from None
        return dial
