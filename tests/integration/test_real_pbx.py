"""Acceptance 2 (issue 13): every PBX action through the API against the real Asterisk 22
in ../shared/asterisk, checked on the PBX itself (``queue show sales``, ``core show
channels``), each PbxAction ending ``connected`` or ``failed`` with the PBX's reason.

Started by the suite (``tests.support.asterisk``): skipped with the reason where the PBX
is absent, required under ``CI=true``. The PBX is shared, so the test uses its own agent
(1097), supervisor phone (9097) and caller number, keeps its agent unpaused only while its
own call is made, and hangs up and removes all it made, so the PBX is left as found.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.bootstrap import AmiEndpoint, build
from api.settings import Configuration
from tests.support.asterisk import Ami, RealPbx, cli, real_asterisk
from tests.support.server import RunningServer, serving

AGENT, SUPERVISOR, CALLER = "1097", "9097", "5550197"
INTERFACE = f"Local/{AGENT}@agents/n"
OURS = (f"{CALLER}@callers", f"{AGENT}@agents", f"{SUPERVISOR}@supervisor", "5550198@")


@pytest.fixture
def pbx() -> Iterator[tuple[RealPbx, Ami]]:
    real = real_asterisk()
    ami = Ami(real)
    ami.action("Setvar", Variable=f"AGENT_{AGENT}", Value="40|45|0|0")  # answers, no rna
    ami.action("Setvar", Variable=f"DEVICE_STATE(Custom:agent{AGENT})", Value="NOT_INUSE")
    try:
        yield real, ami
    finally:
        hang_up_ours(real, ami)
        for queue in ("sales", "support"):
            ami.action("QueueRemove", Queue=queue, Interface=INTERFACE)
        ami.close()


def hang_up_ours(real: RealPbx, ami: Ami) -> None:
    for _ in range(20):
        ours = [line.split("!")[0] for line in channels(real)
                if any(mark in line.split("!")[0] for mark in OURS)]
        if not ours:
            return
        for channel in ours:
            ami.action("Hangup", Channel=channel)
        time.sleep(0.25)


def channels(real: RealPbx) -> list[str]:
    return cli(real, "core show channels concise").splitlines()


def member_line(real: RealPbx) -> str:
    found = [line for line in cli(real, "queue show sales").splitlines() if INTERFACE in line]
    return found[0] if found else ""


@pytest.fixture
def server(pbx: tuple[RealPbx, Ami], sqlite_store: str) -> Iterator[RunningServer]:
    real, _ = pbx
    callboard = build(Configuration(), sqlite_store, poll_s=0.05,
                      ami=AmiEndpoint(real.host, real.port, real.user, real.secret))
    with serving(callboard) as running:
        deadline = time.monotonic() + 20
        while callboard.ami is None or not callboard.ami.connected:
            assert time.monotonic() < deadline, "Callboard did not connect to the PBX"
            time.sleep(0.05)
        assert running.users is not None
        running.tokens["r1-supervisor"] = running.users.add(
            "r1-supervisor", "supervisor", by="tests", extension=SUPERVISOR)
        yield running


def act(server: RunningServer, path: str, body: dict[str, Any]) -> dict[str, Any]:
    """POST as our supervisor; then the action once it has ended (not ``queued``)."""
    auth = {"Authorization": f"Bearer {server.tokens['r1-supervisor']}"}
    answer = httpx.post(f"{server.url}{path}", json=body, headers=auth, timeout=30)
    action_id = answer.json()["action_id"] if answer.status_code == 200 else (
        answer.headers.get("X-Pbx-Action"))
    assert action_id, answer.text
    deadline = time.monotonic() + 15
    while True:
        got = httpx.get(f"{server.url}/api/pbx/actions/{action_id}", headers=auth,
                        timeout=30).json()
        if got["state"] in ("connected", "failed"):
            return dict(got)
        assert time.monotonic() < deadline, f"{path} stayed {got['state']}"
        time.sleep(0.1)


def until(check: Any, what: str, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, what
        time.sleep(0.1)


def test_every_pbx_action_through_the_api_is_done_on_the_real_asterisk(
        server: RunningServer, pbx: tuple[RealPbx, Ami]) -> None:
    real, ami = pbx
    agent = f"/api/pbx/agents/{AGENT}"
    login = act(server, f"{agent}/login", {"queue": "sales", "name": "R1 Test"})
    assert login["state"] == "connected", login
    until(lambda: member_line(real) != "", "the agent never showed in queue show sales")
    paused = act(server, f"{agent}/pause", {"reason": "lunch", "queue": "sales"})
    assert paused["state"] == "connected", paused
    until(lambda: "paused:lunch" in member_line(real), f"not paused: {member_line(real)}")
    unpaused = act(server, f"{agent}/unpause", {"queue": "sales"})
    assert unpaused["state"] == "connected", unpaused
    until(lambda: "paused" not in member_line(real), f"still paused: {member_line(real)}")

    # a live answered call, made as the driver makes one
    queued = ami.action("Originate", Channel=f"Local/{CALLER}@callers/n", Context="inbound",
                        Exten="sales", Priority="1", CallerID=f'"R1 Caller" <{CALLER}>',
                        Timeout="30000", Async="true",
                        Variable="__CALLID=r1-real-1,PATIENCE=60,QTIMEOUT=60")
    assert queued["Response"] == "Success", queued
    connect = ami.wait_event("AgentConnect", 30, Interface=INTERFACE)
    agent_channel = connect["DestChannel"]
    for mode, options in (("listen", "qEb"), ("whisper", "qEbw"), ("barge", "qEbB")):
        spied = spy(server, connect["Linkedid"], mode)
        assert spied["state"] == "connected", spied
        until(lambda o=options: any(
            "!ChanSpy!" in line and f"{agent_channel},{o}" in line for line in channels(real)),
            f"no ChanSpy {options} on {agent_channel} in core show channels")

    dial = act(server, "/api/pbx/dial", {"number": "5550198", "extension": AGENT})
    assert (dial["state"], dial["fields"]["Variable"]) == (
        "connected", "AGENTNAME=r1-supervisor"), dial
    until(lambda: any(line.startswith(f"Local/{AGENT}@agents-out") for line in channels(real)),
          "the click-to-dial made no agents-out channel")
    nowhere = act(server, "/api/pbx/dial", {"number": "5550198", "extension": "5097"})
    assert (nowhere["state"], nowhere["response"]) == ("failed", "Success"), nowhere
    assert nowhere["detail"].startswith("Failure (Reason 0"), nowhere

    hang_up_ours(real, ami)
    logout = act(server, f"{agent}/logout", {"queue": "sales"})
    assert logout["state"] == "connected", logout
    until(lambda: member_line(real) == "", "the agent is still in queue show sales")


def spy(server: RunningServer, linkedid: str, mode: str) -> dict[str, Any]:
    """Listen / whisper / barge, once Callboard has read the call as answered."""
    deadline = time.monotonic() + 10
    auth = {"Authorization": f"Bearer {server.tokens['r1-supervisor']}"}
    while True:
        answer = httpx.post(f"{server.url}/api/pbx/calls/{linkedid}/{mode}", json={},
                            headers=auth, timeout=30)
        if answer.status_code == 200:
            return act_done(server, answer.json()["action_id"])
        assert answer.status_code in (404, 409) and time.monotonic() < deadline, answer.text
        time.sleep(0.1)


def act_done(server: RunningServer, action_id: str) -> dict[str, Any]:
    auth = {"Authorization": f"Bearer {server.tokens['r1-supervisor']}"}
    deadline = time.monotonic() + 15
    while True:
        got = dict(httpx.get(f"{server.url}/api/pbx/actions/{action_id}", headers=auth,
                             timeout=30).json())
        if got["state"] != "queued":
            return got
        assert time.monotonic() < deadline, f"{action_id} stayed queued"
        time.sleep(0.1)


def test_the_real_pbx_is_required_under_ci(monkeypatch: pytest.MonkeyPatch,
                                            tmp_path: Path) -> None:
    import tests.support.asterisk as support
    monkeypatch.setattr(support, "PBX_DIR", tmp_path / "absent")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI=true requires the real PBX"):
        support.real_asterisk()
    monkeypatch.setenv("CI", "false")
    with pytest.raises(pytest.skip.Exception, match="the real Asterisk is not here"):
        support.real_asterisk()
