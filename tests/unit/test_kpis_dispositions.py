"""Agent wrap-up codes on a call and the customer classification that follows from them."""

from __future__ import annotations

import pytest

from domain.errors import InvalidChoice
from domain.outbound.wrapup import Wrapup, classify, wrapup_id

T0 = 1_795_426_700.0


@pytest.mark.parametrize(("codes", "expected"), [
    ([], None),
    (["not-interested"], "potential"),
    (["callback"], "potential"),
    (["intent"], "intent"),
    (["intent", "callback"], "near-closing"),
    (["callback", "intent"], "intent"),
    (["intent", "callback", "intent"], "near-closing"),
    (["intent", "not-interested"], "potential"),
    (["intent", "sale"], "closed"),
    (["sale", "not-interested", "intent"], "closed"),
    (["intent", "dnd-request"], "intent"),
    (["complaint"], "potential"),
])
def test_a_customers_class_follows_from_their_dispositions_in_order(
    codes: list[str], expected: str | None
) -> None:
    assert classify(codes) == expected


def test_the_latest_disposition_of_a_call_is_its_wrap_up_and_every_one_is_recorded() -> None:
    wrapup = Wrapup("call-1", "1795426417.314", T0)
    assert wrapup.id == wrapup_id("call-1")
    wrapup.set_disposition(T0 + 1, "carol", "1003", "intent", " wants a quote ", "6175557826",
                           T0 - 60)
    wrapup.set_disposition(T0 + 2, "carol", "1003", "callback", "", "6175557826", T0 - 60,
                           callback_at=T0 + 86_400)
    wrapup.add_note(T0 + 3, "carol", "call after 6 pm")
    assert (wrapup.code, wrapup.callback_at) == ("callback", T0 + 86_400)
    assert wrapup.notes == "call after 6 pm"
    events = wrapup.collect_events()
    assert [type(e).__qualname__ for e in events] == [
        "Wrapup.Started", "Wrapup.DispositionSet", "Wrapup.DispositionSet", "Wrapup.NoteAdded"]
    first = events[1]
    assert (first.notes, first.call_id, first.call_started_at) == (  # type: ignore[attr-defined]
        "wants a quote", "call-1", T0 - 60)


@pytest.mark.parametrize(("code", "callback_at", "message"), [
    ("maybe", None, "unknown wrap-up code 'maybe'"),
    ("callback", None, "a callback needs a time to call back, later than now"),
    ("callback", T0 - 1, "later than now"),
    ("sale", T0 + 60, "a callback time goes only with the code 'callback'"),
])
def test_wrap_up_codes_outside_the_list_or_without_their_callback_time_are_refused(
    code: str, callback_at: float | None, message: str
) -> None:
    with pytest.raises(InvalidChoice, match=message):
        Wrapup("c", "l", T0).set_disposition(T0, "carol", "1003", code, "", "1", T0,
                                             callback_at=callback_at)
