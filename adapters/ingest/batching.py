"""What ingestion counts (``IngestReport``, printed by ``callboard ingest`` and read for
/metrics) and the frames of one connection waiting for the next batch (``Pending``)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

__all__ = ["UNDATED_MAX", "IngestReport", "Pending", "undated_tail"]

# Undated frames a capture batch may hold back: a resync's lists (members, callers,
# channels) of a large PBX, whole, before the dated event after them.
UNDATED_MAX = 20_000


@dataclass
class IngestReport:
    frames_received: int = 0
    frames_stored: int = 0
    frames_skipped_duplicate: int = 0
    frames_rejected: int = 0  # stored, not translated: unparsable, cut by a close or the limit
    frames_cut: int = 0  # of those, longer than the frame limit (stored cut, with a marker)
    translation_errors: int = 0
    events_stored: int = 0
    batches: int = 0
    batches_failed: int = 0  # could not be saved: their frames stored alone, untranslated
    frames_untranslated: int = 0  # the frames of those batches
    connections: list[str] = field(default_factory=list)


class Pending:
    """The frames of one connection waiting for the next batch, as parallel lists."""

    __slots__ = ("raws", "received", "seqs")

    def __init__(self) -> None:
        self.seqs: list[int] = []
        self.received: list[float | None] = []
        self.raws: list[bytes] = []

    def split(self, at: int) -> tuple[Pending, Pending]:
        """The first ``at`` frames and the rest."""
        head, tail = Pending(), Pending()
        head.seqs, tail.seqs = self.seqs[:at], self.seqs[at:]
        head.received, tail.received = self.received[:at], self.received[at:]
        head.raws, tail.raws = self.raws[:at], self.raws[at:]
        return head, tail


def undated_tail(pending: Pending, parsed: Iterable[int], most: int = UNDATED_MAX) -> int:
    """How many frames at the end of a capture's batch come after its last dated one (a
    parsed event frame with a ``Timestamp``; ``parsed``: the indices ingestion parses).
    They wait for the next batch: a frame with no time of its own (``FullyBooted``, a
    snapshot list item) is dated by the next parsed ``Timestamp`` in the stream, and cut
    off from it by a batch boundary it would be dated otherwise, so the figures would
    depend on the batch size (a capture's first boot was dated 0 with small batches, and
    the next login's ``FullyBooted`` then looked like a reboot). A live feed has receive
    times: nothing waits. A batch with no dated frame at all waits whole, up to ``most``."""
    if any(at is not None for at in pending.received):
        return 0
    last = max((i for i in parsed if pending.raws[i].startswith(b"Event: ")
                and b"\r\nTimestamp: " in pending.raws[i]), default=-1)
    undated = len(pending.raws) - 1 - last
    return 0 if last < 0 and undated >= most else undated

