"""Property-based requests generated from the OpenAPI spec (schemathesis), valid and
invalid (positive and negative modes), sent as every role: whatever the parameters, the
API answers with a status below 500, and every 200 (or 201: created) answer conforms to
the response model in the spec.

Auditor and admin send every operation (what they may not use must be refused cleanly);
the roles that write (qa, complaints, supervisor, agent) send the operations the access
table gives them, because that is where their requests reach the services and change the
store: a refused request stops at the access check, which the access-table walk already
covers for every role. The server has a replay PBX that answers the actions, so PBX
routes run their whole path instead of stopping at "no AMI connection" (503).

Random path parameters only ever name nothing (404), so the store is seeded first (a
published form, an evaluation, a sample, a complaint, a DND entry, a PBX action) and in
about half the valid requests the path names one of those real objects or a call of the
capture: the request then reaches the aggregate's rules with a generated body.
"""

from __future__ import annotations

import itertools
import re
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import response_schema_conformance

from api.access import ACCESS
from api.bootstrap import AmiEndpoint, build
from api.cli.main import main
from api.settings import Configuration, Settings
from domain.ids import call_id
from domain.qa.scoring import EXAMPLE
from tests.conftest import FIXTURES, SCENARIOS, summary
from tests.support.replay_pbx import DEFAULT_EXTENSIONS, PbxReplayServer
from tests.support.server import AGENT_EXTENSION, RunningServer, serving

EVERYWHERE = ("auditor", "admin")  # send every operation, allowed or not
WRITERS = ("qa", "complaints", "supervisor", "agent")  # send the operations they may use
# Examples per operation and mode: with up to six roles per example this keeps the test
# near a minute on two cores (the whole suite has a budget of about twelve minutes).
EXAMPLES = 12
Known = dict[str, list[str]]  # path parameter -> real values


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    store = f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'callboard.db'}"
    assert main(["ingest", "--store", store, *map(str, SCENARIOS["supervision"])]) == 0
    # no capture to stream: the PBX only answers actions (the test agent's phone exists)
    pbx = PbxReplayServer([], username="cb", secret="cb",
                          extensions=(*DEFAULT_EXTENSIONS, AGENT_EXTENSION)).start()
    end = summary("supervision")["capture_end"]
    callboard = build(Configuration(store=Settings(recordings_dir=FIXTURES / "recordings-sample")),
                      store, clock=lambda: end, poll_s=0.02,
                      ami=AmiEndpoint("127.0.0.1", pbx.port, "cb", "cb"))
    try:
        with serving(callboard, pbx=pbx) as running:
            deadline = time.monotonic() + 20
            while callboard.ami is None or not callboard.ami.connected:
                assert time.monotonic() < deadline, "the AMI client did not connect"
                time.sleep(0.02)
            yield running
    finally:
        pbx.stop()


@pytest.fixture(scope="module")
def known(server: RunningServer) -> Known:
    """Real objects the generated paths may name, made through the API."""
    def ok(role: str, method: str, path: str, body: Any = None) -> Any:
        reply = httpx.request(method, server.url + path, json=body, timeout=30,
                              headers={"Authorization": f"Bearer {server.tokens[role]}"})
        assert reply.status_code < 300, (path, reply.text)
        return reply.json() if reply.content else None

    capture = SCENARIOS["supervision"][0].read_bytes()
    linkedids = sorted({m.decode() for m in re.findall(rb"Linkedid: (\S+)", capture)})[:4]
    calls = [str(call_id(linkedid)) for linkedid in linkedids]
    ok("qa", "POST", "/api/qa/forms", {"name": "calls", "definition": EXAMPLE.as_dict()})
    ok("qa", "POST", "/api/qa/forms/calls/publish")
    evaluation = ok("qa", "POST", "/api/qa/evaluations",
                    {"call_id": calls[0], "form": "calls", "analyst": "test-qa"})
    ok("supervisor", "POST", "/api/qa/policies", {"name": "daily", "rules": {
        "period": "day", "per_agent": 1}})
    sample = ok("qa", "POST", "/api/qa/samples", {"policy": "daily", "period": "2026-11-23"})
    ok("complaints", "POST", "/api/complaints", {
        "reference": "FUZZ-1", "channel": "phone", "customer_name": "Ana Gonzalez",
        "customer_number": "2025553288",
        "matter": "the agent was rude", "category": "rudeness", "calls": linkedids[:1]})
    ok("supervisor", "POST", "/api/dnd", {"number": "5550003"})
    action = ok("agent", "POST", f"/api/pbx/agents/{AGENT_EXTENSION}/login", {"queue": "sales"})
    return {"call_id": calls, "call": calls + linkedids, "evaluation_id": [evaluation["id"]],
            "sample_id": [sample["id"]], "reference": ["FUZZ-1"], "number": ["5550003"],
            "name": ["calls", "daily", "sales"], "extension": [AGENT_EXTENSION, "1001"],
            "action_id": [action["action_id"]]}


def roles_for(method: str, path: str) -> tuple[str, ...]:
    allowed = ACCESS.get(f"{method.upper()} {path}", ())
    return EVERYWHERE + tuple(role for role in WRITERS if role in allowed)


def passed_on_from_the_pbx(case: Any, response: Any) -> bool:
    """A 502 from a PBX route carrying the recorded action's id is the PBX's own refusal
    (``Response: Error``) passed on as the route documents it, not a server failure."""
    return (case.path.startswith("/api/pbx/") and response.status_code == 502
            and "x-pbx-action" in response.headers)


def fuzz(operation: Any, mode: GenerationMode, known: Known,
         headers: dict[str, dict[str, str]], tried: Counter[str], answered: Counter[str]
         ) -> None:
    """``EXAMPLES`` generated requests of one operation and mode, each sent as every role
    ``roles_for`` names; counts per role what was sent and what was answered 2xx."""
    roles = roles_for(operation.method, operation.path)

    @given(case=operation.as_strategy(mode), data=st.data())
    @settings(max_examples=EXAMPLES, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
    def check(case: Any, data: st.DataObject) -> None:
        if mode is GenerationMode.POSITIVE and data.draw(st.booleans(), "real objects"):
            for name in set(case.path_parameters or ()) & set(known):
                case.path_parameters[name] = data.draw(st.sampled_from(known[name]), name)
        for role in roles:
            response = case.call(headers=headers[role], timeout=30)
            tried[role] += 1
            answered[role] += 200 <= response.status_code < 300
            assert (response.status_code < 500 or passed_on_from_the_pbx(case, response)
                    ), (role, case.method, case.formatted_path, case.query, case.body,
                        response.status_code, response.text[:300])
            if response.status_code in (200, 201):  # the body the spec promises
                case.validate_response(response, checks=[response_schema_conformance])

    try:
        check()
    except Unsatisfiable:  # nothing to make invalid in an operation without inputs
        assert mode is GenerationMode.NEGATIVE, operation.label


def test_no_generated_request_as_any_role_gets_a_server_error(server: RunningServer,
                                                              known: Known) -> None:
    schema = schemathesis.openapi.from_url(f"{server.url}/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]  # type: ignore[union-attr]
    assert len(operations) >= 10
    headers = {role: {"Authorization": f"Bearer {token}"}
               for role, token in server.tokens.items()}
    tried: Counter[str] = Counter()
    answered: Counter[str] = Counter()  # 2xx answers per role: requests that did something
    started = time.monotonic()
    for operation, mode in itertools.product(operations, list(GenerationMode)):
        fuzz(operation, mode, known, headers, tried, answered)
    print(f"fuzzed in {time.monotonic() - started:.1f} s: sent {dict(tried)}, "
          f"2xx {dict(answered)}")
    assert sum(tried.values()) > 100
    # every writing role got through to its services, not only to refusals
    assert all(tried[role] > 50 and answered[role] > 5 for role in WRITERS), (tried, answered)


def test_the_spec_names_every_rest_endpoint(server: RunningServer) -> None:
    import httpx

    paths = set(httpx.get(f"{server.url}/openapi.json").json()["paths"])
    assert {"/api/wallboard", "/api/agents", "/api/calls/live", "/api/events",
            "/api/calls/{call_id}/timeline", "/api/recordings",
            "/api/recordings/{name}/audio", "/api/ready", "/metrics"} <= paths
    assert Path(__file__).exists()
