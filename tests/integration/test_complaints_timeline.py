"""Acceptance 3 of issue 6: the timeline of a complaint linked to calls from the shared
supervision capture shows each call's events in order, with its recordings and the state
of the call's agents at the time, merged with the complaint's own events."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from adapters.store.application import CallCenter, open_app
from adapters.store.call_facts import call_facts
from api.cli.main import main
from api.complaints.service import ComplaintService
from domain.complaints.deadlines import DeadlinePolicy
from tests.conftest import SCENARIOS

BLIND_TRANSFER = "1795426256.288"  # sales (Bob Keller) -> blind transfer -> support (Dave)
HELD = "1795426251.284"  # Alice Martin puts the caller on hold and takes them back
OPENED_AT = 1795426400.0  # after both calls ended


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CallCenter]:
    store = f"sqlite:///{tmp_path_factory.mktemp('supervision') / 'callboard.db'}"
    assert main(["ingest", "--store", store, *map(str, SCENARIOS["supervision"])]) == 0
    app = open_app(store)
    yield app
    app.close()


@pytest.fixture(scope="module")
def timeline(app: CallCenter) -> dict[str, object]:
    clock = iter([OPENED_AT, OPENED_AT + 60, OPENED_AT + 120])
    service = ComplaintService(app, lambda: next(clock), DeadlinePolicy())
    service.open("hana", reference="C-100", channel="phone", customer_name="Caller",
                 customer_number="3125550000", matter="transferred around and put on hold",
                 category="service-quality", calls=[BLIND_TRANSFER])
    service.link_call("C-100", "hana", HELD)
    service.change("C-100", lambda c, at: c.add_note(at, "hana", "listened to both"))
    return service.timeline("C-100")


def call_rows(timeline: dict[str, object], linkedid: str) -> list[dict[str, object]]:
    return [e for e in timeline["entries"]  # type: ignore[attr-defined]
            if e["source"] == "call" and e["linkedid"] == linkedid]


def test_each_linked_calls_events_appear_in_their_log_order(
    app: CallCenter, timeline: dict[str, object]
) -> None:
    for linkedid in (BLIND_TRANSFER, HELD):
        expected = [(type(e).__qualname__, e.originator_version)
                    for e in call_facts(app, linkedid).events]
        rows = call_rows(timeline, linkedid)
        assert [(r["type"], r["version"]) for r in rows] == expected
        assert [r["at"] for r in rows] == sorted(r["at"] for r in rows)  # type: ignore[type-var]
    kinds = [r["type"] for r in call_rows(timeline, BLIND_TRANSFER)]
    assert kinds == ["Call.Started", "Call.Queued", "Call.AgentRung", "Call.RecordingStarted",
                     "Call.Answered", "Call.Transferred", "Call.Completed", "Call.Queued",
                     "Call.AgentRung", "Call.RecordingStarted", "Call.Answered",
                     "Call.HungUpFirst", "Call.Completed", "Call.Ended"]
    held = [r["type"] for r in call_rows(timeline, HELD)]
    assert held.index("Call.Held") < held.index("Call.Unheld") < held.index("Call.Ended")


def test_the_timeline_is_one_time_ordered_story_with_recordings_and_agents_at_the_time(
    timeline: dict[str, object],
) -> None:
    entries: list[dict[str, object]] = timeline["entries"]  # type: ignore[assignment]
    assert [e["at"] for e in entries] == sorted(e["at"] for e in entries)  # type: ignore[type-var]
    recordings = [e["recording"] for e in call_rows(timeline, BLIND_TRANSFER)
                  if e["type"] == "Call.RecordingStarted"]
    assert recordings == ["sales-20261123-093056-1795426256.288.wav",
                          "support-20261123-093105-1795426256.288.wav"]
    states = {e["data"]["agent"]: e["data"] for e in entries  # type: ignore[index]
              if e["type"] == "AgentStateAtCall"}
    assert set(states) == {"Alice Martin", "Bob Keller", "Dave Okafor"}
    assert states["Bob Keller"]["queues"] == {"sales": "in"}  # type: ignore[index]
    assert states["Dave Okafor"]["state"] == "available"  # type: ignore[index]
    own = [e["type"] for e in entries if e["source"] == "complaint"]
    assert own == ["Complaint.Opened", "Complaint.CallLinked", "Complaint.AgentLinked",
                   "Complaint.AgentLinked", "Complaint.CallLinked", "Complaint.AgentLinked",
                   "Complaint.NoteAdded"]
    assert timeline["complaint"]["agents"] == ["1002", "1004", "1001"]  # type: ignore[index]
