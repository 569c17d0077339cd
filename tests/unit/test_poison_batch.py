"""A batch that fails to save does not stop ingestion (issue 13, finding 3a): its frames
are stored alone, marked untranslated, logged by sequence numbers and digest, counted, and
the next batch goes on."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, cast

import pytest

from adapters.ami.capture import capture_items
from adapters.ingest.ingestor import Ingestor
from adapters.store.application import CallCenter, open_app, read_events
from domain.telephony.feed import FeedChunk

FIXTURES = Path(__file__).parent.parent / "fixtures"
SUPERVISION = FIXTURES / "supervision" / "supervision.ami"


class SaveFailsOnce:
    """A real store whose ``save`` fails for the ``nth`` batch carrying domain events
    (a fault in the store, as a value the JSON encoder refuses or a broken connection)."""

    def __init__(self, app: CallCenter, nth: int) -> None:
        self._app, self._nth, self.failed = app, nth, 0

    def save(self, *objs: Any, **kwargs: Any) -> Any:
        batch = objs[0] if objs else None
        if batch is not None and type(batch).__name__ == "_Batch" \
                and len(batch.collect_events()) > 2:
            self._nth -= 1
            if self._nth == 0:
                self.failed += 1
                raise OverflowError("int too big to convert")
        return self._app.save(*objs, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._app, name)


def chunks(app: CallCenter) -> list[Any]:
    return [e for e in read_events(app) if type(e).__qualname__ == "FeedChunk.Recorded"]


def last_call_event(app: CallCenter) -> tuple[str, float]:
    last = [e for e in read_events(app) if type(e).__qualname__.startswith("Call.")][-1]
    return type(last).__qualname__, last.at


def test_a_batch_that_fails_to_save_is_stored_alone_untranslated_and_ingestion_goes_on(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING)
    app = open_app("memory://")
    faulty = SaveFailsOnce(app, nth=3)
    report = Ingestor(cast(CallCenter, faulty), batch_size=50).ingest(
        capture_items([SUPERVISION]))
    assert faulty.failed == 1
    stored = chunks(app)
    frames = [f for chunk in stored for f in chunk.frames]
    assert [f[0] for f in frames] == list(range(1, len(frames) + 1))  # every frame, once
    untranslated = [f for f in frames if str(f[3]).startswith("untranslated")]
    # the whole poisoned batch (about 50 frames: a capture batch's undated tail waits for
    # the next one) is one chunk of its own, and nothing else is untranslated
    [alone] = [c for c in stored if str(c.frames[0][3]).startswith("untranslated")]
    assert alone.frames == untranslated and 40 <= len(untranslated) <= 60
    assert {f[3] for f in untranslated} == {"untranslated: OverflowError"}
    assert (report.batches_failed, report.frames_untranslated) == (1, len(untranslated))
    assert report.frames_stored == len(frames)
    # the batches after the poisoned one were translated: the calls went on
    assert report.batches == len(stored) - 1
    reference = open_app("memory://")
    Ingestor(reference, batch_size=50).ingest(capture_items([SUPERVISION]))
    assert last_call_event(app) == last_call_event(reference)
    reference.close()
    # logged by connection, sequence numbers and digest, never the frames' bytes
    first, last = untranslated[0][0], untranslated[-1][0]
    assert f"seq={first}-{last}" in caplog.text and "OverflowError" in caplog.text
    assert "Caller" not in caplog.text and "Local/" not in caplog.text
    app.close()


def test_when_even_the_frames_alone_cannot_be_stored_the_error_stops_ingestion() -> None:
    """Losing frames silently is worse than stopping: a store that takes nothing is down."""

    class StoreDown(SaveFailsOnce):
        def save(self, *objs: Any, **kwargs: Any) -> Any:
            if any(isinstance(o, FeedChunk) for o in objs):
                raise ConnectionError("store down")
            return super().save(*objs, **kwargs)

    app = open_app("memory://")
    with pytest.raises(ConnectionError):
        Ingestor(cast(CallCenter, StoreDown(app, nth=1)), batch_size=50).ingest(
            capture_items([SUPERVISION]))
    app.close()
