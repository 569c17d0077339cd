"""The REST API over a real server: every endpoint for its allowed and denied roles, 401
without a token, masked customer numbers, and clear 4xx answers to bad requests."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from api.access import ACCESS
from api.auth import Principal
from api.cli.main import main
from domain.access.user import ROLES
from domain.ids import call_id
from tests.conftest import FIXTURES, SCENARIOS, summary
from tests.support.server import AGENT_EXTENSION, RunningServer, running_server

MID = "2026-11-23T09:20:00Z"  # basic-day: callers waiting, agents on calls
LINKEDID = "1795425541.20"  # a basic-day call with a sample recording
CALL = str(call_id(LINKEDID))
RECORDING = "sales-20261123-091901-1795425541.20.wav"
SAMPLES = FIXTURES / "recordings-sample"
# each path asked for -> its entry in the access table (api.access.ACCESS)
ROUTES = {
    "/api/wallboard": "GET /api/wallboard",
    "/api/queues": "GET /api/queues",
    "/api/queues/sales": "GET /api/queues/{name}",
    "/api/agents": "GET /api/agents",
    "/api/calls/live": "GET /api/calls/live",
    "/metrics": "GET /metrics",
    "/api/me": "GET /api/me",
    "/api/events": "GET /api/events",
    f"/api/calls/{CALL}/timeline": "GET /api/calls/{call_id}/timeline",
    "/api/recordings": "GET /api/recordings",
    f"/api/recordings/{RECORDING}/audio": "GET /api/recordings/{name}/audio",
}
ENDPOINTS: dict[str, set[str]] = {path: set(ACCESS[key]) for path, key in ROUTES.items()}
MASKED = re.compile(r"^\d{3}\*+\d{4}$")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    store = f"sqlite:///{tmp_path_factory.mktemp('api') / 'callboard.db'}"
    assert main(["ingest", "--store", store, *map(str, SCENARIOS["basic-day"])]) == 0
    with running_server(store, clock_at=summary("basic-day")["capture_end"],
                        recordings_dir=SAMPLES) as running:
        yield running


def get(server: RunningServer, path: str, role: str | None = None,
        **params: str) -> httpx.Response:
    headers = {"Authorization": f"Bearer {server.tokens[role]}"} if role else {}
    return httpx.get(server.url + path, headers=headers, params=params, timeout=30)


@pytest.mark.parametrize("path", sorted(ENDPOINTS))
def test_each_endpoint_admits_its_roles_and_refuses_the_others(
    server: RunningServer, path: str
) -> None:
    for role in ROLES:
        response = get(server, path, role)
        expected = 200 if role in ENDPOINTS[path] else 403
        assert response.status_code == expected, (role, response.text)
        if expected == 403:
            assert role in response.json()["detail"]


@pytest.mark.parametrize("path", sorted(ENDPOINTS))
def test_a_request_without_a_valid_token_gets_401(server: RunningServer, path: str) -> None:
    assert get(server, path).status_code == 401
    bad = httpx.get(server.url + path, headers={"Authorization": "Bearer nope"}, timeout=30)
    assert bad.status_code == 401
    assert bad.json()["detail"].startswith("not authenticated")


def numbers(view: object) -> list[str]:
    found: list[str] = []
    if isinstance(view, dict):
        for key, value in view.items():
            if key == "number" and isinstance(value, str) and value:
                found.append(value)
            else:
                found += numbers(value)
    elif isinstance(view, list):
        for item in view:
            found += numbers(item)
    return found


def test_customer_numbers_are_masked_for_roles_that_do_not_need_them(
    server: RunningServer,
) -> None:
    plain = get(server, "/api/calls/live", "supervisor", at=MID).json()
    shown = numbers(plain)
    assert shown and all(n.isdigit() for n in shown)
    for role in ("qa", "admin"):
        masked = get(server, "/api/calls/live", role, at=MID).json()
        assert numbers(masked) and all(MASKED.match(n) for n in numbers(masked)), role
        assert all("." in c["customer_name"] or not c["customer_name"]
                   for c in masked["calls"])
    agents = get(server, "/api/agents", "qa", at=MID).json()
    assert numbers(agents) and all(MASKED.match(n) for n in numbers(agents))


def test_the_wallboard_as_of_an_instant_is_that_instant(server: RunningServer) -> None:
    then = get(server, "/api/wallboard", "agent", at=MID).json()
    now = get(server, "/api/wallboard", "agent").json()
    assert then["as_of"] == 1795425600.0
    assert then["now"]["totals"]["waiting_now"] > 0
    assert now["day"]["totals"]["offered"] > then["day"]["totals"]["offered"]


@pytest.mark.parametrize(("path", "params", "status", "message"), [
    ("/api/queues/nosuch", {}, 404, "no queue named"),
    ("/api/wallboard", {"at": "yesterday"}, 422, "bad request: query.at"),
    ("/api/wallboard", {"at": "2026-11-23T09:20:00"}, 422, "time zone"),
    ("/api/nosuch", {}, 404, "Not Found"),
])
def test_bad_requests_get_a_4xx_with_a_clear_message(
    server: RunningServer, path: str, params: dict[str, str], status: int, message: str
) -> None:
    response = get(server, path, "supervisor", **params)
    assert response.status_code == status
    assert message in response.json()["detail"]


def test_health_and_readiness_need_no_token(server: RunningServer) -> None:
    assert httpx.get(server.url + "/api/health").json() == {"status": "ok"}
    ready = httpx.get(server.url + "/api/ready").json()
    assert ready["ready"] is True and set(ready["positions"]) == {
        "wallboard", "agents", "monitoring", "recordings", "complaints", "kpis",
        "attendance", "qa_catalogue", "qa_evaluations", "customers"}


def test_metrics_show_projection_positions_and_clients(server: RunningServer) -> None:
    text = get(server, "/metrics", "admin").text
    head = server.runtime.head()
    assert f'callboard_projection_position{{projection="wallboard"}} {float(head)}' in text
    assert 'callboard_websocket_clients{board="wallboard"}' in text


def test_login_sets_a_cookie_that_opens_the_pages(server: RunningServer) -> None:
    with httpx.Client(base_url=server.url) as client:
        assert client.get("/wallboard").status_code == 303
        refused = client.post("/api/login", data={"token": "wrong"})
        assert refused.status_code == 401
        logged = client.post("/api/login", data={"token": server.tokens["agent"]})
        assert logged.status_code == 303
        assert client.get("/wallboard").status_code == 200
        assert client.get("/calls").status_code == 403  # agents do not monitor calls
        assert client.get("/api/me").json() == {"name": "test-agent", "role": "agent",
                                                   "extension": AGENT_EXTENSION}


def test_users_are_events_in_the_log(tmp_path: Path) -> None:
    from adapters.store.application import open_app, read_events

    store = f"sqlite:///{tmp_path / 'users.db'}"
    assert main(["user", "add", "maria", "--role", "qa", "--store", store]) == 0
    assert main(["user", "add", "maria", "--role", "supervisor", "--store", store]) == 0
    assert main(["user", "add", "bad name", "--role", "qa", "--store", store]) == 2
    app = open_app(store)
    kinds = [type(e).__qualname__ for e in read_events(app, ())
             if type(e).__module__ == "domain.access.user"]
    app.close()
    assert kinds == ["User.Added", "User.RoleChanged", "User.TokensRevoked", "User.TokenIssued"]


def test_an_agent_user_is_bound_to_their_extension_from_the_cli(
    tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    from adapters.store.application import open_app
    from api.auth import UserDirectory

    store = f"sqlite:///{tmp_path / 'users.db'}"
    assert main(["user", "add", "alice", "--role", "agent", "--extension", "1001",
                 "--store", store]) == 0
    token = json.loads(capsys.readouterr().out)["token"]
    assert main(["user", "add", "bob", "--role", "agent", "--extension", "ext-2",
                 "--store", store]) == 2
    assert "e.g. 1001" in capsys.readouterr().err
    app = open_app(store)
    try:
        assert UserDirectory(app).authenticate(token) == Principal("alice", "agent", "1001")
    finally:
        app.close()


def test_a_calls_timeline_has_its_events_and_the_raw_frames_behind_them(
    server: RunningServer,
) -> None:
    timeline = get(server, f"/api/calls/{CALL}/timeline", "supervisor").json()
    kinds = [e["type"] for e in timeline["events"]]
    assert kinds[0] == "Call.Started" and "Call.Queued" in kinds and "Call.Answered" in kinds
    assert kinds[-1] == "Call.Ended"
    positions = [e["log_position"] for e in timeline["events"]]
    assert positions == sorted(positions) and all(positions)
    frames = timeline["frames"]
    events_named = {f["raw"].split("\r\n", 1)[0] for f in frames}
    assert {"Event: QueueCallerJoin", "Event: AgentConnect", "Event: Hangup"} <= events_named
    assert all(LINKEDID in f["raw"] for f in frames)
    hidden = get(server, f"/api/calls/{CALL}/timeline", "qa").json()
    assert hidden["frames"] and all(f["raw"] == "(hidden for this role)" for f in hidden["frames"])
    assert get(server, f"/api/calls/{call_id('nope')}/timeline", "qa").status_code == 404
    bad = get(server, "/api/calls/not-a-uuid/timeline", "qa")
    assert bad.status_code == 422 and "not a UUID" in bad.json()["detail"]


def test_recordings_are_listed_and_streamed_with_ranges(server: RunningServer) -> None:
    listed = get(server, "/api/recordings", "qa", queue="sales").json()["recordings"]
    assert RECORDING in {r["name"] for r in listed}
    assert all(r["queue"] == "sales" for r in listed)
    mine = next(r for r in listed if r["name"] == RECORDING)
    assert mine["linkedid"] == LINKEDID and mine["agent_name"] and mine["duration_s"] > 0
    size = (SAMPLES / RECORDING).stat().st_size
    path = f"/api/recordings/{RECORDING}/audio"
    headers = {"Authorization": f"Bearer {server.tokens['qa']}"}
    whole = httpx.get(server.url + path, headers=headers)
    assert whole.status_code == 200 and whole.content == (SAMPLES / RECORDING).read_bytes()
    part = httpx.get(server.url + path, headers={**headers, "Range": "bytes=100-199"})
    assert part.status_code == 206 and part.content == whole.content[100:200]
    assert part.headers["content-range"] == f"bytes 100-199/{size}"
    beyond = httpx.get(server.url + path, headers={**headers, "Range": f"bytes={size}-"})
    assert beyond.status_code == 416 and "beyond" in beyond.json()["detail"]
    garbage = httpx.get(server.url + path, headers={**headers, "Range": "pages=1"})
    assert garbage.status_code == 416 and "bad Range" in garbage.json()["detail"]
    missing = get(server, "/api/recordings/nosuch.wav/audio", "qa")
    assert missing.status_code == 404


def test_the_event_log_pages_through_every_event_with_filters(server: RunningServer) -> None:
    first = get(server, "/api/events", "auditor", limit="50").json()
    assert len(first["events"]) == 50 and first["next_after"] == first["events"][-1]["position"]
    second = get(server, "/api/events", "auditor", limit="50",
                 after=str(first["next_after"])).json()
    assert second["events"][0]["position"] > first["next_after"]
    answered = get(server, "/api/events", "auditor", type="Call.Answered", limit="1000").json()
    assert len(answered["events"]) == summary("basic-day")["totals_inbound"]["answered"]
    assert answered["next_after"] is None
    one_call = get(server, "/api/events", "auditor", aggregate=CALL).json()["events"]
    assert {e["aggregate_id"] for e in one_call} == {CALL} and len(one_call) > 3
    window = get(server, "/api/events", "auditor", type="Call.Queued",
                 **{"from": "2026-11-23T09:19:00Z", "to": "2026-11-23T09:20:00Z"}).json()
    assert window["events"] and all(1795425540 <= e["at"] < 1795425600
                                    for e in window["events"])
    assert get(server, "/api/events", "auditor", limit="5000").status_code == 422
    assert get(server, "/api/events", "auditor", after="99999999").status_code == 416
    assert get(server, "/api/events", "auditor", type="Nonsense").status_code == 422


def test_me_names_the_extension_bound_to_an_agent(server: RunningServer) -> None:
    assert get(server, "/api/me", "agent").json() == {
        "name": "test-agent", "role": "agent", "extension": AGENT_EXTENSION}
    assert get(server, "/api/me", "qa").json()["extension"] is None
