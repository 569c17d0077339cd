"""Acceptance 2 of issue 6, at the service the Originate action will call first: a dial to
a DND number is refused and recorded with the registry version; a dial to any other number
goes out; removing the entry lets the next dial through. On SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from eventsourcing.persistence import IntegrityError

from adapters.store.application import CallCenter, open_app, read_events
from api.outbound.dnd import DndService, parse_numbers
from domain.errors import AlreadyExists

T0 = 1_795_426_700.0
DIAL_TOPICS = tuple(f"domain.outbound.dnd:OutboundDial.{n}" for n in ("Requested", "Refused",
                                                              "Cleared"))


@pytest.fixture
def app(store_url: str) -> Iterator[CallCenter]:
    app = open_app(store_url)
    yield app
    app.close()


def dials(app: CallCenter) -> list[tuple[str, Any]]:
    out = []
    for e in read_events(app, DIAL_TOPICS):
        kind = type(e).__qualname__.split(".")[1]
        out.append((kind, getattr(e, "number", None) or e.registry_version))
    return out


def test_a_dnd_number_is_refused_and_recorded_another_goes_out_and_removal_lets_it_through(
    app: CallCenter,
) -> None:
    dnd = DndService(app, lambda: T0)
    added, version = dnd.add("1003", "6175557826", "wrap-up", call_id="c-1", note="asked")
    assert (added, version) == (True, 2)

    refused = dnd.request_dial("act-1", "1003", "1003", "6175557826")
    assert refused.refused and refused.registry_version == 2
    other = dnd.request_dial("act-2", "1003", "1003", "6175554538")
    assert not other.refused and other.registry_version == 2

    assert dnd.remove("supervisor", "6175557826", "consent given again") == 3
    again = dnd.request_dial("act-3", "1003", "1003", "6175557826")
    assert not again.refused and again.registry_version == 3

    assert dials(app) == [("Requested", "6175557826"), ("Refused", 2),
                          ("Requested", "6175554538"), ("Cleared", 2),
                          ("Requested", "6175557826"), ("Cleared", 3)]
    refusal = next(e for e in read_events(app, ("domain.outbound.dnd:OutboundDial.Refused",)))
    assert (refusal.reason, refusal.dnd_source) == ("dnd", "wrap-up")


def test_a_dial_key_is_used_once(app: CallCenter) -> None:
    dnd = DndService(app, lambda: T0)
    dnd.request_dial("act-9", "1003", "1003", "6175554538")
    with pytest.raises(AlreadyExists, match="act-9"):
        dnd.request_dial("act-9", "1003", "1003", "6175554538")


def test_a_csv_import_is_one_change_and_reports_the_lines_it_refused(app: CallCenter) -> None:
    dnd = DndService(app, lambda: T0)
    dnd.add("admin", "3055552211", "admin")
    report = dnd.import_csv("admin", "name,phone\nAna,+1 202 555 3288\nBo,none\n\n"
                            "Cy,3055552211\nDi,(1) 202-555-3288\n", "optout.csv")
    assert report == {"read": 4, "added": 1, "already_listed": 2, "version": 3,
                      "refused": [{"line": 3, "value": "none",
                                   "why": "not a phone number: 'none'"}]}
    assert dnd.lookup("12025553288")["entry"]["note"] == "optout.csv"
    assert parse_numbers("6175557826\n7185555816\n") == (["6175557826", "7185555816"], [])


def test_two_services_changing_the_registry_at_once_both_land(app: CallCenter) -> None:
    first, second = DndService(app, lambda: T0), DndService(app, lambda: T0)
    stale = first.registry()
    second.add("admin", "111", "admin")
    stale.add(T0, "admin", "222", "admin")
    with pytest.raises(IntegrityError):
        app.save(stale)  # a stale registry is never saved over a newer one
    assert first.add("admin", "222", "admin") == (True, 3)  # the service reloads and retries
    assert {first.lookup(n)["listed"] for n in ("111", "222")} == {True}
