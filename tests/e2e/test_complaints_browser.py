"""Acceptance 5 of issue 6 (the page): a complaint handler logs in with headless Chromium,
opens a ticket linked to a call of the supervision capture, finds it in the list, opens it
and reads its timeline: the complaint's own events merged in time order with the call's
events. A screenshot goes to ``.artifacts/complaints.png`` (or ``$CALLBOARD_ARTIFACTS``)."""

from __future__ import annotations

import httpx
import pytest

from api.cli.main import main
from tests.conftest import SCENARIOS
from tests.e2e.conftest import ARTIFACTS
from tests.support.server import RunningServer, running_server

BLIND_TRANSFER = "1795426256.288"  # sales (Bob Keller) -> blind transfer -> support (Dave)
HELD = "1795426251.284"  # Alice Martin puts the caller on hold and takes them back
OPENED_AT = 1795426400.0  # after both calls ended

pytestmark = pytest.mark.slow


def log_in(browser: object, server: RunningServer, token: str, page_path: str) -> object:
    page = browser.new_context().new_page()  # type: ignore[attr-defined]
    page.goto(f"{server.url}/login?next={page_path}")
    page.fill("#token", token)
    page.click("#login")
    page.wait_for_url(f"**{page_path}")
    return page


def timeline_rows(page: object) -> list[dict[str, str]]:
    rows: list[dict[str, str]] = page.eval_on_selector_all(  # type: ignore[attr-defined]
        "#timeline li[data-kind]", "els => els.map(e => ({kind: e.dataset.kind, "
        "type: e.dataset.type, at: e.dataset.at, call: e.dataset.callId}))")
    return rows


def test_a_complaint_handler_opens_a_ticket_and_sees_its_timeline(
    sqlite_store: str, browser: object
) -> None:
    assert main(["ingest", "--store", sqlite_store, *map(str, SCENARIOS["supervision"])]) == 0
    with running_server(sqlite_store, clock_at=OPENED_AT) as server:
        token = server.tokens["complaints"]
        served = httpx.get(server.url + "/complaints", headers={"Authorization": f"Bearer {token}"})
        assert served.status_code == 200, "/complaints is not served: add it to PAGES in " \
            "api/system/routes.py"

        page = log_in(browser, server, token, "/complaints")
        page.wait_for_selector('body[data-ready="true"]')  # type: ignore[attr-defined]
        page.wait_for_selector('[data-field="list_empty"]')  # type: ignore[attr-defined]
        page.select_option("#channel", "phone")  # type: ignore[attr-defined]
        page.fill("#customer-name", "Carla Caller")  # type: ignore[attr-defined]
        page.fill("#customer-number", "3125550000")  # type: ignore[attr-defined]
        page.fill("#category", "service-quality")  # type: ignore[attr-defined]
        page.select_option("#severity", "normal")  # type: ignore[attr-defined]
        page.fill("#open-calls", BLIND_TRANSFER)  # type: ignore[attr-defined]
        page.fill("#matter", "transferred around, nobody helped")  # type: ignore[attr-defined]
        page.click("#open")  # type: ignore[attr-defined]
        page.wait_for_selector('body[data-open-state="opened"]')  # type: ignore[attr-defined]
        reference = page.get_attribute("body", "data-opened")  # type: ignore[attr-defined]
        assert reference and reference.startswith("C-")

        # the ticket is in the list; open it from there (after a reload, from scratch)
        page.reload()  # type: ignore[attr-defined]
        row = f'#complaints tr[data-complaint="{reference}"]'
        page.wait_for_selector(f'{row}[data-status="open"]')  # type: ignore[attr-defined]
        assert page.get_attribute(  # type: ignore[attr-defined]
            f'{row} [data-field="calls"]', "data-value") == "1"
        page.click(f'{row} button[data-action="open-ticket"]')  # type: ignore[attr-defined]
        page.wait_for_selector(  # type: ignore[attr-defined]
            f'#ticket:not([hidden])[data-reference="{reference}"]')
        assert page.get_attribute(  # type: ignore[attr-defined]
            '#ticket-facts [data-field="status"]', "data-value") == "open"

        rows = timeline_rows(page)
        assert [float(r["at"]) for r in rows] == sorted(float(r["at"]) for r in rows)
        own = [r["type"] for r in rows if r["kind"] == "complaint"]
        assert own[0] == "Complaint.Opened" and "Complaint.CallLinked" in own
        calls = [r["type"] for r in rows if r["kind"] == "call"]
        assert calls.index("Call.Started") < calls.index("Call.Queued") \
            < calls.index("Call.Answered") < calls.index("Call.Transferred") \
            < calls.index("Call.Ended")
        assert page.locator(  # type: ignore[attr-defined]
            '#timeline li[data-kind="call"][data-recording]').count() == 2
        assert {r["type"] for r in rows if r["kind"] == "agent"} >= {"AgentStateAtCall"}
        assert rows[-1]["kind"] == "complaint"  # opened after the call ended

        # link the held call from the ticket: its events join the timeline
        page.fill("#link-call", HELD)  # type: ignore[attr-defined]
        page.click("#link")  # type: ignore[attr-defined]
        page.wait_for_selector(  # type: ignore[attr-defined]
            '#timeline li[data-kind="call"][data-type="Call.Held"]')
        held = [r["type"] for r in timeline_rows(page) if r["kind"] == "call"]
        assert held.index("Call.Held") < held.index("Call.Unheld")
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "complaints.png"), full_page=True)  # type: ignore[attr-defined]
