"""Sealing every stored batch, verifying the chain, exporting a range with its proof.

``Sealer.seal`` is called by ``CallCenter.save`` with a batch's events as they will be
stored (compressed, encrypted): it appends an ``AuditSeal`` to the same transaction.
``verify`` walks the whole log and names the first event that was altered (its stored
bytes no longer match the seal's digest), deleted (sealed, now missing), reordered
(found, but not where it was sealed) or added unsealed, and any break in the seal chain
or a bad signature.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from uuid import UUID

from eventsourcing.persistence import Mapper, StoredEvent

from adapters.store.log_pages import notifications
from domain.audit import GENESIS, AuditSeal, Entry, seal_digest, sign
from domain.events import event_topic

__all__ = ["SEAL_TOPIC", "AuditReport", "Problem", "Sealer", "export", "stored_digest",
           "verify"]

SEAL_TOPIC = event_topic(AuditSeal, "Sealed")
PAGE = 2000


def stored_digest(originator_id: Any, version: int, topic: str, state: bytes) -> str:
    key = originator_id.hex if isinstance(originator_id, UUID) else str(originator_id)
    return hashlib.sha256(f"{key}|{version}|{topic}|".encode() + state).hexdigest()


class Sealer:
    """Keeps the digest of the last seal; makes the next one."""

    def __init__(self, recorder: Any, mapper: Mapper[UUID], key: bytes | None) -> None:
        self.recorder, self.mapper, self.key = recorder, mapper, key
        self.previous: str | None = None

    def reload(self) -> None:
        last = None
        for notification in notifications(self.recorder, (SEAL_TOPIC,), size=PAGE):
            last = notification
        self.previous = GENESIS if last is None else \
            self.mapper.to_domain_event(last).digest  # type: ignore[attr-defined]

    def seal(self, stored: list[StoredEvent]) -> tuple[AuditSeal, StoredEvent]:
        if self.previous is None:
            self.reload()
        assert self.previous is not None
        entries: list[Entry] = [
            [s.originator_id.hex if isinstance(s.originator_id, UUID) else str(s.originator_id),
             s.originator_version, stored_digest(s.originator_id, s.originator_version,
                                                 s.topic, s.state)] for s in stored]
        digest = seal_digest(self.previous, entries)
        signature = sign(self.key, digest) if self.key else None
        seal = AuditSeal(self.previous, entries, digest, signature)
        (event,) = seal.collect_events()
        return seal, self.mapper.to_stored_event(event)

    def advance(self, seal: AuditSeal) -> None:
        self.previous = seal.digest


@dataclass
class Problem:
    kind: str  # altered | deleted | reordered | unsealed | chain-broken | bad-signature
    position: int | None
    aggregate_id: str | None
    version: int | None
    detail: str

    def __str__(self) -> str:
        where = f"position {self.position}" if self.position is not None else "missing"
        what = f" ({self.aggregate_id} v{self.version})" if self.aggregate_id else ""
        return f"{self.kind} at {where}{what}: {self.detail}"


@dataclass
class AuditReport:
    events: int = 0
    seals: int = 0
    signed: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict[str, Any]:
        return {"intact": self.intact, "events": self.events, "seals": self.seals,
                "signed": self.signed, "first_problem": str(self.problems[0])
                if self.problems else None, "problems": [str(p) for p in self.problems]}


def verify(recorder: Any, mapper: Mapper[UUID], key: bytes | None = None) -> AuditReport:
    """Check every stored event against the seals, and the seals against each other."""
    report = AuditReport()
    where: dict[tuple[str, int], tuple[int, str]] = {}  # (id, version) -> (position, digest)
    for n in notifications(recorder, size=PAGE):
        if n.topic != SEAL_TOPIC:
            ident = n.originator_id.hex if isinstance(n.originator_id, UUID) else str(
                n.originator_id)
            where[(ident, n.originator_version)] = (n.id, stored_digest(
                n.originator_id, n.originator_version, n.topic, n.state))
    sealed: set[tuple[str, int]] = set()
    previous, segment_start = GENESIS, 1
    for n in notifications(recorder, size=PAGE):
        if n.topic != SEAL_TOPIC:
            report.events += 1
            continue
        report.seals += 1
        seal: Any = mapper.to_domain_event(n)
        if seal.previous != previous:
            report.problems.append(Problem(
                "chain-broken", n.id, None, None, "this seal does not follow the one before "
                "it: a seal (and its batch) was deleted or altered before this position"))
        if seal_digest(seal.previous, seal.entries) != seal.digest:
            report.problems.append(Problem("altered", n.id, None, None,
                                           "the seal's own digest does not match its list"))
        if key is not None:
            if seal.signature is None or sign(key, seal.digest) != seal.signature:
                report.problems.append(Problem("bad-signature", n.id, None, None,
                                               "the seal's signature does not verify"))
            else:
                report.signed += 1
        expected_position = segment_start
        for ident, version, digest in seal.entries:
            key_ = (str(ident), int(version))
            sealed.add(key_)
            found = where.get(key_)
            if found is None:
                report.problems.append(Problem(
                    "deleted", None, str(ident), int(version),
                    f"sealed at position {n.id}, no longer in the log"))
                continue
            position, actual = found
            if actual != digest:
                report.problems.append(Problem("altered", position, str(ident), int(version),
                                               "stored bytes differ from the sealed digest"))
            if not segment_start <= position < n.id or position < expected_position:
                report.problems.append(Problem(
                    "reordered", position, str(ident), int(version),
                    f"sealed in the batch ending at position {n.id}, found elsewhere"))
            expected_position = max(expected_position, position + 1)
        previous, segment_start = seal.digest, n.id + 1
    for (ident, version), (position, _) in sorted(where.items(), key=lambda kv: kv[1][0]):
        if (ident, version) not in sealed:
            report.problems.append(Problem("unsealed", position, ident, version,
                                           "in the log but in no seal"))
    report.problems.sort(key=lambda p: (p.position is None, p.position or 0))
    return report


def export(recorder: Any, mapper: Mapper[UUID], out: Path, since: float | None,
           until: float | None) -> dict[str, Any]:
    """Write the events (stored bytes, base64) and the seals covering them to ``out``
    (JSON lines), so an auditor can check the digests and the chain without Callboard."""
    out.mkdir(parents=True, exist_ok=True)
    count = 0
    with (out / "events.jsonl").open("w") as events, (out / "seals.jsonl").open("w") as seals:
        for n in notifications(recorder, size=PAGE):
            if n.topic == SEAL_TOPIC:
                seal: Any = mapper.to_domain_event(n)
                seals.write(json.dumps({"position": n.id, "previous": seal.previous,
                                        "digest": seal.digest, "signature": seal.signature,
                                        "entries": seal.entries}) + "\n")
                continue
            at: float | None = getattr(mapper.to_domain_event(n), "at", None)
            outside = at is None or (since is not None and at < since) or (
                until is not None and at >= until)
            if (since is not None or until is not None) and outside:
                continue
            count += 1
            events.write(json.dumps({
                "position": n.id, "aggregate_id": str(n.originator_id),
                "version": n.originator_version, "topic": n.topic, "at": at,
                "state_b64": base64.b64encode(n.state).decode(),
                "digest": stored_digest(n.originator_id, n.originator_version, n.topic,
                                        n.state)}) + "\n")
    proof = {"events": count, "from": since, "to": until, "digest": "sha256(f'{id.hex}|"
             "{version}|{topic}|' + state); seal digest = sha256(previous + json(entries))"}
    (out / "README.json").write_text(json.dumps(proof, indent=2))
    return proof
