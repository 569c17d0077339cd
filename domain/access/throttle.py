"""Failed logins per client, and when a client must wait.

A sliding window per client (``max_failures`` in ``window_s``), kept in memory: a
restart forgets it, which costs an attacker at most one more window, while a table in the
log would let anyone who can reach the login form fill the database. A throttled client
is refused every attempt, a right token too, because answering a right guess would keep
the guessing going. Keyed by the client address only: a wrong token names no user, and
locking a user out by name would hand anyone a way to lock out the supervisors. Behind a
proxy every client shares one address; raise ``max_failures`` there.

The caller gives ``now`` (the domain never reads the clock).
"""

from __future__ import annotations

import math
import threading
from collections import deque

__all__ = ["LoginThrottle", "Throttled"]


class Throttled(Exception):
    """Too many failed logins from one client (the API answers 429 with ``Retry-After``)."""

    def __init__(self, wait_s: float) -> None:
        self.wait_s = math.ceil(wait_s)
        super().__init__(f"too many failed logins from your address: wait {self.wait_s} s, "
                         "then log in with a valid token")


class LoginThrottle:
    def __init__(self, max_failures: int, window_s: float, max_clients: int = 10_000) -> None:
        self.max_failures, self.window_s, self.max_clients = max_failures, window_s, max_clients
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def wait_s(self, client: str, now: float) -> float:
        """Seconds ``client`` must wait before its next attempt (0: it may try now)."""
        with self._lock:
            recent = self._recent(client, now)
            if len(recent) < self.max_failures:
                return 0.0
            return max(recent[-self.max_failures] + self.window_s - now, 0.001)

    def check(self, client: str, now: float) -> None:
        """``Throttled`` while ``client`` must wait."""
        wait = self.wait_s(client, now)
        if wait > 0:
            raise Throttled(wait)

    def failed(self, client: str, now: float) -> int:
        """Count a failure; returns the client's failures in the window."""
        with self._lock:
            if client not in self._failures and len(self._failures) >= self.max_clients:
                self._forget_quiet(now)
            recent = self._failures.setdefault(client, deque())
            self._trim(recent, now)
            recent.append(now)
            while len(recent) > self.max_failures:
                recent.popleft()
            return len(recent)

    def _recent(self, client: str, now: float) -> deque[float]:
        recent = self._failures.get(client, deque())
        self._trim(recent, now)
        return recent

    def _trim(self, recent: deque[float], now: float) -> None:
        while recent and recent[0] <= now - self.window_s:
            recent.popleft()

    def _forget_quiet(self, now: float) -> None:
        """Bound the memory a flood of addresses can take: drop the clients whose
        failures are all older than the window (or, failing that, the oldest one)."""
        quiet = now - self.window_s
        for client in [c for c, r in self._failures.items() if not r or r[-1] <= quiet]:
            del self._failures[client]
        if len(self._failures) >= self.max_clients:
            del self._failures[next(iter(self._failures))]
