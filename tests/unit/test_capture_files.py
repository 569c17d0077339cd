"""Capture files, plain or gzip-compressed: what is read, and what is refused with a
message saying what to do."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from adapters.ami.capture import CaptureError, read_capture

STREAM = b"Asterisk Call Manager/9.0.0\r\nEvent: FullyBooted\r\nStatus: Fully Booted\r\n\r\n"


def test_a_gzip_compressed_capture_reads_as_the_stream_it_holds(tmp_path: Path) -> None:
    path = tmp_path / "day.ami.gz"
    path.write_bytes(gzip.compress(STREAM))
    assert read_capture(path) == STREAM


def test_a_damaged_gzip_capture_is_refused_with_what_to_do(tmp_path: Path) -> None:
    path = tmp_path / "day.ami.gz"
    path.write_bytes(gzip.compress(STREAM)[:20])
    with pytest.raises(CaptureError, match=r"damaged gzip file .*compress the \.ami again"):
        read_capture(path)


def test_a_plain_capture_that_happens_to_start_like_gzip_is_read_as_it_is(
        tmp_path: Path) -> None:
    path = tmp_path / "odd.ami"
    path.write_bytes(b"\x1f\x8b" + STREAM)
    assert read_capture(path) == b"\x1f\x8b" + STREAM
