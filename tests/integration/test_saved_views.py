"""Finding 5 of issue 12: a saved view could run code. Whoever can write a projection's
SQLite file or its ``<name>_view`` table now gets their bytes refused, not executed: the
projection logs why, rebuilds from the log and shows the right figures. With an audit key
views are signed, with a cipher key sealed (AES-GCM): one changed byte is refused too."""

from __future__ import annotations

import logging
import pickle
import sqlite3
import zlib
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse
from uuid import uuid4

import orjson
import psycopg
import pytest

from adapters.projection_runner.envelope import seal_state
from adapters.projection_runner.runner import TrackedProjection
from adapters.projection_runner.store import open_view_recorder, view_db_path
from adapters.store.application import CallCenter, open_app
from adapters.store.url import new_cipher_key
from api.runtime import VERSION, board_policy, fold_factory, open_projection
from api.settings import BoardSettings
from tests.support.scene import Scene
from tests.unit.test_fold_checkpoints import T0, Tape, first_half, second_half

NOW = T0 + 2000
AUDIT_KEY = "an audit key kept apart from the database"


class Planted:
    """A pickle that, when loaded, creates a file (as ``id`` ran when the server did)."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Any, ...]:
        return open, (str(self.marker), "w")


def filled(url: str, *, cipher_key: str | None = None, audit_key: str | None = None
           ) -> CallCenter:
    tape = Tape()
    scene = Scene(tape)
    second_half(scene, tape, first_half(scene, tape))
    app = open_app(url, cipher_key=cipher_key, audit_key=audit_key)
    app.save(*tape.events)
    return app


def projection(app: CallCenter, url: str, name: str = "wallboard",
               cipher_key: str | None = None) -> TrackedProjection:
    return open_projection(app, url, name, BoardSettings(), cipher_key=cipher_key)


def expected_view(app: CallCenter, name: str = "wallboard") -> dict[str, Any]:
    """The view folded from the whole log in memory, nothing saved or restored."""
    whole = TrackedProjection(app, open_view_recorder(f"memory://expected-{uuid4()}", name),
                              fold_factory(name, board_policy(BoardSettings())), "expected")
    whole.catch_up()
    return whole.view(NOW)


def overwrite_state(url: str, name: str, change: Any) -> None:
    """Write ``change(saved bytes)`` straight into the view's row, as an attacker with
    write access to the file or table would; the version and position stay."""
    if url.startswith("sqlite"):
        path = view_db_path(unquote(urlparse(url).path), name)
        with sqlite3.connect(path) as db:
            (state,) = db.execute("SELECT state FROM view_state").fetchone()
            db.execute("UPDATE view_state SET state = ?", (change(bytes(state)),))
        return
    server, _, schema = url.partition("?schema=")
    with psycopg.connect(server, autocommit=True) as db:
        table = f'"{schema}"."{name}_view"'
        row = db.execute(f"SELECT state FROM {table}").fetchone()
        assert row is not None
        db.execute(f"UPDATE {table} SET state = %s", (change(bytes(row[0])),))


def saved_version(url: str, name: str, version: str) -> None:
    if url.startswith("sqlite"):
        with sqlite3.connect(view_db_path(unquote(urlparse(url).path), name)) as db:
            db.execute("UPDATE view_state SET version = ?", (version,))
        return
    server, _, schema = url.partition("?schema=")
    with psycopg.connect(server, autocommit=True) as db:
        db.execute(f'UPDATE "{schema}"."{name}_view" SET version = %s', (version,))


def checkpointed(app: CallCenter, url: str, cipher_key: str | None = None
                 ) -> dict[str, Any]:
    first = projection(app, url, cipher_key=cipher_key)
    first.catch_up()
    first.recorder.close()
    return first.view(NOW)


def test_a_planted_pickle_in_the_view_is_refused_not_run_and_the_view_rebuilds(
        store_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    app = filled(store_url)
    right = checkpointed(app, store_url)
    marker = tmp_path / "pwned"
    overwrite_state(store_url, "wallboard", lambda _: zlib.compress(
        pickle.dumps(Planted(marker)), 1))
    with caplog.at_level(logging.WARNING, "callboard.views"):
        again = projection(app, store_url)
    assert not marker.exists()
    assert again.position == 0 and "refused" in caplog.text and "wallboard" in caplog.text
    again.catch_up()
    assert again.view(NOW) == right == expected_view(app)
    again.recorder.close()
    assert projection(app, store_url).position == right["position"]  # saved again, reused
    app.close()


def test_an_old_pickled_state_of_the_old_version_is_dropped_unread(
        sqlite_store: str, tmp_path: Path) -> None:
    assert VERSION != "4"
    app = filled(sqlite_store)
    right = checkpointed(app, sqlite_store)
    marker = tmp_path / "pwned"
    overwrite_state(sqlite_store, "wallboard", lambda _: zlib.compress(
        pickle.dumps(Planted(marker)), 1))
    saved_version(sqlite_store, "wallboard", f"4:{board_policy(BoardSettings())!r}")
    again = projection(app, sqlite_store)
    assert not marker.exists() and again.position == 0
    again.catch_up()
    assert again.view(NOW) == right


@pytest.mark.parametrize("state", [
    {"classes": [["posix.system", []]], "state": {"o": [0]}},  # a class no fold names
    {"classes": [], "state": {"dd": ["builtins.eval", []]}},  # a factory not allowed
    {"classes": [], "state": {"d": {}}},  # well formed, but not a wallboard
])
def test_an_unsigned_view_naming_what_the_fold_does_not_is_refused_and_rebuilt(
        sqlite_store: str, state: dict[str, Any], caplog: pytest.LogCaptureFixture) -> None:
    app = filled(sqlite_store)  # no audit key: views are not signed, only decoded safely
    right = checkpointed(app, sqlite_store)
    version = f"{VERSION}:{board_policy(BoardSettings())!r}"
    overwrite_state(sqlite_store, "wallboard", lambda _: seal_state(
        orjson.dumps(state), None, "wallboard", version, right["position"]))
    with caplog.at_level(logging.WARNING, "callboard.views"):
        again = projection(app, sqlite_store)
    assert again.position == 0 and "refused" in caplog.text
    again.catch_up()
    assert again.view(NOW) == right


def flip(at: int) -> Any:
    def change(state: bytes) -> bytes:
        changed = bytearray(state)
        changed[at % len(changed)] ^= 0x20
        return bytes(changed)
    return change


@pytest.mark.parametrize("at", [40, -1, 5])  # the state, its last byte, the signature
def test_a_signed_view_with_one_byte_changed_is_refused_and_rebuilt(
        store_url: str, at: int, caplog: pytest.LogCaptureFixture) -> None:
    app = filled(store_url, audit_key=AUDIT_KEY)
    right = checkpointed(app, store_url)
    assert projection(app, store_url).position == right["position"]  # signed: taken
    overwrite_state(store_url, "wallboard", flip(at))
    with caplog.at_level(logging.WARNING, "callboard.views"):
        again = projection(app, store_url)
    assert again.position == 0 and "signature" in caplog.text
    again.catch_up()
    assert again.view(NOW) == right


def test_with_an_audit_key_a_view_saved_unsigned_is_refused(sqlite_store: str) -> None:
    unsigned = filled(sqlite_store)
    checkpointed(unsigned, sqlite_store)
    unsigned.close()
    signed = open_app(sqlite_store, audit_key=AUDIT_KEY)
    assert projection(signed, sqlite_store).position == 0


@pytest.mark.parametrize("at", [40, -1])
def test_an_encrypted_view_with_one_byte_changed_is_refused_not_decoded(
        store_url: str, at: int, caplog: pytest.LogCaptureFixture) -> None:
    key = new_cipher_key()
    app = filled(store_url, cipher_key=key)
    right = checkpointed(app, store_url, cipher_key=key)
    assert projection(app, store_url, cipher_key=key).position == right["position"]
    overwrite_state(store_url, "wallboard", flip(at))
    with caplog.at_level(logging.WARNING, "callboard.views"):
        again = projection(app, store_url, cipher_key=key)
    assert again.position == 0 and "does not decrypt" in caplog.text
    again.catch_up()
    assert again.view(NOW) == right
