"""The DND registry and its dial guard, as pure domain objects."""

from __future__ import annotations

import pytest

from domain.errors import DndNumberRefused, InvalidChoice, NotOnDndList
from domain.outbound.dnd import DndRegistry, OutboundDial, normalise_number, registry_id

T0 = 1_795_420_000.0


def registry() -> DndRegistry:
    return DndRegistry("default", T0)


def test_the_guard_refuses_a_listed_number_naming_the_version_that_refused_it() -> None:
    dnd = registry()
    dnd.add(T0 + 1, "1003", "6175557826", "wrap-up", call_id="call-1")
    assert dnd.version == 2
    with pytest.raises(DndNumberRefused) as refused:
        dnd.check_dial("617-555-7826")
    assert (refused.value.number, refused.value.version, refused.value.source) == (
        "6175557826", 2, "wrap-up")
    assert "on the do-not-disturb list (added from wrap-up by 1003); registry version 2" in \
        str(refused.value)
    assert dnd.check_dial("6175554538") == 2  # any other number goes out


def test_every_change_raises_the_version_and_adding_a_listed_number_changes_nothing() -> None:
    dnd = registry()
    assert dnd.id == registry_id() and dnd.version == 1
    assert dnd.add(T0, "admin", "111", "admin") is True
    assert dnd.add(T0, "admin", "1-1-1", "complaint") is False
    assert dnd.version == 2
    assert dnd.import_numbers(T0, "admin", ["222", "111", "333", "222"], "list.csv") == [
        "222", "333"]
    assert dnd.version == 3
    assert dnd.import_numbers(T0, "admin", ["222"], "again.csv") == []
    assert dnd.version == 3
    dnd.remove(T0, "admin", "333", "customer asked to be called again")
    assert dnd.version == 4 and dnd.entry("333") is None
    assert dnd.entry("222") is not None and dnd.entry("222").source == "import"  # type: ignore[union-attr]


def test_removing_needs_a_listed_number_and_a_reason() -> None:
    dnd = registry()
    with pytest.raises(NotOnDndList, match="999 is not on the do-not-disturb list"):
        dnd.remove(T0, "admin", "999", "why")
    dnd.add(T0, "admin", "999", "admin")
    with pytest.raises(InvalidChoice, match="a reason is required"):
        dnd.remove(T0, "admin", "999", " ")


def test_numbers_are_compared_by_their_digits_and_nonsense_is_refused() -> None:
    assert normalise_number("+1 (202) 555-0101") == "12025550101"
    with pytest.raises(InvalidChoice, match="not a phone number"):
        normalise_number("call me")
    with pytest.raises(InvalidChoice, match="unknown DND source 'rumour'"):
        registry().add(T0, "x", "123", "rumour")


def test_a_dial_request_records_the_refusal_or_the_clearance_with_the_version() -> None:
    dnd = registry()
    dnd.add(T0, "admin", "6175557826", "admin")
    refused = OutboundDial.request("act-1", T0 + 5, "1003", "1003", "6175557826", dnd)
    cleared = OutboundDial.request("act-2", T0 + 6, "1003", "1003", "6175554538", dnd)
    assert (refused.refused, refused.registry_version) == (True, 2)
    assert (cleared.refused, cleared.registry_version) == (False, 2)
    assert [type(e).__qualname__ for e in refused.collect_events()] == [
        "OutboundDial.Requested", "OutboundDial.Refused"]
    assert [type(e).__qualname__ for e in cleared.collect_events()] == [
        "OutboundDial.Requested", "OutboundDial.Cleared"]
