"""Tamper evidence: an ``AuditSeal`` closes every stored batch of events.

A seal lists, in log order, each event of its batch (aggregate id, version and the
SHA-256 digest of the event exactly as stored), the digest of the previous seal, and its
own digest over both: a hash chain through the whole log. A seal may be signed (HMAC of
its digest with the audit key), so rewriting history also needs the key. One seal per
previous digest (its id comes from it), so the chain cannot fork.

A chain proves nothing about its own end: deleting the last batch together with its seal
leaves a shorter chain that verifies. An anchor closes that: the head (the last seal's log
position and digest) signed with the audit key at a time and kept off the database host;
a log that no longer reaches an anchored head has lost its tail.
"""

from __future__ import annotations

import hashlib
import hmac
from uuid import UUID, uuid5

import orjson
from eventsourcing.domain import Aggregate, event

from domain.ids import NAMESPACE

__all__ = ["GENESIS", "AuditSeal", "seal_digest", "seal_id", "sign", "sign_anchor"]

GENESIS = "0" * 64
Entry = list[str | int]  # [aggregate id hex, version, digest hex]


def seal_id(previous: str) -> UUID:
    return uuid5(NAMESPACE, f"seal:{previous}")


def seal_digest(previous: str, entries: list[Entry]) -> str:
    return hashlib.sha256(previous.encode() + orjson.dumps(entries)).hexdigest()


def sign(key: bytes, digest: str) -> str:
    return hmac.new(key, digest.encode(), hashlib.sha256).hexdigest()


def sign_anchor(key: bytes, position: int, digest: str, at: str) -> str:
    """The signature of an anchor: the chain's head (the last seal's log position and
    digest) at a time, kept off the database host (``adapters.store.anchor``). Prefixed,
    so a seal's signature can never pass for an anchor's."""
    text = orjson.dumps({"at": at, "digest": digest, "position": position},
                        option=orjson.OPT_SORT_KEYS)
    return hmac.new(key, b"anchor:" + text, hashlib.sha256).hexdigest()


class AuditSeal(Aggregate):
    @staticmethod
    def create_id(previous: str, entries: list[Entry], digest: str, signature: str | None
                  ) -> UUID:
        return seal_id(previous)

    @event("Sealed")
    def __init__(self, previous: str, entries: list[Entry], digest: str,
                 signature: str | None) -> None:
        self.previous = previous
        self.entries = entries
        self.digest = digest
        self.signature = signature
