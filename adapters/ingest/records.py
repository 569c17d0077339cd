"""What a batch of received frames becomes in the feed, and what the log says about it.

Each frame is stored as ``[seq, received_at, raw bytes as latin-1 text, status]``: status
``ok``, ``rejected: <reason>`` (not a frame we can parse), ``truncated`` (cut off by the
end of its connection) or a cut frame's marker, ``truncated: frame of N bytes cut at M,
sha256 ...`` (longer than the limit, ``adapters.ami.limits``), or ``untranslated: <error
class>`` (its batch could not be saved with its events: stored alone). Cut frames are stored,
never parsed: their values may be cut anywhere.

Log lines name a frame by its connection, sequence number and ``frame_digest`` (length
and SHA-256 prefix), never by its bytes or its headers' values: frames carry customer
numbers and names, and a log is neither encrypted at rest nor masked. We chose the digest
over a clipped excerpt because any excerpt can hold a number; the digest is enough to find
the frame in the feed, where it is kept whole.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from itertools import repeat

from adapters.ami.frames import MalformedFrame, Message
from adapters.ami.limits import CutFrame, frame_digest, withheld
from adapters.ami.translation import KEPT_EVENTS
from adapters.ingest.triage import worth_parsing
from domain.telephony.feed import FrameRecord

__all__ = [
    "RAW_ENCODING",
    "batch_digest",
    "batch_records",
    "note_failed",
    "note_pending",
    "note_refused",
    "note_rejected",
    "note_unsaved",
    "pending_status",
]

log = logging.getLogger("callboard.ingest")

RAW_ENCODING = "latin-1"  # domain.telephony.feed.encode_raw: one code point per byte, lossless


def batch_records(connection_id: str, seqs: Sequence[int], received: Sequence[float | None],
                  raws: Sequence[bytes]) -> tuple[list[FrameRecord], list[int], int]:
    """The batch's records (all ``ok`` but the cut frames, marked and logged), the indexes
    of the frames worth parsing (``adapters.ingest.triage``; cut frames left out) and how
    many frames were cut."""
    # [seq, received_at, encode_raw(raw), status], built in C (no Python call a frame)
    texts = map(bytes.decode, raws, repeat(RAW_ENCODING))
    records: list[FrameRecord] = list(map(list, zip(seqs, received, texts, repeat("ok"))))
    chosen = worth_parsing(raws)
    if CutFrame not in set(map(type, raws)):
        return records, chosen, 0
    cut = {i for i, raw in enumerate(raws) if isinstance(raw, CutFrame)}
    for i in sorted(cut):
        frame = raws[i]
        assert isinstance(frame, CutFrame)
        records[i][3] = frame.marker
        log.warning("AMI frame seq=%d of %s is longer than the limit: stored cut at %d "
                    "bytes, not translated (%s)", seqs[i], connection_id, len(frame),
                    frame_digest(frame))
    return records, [i for i in chosen if i not in cut], len(cut)


def batch_digest(raws: Sequence[bytes]) -> str:
    """The frames of a batch as one digest: their count, bytes and SHA-256 prefix (the
    frames themselves are in the feed, found by their sequence numbers)."""
    digest = hashlib.sha256()
    for raw in raws:
        digest.update(raw)
    return f"{len(raws)} frames, {sum(map(len, raws))} bytes, sha256 {digest.hexdigest()[:16]}"


def note_unsaved(connection_id: str, seqs: Sequence[int], raws: Sequence[bytes],
                 error: Exception) -> None:
    """A batch whose events could not be saved; its frames were stored alone. The error's
    message is left out (it may quote a value, and so a number); its traceback is kept
    without it (``withheld``), because this is a bug or a store fault to look into."""
    log.error("AMI frames seq=%d-%d of %s could not be saved with their events (%s): "
              "stored alone, untranslated; %s", seqs[0], seqs[-1], connection_id,
              type(error).__name__, batch_digest(raws), exc_info=withheld(error))


def pending_status(pending: bytes) -> str:
    """The status of the bytes a connection's end cut off."""
    return pending.marker if isinstance(pending, CutFrame) else "truncated"


def note_pending(connection_id: str, pending: bytes) -> None:
    log.warning("connection %s closed in the middle of a frame; kept as truncated (%s)",
                connection_id, frame_digest(pending))


def note_rejected(connection_id: str, seq: int, error: MalformedFrame) -> None:
    log.warning("rejected AMI frame seq=%d of %s (%s); %s", seq, connection_id, error.kind,
                frame_digest(error.raw))


def _event(message: Message) -> str:
    """The event's name when it is one translation knows (a fixed word, never data)."""
    event = message.event
    return event if event in KEPT_EVENTS else "-"


def note_refused(connection_id: str, seq: int, message: Message, raw: bytes,
                 error: Exception) -> None:
    """The domain's message is left out: it may name a channel, and so a number."""
    log.warning("AMI frame seq=%d of %s (%s) refused by the domain: %s; %s", seq,
                connection_id, _event(message), type(error).__name__, frame_digest(raw))


def note_failed(connection_id: str, seq: int, message: Message, raw: bytes,
                error: Exception) -> None:
    log.error("AMI frame seq=%d of %s (%s) could not be translated; %s", seq, connection_id,
              _event(message), frame_digest(raw), exc_info=withheld(error))
