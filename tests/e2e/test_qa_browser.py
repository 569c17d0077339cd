"""A QA analyst and an agent in headless Chromium: the analyst opens the work queue, plays
the call's recording in the page (streamed from the Range-enabled audio endpoint), scores
and submits; the agent sees the result and disputes it. Screenshots of both pages go to
``.artifacts/`` (or ``$CALLBOARD_ARTIFACTS``)."""

from __future__ import annotations

import httpx
import pytest

from adapters.store.application import open_app
from api.auth import UserDirectory
from api.cli.main import main
from domain.ids import call_id
from domain.qa.scoring import EXAMPLE
from tests.conftest import FIXTURES, SCENARIOS
from tests.e2e.conftest import ARTIFACTS
from tests.support.browser import wait_until
from tests.support.server import RunningServer, running_server

RECORDING = "sales-20261123-091901-1795425541.20.wav"  # Alice Martin's call, audio at hand
CALL = str(call_id("1795425541.20"))
ANSWERS = {"greet": "no", "name": "n/a", "needs": "fair", "consent": "yes"}  # 22.22

pytestmark = pytest.mark.slow


def api(server: RunningServer, method: str, path: str, token: str, body: object = None
        ) -> dict[str, object]:
    response = httpx.request(method, f"{server.url}{path}", json=body, timeout=30,
                             headers={"Authorization": f"Bearer {token}"})
    assert response.status_code in (200, 201), response.text
    out: dict[str, object] = response.json()
    return out


def log_in(browser: object, server: RunningServer, token: str, page_path: str) -> object:
    page = browser.new_context().new_page()  # type: ignore[attr-defined]
    page.goto(f"{server.url}/login?next={page_path}")
    page.fill("#token", token)
    page.click("#login")
    page.wait_for_url(f"**{page_path}")
    return page


def test_a_qa_analyst_scores_a_call_while_it_plays_and_the_agent_disputes_the_result(
    sqlite_store: str, browser: object
) -> None:
    for scenario in ("basic-day", "outbound-telesales"):
        assert main(["ingest", "--store", sqlite_store, *map(str, SCENARIOS[scenario])]) == 0
    app = open_app(sqlite_store)
    alice = UserDirectory(app).add("alice.martin", "agent", by="tests", extension="1001")
    app.close()
    with running_server(sqlite_store, recordings_dir=FIXTURES / "recordings-sample") as server:
        qa_token = server.tokens["qa"]
        for path, token in (("/qa", qa_token), ("/my-evaluations", alice)):
            served = httpx.get(server.url + path, headers={"Authorization": f"Bearer {token}"})
            assert served.status_code == 200, f"{path} is not served: add it to PAGES in " \
                "api/system/routes.py"
        api(server, "POST", "/api/qa/forms", qa_token,
            {"name": "calls", "definition": EXAMPLE.as_dict()})
        api(server, "POST", "/api/qa/forms/calls/publish", qa_token)
        key = api(server, "POST", "/api/qa/evaluations", qa_token,
                  {"call_id": CALL, "form": "calls"})["id"]

        page = log_in(browser, server, qa_token, "/qa")
        audio: list[int] = []
        page.on("response", lambda r: audio.append(r.status)  # type: ignore[attr-defined]
                if f"/api/recordings/{RECORDING}/audio" in r.url else None)
        row = f'tr[data-evaluation="{key}"]'
        page.click(f'{row} button[data-action="open"]')  # type: ignore[attr-defined]
        page.wait_for_selector("#scoring:not([hidden])")  # type: ignore[attr-defined]
        page.click("#play")  # type: ignore[attr-defined]
        wait_until(page, "document.getElementById('player').readyState >= 1", 15.0)
        assert page.eval_on_selector(  # type: ignore[attr-defined]
            "#player", "a => a.duration") > 1.0
        assert 206 in audio, audio  # the browser streamed it with Range requests
        for question, answer in ANSWERS.items():
            page.check(f'input[data-question="{question}"][value="{answer}"]')  # type: ignore[attr-defined]
        page.fill("#note", "no greeting; needs explored only in part")  # type: ignore[attr-defined]
        page.click("#submit")  # type: ignore[attr-defined]
        page.wait_for_selector('#result [data-field="score"][data-value="22.22"]')  # type: ignore[attr-defined]
        page.wait_for_selector('[data-field="queue_empty"]')  # type: ignore[attr-defined]
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "qa.png"), full_page=True)  # type: ignore[attr-defined]

        mine = log_in(browser, server, alice, "/my-evaluations")
        result = f'tr[data-evaluation="{key}"]'
        mine.wait_for_selector(f'{result}[data-status="submitted"]')  # type: ignore[attr-defined]
        shown = mine.get_attribute(f'{result} [data-field="score"]', "data-value")  # type: ignore[attr-defined]
        assert shown == "22.22"
        mine.click(f'{result} button[data-action="dispute"]')  # type: ignore[attr-defined]
        mine.fill("tr.dispute-form textarea", "I greeted the customer at 0:03")  # type: ignore[attr-defined]
        mine.click('button[data-action="send-dispute"]')  # type: ignore[attr-defined]
        mine.wait_for_selector(f'{result}[data-status="disputed"]')  # type: ignore[attr-defined]
        mine.screenshot(path=str(ARTIFACTS / "my-evaluations.png"), full_page=True)  # type: ignore[attr-defined]

        stored = api(server, "GET", f"/api/qa/evaluations/{key}", server.tokens["supervisor"])
        assert stored["status"] == "disputed"
        assert [h["type"] for h in stored["history"]][-2:] == [  # type: ignore[attr-defined]
            "Submitted", "Disputed"]
