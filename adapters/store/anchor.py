"""Anchoring the audit chain's head off the database host, and checking a log against it.

The seal chain (``adapters.store.audit``) finds any change inside the log, but not a log
cut short: delete the last batch with its seal and what is left is a valid, shorter chain.
An anchor is the head at a time (the last seal's log position and digest), signed with the
audit key (HMAC, ``domain.audit.sign_anchor``) and written to a file meant to be made on a
schedule and kept elsewhere. A log reaches an anchored head when the position still holds
a seal with that digest; with the chain intact up to it (``verify``), every event sealed
before the anchor is still there. We chose a signed file over a table in the same
database because whoever can cut the log can rewrite a table beside it.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any

from eventsourcing.persistence import Mapper

from adapters.store.audit import PAGE, SEAL_TOPIC, Problem
from adapters.store.log_pages import pages
from domain.audit import sign_anchor

__all__ = ["Anchor", "AnchorError", "check_anchor", "make_anchor", "read_anchor"]


class AnchorError(ValueError):
    """No anchor can be made (no seal yet) or read (not an anchor file)."""


@dataclass(frozen=True)
class Anchor:
    position: int  # of the last seal in the notification log
    digest: str  # that seal's digest
    at: str  # when the anchor was made, ISO 8601 UTC
    signature: str  # HMAC of the three, with the audit key

    def to_json(self) -> str:
        return json.dumps({"anchor": "callboard-audit-head/1", **asdict(self)}, indent=2)


def make_anchor(recorder: Any, mapper: Mapper[Any], key: bytes, at: str) -> Anchor:
    """The log's head now: the last seal's position and digest, signed."""
    last = None
    for page in pages(recorder, (SEAL_TOPIC,), size=PAGE):
        last = page[-1]
    if last is None:
        raise AnchorError("the log holds no seal yet: there is no head to anchor "
                          "(ingest a capture or record something first)")
    digest: str = mapper.to_domain_event(last).digest  # type: ignore[attr-defined]
    return Anchor(last.id, digest, at, sign_anchor(key, last.id, digest, at))


def read_anchor(text: str) -> Anchor:
    """An anchor file's content; ``AnchorError`` naming what is wrong with it."""
    try:
        data = json.loads(text)
        anchor = Anchor(data["position"], data["digest"], data["at"], data["signature"])
    except (ValueError, TypeError, KeyError) as error:
        raise AnchorError(f"not an anchor file made by `callboard audit anchor` ({error!r})"
                          ) from None
    kinds = (int, str, str, str)
    if not all(isinstance(v, k) for v, k in zip(asdict(anchor).values(), kinds, strict=True)):
        raise AnchorError("not an anchor file made by `callboard audit anchor` (a field of "
                          "the wrong type)")
    return anchor


def check_anchor(recorder: Any, mapper: Mapper[Any], anchor: Anchor, key: bytes
                 ) -> list[Problem]:
    """What keeps the log from reaching the anchored head: a bad signature, the head's
    position gone, or another record there."""
    problems: list[Problem] = []
    head = f"the anchored head (seal {anchor.digest[:16]}, anchored {anchor.at})"
    if sign_anchor(key, anchor.position, anchor.digest, anchor.at) != anchor.signature:
        problems.append(Problem(
            "anchor-bad-signature", anchor.position, None, None, "the anchor's signature "
            "does not verify: the file was altered or signed with another "
            "CALLBOARD_AUDIT_KEY"))
    found = recorder.select_notifications(anchor.position, 1, stop=anchor.position)
    if not found or found[0].id != anchor.position:
        problems.append(Problem(
            "anchor-missing", anchor.position, None, None, f"{head} is no longer in the "
            "log: its tail was deleted, or that seal was"))
    elif found[0].topic != SEAL_TOPIC or getattr(
            mapper.to_domain_event(found[0]), "digest", None) != anchor.digest:
        problems.append(Problem(
            "anchor-mismatch", anchor.position, None, None, f"{head} was replaced by another "
            "record: the log was cut back and written again from there"))
    return problems
