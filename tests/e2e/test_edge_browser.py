"""The HTTP edge in headless Chromium (issue 12, findings 4 and 7): a hostile ?next= after
login keeps the browser on the site, and every page works under the Content-Security-Policy
(no violation reported, the pages' own <style> blocks allowed by hash)."""

from __future__ import annotations

import pytest

from tests.support.browser import wait_until
from tests.support.server import RunningServer, running_server

pytestmark = pytest.mark.slow

# page -> a role that may open it (api/access.py)
PAGES = {"/wallboard": "supervisor", "/agents": "supervisor", "/calls": "supervisor",
         "/qa": "qa", "/complaints": "complaints", "/my-evaluations": "agent"}


def log_in(browser: object, server: RunningServer, role: str, query: str) -> object:
    page = browser.new_context().new_page()  # type: ignore[attr-defined]
    page.goto(f"{server.url}/login{query}")
    page.fill("#token", server.tokens[role])
    page.click("#login")
    return page


def test_a_hostile_next_after_login_keeps_the_browser_on_the_site(
    sqlite_store: str, browser: object,
) -> None:
    with running_server(sqlite_store) as server:
        for hostile in ("/%09/127.0.0.1:9/pwned", "/%0a/127.0.0.1:9/pwned",
                        "/%0d/127.0.0.1:9/pwned", "/%5C127.0.0.1:9/pwned",
                        "//127.0.0.1:9/pwned", "http://127.0.0.1:9/pwned"):
            page = log_in(browser, server, "supervisor", f"?next={hostile}")
            page.wait_for_url(f"{server.url}/wallboard")  # type: ignore[attr-defined]
            page.context.close()  # type: ignore[attr-defined]


def test_every_page_works_under_the_content_security_policy(
    sqlite_store: str, browser: object,
) -> None:
    with running_server(sqlite_store) as server:
        for path, role in PAGES.items():
            page = log_in(browser, server, role, f"?next={path}")
            refused: list[str] = []
            page.on("console", lambda m, seen=refused: seen.append(m.text)  # type: ignore[attr-defined]
                    if "Content Security Policy" in m.text else None)
            page.wait_for_url(f"{server.url}{path}")  # type: ignore[attr-defined]
            page.reload()  # type: ignore[attr-defined]
            page.wait_for_selector("header.top #logout")  # type: ignore[attr-defined]
            wait_until(page, "document.querySelector('#me')?.dataset.role !== ''")
            styled = page.evaluate(  # type: ignore[attr-defined]
                "[...document.querySelectorAll('style, link[rel=stylesheet]')]"
                ".every((e) => e.sheet !== null && e.sheet.cssRules.length > 0)")
            assert styled, f"{path}: a stylesheet was refused"
            assert refused == [], (path, refused)
            page.context.close()  # type: ignore[attr-defined]
