"""Bad input is logged by its digest (never its bytes) and skipped; nothing received is
lost."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from adapters.ami.capture import CaptureError, capture_items
from adapters.ami.limits import frame_digest
from adapters.ingest.ingestor import Ingestor
from adapters.store.application import open_app, read_events
from api.cli.main import main
from domain.telephony.feed import decode_raw
from projections.floor.queue_stats import TOPICS, StatsProjection
from tests.conftest import SCENARIOS, summary

GARBAGE = b"Event: AgentConnect\r\nQueue: sales\r\n\x00\x01 not a header line\r\n\r\n"


def damaged_capture(tmp_path: Path) -> tuple[Path, bytes]:
    data = SCENARIOS["supervision"][0].read_bytes()
    frames = data.split(b"\r\n\r\n")
    # a garbage frame in the middle, a Newchannel whose caller name is not UTF-8,
    # and the last frame cut in half
    middle = len(frames) // 2
    frames.insert(middle, GARBAGE[:-4])
    for i, frame in enumerate(frames):
        if frame.startswith(b"Event: Newchannel\r\n") and b"CallerIDName: " in frame:
            frames[i] = frame.replace(b"CallerIDName: ", b"CallerIDName: \xff\xfeJos\xe9 ", 1)
            break
    damaged = b"\r\n\r\n".join(frames).rstrip(b"\r\n")
    cut = damaged[: len(damaged) - 20]
    path = tmp_path / "damaged.ami"
    path.write_bytes(cut)
    return path, cut


def test_garbage_non_utf8_and_a_cut_frame_are_logged_by_digest_and_ingestion_goes_on(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path, data = damaged_capture(tmp_path)
    app = open_app(f"sqlite:///{tmp_path / 'db.sqlite'}")
    caplog.set_level(logging.WARNING, logger="callboard.ingest")
    report = Ingestor(app, batch_size=300).ingest(capture_items([path]))

    assert report.frames_rejected == 2  # the garbage frame and the cut one
    logged = caplog.text
    assert "rejected AMI frame" in logged and frame_digest(GARBAGE) in logged
    assert "closed in the middle of a frame" in logged
    # the log names frames by length and digest: not one of their bytes is in it
    tail = data[data.rindex(b"\r\n\r\n") + 4:]
    assert frame_digest(tail) in logged
    assert "AgentConnect" not in logged and "Queue: sales" not in logged
    assert repr(tail)[2:30] not in logged and tail.decode("latin-1")[:30] not in logged
    # every byte received is in the feed, verbatim (the non-UTF-8 bytes included)
    stored = b"".join(
        decode_raw(frame[2])
        for event in read_events(app, ["domain.telephony.feed:FeedChunk.Recorded"])
        for frame in event.frames
    )
    assert stored == data
    # and the figures are those of the undamaged capture
    figures = StatsProjection().apply_all(read_events(app, TOPICS)).figures()
    assert figures["queues"]["sales"]["answered"] == summary("supervision")["queues"][
        "sales"]["answered"]
    app.close()


def test_a_missing_or_empty_capture_gets_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = tmp_path / "empty.ami"
    empty.write_bytes(b"")
    store = f"sqlite:///{tmp_path / 'db.sqlite'}"
    assert main(["ingest", "--store", store, str(empty)]) == 2
    assert "is empty" in capsys.readouterr().err
    assert main(["ingest", "--store", store, str(tmp_path / "nope.ami")]) == 2
    assert "cannot read capture" in capsys.readouterr().err
    with pytest.raises(CaptureError):
        list(capture_items([tmp_path / "nope.ami"]))


def test_an_unsupported_store_url_is_refused_with_a_clear_message(
    capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["stats", "--store", "mysql://x/y"]) == 2
    assert "unsupported store URL" in capsys.readouterr().err
