"""Where a projection keeps its view: eventsourcing tracking recorders with two more tables.

One transaction writes the view's saved state, its time index and the tracking record of
the last log position folded into it, so a projection that crashes resumes from a state
and a position that belong together: nothing is counted twice, nothing is missed.

* SQLite: a file of its own beside the store (``callboard.db`` -> ``callboard.wallboard.db``),
  because eventsourcing's SQLite tracking table is always named ``tracking``.
* PostgreSQL: tables ``<name>_tracking``, ``<name>_view`` and ``<name>_time_index`` in the
  store's own database and schema.
* memory: kept in the process (``memory://`` stores are for tests and demos).

The time index maps each minute of event time to the highest log position holding an
event of that minute, so a replay "as of" an instant can stop reading early.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import unquote, urlparse

from eventsourcing.persistence import InfrastructureFactory, Tracking
from eventsourcing.postgres import PostgresDatastore, PostgresTrackingRecorder
from eventsourcing.sqlite import SQLiteDatastore, SQLiteTrackingRecorder
from eventsourcing.utils import Environment
from psycopg.sql import SQL, Identifier

from adapters.projection_runner.codec import ViewRefused
from adapters.store.url import store_env

__all__ = ["BUCKET_S", "SavedView", "SealedViewRecorder", "ViewRecorder", "open_view_recorder",
           "view_db_path"]

BUCKET_S = 60


@dataclass(frozen=True)
class SavedView:
    position: int
    version: str
    state: bytes
    last_at: float | None


class ViewRecorder(Protocol):
    def load(self) -> SavedView | None: ...

    def commit(self, tracking: Tracking, version: str, state: bytes, last_at: float | None,
               index: dict[int, int]) -> None: ...

    def drop(self) -> None: ...

    def position(self, application_name: str) -> int: ...

    def index_stop(self, at: float) -> int | None: ...

    def close(self) -> None: ...


def view_db_path(store_path: str, name: str) -> str:
    path = Path(store_path)
    return str(path.with_name(f"{path.stem}.{name}{path.suffix or '.db'}"))


# -- SQLite -------------------------------------------------------------------------------
class SQLiteViewRecorder(SQLiteTrackingRecorder):
    def construct_create_table_statements(self) -> list[str]:
        return [*super().construct_create_table_statements(),
                "CREATE TABLE IF NOT EXISTS view_state (id INTEGER PRIMARY KEY "
                "CHECK (id = 1), version TEXT, position INTEGER, last_at REAL, state BLOB)",
                "CREATE TABLE IF NOT EXISTS time_index (bucket INTEGER PRIMARY KEY, "
                "max_position INTEGER) WITHOUT ROWID"]

    def load(self) -> SavedView | None:
        with self.datastore.transaction(commit=False) as c:
            c.execute("SELECT position, version, state, last_at FROM view_state")
            row = c.fetchone()
        return None if row is None else SavedView(row[0], row[1], bytes(row[2]), row[3])

    def commit(self, tracking: Tracking, version: str, state: bytes, last_at: float | None,
               index: dict[int, int]) -> None:
        with self.datastore.transaction(commit=True) as c:
            c.execute("INSERT OR REPLACE INTO view_state VALUES (1, ?, ?, ?, ?)",
                      (version, tracking.notification_id, last_at, state))
            c.executemany(
                "INSERT INTO time_index VALUES (?, ?) ON CONFLICT (bucket) DO UPDATE SET "
                "max_position = MAX(max_position, excluded.max_position)",
                list(index.items()))
            self._insert_tracking(c, tracking)

    def drop(self) -> None:
        with self.datastore.transaction(commit=True) as c:
            c.execute("DELETE FROM view_state")
            c.execute("DELETE FROM time_index")
            c.execute("DELETE FROM tracking WHERE application_name != ?",
                      (self.table_migration_identifier,))

    def position(self, application_name: str) -> int:
        return self.max_tracking_id(application_name) or 0

    def index_stop(self, at: float) -> int | None:
        with self.datastore.transaction(commit=False) as c:
            c.execute("SELECT MAX(max_position) FROM time_index WHERE bucket <= ?",
                      (int(at // BUCKET_S),))
            row = c.fetchone()
        return None if row is None or row[0] is None else int(row[0])

    def close(self) -> None:
        self.datastore.close()


# -- PostgreSQL ---------------------------------------------------------------------------
class PostgresViewRecorder(PostgresTrackingRecorder):
    def __init__(self, datastore: PostgresDatastore, *, tracking_table_name: str,
                 **kwargs: Any) -> None:
        super().__init__(datastore, tracking_table_name=tracking_table_name, **kwargs)
        prefix = tracking_table_name.removesuffix("_tracking")
        schema = Identifier(self.datastore.schema)
        self.view_table = SQL("{0}.{1}").format(schema, Identifier(f"{prefix}_view"))
        self.index_table = SQL("{0}.{1}").format(schema, Identifier(f"{prefix}_time_index"))
        self.sql_create_statements += [
            SQL("CREATE TABLE IF NOT EXISTS {0} (id integer PRIMARY KEY CHECK (id = 1), "
                "version text, position bigint, last_at double precision, state bytea)"
                ).format(self.view_table),
            SQL("CREATE TABLE IF NOT EXISTS {0} (bucket bigint PRIMARY KEY, "
                "max_position bigint)").format(self.index_table),
        ]

    def load(self) -> SavedView | None:
        with self.datastore.transaction(commit=False) as c:
            c.execute(SQL("SELECT position, version, state, last_at FROM {0}").format(
                self.view_table))
            row = c.fetchone()
        if row is None:
            return None
        return SavedView(row["position"], row["version"], bytes(row["state"]), row["last_at"])

    def commit(self, tracking: Tracking, version: str, state: bytes, last_at: float | None,
               index: dict[int, int]) -> None:
        with self.datastore.transaction(commit=True) as c:
            c.execute(SQL("INSERT INTO {0} VALUES (1, %s, %s, %s, %s) ON CONFLICT (id) DO "
                          "UPDATE SET version = excluded.version, position = "
                          "excluded.position, last_at = excluded.last_at, state = "
                          "excluded.state").format(self.view_table),
                      (version, tracking.notification_id, last_at, state))
            if index:
                c.executemany(SQL(
                    "INSERT INTO {0} AS t VALUES (%s, %s) ON CONFLICT (bucket) DO UPDATE SET "
                    "max_position = GREATEST(t.max_position, excluded.max_position)"
                ).format(self.index_table), list(index.items()))
            self._insert_tracking(c, tracking)

    def drop(self) -> None:
        with self.datastore.transaction(commit=True) as c:
            c.execute(SQL("DELETE FROM {0}").format(self.view_table))
            c.execute(SQL("DELETE FROM {0}").format(self.index_table))
            c.execute(SQL("DELETE FROM {0}.{1} WHERE application_name != %s").format(
                Identifier(self.datastore.schema), Identifier(self.tracking_table_name)),
                (self.table_migration_identifier,))

    def position(self, application_name: str) -> int:
        return self.max_tracking_id(application_name) or 0

    def index_stop(self, at: float) -> int | None:
        with self.datastore.transaction(commit=False) as c:
            c.execute(SQL("SELECT MAX(max_position) AS m FROM {0} WHERE bucket <= %s").format(
                self.index_table), (int(at // BUCKET_S),))
            row = c.fetchone()
        return None if row is None or row["m"] is None else int(row["m"])

    def close(self) -> None:
        self.datastore.close()


# -- memory -------------------------------------------------------------------------------
class MemoryViewRecorder:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._saved: SavedView | None = None
        self._tracking: dict[str, int] = {}
        self._index: dict[int, int] = {}

    def load(self) -> SavedView | None:
        return self._saved

    def commit(self, tracking: Tracking, version: str, state: bytes, last_at: float | None,
               index: dict[int, int]) -> None:
        with self._lock:
            self._saved = SavedView(tracking.notification_id, version, state, last_at)
            self._tracking[tracking.application_name] = tracking.notification_id
            for bucket, position in index.items():
                self._index[bucket] = max(position, self._index.get(bucket, 0))

    def drop(self) -> None:
        with self._lock:
            self._saved, self._tracking, self._index = None, {}, {}

    def position(self, application_name: str) -> int:
        return self._tracking.get(application_name, 0)

    def index_stop(self, at: float) -> int | None:
        bucket = int(at // BUCKET_S)
        return max((p for b, p in self._index.items() if b <= bucket), default=None)

    def close(self) -> None:
        pass


class SealedViewRecorder:
    """Encrypts a view's saved state with the store's cipher (views hold customer numbers
    too); everything else passes through. AES-GCM authenticates too: a state changed at
    rest does not decrypt and is refused (``ViewRefused``), never decoded."""

    def __init__(self, inner: ViewRecorder, cipher_key: str) -> None:
        from eventsourcing.cryptography import AESCipher

        self.inner = inner
        self.cipher = AESCipher(Environment(env={"CIPHER_KEY": cipher_key}))

    def load(self) -> SavedView | None:
        saved = self.inner.load()
        if saved is None:
            return None
        try:
            state = self.cipher.decrypt(saved.state)
        except ValueError as error:
            raise ViewRefused(f"the encrypted view does not decrypt ({error}): changed at "
                              "rest, or sealed with another cipher key") from None
        return SavedView(saved.position, saved.version, state, saved.last_at)

    def commit(self, tracking: Tracking, version: str, state: bytes, last_at: float | None,
               index: dict[int, int]) -> None:
        self.inner.commit(tracking, version, self.cipher.encrypt(state), last_at, index)

    def drop(self) -> None:
        self.inner.drop()

    def position(self, application_name: str) -> int:
        return self.inner.position(application_name)

    def index_stop(self, at: float) -> int | None:
        return self.inner.index_stop(at)

    def close(self) -> None:
        self.inner.close()


_MEMORY: dict[tuple[str, str], MemoryViewRecorder] = {}


def open_view_recorder(store_url: str, name: str, *, create_table: bool = True,
                       cipher_key: str | None = None) -> ViewRecorder:
    """The view recorder of projection ``name`` for the store at ``store_url``
    (``create_table=False``: only read tables some process has made; ``cipher_key``:
    the saved state is encrypted)."""
    inner = _open_view_recorder(store_url, name, create_table)
    return SealedViewRecorder(inner, cipher_key) if cipher_key else inner


def _open_view_recorder(store_url: str, name: str, create_table: bool) -> ViewRecorder:
    env = store_env(store_url)
    if not create_table:
        env["CREATE_TABLE"] = "false"
    module = env.get("PERSISTENCE_MODULE")
    if module == "eventsourcing.sqlite" and env["SQLITE_DBNAME"] != ":memory:":
        path = unquote(urlparse(store_url).path)
        env["SQLITE_DBNAME"] = view_db_path(path, name)
        factory = InfrastructureFactory.construct(Environment(name, env))
        assert isinstance(factory.datastore, SQLiteDatastore)  # type: ignore[attr-defined]
        recorder = factory.tracking_recorder(SQLiteViewRecorder)
        assert isinstance(recorder, SQLiteViewRecorder)
        return recorder
    if module == "eventsourcing.postgres":
        factory = InfrastructureFactory.construct(Environment(name, env))
        recorder = factory.tracking_recorder(PostgresViewRecorder)
        assert isinstance(recorder, PostgresViewRecorder)
        return recorder
    # memory:// and sqlite in memory: one recorder per store URL and name in this process
    return _MEMORY.setdefault((store_url, name), MemoryViewRecorder())
