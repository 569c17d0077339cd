"""Acceptance 1 of issue 12, finding 2: for each masked role (qa, agent, admin) a crawler
over every GET endpoint of the app (path parameters filled with real ids), the event log
paged to its end, and the three WebSocket boards finds none of the capture's customer
numbers or names in any body; and the server's log lines during the crawl have none
either."""

from __future__ import annotations

import asyncio
import csv
import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import orjson
import pytest
import websockets
from fastapi.routing import APIRoute

from api.app import ROUTERS
from api.cli.main import main
from domain.ids import call_id
from tests.conftest import FIXTURES, SCENARIOS, summary
from tests.support.server import RunningServer, running_server

MASKED_ROLES = ("qa", "agent", "admin")
MID = "2026-11-23T09:20:00Z"  # basic-day: callers waiting, agents on calls
RECORDING = "sales-20261123-091901-1795425541.20.wav"
BOARDS = ("wallboard", "agents", "monitoring")


def capture_customers() -> tuple[set[str], set[str]]:
    """basic-day's caller numbers (summary.json) and caller names (cdr.csv)."""
    numbers = {c["callerid"] for c in summary("basic-day")["calls"]}
    names: set[str] = set()
    with (FIXTURES / "basic-day" / "cdr.csv").open(newline="") as f:
        for row in csv.reader(f):
            found = re.match(r'^"?([^"<]+?)"? <(\d+)>$', row[4])
            if found and found.group(2) in numbers:
                names.add(found.group(1))
    return numbers, names


NUMBERS, NAMES = capture_customers()
FIRST, SECOND, THIRD = sorted(NUMBERS)[:3]


class Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


def leaks(text: str) -> list[str]:
    return sorted(n for n in NUMBERS | NAMES if n in text)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    store = f"sqlite:///{tmp_path_factory.mktemp('crawl') / 'callboard.db'}"
    assert main(["ingest", "--store", store, *map(str, SCENARIOS["basic-day"])]) == 0
    with running_server(store, clock_at=summary("basic-day")["capture_end"],
                        recordings_dir=FIXTURES / "recordings-sample") as running:
        people_at_work(running)
        yield running


def call(server: RunningServer, method: str, path: str, role: str,
         **kwargs: Any) -> httpx.Response:
    headers = {"Authorization": f"Bearer {server.tokens[role]}"}
    return httpx.request(method, server.url + path, headers=headers, timeout=60, **kwargs)


def people_at_work(server: RunningServer) -> None:
    """Customer numbers from people, not only the PBX: a complaint (number, contact and
    name), a DND entry, a wrap-up and a click-to-dial (recorded, then 503: no PBX)."""
    opened = call(server, "POST", "/api/complaints", "complaints", json={
        "channel": "phone", "customer_name": sorted(NAMES)[0], "customer_number": FIRST,
        "customer_contact": SECOND, "matter": f"called back from {SECOND}, twice",
        "category": "billing"})
    assert opened.status_code == 201, opened.text
    assert call(server, "POST", "/api/dnd", "admin",
                json={"number": THIRD, "note": f"asked by {FIRST}"}).status_code == 201
    wrapped = call(server, "PUT", f"/api/calls/{call_id('1795425541.20')}/wrapup",
                   "supervisor", json={"code": "sale", "notes": f"customer {FIRST}"})
    assert wrapped.status_code == 200, wrapped.text
    dialled = call(server, "POST", "/api/pbx/dial", "supervisor",
                   json={"number": SECOND, "extension": "1001"})
    assert dialled.status_code == 503, dialled.text


def fill(server: RunningServer) -> dict[str, list[str]]:
    """Real values for every path parameter, found as the supervisor sees them."""
    def get(path: str, **params: Any) -> Any:
        return call(server, "GET", path, "supervisor", params=params).json()

    summary_calls = summary("basic-day")["calls"]
    complaints = get("/api/complaints")["complaints"]
    actions = [e["data"]["action_id"] for e in call(
        server, "GET", "/api/events", "auditor",
        params={"type": "PbxAction.Requested"}).json()["events"]]
    evaluations = [e["evaluation_id"] for e in get("/api/qa/evaluations")["evaluations"]
                   if "evaluation_id" in e]
    return {
        "call_id": [str(call_id(c["uniqueid"])) for c in summary_calls],
        "call": [str(call_id("1795425541.20"))],
        "name": [RECORDING, "sales", "default"],
        "reference": [c["reference"] for c in complaints],
        "number": sorted(NUMBERS)[:5],
        "action_id": actions,
        "evaluation_id": evaluations or ["none"],
        "sample_id": ["none"],
        "board": list(BOARDS),
    }


def urls(server: RunningServer) -> list[str]:
    """Every GET route of the app, once per real value of each of its parameters."""
    values = fill(server)
    found = ["/openapi.json", "/docs", "/redoc"]  # FastAPI's own routes
    for route in (r for router in ROUTERS for r in router.routes):  # the app's routes
        if not isinstance(route, APIRoute) or "GET" not in (route.methods or ()):
            continue
        params = re.findall(r"{(\w+)(?::\w+)?}", route.path)
        paths = [route.path]
        for param in params:
            paths = [re.sub(r"{" + param + r"(?::\w+)?}", v, p)
                     for p in paths for v in values.get(param, ["x"])]
        found += paths
    return found


def crawl(server: RunningServer, role: str) -> dict[str, str]:
    bodies: dict[str, str] = {}
    for url in urls(server):
        params = {"at": MID} if url in ("/api/calls/live", "/api/agents") else {}
        bodies[url] = call(server, "GET", url, role, params=params).text
    after = 0
    while True:  # the whole event log, page by page
        page = call(server, "GET", "/api/events", role,
                    params={"after": after, "limit": 1000})
        bodies[f"/api/events?after={after}"] = page.text
        if page.status_code != 200 or page.json()["next_after"] is None:
            break
        after = page.json()["next_after"]
    return bodies


async def pushed(server: RunningServer, role: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for board in BOARDS:
        headers = {"Authorization": f"Bearer {server.tokens[role]}"}
        try:
            async with websockets.connect(f"{server.ws_url}/ws/{board}", compression=None,
                                          additional_headers=headers) as ws:
                out[board] = str(await asyncio.wait_for(ws.recv(), timeout=20))
        except websockets.InvalidStatus as refused:
            out[board] = f"refused {refused.response.status_code}"
        except websockets.ConnectionClosed as closed:
            out[board] = f"closed {closed.rcvd}"
    return out


def test_the_capture_gives_the_crawler_numbers_and_names_to_look_for() -> None:
    assert len(NUMBERS) == 40 and len(NAMES) >= 30


def test_supervisors_see_the_numbers_the_crawler_looks_for(server: RunningServer) -> None:
    body = call(server, "GET", "/api/events", "auditor", params={"limit": 1000}).text
    assert FIRST in body
    timeline = call(server, "GET", f"/api/calls/{call_id('1795425541.20')}/timeline",
                    "supervisor").text
    assert "Local/" in timeline and leaks(timeline)


@pytest.mark.parametrize("role", MASKED_ROLES)
def test_a_masked_role_finds_no_customer_number_or_name_anywhere(
    server: RunningServer, role: str
) -> None:
    bodies = crawl(server, role)
    bodies |= {f"ws {b}": text for b, text in asyncio.run(pushed(server, role)).items()}
    found = {url: leaks(body) for url, body in bodies.items() if leaks(body)}
    assert not found, found
    masked = sum(1 for b in bodies.values() if "***" in b)
    assert masked > 10 or role == "agent"  # masked, not missing (agents see no customers)
    assert len(bodies) > 100 and any(b.startswith('{"type":"snapshot"')
                                     for b in bodies.values())


@contextmanager
def log_lines() -> Iterator[list[str]]:
    """Every line Callboard and uvicorn log (the access log too) in the block."""
    lines = Lines()
    loggers = [logging.getLogger(n) for n in ("", "uvicorn.access", "uvicorn.error")]
    access = logging.getLogger("uvicorn.access")
    level = access.level
    access.setLevel(logging.INFO)
    for logger in loggers:
        logger.addHandler(lines)
    try:
        yield lines.lines
    finally:
        for logger in loggers:
            logger.removeHandler(lines)
        access.setLevel(level)


def test_the_server_logs_no_customer_number_or_name_while_crawled(
    server: RunningServer,
) -> None:
    with log_lines() as lines:
        crawl(server, "qa")
        call(server, "GET", f"/api/customers/{FIRST}", "qa")  # denied: logged with its path
        call(server, "GET", "/api/dnd", "admin", params={"number": FIRST, "limit": "x"})
        call(server, "GET", "/api/wallboard", "qa", params={"at": f"{SECOND}x"})  # 422
    assert lines and not [line for line in lines if leaks(line)], \
        [line for line in lines if leaks(line)][:5]
    assert any("/api/customers/" in line and "0" in line for line in lines)
    assert any("number=…" in line for line in lines)  # the query string, not its values


def test_the_pushed_monitoring_board_masks_by_value(server: RunningServer) -> None:
    board = orjson.loads(asyncio.run(pushed(server, "qa"))["monitoring"])
    assert board["type"] == "snapshot" and not leaks(orjson.dumps(board).decode())
