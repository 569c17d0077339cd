"""The complaints, DND, wrap-up, KPI and attendance endpoints over a real server (the
outbound-telesales day ingested, the clock at its end): each endpoint admits its roles
and refuses the others, and the lifecycle, DND and wrap-up rules come back as clear 4xx
answers."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from api.auth import UserDirectory
from api.cli.main import main
from domain.access.user import ROLES
from tests.conftest import SCENARIOS, summary
from tests.support.server import RunningServer, running_server

CAROLS_CALL = "1795426417.314"  # Carol Nguyen dials 6175557826: ANSWER, 39 s
BOBS_CALL = "1795426489.346"  # Ana Gonzalez (2025553288) answered by Bob Keller
OPEN = {"channel": "phone", "customer_name": "Ana Gonzalez", "customer_number":
        "2025553288", "matter": "the agent was rude", "category": "rudeness"}
# (method, path, body, roles allowed): one request per endpoint, harmless to repeat
ENDPOINTS: list[tuple[str, str, dict[str, Any] | None, set[str]]] = [
    ("POST", "/api/complaints", {**OPEN, "reference": "ROLES-1"}, {"complaints"}),
    ("GET", "/api/complaints", None, {"complaints", "supervisor"}),
    ("GET", "/api/complaints/report?from=2026-11-23T00:00:00Z", None,
     {"complaints", "supervisor"}),
    ("POST", "/api/complaints/check-deadlines", None, {"complaints"}),
    ("GET", "/api/complaints/ROLES-1", None, {"complaints", "supervisor"}),
    ("GET", "/api/complaints/ROLES-1/timeline", None, {"complaints", "supervisor"}),
    ("POST", "/api/complaints/ROLES-1/notes", {"text": "n"}, {"complaints"}),
    ("GET", "/api/dnd", None, {"admin", "supervisor", "complaints"}),
    ("GET", "/api/dnd/5550001", None, {"admin", "supervisor", "complaints"}),
    ("POST", "/api/dnd", {"number": "5550002"}, {"admin", "supervisor", "complaints"}),
    ("DELETE", "/api/dnd/5550003?reason=r", None, {"admin", "supervisor", "complaints"}),
    ("GET", f"/api/calls/{CAROLS_CALL}/wrapup", None, {"agent", "supervisor"}),
    ("PUT", f"/api/calls/{CAROLS_CALL}/wrapup", {"code": "intent"}, {"agent", "supervisor"}),
    ("GET", "/api/customers/6175557826", None, {"supervisor", "complaints"}),
    ("GET", "/api/kpis", None, {"supervisor", "admin"}),
    ("GET", "/api/attendance", None, {"supervisor", "admin"}),
]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    store = f"sqlite:///{tmp_path_factory.mktemp('complaints') / 'callboard.db'}"
    assert main(["ingest", "--store", store, *map(str, SCENARIOS["outbound-telesales"])]) == 0
    with running_server(store, clock_at=summary("outbound-telesales")["capture_end"]) as s:
        s.tokens["carol"] = UserDirectory(s.runtime.app).add("carol.1003", "agent", "tests",
                                                             extension="1003")
        yield s


def call(server: RunningServer, method: str, path: str, role: str | None,
         body: dict[str, Any] | None = None, **kwargs: Any) -> httpx.Response:
    headers = {"Authorization": f"Bearer {server.tokens[role]}"} if role else {}
    return httpx.request(method, server.url + path, headers=headers, json=body, timeout=30,
                         **kwargs)


@pytest.mark.parametrize(("method", "path", "body", "allowed"), ENDPOINTS,
                         ids=[f"{m} {p}" for m, p, _, _ in ENDPOINTS])
def test_each_endpoint_admits_its_roles_and_refuses_the_others(
    server: RunningServer, method: str, path: str, body: dict[str, Any] | None,
    allowed: set[str],
) -> None:
    assert call(server, method, path, None, body).status_code == 401
    for role in ROLES:
        response = call(server, method, path, role, body)
        refused = response.status_code == 403 and "may not use" in response.json()["detail"]
        assert refused == (role not in allowed), (role, response.text)
        if role in allowed and role != "agent":  # test-agent's 1099 took none of the calls
            assert response.status_code < 400 or response.status_code in (404, 409), (
                role, response.text)


def test_a_complaints_lifecycle_over_http_refuses_nonsense_with_clear_messages(
    server: RunningServer,
) -> None:
    body = {**OPEN, "reference": "LIFE-1", "severity": "major",
            "major_reason": "media-exposure", "calls": [BOBS_CALL]}
    opened = call(server, "POST", "/api/complaints", "complaints", body)
    assert opened.status_code == 201 and opened.json()["agents"] == ["1002"]
    assert call(server, "POST", "/api/complaints", "complaints", body).status_code == 409

    def step(path: str, payload: dict[str, Any]) -> httpx.Response:
        return call(server, "POST", f"/api/complaints/LIFE-1/{path}", "complaints", payload)

    early = step("resolve", {"resolution": "apology", "responsibility": "agent"})
    assert early.status_code == 409 and "escalate it before you resolve it" in \
        early.json()["detail"]
    follow = step("follow-up", {"satisfied": True})
    assert follow.status_code == 409 and "before the resolution" in follow.json()["detail"]
    assert step("escalate", {"to": "head of care"}).status_code == 200
    assert step("customer-updates", {"how": "phone", "message": "on it"}).status_code == 200
    assert step("resolve", {"resolution": "apology and coaching",
                            "responsibility": "agent"}).json()["status"] == "resolved"
    assert step("follow-up", {"satisfied": True}).status_code == 200
    assert step("close", {}).json()["status"] == "closed"
    again = step("resolve", {"resolution": "x", "responsibility": "agent"})
    assert again.status_code == 409 and "LIFE-1 is closed" in again.json()["detail"]
    bad = step("reopen", {"reason": "charged again"})
    assert bad.status_code == 200 and bad.json()["status"] == "open"
    wrong = call(server, "POST", "/api/complaints", "complaints", {**OPEN, "severity": "x"})
    assert wrong.status_code == 422 and "unknown severity 'x'" in wrong.json()["detail"]
    assert call(server, "GET", "/api/complaints/NOPE", "supervisor").status_code == 404

    timeline = call(server, "GET", "/api/complaints/LIFE-1/timeline", "supervisor").json()
    kinds = [e["type"] for e in timeline["entries"] if e["source"] == "call"]
    assert kinds[0] == "Call.Started" and kinds[-1] == "Call.Ended" and "Call.Answered" in kinds
    listed = call(server, "GET", "/api/complaints?severity=major", "supervisor").json()
    assert [c["reference"] for c in listed["complaints"]] == ["LIFE-1"]
    report = call(server, "GET", "/api/complaints/report?from=2026-11-23T00:00:00Z",
                  "complaints").json()
    assert report["by_agent"]["1002"]["resolved"] == 1
    assert report["by_category"]["rudeness"]["received"] >= 1


def test_the_dnd_list_over_http_adds_looks_up_imports_and_removes(
    server: RunningServer,
) -> None:
    added = call(server, "POST", "/api/dnd", "complaints", {"number": "718-555-5816",
                                                            "complaint": "LIFE-1"})
    assert added.status_code == 201 and added.json()["entry"]["source"] == "complaint"
    found = call(server, "GET", "/api/dnd/7185555816", "supervisor").json()
    assert found["listed"] and found["number"] == "7185555816"
    masked = call(server, "GET", "/api/dnd/7185555816", "admin").json()
    assert masked["number"] == "718***5816"
    imported = call(server, "POST", "/api/dnd/import", "admin", None,
                    files={"file": ("optout.csv", b"phone\n3055558282\nnot a number\n")})
    assert imported.json()["added"] == 1 and imported.json()["refused"][0]["line"] == 3
    assert imported.json()["version"] == found["version"] + 1
    refused = call(server, "DELETE", "/api/dnd/3055558282", "admin")
    assert refused.status_code == 422  # the reason is required
    removed = call(server, "DELETE", "/api/dnd/3055558282?reason=consent", "admin")
    assert removed.status_code == 200 and removed.json()["listed"] is False
    gone = call(server, "DELETE", "/api/dnd/3055558282?reason=again", "admin")
    assert gone.status_code == 404 and "not on the do-not-disturb list" in gone.json()["detail"]
    garbage = call(server, "POST", "/api/dnd/import", "admin", None,
                   files={"file": ("x.csv", b"\xff\xfe\x00bad")})
    assert garbage.status_code == 422


def test_an_agent_wraps_up_their_own_calls_and_the_figures_follow(
    server: RunningServer,
) -> None:
    mine = call(server, "PUT", f"/api/calls/{CAROLS_CALL}/wrapup", "carol",
                {"code": "sale", "notes": "family plan"})
    assert mine.status_code == 200 and (mine.json()["code"], mine.json()["agent"]) == (
        "sale", "1003")
    assert mine.json()["customer_number"] == "617***7826"  # masked for agents
    theirs = call(server, "PUT", f"/api/calls/{BOBS_CALL}/wrapup", "carol", {"code": "sale"})
    assert theirs.status_code == 403 and "not taken or dialled by extension 1003" in \
        theirs.json()["detail"]
    callback = call(server, "PUT", "/api/calls/1795426464.326/wrapup", "carol",
                    {"code": "callback"})
    assert callback.status_code == 422 and "needs a time" in callback.json()["detail"]
    dnd = call(server, "PUT", "/api/calls/1795426578.406/wrapup", "carol",
               {"code": "dnd-request", "notes": "never again"})
    assert dnd.json()["dnd"]["added"] is True
    assert call(server, "GET", "/api/dnd/7185552930", "supervisor").json()["entry"][
        "source"] == "wrap-up"
    customer = call(server, "GET", "/api/customers/6175557826", "supervisor").json()
    assert customer["class"] == "closed"
    carol = next(a for a in call(server, "GET", "/api/kpis?day=2026-11-23", "supervisor")
                 .json()["agents"] if a["extension"] == "1003")
    assert (carol["sales"], carol["connects"], carol["conversion"]) == (1, 6, 16.67)
    assert call(server, "GET", "/api/kpis?day=2026-13-01", "admin").status_code == 422


def test_attendance_over_http_shows_the_late_first_logins(server: RunningServer) -> None:
    rows = call(server, "GET", "/api/attendance", "admin").json()["agents"]
    assert [r["days"][0]["shifts"][0]["late_min"] for r in rows] == [33, 33, 33, 33]
    assert call(server, "GET", "/api/attendance?from=2026-11-24", "admin").json()[
        "agents"] == []
