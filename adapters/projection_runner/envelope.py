"""The bytes a projection saves: a format mark, an HMAC-SHA256 signature and the
compressed encoded state (``codec``).

Why a signature as well as a format that cannot run code: a view that anyone who can write
the view file or table may change would show made-up figures. The key is derived from the
audit key (``CALLBOARD_AUDIT_KEY``, the deployment's integrity key, which already signs the
log's seals): we chose it over a key of its own because whoever holds it can forge the log
the view is derived from anyway, and over a key stored beside the views because whoever
can write them could read that too. Derived, not used as is, so that a view signature can
never pass for an audit seal. The signature covers the projection's name, the state
layout version and the position with the state, so a state cannot be moved to another
projection or position. Without an audit key views are not signed (the codec still cannot
run code; with a cipher key AES-GCM authenticates them). With a key, an unsigned or
wrongly signed view is refused, and it is checked before anything is decompressed.
"""

from __future__ import annotations

import hashlib
import hmac
import zlib

import orjson

from adapters.projection_runner.codec import ViewRefused

__all__ = ["MAX_STATE_BYTES", "open_state", "seal_state", "view_key"]

MAGIC = b"CBV1"
SIGNED, UNSIGNED = b"H", b"-"
HEAD = len(MAGIC) + 1 + 32
MAX_STATE_BYTES = 1 << 30  # decompressed; a larger state is refused, not inflated


def view_key(audit_key: bytes) -> bytes:
    return hmac.new(audit_key, b"callboard saved view state", hashlib.sha256).digest()


def _context(name: str, version: str, position: int) -> bytes:
    return orjson.dumps([name, version, position])


def _mac(key: bytes, context: bytes, body: bytes) -> bytes:
    mac = hmac.new(key, context, hashlib.sha256)
    mac.update(b"\n")
    mac.update(body)
    return mac.digest()


def seal_state(payload: bytes, key: bytes | None, name: str, version: str,
               position: int) -> bytes:
    """The saved bytes of ``payload`` (signed when ``key`` is given)."""
    body = zlib.compress(payload, 1)
    if key is None:
        return MAGIC + UNSIGNED + bytes(32) + body
    return MAGIC + SIGNED + _mac(key, _context(name, version, position), body) + body


def open_state(data: bytes, key: bytes | None, name: str, version: str, position: int,
               limit: int = MAX_STATE_BYTES) -> bytes:
    """The payload ``seal_state`` sealed, or ``ViewRefused`` saying why not."""
    if data[:len(MAGIC)] != MAGIC or len(data) < HEAD:
        raise ViewRefused("not a saved view of this format (an older or a foreign state)")
    flag, mac, body = data[len(MAGIC):len(MAGIC) + 1], data[len(MAGIC) + 1:HEAD], data[HEAD:]
    if key is not None:
        if flag != SIGNED:
            raise ViewRefused("the view is not signed, but views are signed here (audit key)")
        if not hmac.compare_digest(mac, _mac(key, _context(name, version, position), body)):
            raise ViewRefused("the view's signature does not match: changed after it was "
                              "saved, or signed with another audit key")
    elif flag not in (SIGNED, UNSIGNED):
        raise ViewRefused("not a saved view of this format (unknown flag)")
    inflater = zlib.decompressobj()
    try:
        payload = inflater.decompress(body, limit)
    except zlib.error:
        raise ViewRefused("the view's compressed state is damaged") from None
    if inflater.unconsumed_tail or not inflater.eof:
        raise ViewRefused(f"the view's state is truncated or larger than {limit} bytes")
    return payload
