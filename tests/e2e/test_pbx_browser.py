"""A supervisor clicks "Listen" on a live call in /calls, in headless Chromium, while the
supervision scenario is replayed into the server over AMI (issue 6, acceptance 5): the
PBX receives the ChanSpy Originate for the supervisor's phone on that call's agent, and
the action is recorded with who asked and the PBX's answer."""

from __future__ import annotations

import re

import pytest

from adapters.store.call_facts import aggregate_events
from domain.pbx_actions.action import pbx_action_id
from tests.conftest import SCENARIOS
from tests.integration.test_pbx_actions import pbx_server

pytestmark = pytest.mark.slow


def test_a_supervisor_clicks_listen_on_a_live_call_and_the_action_is_recorded(
        sqlite_store: str, browser: object) -> None:
    with pbx_server(sqlite_store, SCENARIOS["supervision"], speed=2.0) as server:
        page = browser.new_page(viewport={"width": 1600, "height": 1000})  # type: ignore[attr-defined]
        # the supervisor's phone, as the page keeps it
        page.add_init_script("localStorage.setItem('callboard.extension', '9001')")
        page.goto(f"{server.url}/login?next=/calls")
        page.fill("#token", server.tokens["supervisor"])
        page.click("#login")
        page.wait_for_url("**/calls")

        listen = page.locator('tr[data-state="on-call"] button[data-action="listen"]:enabled')
        listen.first.wait_for(timeout=60_000)
        call_id = listen.first.get_attribute("data-call-id")
        extension = page.locator(f'tr[data-call="{call_id}"] .ext').first.text_content()
        page.locator(f'button[data-action="listen"][data-call-id="{call_id}"]').click()
        page.wait_for_selector('body[data-pbx-state="sent"]', state="attached",
                               timeout=30_000)
        action_id = page.evaluate("document.body.dataset.pbxAction")
        assert "Originate successfully queued" in page.locator("#banner").text_content()

        assert server.pbx is not None
        [sent] = [a.headers for a in server.pbx.actions_received if a.action_id == action_id]
        assert (sent["Action"], sent["Channel"], sent["Application"]) == (
            "Originate", "Local/9001@supervisor", "ChanSpy")
        assert re.fullmatch(rf"Local/{extension}@agents-[0-9a-f]+;1,qEb", sent["Data"]), sent

        # Asterisk reports the Async Originate's outcome later (OriginateResponse): the page
        # follows the action until it ends, and the log holds all three steps.
        page.wait_for_selector('body[data-pbx-outcome="connected"]', state="attached",
                               timeout=30_000)
        events = aggregate_events(server.runtime.app, pbx_action_id(action_id))
        assert [type(e).__qualname__ for e in events] == [
            "PbxAction.Requested", "PbxAction.Answered", "PbxAction.Originated"]
        assert (events[0].by, events[0].kind, events[0].call) == (
            "test-supervisor", "listen", call_id)
        assert (events[1].response, events[1].message) == (
            "Success", "Originate successfully queued")
