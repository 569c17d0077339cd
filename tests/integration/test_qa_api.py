"""The QA API over a real server: roles per endpoint, a sample drawn and assigned, an
evaluation from scoring to dispute and re-score, a late dispute refused, calibration and
reports, and clear 4xx answers to bad requests."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from adapters.store.application import open_app
from api.auth import UserDirectory
from api.cli.main import main
from domain.access.user import ROLES
from domain.ids import call_id
from domain.qa.scoring import EXAMPLE
from tests.conftest import FIXTURES, SCENARIOS
from tests.support.server import RunningServer, running_server

ALICE_CALL = str(call_id("1795425541.20"))  # sales, Alice Martin (1001), audio in the samples
DAVE_CALL = str(call_id("1795425542.24"))  # support, Dave Okafor (1004)
CAROL_CALL = str(call_id("1795425521.8"))  # sales, Carol Nguyen (1003)
GOOD = {"greet": "yes", "name": "yes", "needs": "excellent", "consent": "yes"}
WEAK = {"greet": "no", "name": "n/a", "needs": "fair", "consent": "yes"}
READS: dict[str, set[str]] = {
    "/api/qa/catalogue": {"qa", "supervisor", "auditor"},
    "/api/qa/forms": {"qa", "supervisor", "auditor"},
    "/api/qa/forms/calls": {"qa", "supervisor", "auditor"},
    "/api/qa/policies": {"qa", "supervisor", "auditor"},
    "/api/qa/samples": {"qa", "supervisor", "auditor"},
    "/api/qa/evaluations": {"qa", "supervisor", "auditor"},
    "/api/qa/work": {"qa"},
    "/api/qa/my-evaluations": {"agent"},
    "/api/qa/reports": {"supervisor", "auditor"},
    "/api/qa/calibration": {"qa", "supervisor", "auditor"},
}


@dataclass
class Qa:
    server: RunningServer
    tokens: dict[str, str]  # user or role -> token

    def __call__(self, method: str, path: str, who: str, body: Any = None,
                 **params: str) -> httpx.Response:
        return httpx.request(method, f"{self.server.url}/api/qa{path}", json=body,
                             params=params, timeout=30,
                             headers={"Authorization": f"Bearer {self.tokens[who]}"})

    def ok(self, method: str, path: str, who: str, body: Any = None, **params: str
           ) -> Any:
        response = self(method, path, who, body, **params)
        assert response.status_code in (200, 201), response.text
        return response.json()


def serve(store: str, **options: Any) -> Iterator[Qa]:
    assert main(["ingest", "--store", store, *map(str, SCENARIOS["basic-day"])]) == 0
    app = open_app(store)
    users = UserDirectory(app)
    extra = {name: users.add(name, role, by="tests", extension=extension)
             for name, role, extension in (("alice.martin", "agent", "1001"),
                                           ("dora", "agent", None), ("ann", "qa", None),
                                           ("ben", "qa", None))}
    app.close()
    with running_server(store, recordings_dir=FIXTURES / "recordings-sample",
                        **options) as server:
        qa = Qa(server, {**server.tokens, **extra})
        qa.ok("POST", "/forms", "qa", {"name": "calls", "definition": EXAMPLE.as_dict()})
        qa.ok("POST", "/forms/calls/publish", "qa")
        yield qa


@pytest.fixture(scope="module")
def qa(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Qa]:
    yield from serve(f"sqlite:///{tmp_path_factory.mktemp('qa-api') / 'callboard.db'}")


@pytest.mark.parametrize("path", sorted(READS))
def test_each_qa_read_admits_its_roles_and_refuses_the_others(qa: Qa, path: str) -> None:
    for role in ROLES:
        response = qa("GET", path.removeprefix("/api/qa"), role)
        assert response.status_code == (200 if role in READS[path] else 403), (role,
                                                                                 response.text)
    anonymous = httpx.get(qa.server.url + path, timeout=30)
    assert anonymous.status_code == 401


@pytest.mark.parametrize(("method", "path", "body", "allowed"), [
    ("POST", "/forms", {"name": "x", "definition": {}}, {"qa", "supervisor"}),
    ("POST", "/policies", {"name": "x", "rules": {}}, {"qa", "supervisor"}),
    ("POST", "/samples", {"policy": "x", "period": "2026-11-23"}, {"qa", "supervisor"}),
    ("POST", "/evaluations", {"call_id": "x", "form": "calls"}, {"qa", "supervisor"}),
    ("POST", "/evaluations/x/submit", {}, {"qa"}),
    ("POST", "/evaluations/x/rescore", {"answers": {}, "reason": "r"}, {"supervisor"}),
    ("POST", "/evaluations/x/uphold", {"reason": "r"}, {"supervisor"}),
    ("POST", "/my-evaluations/x/dispute", {"reason": "r"}, {"agent"}),
    ("POST", "/my-evaluations/x/acknowledge", None, {"agent"}),
])
def test_each_qa_command_is_refused_to_the_roles_it_is_not_for(
    qa: Qa, method: str, path: str, body: Any, allowed: set[str]
) -> None:
    for role in ROLES:
        status = qa(method, path, role, body).status_code
        assert (status == 403) == (role not in allowed), (role, status)


def test_a_sample_is_drawn_assigned_and_drawn_again_from_its_record(qa: Qa) -> None:
    qa.ok("POST", "/policies", "supervisor", {"name": "daily", "rules": {
        "period": "day", "per_agent": 1, "queues": ["support"]}})
    drawn = qa("POST", "/samples", "qa", {"policy": "daily", "period": "2026-11-23",
                                          "seed": 11})
    assert drawn.status_code == 201
    sample = drawn.json()
    assert sample["rederives"] and len(sample["chosen"]) == 3  # 3 agents answer support
    assert qa.ok("GET", f"/samples/{sample['id']}", "auditor")["rederived"] == sample["chosen"]
    again = qa("POST", "/samples", "qa", {"policy": "daily", "period": "2026-11-23",
                                          "seed": 11})
    assert again.status_code == 200 and again.json()["id"] == sample["id"]  # not drawn again
    assigned = qa.ok("POST", f"/samples/{sample['id']}/assign", "qa",
                     {"form": "calls", "analysts": ["ann", "ben"]})
    assert [a["analyst"] for a in assigned["assigned"]] == ["ann", "ben", "ann"]
    listed = qa.ok("GET", "/evaluations", "supervisor", sample_id=sample["id"])
    assert listed["count"] == 3
    chosen = {c["call_id"] for c in sample["chosen"]}
    statuses = {r["call_id"]: r["qa_status"] for r in qa.ok(
        "GET", "/catalogue", "qa", queue="support", limit="1000")["recordings"]}
    assert {statuses[c] for c in chosen} == {"assigned"}
    twice = qa.ok("POST", f"/samples/{sample['id']}/assign", "qa", {"form": "calls"})
    assert twice["assigned"] == [] and set(twice["already_assigned"]) == chosen


def test_an_evaluation_goes_from_scoring_to_dispute_to_re_score(qa: Qa) -> None:
    created = qa("POST", "/evaluations", "qa", {"call_id": ALICE_CALL, "form": "calls",
                                               "analyst": "ann"})
    assert created.status_code == 201
    key = created.json()["id"]
    assert key in {r["id"] for r in qa.ok("GET", "/work", "ann")["evaluations"]}
    assert qa.ok("PUT", f"/evaluations/{key}/answers", "ann", {"answers": {"greet": "no"}}
                 )["status"] == "in-progress"
    stranger = qa("POST", f"/evaluations/{key}/submit", "ben", {"answers": WEAK})
    assert stranger.status_code == 403 and "assigned to 'ann'" in stranger.json()["detail"]
    result = qa.ok("POST", f"/evaluations/{key}/submit", "ann",
                   {"answers": WEAK, "note": "no greeting"})
    assert (result["status"], result["score"]) == ("submitted", 22.22)
    assert key not in {r["id"] for r in qa.ok("GET", "/work", "ann")["evaluations"]}

    mine = qa.ok("GET", "/my-evaluations", "alice.martin")["evaluations"]
    assert [(r["id"], r["score"]) for r in mine] == [(key, 22.22)]
    assert "*" in mine[0]["call"]["number"]  # agents see customers' numbers masked
    assert qa.ok("GET", "/my-evaluations", "agent")["evaluations"] == []  # not theirs
    assert qa("POST", f"/my-evaluations/{key}/dispute", "agent", {"reason": "x"}
              ).status_code == 404
    unbound = qa("GET", "/my-evaluations", "dora")  # an agent with no extension bound
    assert unbound.status_code == 409
    assert "callboard user add dora --role agent --extension" in unbound.json()["detail"]
    disputed = qa.ok("POST", f"/my-evaluations/{key}/dispute", "alice.martin",
                     {"reason": "I greeted the customer at 0:03"})
    assert disputed["status"] == "disputed"

    rescored = qa.ok("POST", f"/evaluations/{key}/rescore", "supervisor",
                     {"answers": {**WEAK, "greet": "yes"}, "reason": "greeting heard"})
    assert (rescored["status"], rescored["score"]) == ("final", 55.56)
    assert [(s["version"], s["kind"], s["score"]) for s in rescored["scorings"]] == [
        (1, "submitted", 22.22), (2, "rescored", 55.56)]
    history = [h["type"] for h in qa.ok("GET", f"/evaluations/{key}", "auditor")["history"]]
    assert history == ["Assigned", "Started", "AnswersSaved", "Submitted", "Disputed",
                       "Rescored"]
    again = qa("POST", f"/my-evaluations/{key}/dispute", "alice.martin", {"reason": "x"})
    assert again.status_code == 409 and "final" in again.json()["detail"]


def test_calibration_shows_the_spread_and_reports_leave_calibrations_out(qa: Qa) -> None:
    for who, analyst, answers, reference in (
            ("qa", "test-qa", GOOD, True), ("ann", "ann", WEAK, False),
            ("ben", "ben", {**GOOD, "needs": "good"}, False)):
        evaluation = qa.ok("POST", "/evaluations", "qa", {
            "call_id": CAROL_CALL, "form": "calls", "analyst": analyst,
            "calibration": "nov", "reference": reference})
        qa.ok("POST", f"/evaluations/{evaluation['id']}/submit", who, {"answers": answers})
    (one,) = qa.ok("GET", "/calibration", "supervisor", session="nov")["calls"]
    deviations = {a["analyst"]: a["deviation_from_reference"] for a in one["analysts"]}
    assert deviations == {"test-qa": 0.0, "ann": -77.78, "ben": -19.05}
    assert one["score"]["spread"] == 77.78
    needs = next(q for q in one["questions"] if q["key"] == "needs")
    assert needs["answers"] == {"ann": "fair", "ben": "good", "test-qa": "excellent"}

    regular = qa.ok("POST", "/evaluations", "qa", {"call_id": DAVE_CALL, "form": "calls",
                                                   "analyst": "ann"})
    qa.ok("POST", f"/evaluations/{regular['id']}/submit", "ann",
          {"answers": {**GOOD, "consent": "no"}})
    groups = qa.ok("GET", "/reports", "auditor", by="agent", period="day")["groups"]
    dave = next(g for g in groups if g["key"] == "1004")
    carol = next(g for g in groups if g["key"] == "1003")
    assert (dave["evaluations"], dave["average_score"], dave["fatal_count"]) == (1, 0.0, 1)
    assert dave["share_evaluated"] == round(1 / dave["calls_recorded"], 4)
    assert carol["evaluations"] == 0  # calibrations are not results


@pytest.mark.parametrize(("method", "path", "who", "body", "status", "message"), [
    ("POST", "/forms", "qa", {"name": "bad", "definition": {"title": "T", "sections": []}},
     422, "at least one section"),
    ("POST", "/forms", "qa", {"name": "calls", "definition": EXAMPLE.as_dict()}, 409,
     "exists already"),
    ("GET", "/forms/nosuch", "qa", None, 404, "no form 'nosuch'"),
    ("POST", "/policies", "qa", {"name": "p", "rules": {"per_agent": 0}}, 422, "per_agent"),
    ("POST", "/samples", "qa", {"policy": "nosuch", "period": "2026-11-23"}, 404,
     "no policy"),
    ("GET", "/samples/not-a-uuid", "qa", None, 404, "not a UUID"),
    ("POST", "/evaluations", "qa", {"call_id": "nosuch", "form": "calls"}, 404,
     "no recorded call"),
    ("GET", "/evaluations/5f0e0ad4-9a3b-4a63-9f3c-000000000000", "qa", None, 404,
     "no evaluation"),
    ("POST", "/my-evaluations/x/dispute", "agent", {"reason": ""}, 422, "reason"),
])
def test_bad_qa_requests_get_a_4xx_with_a_clear_message(
    qa: Qa, method: str, path: str, who: str, body: Any, status: int, message: str
) -> None:
    response = qa(method, path, who, body)
    assert response.status_code == status, response.text
    assert message in response.json()["detail"]


def test_an_answer_off_the_scale_is_refused(qa: Qa) -> None:
    evaluation = qa.ok("POST", "/evaluations", "qa", {"call_id": CAROL_CALL,
                                                      "form": "calls", "analyst": "ben"})
    refused = qa("PUT", f"/evaluations/{evaluation['id']}/answers", "ben",
                 {"answers": {"greet": "perhaps"}})
    assert refused.status_code == 422 and "'perhaps' is not an answer" in refused.text


def test_a_dispute_after_the_window_is_refused_with_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CALLBOARD_QA_DISPUTE_WINDOW_H", "0")  # closes as soon as submitted
    for qa in serve(f"sqlite:///{tmp_path / 'callboard.db'}"):
        key = qa.ok("POST", "/evaluations", "qa", {"call_id": ALICE_CALL, "form": "calls",
                                                  "analyst": "ann"})["id"]
        submitted = qa.ok("POST", f"/evaluations/{key}/submit", "ann", {"answers": GOOD})
        assert submitted["dispute_deadline"] == submitted["submitted_at"]
        late = qa("POST", f"/my-evaluations/{key}/dispute", "alice.martin",
                  {"reason": "unfair"})
        assert late.status_code == 409
        assert late.json()["detail"].startswith("too late to dispute: the window closed at ")
        mine = qa.ok("GET", "/my-evaluations", "alice.martin")["evaluations"]
        assert mine[0]["status"] == "submitted" and mine[0]["final"] is True


def test_a_complaint_timeline_shows_the_qa_evaluations_of_its_calls(qa: Qa) -> None:
    created = qa.ok("POST", "/evaluations", "qa", {"call_id": DAVE_CALL, "form": "calls",
                                                  "analyst": "ben"})
    qa.ok("POST", f"/evaluations/{created['id']}/submit", "ben", {"answers": GOOD})
    headers = {"Authorization": f"Bearer {qa.tokens['complaints']}"}
    url = f"{qa.server.url}/api/complaints"
    opened = httpx.post(url, headers=headers, timeout=30, json={
        "channel": "phone", "customer_name": "A Caller", "customer_number": "2025550100",
        "matter": "rude answer",
        "category": "rudeness", "calls": [DAVE_CALL]})
    assert opened.status_code == 201, opened.text
    reference = opened.json()["reference"]
    timeline = httpx.get(f"{url}/{reference}/timeline", headers=headers, timeout=30).json()
    qa_rows = [e for e in timeline["entries"] if e["source"] == "qa"
               and e["data"]["evaluation"] == created["id"]]  # other tests score it too
    assert [e["type"] for e in qa_rows] == ["Evaluation.Assigned", "Evaluation.Submitted"]
    assert qa_rows[-1]["data"]["score"] == 100.0 and qa_rows[-1]["data"]["call_id"] == DAVE_CALL
    times = [e["at"] for e in timeline["entries"]]
    assert times == sorted(times)
