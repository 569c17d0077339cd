"""Store settings: one URL names the event store; this turns it into eventsourcing's env."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

from platformdirs import user_data_dir

__all__ = ["CIPHER_TOPIC", "StoreUrlError", "default_store_url", "new_cipher_key", "store_env"]


class StoreUrlError(ValueError):
    """A store URL that names no store we support."""


def default_store_url() -> str:
    """``./callboard.db`` when the working directory has one, else the user's data dir."""
    local = Path("callboard.db")
    if local.exists():
        return f"sqlite:///{local.resolve()}"
    data = Path(user_data_dir("callboard", appauthor=False))
    data.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{data / 'callboard.db'}"


CIPHER_TOPIC = "eventsourcing.cryptography:AESCipher"


def new_cipher_key() -> str:
    """A fresh AES-256 key, base64, for ``CALLBOARD_CIPHER_KEY``."""
    from eventsourcing.cryptography import AESCipher

    return AESCipher.create_key(32)


def store_env(url: str, *, compress: bool = True, cipher_key: str | None = None
              ) -> dict[str, str]:
    """``sqlite:///path``, ``sqlite:///:memory:``, ``memory://`` or
    ``postgresql://user[:password]@host[:port]/db[?schema=name]`` -> eventsourcing env.
    With ``cipher_key`` every stored event is encrypted (AES-GCM, eventsourcing's cipher)
    after compression: customer numbers and the raw AMI frames never reach the disk in
    clear."""
    parsed = urlparse(url)
    env: dict[str, str] = {"TRANSCODER_TOPIC": "adapters.store.transcoder:OrjsonTranscoder"}
    if compress:
        env["COMPRESSOR_TOPIC"] = "adapters.store.transcoder:FastZlibCompressor"
    if cipher_key:
        env.update(CIPHER_TOPIC=CIPHER_TOPIC, CIPHER_KEY=cipher_key)
    if parsed.scheme == "memory":
        env["PERSISTENCE_MODULE"] = "eventsourcing.popo"
    elif parsed.scheme == "sqlite":
        path = unquote(parsed.path)
        if url.startswith("sqlite:///") and not path:
            raise StoreUrlError(f"no database file in store URL {url!r}")
        name = ":memory:" if path in ("/:memory:", ":memory:") else path
        if name != ":memory:":
            Path(name).parent.mkdir(parents=True, exist_ok=True)
        env.update(PERSISTENCE_MODULE="eventsourcing.sqlite", SQLITE_DBNAME=name,
                   SQLITE_LOCK_TIMEOUT="30")
    elif parsed.scheme in ("postgresql", "postgres"):
        dbname = parsed.path.lstrip("/")
        if not dbname:
            raise StoreUrlError(f"no database name in store URL {url!r}")
        env.update(
            PERSISTENCE_MODULE="eventsourcing.postgres",
            POSTGRES_DBNAME=dbname,
            POSTGRES_HOST=parsed.hostname or "127.0.0.1",
            POSTGRES_PORT=str(parsed.port or 5432),
            POSTGRES_USER=unquote(parsed.username or "postgres"),
            POSTGRES_PASSWORD=unquote(parsed.password or ""),
        )
        schema = parse_qs(parsed.query).get("schema")
        if schema:
            env["POSTGRES_SCHEMA"] = schema[0]
    else:
        raise StoreUrlError(
            f"unsupported store URL {url!r}: use sqlite:///FILE or postgresql://USER@HOST/DB")
    return env
