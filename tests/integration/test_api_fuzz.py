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
"""

from __future__ import annotations

import itertools
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import response_schema_conformance

from api.access import ACCESS
from api.bootstrap import AmiEndpoint, build
from api.cli.main import main
from api.settings import Configuration, Settings
from tests.conftest import FIXTURES, SCENARIOS, summary
from tests.support.replay_pbx import DEFAULT_EXTENSIONS, PbxReplayServer
from tests.support.server import AGENT_EXTENSION, RunningServer, serving

EVERYWHERE = ("auditor", "admin")  # send every operation, allowed or not
WRITERS = ("qa", "complaints", "supervisor", "agent")  # send the operations they may use
# Examples per operation and mode: with up to six roles per example this keeps the test
# near a minute on two cores (the whole suite has a budget of about twelve minutes).
EXAMPLES = 12


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


def roles_for(method: str, path: str) -> tuple[str, ...]:
    allowed = ACCESS.get(f"{method.upper()} {path}", ())
    return EVERYWHERE + tuple(role for role in WRITERS if role in allowed)


def passed_on_from_the_pbx(case: Any, response: Any) -> bool:
    """A 502 from a PBX route carrying the recorded action's id is the PBX's own refusal
    (``Response: Error``) passed on as the route documents it, not a server failure."""
    return (case.path.startswith("/api/pbx/") and response.status_code == 502
            and "x-pbx-action" in response.headers)


def fuzz(operation: Any, mode: GenerationMode, headers: dict[str, dict[str, str]],
         tried: Counter[str], answered: Counter[str]) -> None:
    """``EXAMPLES`` generated requests of one operation and mode, each sent as every role
    ``roles_for`` names; counts per role what was sent and what was answered 2xx."""
    roles = roles_for(operation.method, operation.path)

    @given(case=operation.as_strategy(mode))
    @settings(max_examples=EXAMPLES, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
    def check(case: Any) -> None:
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


def test_no_generated_request_as_any_role_gets_a_server_error(server: RunningServer) -> None:
    schema = schemathesis.openapi.from_url(f"{server.url}/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]  # type: ignore[union-attr]
    assert len(operations) >= 10
    headers = {role: {"Authorization": f"Bearer {token}"}
               for role, token in server.tokens.items()}
    tried: Counter[str] = Counter()
    answered: Counter[str] = Counter()  # 2xx answers per role: requests that did something
    started = time.monotonic()
    for operation, mode in itertools.product(operations, list(GenerationMode)):
        fuzz(operation, mode, headers, tried, answered)
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
