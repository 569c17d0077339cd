"""Waiting on a page under the app's Content-Security-Policy.

Playwright's ``wait_for_function`` re-evaluates its predicate with ``new Function`` in the
page, which the CSP (no 'unsafe-eval') refuses whenever the condition is not true at the
first try: the wait then fails by timing. ``page.evaluate`` goes through the DevTools
protocol, which the CSP does not govern, so we poll with it."""

from __future__ import annotations

import time
from typing import Any


def wait_until(page: Any, expression: str, timeout_s: float = 15.0) -> None:
    """Until ``expression`` is truthy in the page (AssertionError after ``timeout_s``)."""
    deadline = time.monotonic() + timeout_s
    while not page.evaluate(expression):
        assert time.monotonic() < deadline, f"not true within {timeout_s} s: {expression}"
        time.sleep(0.05)
