"""Ingestion over an in-memory store: batching, duplicates and event time."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest

from adapters.ami.capture import capture_items
from adapters.ami.feed_items import (
    ConnectionClosed,
    ConnectionOpened,
    FeedItem,
    ReceivedFrame,
    ReceivedFrames,
)
from adapters.ingest.ingestor import RAW_ENCODING, Ingestor, IngestReport
from adapters.store.application import open_app, read_events
from domain.telephony.feed import decode_raw, encode_raw

FIXTURES = Path(__file__).parent.parent / "fixtures"
RESTART = [FIXTURES / "restart" / f"restart.seg{i}.ami" for i in (1, 2, 3)]


def one_by_one(items: Iterable[FeedItem]) -> Iterator[FeedItem]:
    """The same feed with one ``ReceivedFrame`` per frame (as a live connection gives)."""
    for item in items:
        if isinstance(item, ReceivedFrames):
            for i, raw in enumerate(item.raws):
                yield ReceivedFrame(item.connection_id, item.first_seq + i, item.received_at,
                                    raw)
        else:
            yield item


def ingest(items: Iterable[FeedItem], batch_size: int) -> tuple[IngestReport, list[Any]]:
    app = open_app("memory://")
    report = Ingestor(app, batch_size=batch_size).ingest(items)
    # seals are left out: they digest the stored bytes, wall-clock timestamps included
    events = [(type(e).__qualname__, e.originator_id, e.originator_version,
               {k: v for k, v in vars(e).items() if k != "timestamp"})
              for e in read_events(app) if type(e).__qualname__ != "AuditSeal.Sealed"]
    app.close()
    return report, events


@pytest.mark.parametrize("batch_size", [7, 1000])
def test_frames_handed_over_together_are_stored_as_one_by_one(batch_size: int) -> None:
    together = list(capture_items(RESTART))
    assert any(isinstance(i, ReceivedFrames) and len(i.raws) > 1 for i in together)
    assert ingest(together, batch_size) == ingest(one_by_one(together), batch_size)


def test_a_capture_ingested_twice_is_stored_once() -> None:
    app = open_app("memory://")
    first = Ingestor(app, batch_size=300).ingest(capture_items(RESTART))
    again = Ingestor(app, batch_size=300).ingest(capture_items(RESTART))
    assert first.frames_stored == again.frames_skipped_duplicate > 0
    assert again.frames_stored == again.events_stored == 0
    app.close()


def _queue_params(name: str, timestamp: str | None = None) -> bytes:
    stamp = f"Timestamp: {timestamp}\r\n" if timestamp else ""
    return (f"Event: QueueParams\r\n{stamp}Queue: {name}\r\nStrategy: rrmemory\r\n"
            f"ServiceLevel: 20\r\n\r\n").encode()


NOISE = b"Event: Newexten\r\nTimestamp: 900.0\r\n\r\n"  # stored, never read


@pytest.mark.parametrize("batch_size", [3, 100])
def test_an_event_without_timestamp_is_dated_by_the_next_one_else_the_latest(
    batch_size: int
) -> None:
    frames = [_queue_params("first", "100.0"), NOISE, NOISE,
              _queue_params("by-next"), NOISE, _queue_params("second", "200.0"),
              NOISE, _queue_params("by-latest"), NOISE]
    items: list[FeedItem] = [ConnectionOpened("c", None, "file:t.ami"),
                             ReceivedFrames("c", 1, None, frames),
                             ConnectionClosed("c", None, "stopped")]
    _, events = ingest(items, batch_size)
    discovered = {state["name"]: state["at"] for topic, _, _, state in events
                  if topic == "Queue.Discovered"}
    assert discovered == {"first": 100.0, "by-next": 200.0, "second": 200.0,
                          "by-latest": 200.0}


def test_a_live_frame_without_timestamp_is_dated_by_its_receive_time() -> None:
    items: list[FeedItem] = [ConnectionOpened("c", 50.0, "pbx:5038"),
                             ReceivedFrame("c", 1, 150.0, _queue_params("live")),
                             ReceivedFrame("c", 2, 151.0, _queue_params("stamped", "120.0")),
                             ConnectionClosed("c", 152.0, "stopped")]
    _, events = ingest(items, 10)
    discovered = {state["name"]: state["at"] for topic, _, _, state in events
                  if topic == "Queue.Discovered"}
    assert discovered == {"live": 150.0, "stamped": 120.0}


def test_frames_are_stored_as_the_domain_encodes_raw_bytes() -> None:
    raw = b"Event: Newchannel\r\nCallerIDName: \xff\xfeJos\xe9\r\n\r\n"
    assert raw.decode(RAW_ENCODING) == encode_raw(raw)
    items: list[FeedItem] = [ConnectionOpened("c", None, "file:t.ami"),
                             ReceivedFrames("c", 1, None, [raw, NOISE]),
                             ConnectionClosed("c", None, "stopped")]
    _, events = ingest(items, 10)
    (chunk,) = [state for topic, _, _, state in events if topic == "FeedChunk.Recorded"]
    assert [decode_raw(frame[2]) for frame in chunk["frames"]] == [raw, NOISE]


# -- the frame limit and the log -----------------------------------------------------------

NUMBER = b"7185555713"
FLOOD = b"Event: QueueParams\r\nQueue: " + NUMBER * 3000  # 30 kB, no blank line


@pytest.mark.parametrize("ended", [True, False], ids=["ended", "cut-off-by-the-close"])
def test_a_frame_over_the_limit_is_stored_cut_with_its_marker_and_logged_by_digest(
    ended: bool, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    tail = b"\r\n\r\n" + _queue_params("after", "300.0") if ended else b""
    path = tmp_path / "flood.ami"
    path.write_bytes(_queue_params("before", "100.0") + FLOOD + tail)
    caplog.set_level(logging.INFO, logger="callboard.ingest")
    app = open_app("memory://")
    report = Ingestor(app, batch_size=10).ingest(capture_items([path], max_frame=4096))
    frames = [frame for event in read_events(app, ["domain.telephony.feed:FeedChunk.Recorded"])
              for frame in event.frames]
    queues = {e.name for e in read_events(app, ["domain.telephony.queue:Queue.Discovered"])}
    app.close()
    statuses = [status for _, _, _, status in frames]
    assert statuses[0] == "ok" and statuses[1].startswith(
        f"truncated: frame of {len(FLOOD) + len(tail[:4])} bytes cut at 4096")
    assert decode_raw(frames[1][2]) == FLOOD[:4096]  # what was received, up to the limit
    assert statuses[2:] == (["ok"] if ended else [])
    assert queues == ({"before", "after"} if ended else {"before"})
    assert (report.frames_cut, report.frames_rejected, report.translation_errors) == (1, 1, 0)
    assert "longer than the limit" in caplog.text or "closed in the middle" in caplog.text
    assert NUMBER.decode() not in caplog.text and len(caplog.text) < 2000


def test_a_translation_that_fails_is_logged_with_its_place_but_not_its_message(
    caplog: pytest.LogCaptureFixture
) -> None:
    from adapters.ami.frames import parse_frame
    from adapters.ingest.records import note_failed

    raw = b"Event: Hangup\r\nCallerIDNum: 7185555713\r\n\r\n"
    message = parse_frame(raw)
    try:
        int(message.get("CallerIDNum") + "x")  # the message quotes the number
    except ValueError as error:
        assert "7185555713" in str(error)
        note_failed("c", 7, message, raw, error)
    (record,) = caplog.records
    assert record.exc_info is not None  # a bug: its traceback stays
    assert "seq=7 of c (Hangup)" in caplog.text and "ValueError" in caplog.text
    assert "7185555713" not in caplog.text
