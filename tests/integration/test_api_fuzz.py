"""Property-based requests generated from the OpenAPI spec (schemathesis), valid and
invalid (positive and negative modes): whatever the parameters, the API answers with a
status below 500, and every 200 answer conforms to the response model in the spec."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import response_schema_conformance

from api.cli.main import main
from tests.conftest import FIXTURES, SCENARIOS, summary
from tests.support.server import RunningServer, running_server


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    store = f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'callboard.db'}"
    assert main(["ingest", "--store", store, *map(str, SCENARIOS["supervision"])]) == 0
    with running_server(store, clock_at=summary("supervision")["capture_end"],
                        recordings_dir=FIXTURES / "recordings-sample") as running:
        yield running


def test_no_generated_request_gets_a_server_error(server: RunningServer) -> None:
    schema = schemathesis.openapi.from_url(f"{server.url}/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]  # type: ignore[union-attr]
    assert len(operations) >= 10
    headers = {role: {"Authorization": f"Bearer {server.tokens[role]}"}
               for role in ("auditor", "admin")}
    tried = 0
    for operation, mode in itertools.product(operations, list(GenerationMode)):
        @given(case=operation.as_strategy(mode))
        @settings(max_examples=25, deadline=None, database=None,
                  suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
        def check(case: Any) -> None:
            nonlocal tried
            for auth in headers.values():
                response = case.call(headers=auth, timeout=30)
                tried += 1
                assert response.status_code < 500, (case.method, case.formatted_path,
                                                    case.query, response.text[:300])
                if response.status_code == 200:  # a 200 body is what the spec promises
                    case.validate_response(response, checks=[response_schema_conformance])

        try:
            check()
        except Unsatisfiable:  # nothing to make invalid in an operation without inputs
            assert mode is GenerationMode.NEGATIVE, operation.label
    assert tried > 100


def test_the_spec_names_every_rest_endpoint(server: RunningServer) -> None:
    import httpx

    paths = set(httpx.get(f"{server.url}/openapi.json").json()["paths"])
    assert {"/api/wallboard", "/api/agents", "/api/calls/live", "/api/events",
            "/api/calls/{call_id}/timeline", "/api/recordings",
            "/api/recordings/{name}/audio", "/api/ready", "/metrics"} <= paths
    assert Path(__file__).exists()
