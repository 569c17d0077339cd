"""Which agent a user is: the extension their User record names, set when the user is
added and changed by ``User.ExtensionBound``; never guessed from the login name."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from adapters.store.application import CallCenter, open_app
from api.auth import Principal, UserDirectory, own_extension
from api.qa.service import agent_owns
from domain.access.user import User
from domain.errors import InvalidChoice, NoExtensionBound

CALL = {"agent": "1001", "agent_name": "Alice Martin"}


@pytest.fixture
def app(sqlite_store: str) -> Iterator[CallCenter]:
    app = open_app(sqlite_store)
    yield app
    app.close()


def test_a_user_is_the_agent_whose_extension_their_record_names(app: CallCenter) -> None:
    users = UserDirectory(app)
    token = users.add("alice.martin", "agent", by="admin", extension="1001")
    who = users.authenticate(token)
    assert who == Principal("alice.martin", "agent", "1001")
    assert own_extension(who) == "1001" and agent_owns(own_extension(who), CALL)


def test_the_login_name_says_nothing_about_which_agent_a_user_is(app: CallCenter) -> None:
    users = UserDirectory(app)
    for name in ("1001", "alice.1001", "alice.martin"):
        who = users.authenticate(users.add(name, "agent", by="admin"))
        assert who is not None and who.extension == ""
        with pytest.raises(NoExtensionBound, match=f"callboard user add {name} --role agent "
                           "--extension EXT"):
            own_extension(who)
    assert not agent_owns("", CALL) and not agent_owns("1002", CALL)


def test_an_extension_can_be_bound_later_and_the_log_keeps_the_change(
    app: CallCenter,
) -> None:
    users = UserDirectory(app)
    first = users.add("bob", "agent", by="admin")
    second = users.add("bob", "agent", by="lead", extension="1002")
    assert users.authenticate(second) == Principal("bob", "agent", "1002")
    assert users.authenticate(first) is None  # adding again revokes the earlier token
    third = users.add("bob", "agent", by="lead")  # a new token leaves the extension as it is
    assert users.authenticate(third) == Principal("bob", "agent", "1002")
    kinds = [type(e).__qualname__
             for e in app.repository.event_store.get(User.create_id("bob"))]
    assert kinds.count("User.ExtensionBound") == 1


def test_an_extension_is_digits() -> None:
    with pytest.raises(InvalidChoice, match=r"e\.g\. 1001"):
        User("eve", "agent", 0.0, "admin", "digest", extension="ext-1")
