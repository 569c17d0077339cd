"""The one access table (``api.access``) covers every route of the app, HTTP and
WebSocket, and is what decides: each role gets through exactly where the table says and is
refused (403) everywhere else. The one domain-error table (``api.app.STATUS``) gives each
error its status."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts

from api.access import ACCESS, PUBLIC, AccessTable, route_key
from api.app import create_app, status_of
from api.bootstrap import build
from api.settings import Configuration
from domain.access.user import ROLES
from domain.errors import (
    AlreadyExists,
    CallboardError,
    ChangedMeanwhile,
    DndNumberRefused,
    EscalationRequired,
    InvalidChoice,
    InvalidForm,
    NoExtensionBound,
    NotOnDndList,
    NotTheAnalyst,
    NotYourCall,
    PbxTimeout,
    PbxUnavailable,
    TimeZoneMissing,
    UnknownAggregate,
    WrongEvaluationState,
)
from tests.support.server import RunningServer, serving

# a value for each path parameter that the path's own validation accepts
PARAMS = {"extension": "1001", "mode": "listen", "board": "wallboard"}


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FastAPI]:
    store = f"sqlite:///{tmp_path_factory.mktemp('access') / 'callboard.db'}"
    callboard = build(Configuration(), store)
    yield create_app(callboard)
    callboard.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    store = f"sqlite:///{tmp_path_factory.mktemp('access-server') / 'callboard.db'}"
    with serving(build(Configuration(), store, clock=lambda: 1795425600.0,
                       poll_s=0.02)) as running:
        yield running


def _routes(app: FastAPI) -> list[tuple[str, str]]:
    """(key, path with its parameters filled in) of every route of the app."""
    out = []
    for route in iter_route_contexts(app.routes):
        for key in route_key(route):
            path = re.sub(r"\{(\w+)(:\w+)?\}", lambda m: PARAMS.get(m[1], "x"),
                          str(route.path))
            out.append((key, path))
    return out


def test_every_route_of_the_app_is_in_the_access_table(app: FastAPI) -> None:
    keys = {key for key, _ in _routes(app)}
    assert keys - set(ACCESS) - PUBLIC == set()
    assert set(ACCESS) - keys == set(), "entries for routes that do not exist"
    assert "WS /ws/{board}" in keys and "GET /api/qa/my-evaluations" in keys


def test_an_app_with_a_route_missing_from_the_table_is_refused() -> None:
    class Route:
        path, methods = "/api/nothing", {"GET"}

        @staticmethod
        def endpoint() -> None: ...

    with pytest.raises(LookupError, match="GET /api/nothing"):
        AccessTable.resolve([Route()])


def test_each_role_is_admitted_where_the_table_says_and_refused_elsewhere(
    app: FastAPI, server: RunningServer,
) -> None:
    wrong: list[str] = []
    with httpx.Client(base_url=server.url, timeout=30) as client:
        for key, path in _routes(app):
            method = key.split()[0]
            if key in PUBLIC or method == "WS":
                continue
            for role in ROLES:
                response = client.request(method, path, json={}, headers={
                    "Authorization": f"Bearer {server.tokens[role]}"})
                refused = response.status_code == 403 and "may not" in response.text
                if refused != (role not in ACCESS[key]):
                    wrong.append(f"{role} {key}: {response.status_code} {response.text[:80]}")
            if client.request(method, path, json={}).status_code not in (401, 303):
                wrong.append(f"anonymous {key}")
    assert wrong == []


@pytest.mark.parametrize(("error", "status"), [
    (UnknownAggregate("x"), 404), (NotOnDndList("x"), 404),
    (NotTheAnalyst("x"), 403), (NotYourCall("x"), 403),
    (InvalidForm("x"), 422), (InvalidChoice("x"), 422), (TimeZoneMissing("x"), 422),
    (AlreadyExists("x"), 409), (ChangedMeanwhile("x"), 409), (NoExtensionBound("x"), 409),
    (DndNumberRefused("x", "1", 3, "admin"), 409), (EscalationRequired("x"), 409),
    (WrongEvaluationState("x"), 409), (CallboardError("x"), 409),
    (PbxUnavailable("x"), 503), (PbxTimeout("x"), 504),
])
def test_each_domain_error_has_one_status(error: CallboardError, status: int) -> None:
    assert status_of(error) == status


def test_the_access_table_names_only_known_roles() -> None:
    assert {role for roles in ACCESS.values() for role in roles} <= set(ROLES)
    assert not set(ACCESS) & PUBLIC
    assert Path(__file__).exists()
