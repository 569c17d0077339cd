"""Expiry and throttling with an injected clock, over a real store: a session ends after
``session_ttl_s``, a token after ``token_ttl_s``, a client that keeps failing must wait
out the window (a right token too), and the user fold reads its topics from the event
classes."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from adapters.store.application import CallCenter, open_app
from api.auth import Principal, UserDirectory
from domain.access.directory import USER_TOPICS, AccessPolicy
from domain.access.throttle import Throttled
from domain.access.user import User
from domain.events import event_topic

HOUR = 3600.0
POLICY = AccessPolicy(token_ttl_s=90 * 24 * HOUR, session_ttl_s=12 * HOUR, max_failures=2,
                      failure_window_s=60.0)
CAROL = Principal("carol", "supervisor", "9001")


class Clock:
    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def app(sqlite_store: str) -> Iterator[CallCenter]:
    app = open_app(sqlite_store)
    yield app
    app.close()


def test_an_expired_session_and_then_an_expired_token_get_nothing(app: CallCenter) -> None:
    clock = Clock()
    users = UserDirectory(app, clock=clock, policy=POLICY)
    token = users.add("carol", "supervisor", by="admin", extension="9001")
    session = users.login(token, "10.0.0.7")
    assert session is not None and session.expires_at == clock.now + 12 * HOUR
    assert users.session(session.secret) == CAROL
    clock.now += 12 * HOUR
    assert users.session(session.secret) is None  # the session is over
    assert users.authenticate(token) == CAROL  # the token lasts longer
    clock.now += 90 * 24 * HOUR
    assert users.authenticate(token) is None
    assert UserDirectory(app, clock=clock, policy=POLICY).authenticate(token) is None


def test_a_token_issued_without_an_expiry_expires_after_the_token_lifetime(
        app: CallCenter) -> None:
    clock = Clock()
    app.save(User("old", "qa", clock.now, "admin", "d" * 64))  # before expiries were kept
    users = UserDirectory(app, clock=clock, policy=POLICY)
    assert users._fold.token("d" * 64, clock.now + 89 * 24 * HOUR) is not None
    assert users._fold.token("d" * 64, clock.now + 90 * 24 * HOUR) is None


def test_a_client_that_keeps_failing_waits_out_the_window_even_with_a_right_token(
        app: CallCenter) -> None:
    clock = Clock()
    users = UserDirectory(app, clock=clock, policy=POLICY)
    token = users.add("carol", "supervisor", by="admin", extension="9001")
    assert users.login("wrong-1", "10.0.0.9") is None
    clock.now += 10
    assert users.login("wrong-2", "10.0.0.9") is None
    with pytest.raises(Throttled, match="wait 50 s"):
        users.login(token, "10.0.0.9")
    assert users.login(token, "10.0.0.8") is not None  # another client is not held up
    clock.now += 50
    found = users.login(token, "10.0.0.9")
    assert found is not None and found.principal == CAROL


def test_logging_out_ends_the_session_and_only_that_one(app: CallCenter) -> None:
    users = UserDirectory(app, clock=Clock(), policy=POLICY)
    token = users.add("carol", "supervisor", by="admin", extension="9001")
    first, second = users.login(token, "a"), users.login(token, "b")
    assert first is not None and second is not None
    assert users.logout(first.secret) is True
    assert users.session(first.secret) is None and users.session(second.secret) == CAROL
    assert users.logout(first.secret) is False


def test_the_user_topics_are_the_event_classes_topics() -> None:
    assert event_topic(User, "Added") in USER_TOPICS
    assert event_topic(User, "TokensRevoked") in USER_TOPICS
    assert event_topic(User, "SessionEnded") in USER_TOPICS
