"""PBX actions through the AMI client against a replay PBX that answers them (issue 6,
acceptance 1 and 2): each action sends the right AMI action with the right fields, the
request and the PBX's answer are recorded as events, a PBX error comes back as a clear
4xx/5xx; a dial to a DND number is refused and recorded, another goes out, removing the
entry lets the next one through.

The server here is built as ``callboard serve`` builds it (``api.bootstrap.build``), with
the AMI client sending the PBX actions (or not: ``connected=False``) and a PBX plan."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
import pytest

from adapters.ami.feed_items import ConnectionClosed, ConnectionOpened, ReceivedFrame
from adapters.ingest.ingestor import Ingestor
from adapters.replay.frames import build_frame
from adapters.store.application import open_app
from adapters.store.call_facts import aggregate_events
from api.bootstrap import AmiEndpoint, build
from api.calls.routes import AGGREGATES
from api.pbx.service import PbxPlan
from api.settings import Configuration, OriginateSettings
from domain.events import event_class
from domain.outbound.dnd import dial_id
from domain.pbx_actions.action import PbxAction, pbx_action_id
from tests.conftest import FIXTURES
from tests.support.replay_pbx import PbxReplayServer
from tests.support.server import RunningServer, serving

SUPERVISION = FIXTURES / "supervision" / "supervision.ami"
# the supervision capture up to the PBX's answer to the recorded ChanSpy: Alice (1001)
# is talking to a caller, the call is live
LIVE_CUT = b"Event: OriginateResponse\r\nPrivilege: call,all\r\nTimestamp: 1795426193.862395"
AGENT_CHANNEL = "Local/1001@agents-00000086;1"


def live_capture(tmp_path: Path) -> Path:
    data = SUPERVISION.read_bytes()
    path = tmp_path / "supervision-live.ami"
    path.write_bytes(data[:data.index(LIVE_CUT)])
    return path


@contextmanager
def pbx_server(store_url: str, captures: list[Path], *, pbx: PbxReplayServer | None = None,
               plan: PbxPlan | None = None, connected: bool = True, speed: float | None = None,
               clock_at: float | None = None,
               config: Configuration | None = None) -> Iterator[RunningServer]:
    """The server with the AMI client of a replay PBX as its feed, sending the PBX actions
    unless ``connected=False`` (then they answer 503)."""
    clock = (lambda: clock_at) if clock_at is not None else time.time
    pbx = pbx or PbxReplayServer(captures, username="cb", secret="cb", speed=speed)
    pbx.start()
    callboard = build(config or Configuration(), store_url, clock=clock, poll_s=0.02,
                      ami=AmiEndpoint("127.0.0.1", pbx.port, "cb", "cb"),
                      pbx_actions=connected, pbx_plan=plan)
    client = callboard.ami
    assert client is not None
    try:
        with serving(callboard, pbx=pbx) as server:
            deadline = time.monotonic() + 20
            while not client.connected:
                assert time.monotonic() < deadline, "the AMI client did not connect"
                time.sleep(0.02)
            yield server
    finally:
        pbx.stop()


def post(server: RunningServer, path: str, body: dict[str, Any],
         role: str = "supervisor") -> httpx.Response:
    return httpx.post(f"{server.url}{path}", json=body, timeout=30,
                      headers={"Authorization": f"Bearer {server.tokens[role]}"})


def sent(server: RunningServer, action_id: str) -> dict[str, str]:
    """The headers of the action the PBX received with that ActionID."""
    assert server.pbx is not None
    found = [a.headers for a in server.pbx.actions_received if a.action_id == action_id]
    assert len(found) == 1, f"the PBX received {len(found)} actions {action_id}"
    return found[0]


def recorded(server: RunningServer, action_id: str) -> list[tuple[str, dict[str, Any]]]:
    events = aggregate_events(server.runtime.app, pbx_action_id(action_id))
    return [(type(e).__qualname__, e.__dict__) for e in events]


def actions_named(server: RunningServer, name: str) -> list[dict[str, str]]:
    assert server.pbx is not None
    return [a.headers for a in server.pbx.actions_received if a.name == name]


def concluded(server: RunningServer, action_id: str) -> dict[str, Any]:
    """The action once the PBX's OriginateResponse has been folded in (through ingestion)."""
    deadline = time.monotonic() + 10
    while True:
        answer = httpx.get(f"{server.url}/api/pbx/actions/{action_id}", timeout=30,
                           headers={"Authorization": f"Bearer {server.tokens['supervisor']}"})
        assert answer.status_code == 200, answer.text
        if answer.json()["state"] != "queued":
            return dict(answer.json())
        assert time.monotonic() < deadline, f"{action_id} stayed queued"
        time.sleep(0.05)


def live_call_id(server: RunningServer) -> str:
    """The call Alice (1001) is on, as the monitoring board shows it."""
    deadline = time.monotonic() + 20
    while True:
        for row in server.runtime.view("monitoring")["calls"]:
            if row["agent_extension"] == "1001" and row["state"] == "on-call":
                return str(row["call_id"])
        assert time.monotonic() < deadline, "Alice's call never showed as live"
        time.sleep(0.05)


@pytest.fixture
def server(sqlite_store: str, tmp_path: Path) -> Iterator[RunningServer]:
    with pbx_server(sqlite_store, [live_capture(tmp_path)]) as running:
        yield running


# -- supervisors -----------------------------------------------------------------------
@pytest.mark.parametrize(("mode", "options"),
                         [("listen", "qEb"), ("whisper", "qEbw"), ("barge", "qEbB")])
def test_a_supervisor_listens_whispers_or_barges_with_a_chanspy_originate_for_their_phone(
        server: RunningServer, mode: str, options: str) -> None:
    call = live_call_id(server)
    answer = post(server, f"/api/pbx/calls/{call}/{mode}", {"extension": "9001"})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["ok"], body["response"], body["message"], body["state"]) == (
        True, "Success", "Originate successfully queued", "queued")
    assert concluded(server, body["action_id"])["state"] == "connected"
    headers = sent(server, body["action_id"])
    assert {k: headers[k] for k in ("Action", "Channel", "Application", "Data", "Async")} == {
        "Action": "Originate", "Channel": "Local/9001@supervisor", "Application": "ChanSpy",
        "Data": f"{AGENT_CHANNEL},{options}", "Async": "true"}
    events = recorded(server, body["action_id"])
    assert [kind for kind, _ in events] == [
        "PbxAction.Requested", "PbxAction.Answered", "PbxAction.Originated"]
    requested, answered = events[0][1], events[1][1]
    assert (events[2][1]["result"], events[2][1]["reason"]) == (
        "connected", "Success (Reason 4: answered)")
    assert (requested["by"], requested["kind"], requested["action"], requested["call"]) == (
        "test-supervisor", mode, "Originate", call)
    assert requested["fields"]["Data"] == f"{AGENT_CHANNEL},{options}"
    assert (answered["response"], answered["message"]) == (
        "Success", "Originate successfully queued")


def test_a_chanspy_for_a_phone_the_pbx_does_not_have_is_queued_then_failed_with_the_pbx_reason(
        server: RunningServer) -> None:
    """Finding 1: Asterisk queues an Async Originate and tells its failure later, in an
    OriginateResponse; the failed listen must not stay shown as a success."""
    call = live_call_id(server)
    assert server.users is not None
    token = server.users.add("sup-9999", "supervisor", by="tests", extension="9999")
    answer = httpx.post(f"{server.url}/api/pbx/calls/{call}/listen", json={}, timeout=30,
                        headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200, answer.text
    assert (answer.json()["state"], answer.json()["message"]) == (
        "queued", "Originate successfully queued")
    action_id = answer.json()["action_id"]
    assert sent(server, action_id)["Channel"] == "Local/9999@supervisor"
    outcome = concluded(server, action_id)
    assert (outcome["state"], outcome["detail"]) == (
        "failed", "Failure (Reason 0: the channel could not be created (no such extension "
        "or device))")
    events = recorded(server, action_id)
    assert [kind for kind, _ in events] == [
        "PbxAction.Requested", "PbxAction.Answered", "PbxAction.Originated"]
    assert (events[1][1]["response"], events[1][1]["message"]) == (
        "Success", "Originate successfully queued")
    assert (events[2][1]["result"], events[2][1]["channel"]) == (
        "failed", "Local/9999@supervisor")


def test_supervising_a_call_that_does_not_exist_is_a_404_and_nothing_is_sent(
        server: RunningServer) -> None:
    answer = post(server, "/api/pbx/calls/no-such-linkedid/listen", {"extension": "9001"})
    assert answer.status_code == 404, answer.text
    assert "no call 'no-such-linkedid'" in answer.json()["detail"]
    assert actions_named(server, "Originate") == []


def test_only_supervisors_may_listen(server: RunningServer) -> None:
    call = live_call_id(server)
    for role in ("agent", "qa", "complaints"):
        answer = post(server, f"/api/pbx/calls/{call}/listen", {"extension": "9001"}, role)
        assert answer.status_code == 403, (role, answer.text)
    assert actions_named(server, "Originate") == []


# -- agents ----------------------------------------------------------------------------
def test_queue_login_pause_unpause_and_logout_send_queue_actions_and_record_the_answers(
        server: RunningServer) -> None:
    path = "/api/pbx/agents/1005"
    steps = [
        ("login", {"queue": "sales", "name": "Erin Diaz"}, "QueueAdd",
         {"Queue": "sales", "Interface": "Local/1005@agents/n", "MemberName": "Erin Diaz",
          "StateInterface": "Custom:agent1005", "Paused": "false"},
         "Added interface to queue"),
        ("pause", {"reason": "lunch"}, "QueuePause",
         {"Interface": "Local/1005@agents/n", "Paused": "true", "Reason": "lunch"},
         "Interface paused successfully"),
        ("unpause", {"queue": "sales"}, "QueuePause",
         {"Interface": "Local/1005@agents/n", "Paused": "false", "Queue": "sales"},
         "Interface unpaused successfully"),
        ("logout", {"queue": "sales"}, "QueueRemove",
         {"Queue": "sales", "Interface": "Local/1005@agents/n"},
         "Removed interface from queue"),
    ]
    pbx = server.pbx
    assert isinstance(pbx, PbxReplayServer)
    for kind, body, action, fields, message in steps:
        answer = post(server, f"{path}/{kind}", body)
        assert answer.status_code == 200, (kind, answer.text)
        out = answer.json()
        headers = sent(server, out["action_id"])
        assert headers["Action"] == action
        assert {k: headers.get(k) for k in fields} == fields, kind
        events = recorded(server, out["action_id"])
        assert [k for k, _ in events] == ["PbxAction.Requested", "PbxAction.Answered"]
        assert (events[0][1]["by"], events[0][1]["kind"]) == ("test-supervisor", kind)
        assert (events[1][1]["response"], events[1][1]["message"]) == ("Success", message)
        if kind == "pause":
            assert pbx.members("sales") == {"Local/1005@agents/n": "lunch"}
    assert pbx.members("sales") == {}


@pytest.mark.parametrize(("kind", "body", "status", "message"), [
    ("logout", {"queue": "sales"}, 409, "Unable to remove interface: Not there"),
    ("pause", {"reason": "lunch"}, 404, "Interface not found"),
    ("unpause", {}, 404, "Interface not found"),
    ("login", {"queue": "billing"}, 404, "Unable to add interface to queue: No such queue"),
])
def test_a_queue_action_the_pbx_refuses_is_a_clear_4xx_and_is_recorded(
        server: RunningServer, kind: str, body: dict[str, str], status: int,
        message: str) -> None:
    answer = post(server, f"/api/pbx/agents/1006/{kind}", body)
    assert answer.status_code == status, answer.text
    assert answer.json()["detail"].endswith(f": {message}")
    events = recorded(server, answer.headers["X-Pbx-Action"])
    assert events[-1][0] == "PbxAction.Answered"
    assert (events[-1][1]["response"], events[-1][1]["message"]) == ("Error", message)


def test_logging_in_twice_is_a_409_already_there(server: RunningServer) -> None:
    assert post(server, "/api/pbx/agents/1007/login", {"queue": "support"}).status_code == 200
    again = post(server, "/api/pbx/agents/1007/login", {"queue": "support"})
    assert again.status_code == 409, again.text
    assert again.json()["detail"] == (
        "the PBX refused QueueAdd (login): Unable to add interface: Already there")


def test_an_agent_acts_on_their_own_extension_only(server: RunningServer) -> None:
    # "test-agent" answers on 1099: 1001 is not theirs
    answer = post(server, "/api/pbx/agents/1001/pause", {"reason": "lunch"}, "agent")
    assert answer.status_code == 403, answer.text
    assert actions_named(server, "QueuePause") == []


def as_user(server: RunningServer, name: str, role: str, extension: str | None = None,
            ) -> dict[str, str]:
    """Headers for a user added to the running server (bound to ``extension``)."""
    assert server.users is not None
    token = server.users.add(name, role, by="tests", extension=extension)
    return {"Authorization": f"Bearer {token}"}


def test_an_agent_user_named_like_an_extension_cannot_act_on_that_extension(
        server: RunningServer) -> None:
    headers = as_user(server, "x1001", "agent")  # no extension bound: the name says nothing
    answer = httpx.post(f"{server.url}/api/pbx/agents/1001/pause", json={"reason": "lunch"},
                        headers=headers, timeout=30)
    assert answer.status_code == 409, answer.text
    assert "callboard user add x1001 --role agent --extension EXT" in answer.json()["detail"]
    assert actions_named(server, "QueuePause") == []


def test_a_supervisor_listens_only_from_their_own_bound_extension(
        server: RunningServer) -> None:
    call = live_call_id(server)
    other = post(server, f"/api/pbx/calls/{call}/listen", {"extension": "9002"})
    assert other.status_code == 403, other.text
    assert other.json()["detail"].startswith(
        "supervisors listen from their own extension only (9001), not 9002")
    unbound = httpx.post(f"{server.url}/api/pbx/calls/{call}/barge", json={"extension": "9001"},
                         headers=as_user(server, "sam", "supervisor"), timeout=30)
    assert unbound.status_code == 409, unbound.text
    assert "callboard user add sam --role supervisor --extension EXT" in unbound.json()["detail"]
    assert actions_named(server, "Originate") == []
    own = post(server, f"/api/pbx/calls/{call}/listen", {})  # the bound phone, 9001
    assert own.status_code == 200, own.text
    assert sent(server, own.json()["action_id"])["Channel"] == "Local/9001@supervisor"


# -- no answer -------------------------------------------------------------------------
def test_without_an_ami_connection_an_action_is_a_503_and_the_failure_is_recorded(
        sqlite_store: str, tmp_path: Path) -> None:
    with pbx_server(sqlite_store, [live_capture(tmp_path)], connected=False) as server:
        answer = post(server, "/api/pbx/agents/1001/pause", {"reason": "lunch"})
        assert answer.status_code == 503, answer.text
        assert "no AMI connection" in answer.json()["detail"]
        assert actions_named(server, "QueuePause") == []


class SilentOnPause(PbxReplayServer):
    """A PBX that never answers QueuePause."""

    def respond(self, action_headers: dict[str, str]) -> list[bytes]:
        if action_headers.get("Action", "").lower() == "queuepause":
            return []
        return super().respond(action_headers)


def test_an_action_the_pbx_does_not_answer_in_time_is_a_504_and_recorded_as_failed(
        sqlite_store: str, tmp_path: Path) -> None:
    pbx = SilentOnPause([live_capture(tmp_path)], username="cb", secret="cb")
    with pbx_server(sqlite_store, [], pbx=pbx, plan=PbxPlan(timeout_s=0.5)) as server:
        answer = post(server, "/api/pbx/agents/1001/pause", {"reason": "lunch"})
        assert answer.status_code == 504, answer.text
        assert answer.json()["detail"] == "the PBX did not answer QueuePause within 0.5 s"
        [action] = actions_named(server, "QueuePause")
        events = recorded(server, action["ActionID"])
        assert [k for k, _ in events] == ["PbxAction.Requested", "PbxAction.Failed"]
        assert "did not answer" in events[1][1]["reason"]


# -- click-to-dial and the DND guard (acceptance 2) ---------------------------------------
def test_a_dial_to_a_dnd_number_is_refused_another_goes_out_and_removing_lets_the_next_through(
        server: RunningServer) -> None:
    auth = {"Authorization": f"Bearer {server.tokens['supervisor']}"}
    listed = httpx.post(f"{server.url}/api/dnd", json={"number": "(617) 555-0101"},
                        headers=auth, timeout=30)
    assert listed.status_code == 201, listed.text
    version = listed.json()["version"]

    refused = post(server, "/api/pbx/dial", {"number": "617-555-0101", "extension": "1003"})
    assert refused.status_code == 409, refused.text
    assert f"refused by registry version {version}" in refused.json()["detail"]
    assert refused.headers["X-Dnd-Registry-Version"] == str(version)
    assert actions_named(server, "Originate") == []  # nothing was sent
    dials = [e for e in server.runtime.app.recorder.select_notifications(1, 100_000)
             if e.topic.startswith("domain.outbound.dnd:OutboundDial.Refused")]
    assert len(dials) == 1
    refusal = aggregate_events(server.runtime.app, UUID(str(dials[0].originator_id)))
    assert (refusal[0].number, refusal[0].by, refusal[0].agent) == (
        "6175550101", "test-supervisor", "1003")
    assert (refusal[1].reason, refusal[1].registry_version) == ("dnd", version)

    other = post(server, "/api/pbx/dial", {"number": "617-555-0202", "extension": "1003"})
    assert other.status_code == 200, other.text
    headers = sent(server, other.json()["action_id"])
    assert {k: headers[k] for k in ("Action", "Channel", "Context", "Exten", "Priority")} == {
        "Action": "Originate", "Channel": "Local/1003@agents-out", "Context": "outbound",
        "Exten": "6175550202", "Priority": "1"}
    assert other.json()["registry_version"] == version
    cleared = aggregate_events(server.runtime.app, dial_id(other.json()["action_id"]))
    assert [type(e).__qualname__ for e in cleared] == [
        "OutboundDial.Requested", "OutboundDial.Cleared"]

    removed = httpx.delete(f"{server.url}/api/dnd/6175550101", params={"reason": "consent"},
                           headers=auth, timeout=30)
    assert removed.status_code == 200, removed.text
    again = post(server, "/api/pbx/dial", {"number": "617-555-0101", "extension": "1003"})
    assert again.status_code == 200, again.text
    assert again.json()["registry_version"] == removed.json()["version"] == version + 1
    assert sent(server, again.json()["action_id"])["Exten"] == "6175550101"
    assert concluded(server, again.json()["action_id"])["state"] == "connected"
    assert [k for k, _ in recorded(server, again.json()["action_id"])] == [
        "PbxAction.Requested", "PbxAction.Answered", "PbxAction.Originated"]


# -- Asterisk's own answers (finding 1) ---------------------------------------------------
def test_the_replay_pbx_answers_an_unknown_action_and_a_queueadd_without_fields_as_asterisk(
        server: RunningServer) -> None:
    """manager.c and app_queue.c's texts, as the real Asterisk 22 answers them."""
    assert server.pbx is not None
    unknown = server.pbx.respond({"Action": "Bogus", "ActionID": "a1"})
    assert unknown == [build_frame(
        ("Response", "Error"), ("ActionID", "a1"),
        ("Message", "Invalid/unknown command: Bogus. Use Action: ListCommands to show "
                    "available commands."))]
    no_interface = server.pbx.respond({"Action": "QueueAdd", "ActionID": "a2",
                                       "Queue": "sales"})
    assert b"Message: 'Interface' not specified.\r\n" in no_interface[0]
    no_queue = server.pbx.respond({"Action": "QueueAdd", "ActionID": "a3"})
    assert b"Message: 'Queue' not specified.\r\n" in no_queue[0]


def test_an_originate_response_read_after_a_restart_concludes_the_action_saved_before_it(
        ) -> None:
    """The outcome is recorded through ingestion, from the stored frame: a process that
    did not send the action (a restart in between) still folds it in."""
    app = open_app("memory://")
    action = PbxAction.request("cb-pbx-1", 100.0, "sup", "listen", "Originate",
                               {"Channel": "Local/9999@supervisor", "Async": "true"})
    action.answer(100.1, "Success", "Originate successfully queued")
    app.save(action)
    frame = build_frame(("Event", "OriginateResponse"), ("Privilege", "call,all"),
                        ("Timestamp", "101.5"), ("ActionID", "cb-pbx-1"),
                        ("Response", "Failure"), ("Channel", "Local/9999@supervisor"),
                        ("Reason", "0"), ("Uniqueid", "<unknown>"))
    other = frame.replace(b"cb-pbx-1", b"someone-elses")
    Ingestor(app).ingest([ConnectionOpened("c", 101.0, "pbx"),
                          ReceivedFrame("c", 1, 101.5, frame),
                          ReceivedFrame("c", 2, 101.6, other),
                          ConnectionClosed("c", 102.0, "stopped")])
    stored: object = app.repository.get(pbx_action_id("cb-pbx-1"))
    assert isinstance(stored, PbxAction)
    assert (stored.state, stored.concluded_at, stored.detail) == (
        "failed", 101.5, "Failure (Reason 0: the channel could not be created (no such "
        "extension or device))")
    app.close()


# -- per-site originate and the event log (finding 9) ------------------------------------
def test_click_to_dial_sends_the_sites_context_caller_id_and_channel_variables(
        sqlite_store: str, tmp_path: Path) -> None:
    site = OriginateSettings(context="telesales", caller_id='"{by}" <{ext}>',
                             variables={"AGENTNAME": "{by}", "__CAMPAIGN": "spring"})
    with pbx_server(sqlite_store, [live_capture(tmp_path)],
                    config=Configuration(originate=site)) as server:
        answer = post(server, "/api/pbx/dial", {"number": "617-555-0202", "extension": "1003"})
        assert answer.status_code == 200, answer.text
        headers = sent(server, answer.json()["action_id"])
        assert {k: headers[k] for k in ("Context", "CallerID", "Variable")} == {
            "Context": "telesales", "CallerID": '"test-supervisor" <1003>',
            "Variable": "AGENTNAME=test-supervisor,__CAMPAIGN=spring"}


def test_the_lab_dialplans_agentname_is_sent_by_default() -> None:
    assert OriginateSettings().variables == {"AGENTNAME": "{by}"}


@pytest.mark.parametrize("bad", [{"AGENT NAME": "x"}, {"A": "x,y"}, {"A": "{secret}"}])
def test_a_site_variable_that_would_break_the_originate_is_refused_at_start(
        bad: dict[str, str]) -> None:
    with pytest.raises(ValueError, match=r"variable|commas|template"):
        OriginateSettings(variables=bad)


def test_every_aggregates_events_are_filterable_by_type_in_the_event_log(
        server: RunningServer) -> None:
    """``/api/events?type=PbxAction.Requested`` answered 422."""
    answer = post(server, "/api/pbx/agents/1003/login", {"queue": "sales"})
    assert answer.status_code == 200, answer.text
    auth = {"Authorization": f"Bearer {server.tokens['auditor']}"}
    got = httpx.get(f"{server.url}/api/events", params={"type": "PbxAction.Requested"},
                    headers=auth, timeout=30)
    assert got.status_code == 200, got.text
    assert [e["data"]["kind"] for e in got.json()["events"]] == ["login"]
    for name, aggregate in AGGREGATES.items():
        for kind in [k for k in vars(aggregate) if k not in ("Event", "Created")]:
            try:
                event_class(aggregate, kind)
            except LookupError:
                continue
            answer = httpx.get(f"{server.url}/api/events", params={"type": f"{name}.{kind}"},
                               headers=auth, timeout=30)
            assert answer.status_code == 200, (name, kind, answer.text)
