"""A supervisor logs in with headless Chromium and watches the wallboard while a recorded
day is replayed into the server over AMI: the figures move, and settle on what the REST
API says. A screenshot of the wallboard is kept in ``.artifacts/`` (or
``$CALLBOARD_ARTIFACTS``)."""

from __future__ import annotations

import re
import time

import httpx
import pytest

from tests.conftest import SCENARIOS, summary
from tests.e2e.conftest import ARTIFACTS
from tests.support.server import RunningServer, running_server

FIELDS = ("waiting_now", "offered", "answered", "abandoned", "service_level")

pytestmark = pytest.mark.slow


def page_figures(page: object, queue: str) -> dict[str, str | None]:
    tile = page.locator(f'[data-queue="{queue}"]')  # type: ignore[attr-defined]
    return {f: tile.locator(f'[data-field="{f}"]').first.get_attribute("data-value")
            for f in FIELDS}


def rest_figures(server: RunningServer, queue: str) -> dict[str, str | None]:
    view = httpx.get(f"{server.url}/api/wallboard", timeout=30, headers={
        "Authorization": f"Bearer {server.tokens['supervisor']}"}).json()
    live = view["now"]["totals"] if queue == "__totals__" else view["now"]["queues"][queue]
    day = view["day"]["totals"] if queue == "__totals__" else view["day"]["queues"][queue]
    values = {"waiting_now": live["waiting_now"], "offered": day["offered"],
              "answered": day["answered"], "abandoned": day["abandoned"],
              "service_level": day["service_level"]["answered"]}
    return {k: None if v is None else str(v) for k, v in values.items()}


def same(a: str | None, b: str | None) -> bool:
    if a in (None, "") or b in (None, ""):
        return a in (None, "") and b in (None, "")
    return abs(float(a) - float(b)) < 1e-6


def test_a_supervisor_sees_the_live_wallboard_reach_the_figures_of_the_api(
    sqlite_store: str, browser: object
) -> None:
    end = summary("basic-day")["capture_end"]
    with running_server(sqlite_store, SCENARIOS["basic-day"], speed=20.0,
                        clock_at=end) as server:
        page = browser.new_page(viewport={"width": 1600, "height": 1000})  # type: ignore[attr-defined]
        page.goto(f"{server.url}/wallboard")
        page.wait_for_url("**/login**")
        page.fill("#token", server.tokens["supervisor"])
        page.click("#login")
        page.wait_for_url("**/wallboard")
        page.wait_for_selector('[data-queue="sales"] [data-field="offered"]')

        seen: set[str | None] = set()
        assert server.pbx is not None
        deadline = time.monotonic() + 60
        while not server.pbx.wait_streamed(timeout=0.0):
            seen.add(page_figures(page, "__totals__")["offered"])
            assert time.monotonic() < deadline, "the replay did not finish"
            time.sleep(0.3)
        assert len(seen) >= 3, f"the wallboard should move while calls come in: {seen}"

        server.wait_position(server.runtime.head())
        for queue in ("sales", "support", "__totals__"):
            expected = rest_figures(server, queue)
            deadline = time.monotonic() + 10
            while not all(same(page_figures(page, queue)[f], expected[f]) for f in FIELDS):
                assert time.monotonic() < deadline, (queue, page_figures(page, queue), expected)
                time.sleep(0.2)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "wallboard.png"), full_page=True)
        assert (ARTIFACTS / "wallboard.png").stat().st_size > 10_000


def test_the_call_list_page_shows_masked_numbers_to_qa(sqlite_store: str, browser: object
                                                       ) -> None:
    with running_server(sqlite_store, SCENARIOS["basic-day"], speed=8.0) as server:
        page = browser.new_page()  # type: ignore[attr-defined]
        page.goto(f"{server.url}/login?next=/calls")
        page.fill("#token", server.tokens["qa"])
        page.click("#login")
        page.wait_for_url("**/calls")
        page.wait_for_selector('tr[data-call] [data-field="number"]', timeout=30_000)
        shown = page.locator('tr[data-call] [data-field="number"]').all_text_contents()
        assert shown and all(re.fullmatch(r"\d{3}\*+\d{4}", n.strip()) for n in shown), shown

        # the shared header offers a QA analyst the pages the server lets them open
        page.wait_for_selector('#me[data-role="qa"]', state="attached")
        links = page.eval_on_selector_all("header.top nav a", "links => links.map(a => "
                                          "[a.getAttribute('href'), a.matches('.current')])")
        assert links == [["/wallboard", False], ["/agents", False], ["/calls", True],
                         ["/qa", False]]
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "calls.png"), full_page=True)
        page.click('header.top nav a[href="/agents"]')
        page.wait_for_url("**/agents")
        page.wait_for_selector('tr[data-agent] [data-field="state"]', timeout=30_000)
        page.screenshot(path=str(ARTIFACTS / "agents.png"), full_page=True)


def test_the_wallboard_page_reconnects_by_itself_after_a_server_restart(
    sqlite_store: str, browser: object
) -> None:
    end = summary("basic-day")["capture_end"]
    with running_server(sqlite_store, SCENARIOS["basic-day"], clock_at=end) as server:
        port = int(server.url.rsplit(":", 1)[1])
        page = browser.new_page()  # type: ignore[attr-defined]
        page.goto(f"{server.url}/login?next=/wallboard")
        page.fill("#token", server.tokens["supervisor"])
        page.click("#login")
        page.wait_for_selector('#conn[data-state="open"]', state="attached", timeout=30_000)
    page.wait_for_selector('#conn[data-state="reconnecting"]', state="attached",
                           timeout=30_000)
    with running_server(sqlite_store, clock_at=end, port=port) as again:
        page.wait_for_selector('#conn[data-state="open"]', state="attached", timeout=30_000)
        offered = page_figures(page, "__totals__")["offered"]
        assert offered == rest_figures(again, "__totals__")["offered"]
