"""What ingestion counts (``IngestReport``, printed by ``callboard ingest`` and read for
/metrics) and the frames of one connection waiting for the next batch (``Pending``)."""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["IngestReport", "Pending"]


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
