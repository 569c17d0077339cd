"""Properties of the AMI frame parser, the translator and ingestion over arbitrary bytes and
over mutated real captures (byte flips, truncations, inserted CR/LF/colons, bytes that are
not UTF-8, header values such as ``inf`` or a 30-digit number).

* splitting never raises, never loses or invents a byte (the frames and the rest put
  together are the input), every frame ends at the first blank line after its start, and
  the frames do not depend on where the stream was cut into reads;
* ``parse_frame`` raises nothing but ``MalformedFrame`` (carrying the raw bytes), and
  ``translate`` raises nothing at all and returns commands the event store can encode;
* an ``Ingestor`` over a mutated capture lets no exception escape, stores every byte
  verbatim in order and logs every frame it rejects with its raw bytes.
"""

from __future__ import annotations

import dataclasses
import itertools
import logging
import re
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.ami.capture import capture_items
from adapters.ami.frames import (
    BANNER_PREFIX,
    FrameSplitter,
    MalformedFrame,
    Message,
    parse_buffer,
    parse_frame,
)
from adapters.ami.limits import frame_digest
from adapters.ami.translation import KEPT_EVENTS, SnapshotCollector, translate
from adapters.ingest.ingestor import Ingestor
from adapters.store.application import open_app, read_events
from adapters.store.transcoder import OrjsonTranscoder
from domain.telephony.feed import decode_raw
from tests.conftest import SCENARIOS

END = b"\r\n\r\n"
CAPTURES = [path.read_bytes() for paths in SCENARIOS.values() for path in paths]
FRAMES = [frame for data in CAPTURES for frame in parse_buffer(data, at_start=True)[0]]


def _name(frame: bytes) -> str | None:
    try:
        message = parse_frame(frame)
    except MalformedFrame:
        return None
    return message.event or ("Response" if message.response is not None else None)


# the frames translation reads, by event (responses too: they open snapshot lists)
BY_NAME: dict[str, list[bytes]] = {}
for _frame in FRAMES:
    _n = _name(_frame)
    if _n is not None and (_n in KEPT_EVENTS or _n == "Response"):
        BY_NAME.setdefault(_n, []).append(_frame)
NAMES = sorted(BY_NAME)

# what a damaged or hostile stream is made of
TOKENS = [b"\r", b"\n", b"\r\n", END, b":", b": ", b" ", b"\x00", b"\xff", b"\xfe", b"\xc3",
          b"\xe9", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\x80", BANNER_PREFIX,
          b"Event: ", b"Response: Success\r\n", b"EventList: start\r\n", b"ActionID: x\r\n",
          b"Timestamp: ", b"\r\n\r\n\r\n"]
VALUES = ["", " ", "inf", "-inf", "nan", "1e999", "-1e308", "9" * 30, "9" * 5000, "-0", "0x10",
          "1_000", "\u0661\u0662", "<unknown>", "1:2:3", "99999999999:59:59", "\x00", "é",
          "\ufffd", "1.5", "True", "1795427241.510368", "-1"]


@st.composite
def mutated(draw: st.DrawFn, data: bytes, max_ops: int = 6) -> bytes:
    """``data`` after a few byte-level mutations at drawn positions."""
    buf = bytearray(data)
    for _ in range(draw(st.integers(0, max_ops))):
        op = draw(st.sampled_from(["flip", "insert", "delete", "truncate", "repeat", "junk"]))
        pos = draw(st.integers(0, len(buf)))
        if op == "flip" and buf:
            buf[min(pos, len(buf) - 1)] ^= draw(st.integers(1, 255))
        elif op == "insert":
            buf[pos:pos] = draw(st.sampled_from(TOKENS))
        elif op == "delete":
            del buf[pos:pos + draw(st.integers(1, 8))]
        elif op == "truncate":
            del buf[pos:]
        elif op == "repeat":
            buf[pos:pos] = buf[pos:pos + draw(st.integers(1, 64))]
        elif op == "junk":
            buf[pos:pos] = draw(st.binary(min_size=1, max_size=12))
    return bytes(buf)


NUMBERS = [b"inf", b"-inf", b"nan", b"1e999", b"-1e308", b"9" * 30, b"-" + b"9" * 30,
           b"9" * 5000, b"99999999999:59:59", b"1e18"]
IDENTIFIES = re.compile(rb"^(\w*(?:id|ID)|Interface|Location|Queue|Channel|ActionID)$")


@st.composite
def header_mutated(draw: st.DrawFn, frame: bytes) -> bytes:
    """``frame`` with header values replaced by odd ones (numbers too wide for the store,
    empty identifiers, any text), lines dropped or repeated."""
    lines = frame[:-4].split(b"\r\n")
    for _ in range(draw(st.integers(1, 4))):
        i = draw(st.integers(0, len(lines) - 1))
        key = lines[i].partition(b": ")[0]
        numeric = [j for j, line in enumerate(lines)
                   if line.partition(b": ")[2][:1].isdigit()]
        naming = [j for j, line in enumerate(lines)
                  if IDENTIFIES.match(line.partition(b": ")[0])]
        op = draw(st.sampled_from(["value", "text", "drop", "repeat", "number", "unname"]))
        if op == "value":
            lines[i] = key + b": " + draw(st.sampled_from(VALUES)).encode()
        elif op == "text":
            lines[i] = key + b": " + draw(st.text(max_size=20)).encode("utf-8", "surrogatepass")
        elif op == "drop" and len(lines) > 1:
            del lines[i]
        elif op == "repeat":
            lines.insert(i, lines[i])
        elif op == "number" and numeric:
            j = draw(st.sampled_from(numeric))
            lines[j] = lines[j].partition(b": ")[0] + b": " + draw(st.sampled_from(NUMBERS))
        elif op == "unname" and naming:  # an identifier emptied or gone
            j = draw(st.sampled_from(naming))
            if draw(st.booleans()):
                lines[j] = lines[j].partition(b": ")[0] + b": "
            elif len(lines) > 1:
                del lines[j]
    return b"\r\n".join(lines) + END


@st.composite
def capture_windows(draw: st.DrawFn, max_frames: int = 40) -> bytes:
    """Consecutive frames of a recorded capture (from its start, banner included, or
    from anywhere), some with odd header values, then mutated byte by byte."""
    frames = parse_buffer(draw(st.sampled_from(CAPTURES)), at_start=True)[0]
    count = draw(st.integers(1, max_frames))
    start = draw(st.one_of(st.just(0), st.integers(0, len(frames) - 1)))
    window = frames[start:start + count]
    for _ in range(draw(st.integers(0, 6))):
        i = draw(st.integers(0, len(window) - 1))
        if window[i].endswith(END):
            window[i] = draw(header_mutated(window[i]))
    return draw(mutated(b"".join(window), max_ops=4))


def real_frames() -> st.SearchStrategy[bytes]:
    return st.sampled_from(NAMES).flatmap(lambda name: st.sampled_from(BY_NAME[name]))


def odd_frames() -> st.SearchStrategy[bytes]:
    return st.one_of(
        real_frames().flatmap(header_mutated),
        real_frames().flatmap(mutated),
        st.binary(max_size=300),
    )


# -- splitting ---------------------------------------------------------------------------

def assert_split(data: bytes, frames: list[bytes], rest: bytes, *, at_start: bool) -> None:
    assert b"".join(frames) + rest == data  # no byte lost, none invented, order kept
    for i, frame in enumerate(frames):
        if i == 0 and at_start and data.startswith(BANNER_PREFIX):
            assert frame.startswith(BANNER_PREFIX) and frame.find(b"\r\n") == len(frame) - 2
        else:  # each frame ends at the first blank line after its start
            assert frame.find(END) == len(frame) - 4
    assert END not in rest


def split_in_pieces(data: bytes, cuts: list[int]) -> tuple[list[bytes], bytes]:
    splitter = FrameSplitter()
    frames: list[bytes] = []
    bounds = [0, *sorted(cut % (len(data) + 1) for cut in cuts), len(data)]
    for start, end in itertools.pairwise(bounds):
        frames += splitter.feed(data[start:end])
    return frames, splitter.pending


def check_splitting(data: bytes, cuts: list[int], size: int) -> None:
    for at_start in (False, True):
        frames, rest = parse_buffer(data, at_start=at_start)
        assert_split(data, frames, rest, at_start=at_start)
    whole = FrameSplitter()
    frames = whole.feed(data)
    assert_split(data, frames, whole.pending, at_start=True)
    assert split_in_pieces(data, cuts) == (frames, whole.pending)
    in_lists = FrameSplitter()
    lists = list(in_lists.feed_in_lists(data, size))
    assert all(0 < len(part) <= max(1, size) for part in lists)
    assert [f for part in lists for f in part] == frames
    assert in_lists.pending == whole.pending


CUTS = st.lists(st.integers(0, 1 << 20), max_size=12)


@settings(max_examples=500, deadline=None)
@given(st.binary(max_size=600), CUTS, st.integers(0, 5))
def test_splitting_arbitrary_bytes_keeps_every_byte_and_ignores_read_boundaries(
    data: bytes, cuts: list[int], size: int
) -> None:
    check_splitting(data, cuts, size)


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from([*TOKENS, b"a", b"Key: v"]), max_size=40).map(b"".join),
       CUTS, st.integers(0, 5))
def test_splitting_streams_of_separators_keeps_every_byte(
    data: bytes, cuts: list[int], size: int
) -> None:
    check_splitting(data, cuts, size)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(capture_windows(), CUTS, st.integers(0, 50))
def test_splitting_mutated_captures_keeps_every_byte_and_ignores_read_boundaries(
    data: bytes, cuts: list[int], size: int
) -> None:
    check_splitting(data, cuts, size)


# -- parsing and translating ---------------------------------------------------------------

TRANSCODER = OrjsonTranscoder()


def encodable(command: Any) -> None:
    """What a command carries ends up in stored events: the transcoder must take it."""
    TRANSCODER.encode(dataclasses.asdict(command))


def parse(raw: bytes) -> Message | None:
    try:
        message = parse_frame(raw)
    except MalformedFrame as error:  # the one documented error, with the raw bytes
        assert error.raw == raw and error.reason
        return None
    assert message.event is not None or message.response is not None
    assert all(key and " " not in key and "\x00" not in key for key in message.headers)
    return message


def check_translation(frames: list[bytes], at: float) -> None:
    snapshots = SnapshotCollector()
    for raw in frames:
        message = parse(raw)
        if message is None:
            continue
        commands = translate(message, at, snapshots)  # raises nothing
        for command in commands:
            encodable(command)


@settings(max_examples=800, deadline=None)
@given(odd_frames(), st.sampled_from([0.0, 1795427241.510368, -1.0, 1e12]))
def test_parsing_and_translating_odd_frames_raises_only_malformed_frame(
    raw: bytes, at: float
) -> None:
    check_translation([raw], at)


@settings(max_examples=300, deadline=None)
@given(st.lists(odd_frames(), min_size=1, max_size=12))
def test_translating_mutated_snapshot_lists_raises_nothing(frames: list[bytes]) -> None:
    # a list opened, odd items and odd ends in between, then closed
    opening = b"Response: Success\r\nActionID: x\r\nEventList: start\r\n\r\n"
    closing = b"Event: QueueStatusComplete\r\nActionID: x\r\n\r\n"
    check_translation([opening, *frames, closing], 1795427241.0)


# -- ingesting -----------------------------------------------------------------------------

def logged_raws(records: list[logging.LogRecord]) -> set[bytes]:
    return {arg for record in records for arg in (record.args or ())
            if isinstance(arg, bytes)}


def check_ingest(data: bytes, batch_size: int, caplog: pytest.LogCaptureFixture) -> None:
    if not data:
        return
    caplog.clear()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "mutated.ami"
        path.write_bytes(data)
        app = open_app("memory://")
        try:
            Ingestor(app, batch_size=batch_size).ingest(capture_items([path]))  # nothing escapes
            chunks = read_events(app, ["domain.telephony.feed:FeedChunk.Recorded"])
            stored = [frame for event in chunks for frame in event.frames]
        finally:
            app.close()
    assert [frame[0] for frame in stored] == list(range(1, len(stored) + 1))
    assert b"".join(decode_raw(frame[2]) for frame in stored) == data  # verbatim
    assert not logged_raws(caplog.records)  # the log never gets a frame's bytes
    for seq, _, text, status in stored:
        if status != "ok":  # rejected or truncated: logged by its length and digest
            assert status.startswith(("rejected: ", "truncated")), status
            assert frame_digest(decode_raw(text)) in caplog.text, (seq, status)
    assert not [r for r in caplog.records if r.exc_info], "translation raised unexpectedly"


@settings(max_examples=250, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(data=capture_windows(max_frames=60), batch_size=st.integers(1, 40))
def test_ingesting_a_mutated_capture_stores_it_verbatim_and_logs_every_rejected_frame_by_digest(
    data: bytes, batch_size: int, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="callboard.ingest")
    check_ingest(data, batch_size, caplog)


@settings(max_examples=250, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(data=st.lists(odd_frames(), min_size=1, max_size=30).map(b"".join),
       batch_size=st.integers(1, 10))
def test_ingesting_frames_with_odd_values_stores_them_and_lets_nothing_escape(
    data: bytes, batch_size: int, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="callboard.ingest")
    check_ingest(data, batch_size, caplog)
