"""The AMI wire format, tested with byte literals."""

from __future__ import annotations

import hashlib

import pytest

from adapters.ami.frames import FrameSplitter, MalformedFrame, parse_buffer, parse_frame
from adapters.ami.limits import CutFrame, frame_digest

BANNER = b"Asterisk Call Manager/11.0.0\r\n"
EVENT = b"Event: Hangup\r\nUniqueid: 1.2\r\nCause-txt: Normal Clearing\r\n\r\n"


def test_a_buffer_splits_into_whole_frames_and_the_rest() -> None:
    frames, rest = parse_buffer(EVENT + EVENT + b"Event: Ha")
    assert frames == [EVENT, EVENT]
    assert rest == b"Event: Ha"


def test_the_banner_is_a_frame_of_its_own_at_the_start_of_a_connection() -> None:
    frames, rest = parse_buffer(BANNER + EVENT, at_start=True)
    assert frames == [BANNER, EVENT]
    assert rest == b""


def test_the_splitter_reassembles_frames_cut_across_reads() -> None:
    splitter = FrameSplitter()
    data = BANNER + EVENT + EVENT
    got = []
    for i in range(0, len(data), 7):
        got += splitter.feed(data[i : i + 7])
    assert got == [BANNER, EVENT, EVENT]
    assert splitter.pending == b""


def test_a_frame_cut_at_the_end_stays_pending() -> None:
    splitter = FrameSplitter()
    assert splitter.feed(BANNER + EVENT[:10]) == [BANNER]
    assert splitter.pending == EVENT[:10]


def test_values_may_contain_colons_and_repeated_chanvariables_are_all_kept() -> None:
    m = parse_frame(b"Event: Newexten\r\nAppData: a: b: c\r\nChanVariable: X=1\r\n"
                    b"ChanVariable: Y=2\r\n\r\n")
    assert m.get("AppData") == "a: b: c"
    assert m.repeated["ChanVariable"] == ["X=1", "Y=2"]


def test_bytes_that_are_not_utf8_are_data_not_a_crash() -> None:
    m = parse_frame(b"Event: Newchannel\r\nCallerIDName: Jos\xe9\xff\r\n\r\n")
    assert m.event == "Newchannel"
    assert m.get("CallerIDName").startswith("Jos")


def test_a_line_without_key_and_value_makes_the_frame_malformed_with_its_raw_bytes() -> None:
    raw = b"Event: Hangup\r\nthis is garbage\r\n\r\n"
    with pytest.raises(MalformedFrame) as caught:
        parse_frame(raw)
    assert caught.value.raw == raw
    assert "garbage" in caught.value.reason


def test_a_frame_with_neither_event_nor_response_is_malformed() -> None:
    with pytest.raises(MalformedFrame):
        parse_frame(b"Foo: bar\r\n\r\n")


def test_command_output_lines_are_kept_in_order() -> None:
    m = parse_frame(b"Response: Success\r\nOutput: line 1\r\nOutput: line 2\r\n\r\n")
    assert m.repeated["Output"] == ["line 1", "line 2"]


def test_the_store_compressor_round_trips_small_and_large_payloads() -> None:
    from adapters.store.transcoder import FastZlibCompressor

    compressor = FastZlibCompressor()
    for payload in (b"", b"{}", b"x" * 100, b"Event: Newexten\r\n" * 500):
        assert compressor.decompress(compressor.compress(payload)) == payload
    assert len(compressor.compress(b"Event: Newexten\r\n" * 500)) < 500


def test_the_splitter_hands_a_whole_capture_over_in_lists_of_the_same_frames() -> None:
    data = BANNER + EVENT * 5 + EVENT[:10]
    for size in (1, 2, 3, 6, 7, 100):
        whole, in_lists = FrameSplitter(), FrameSplitter()
        lists = list(in_lists.feed_in_lists(data, size))
        assert [len(frames) for frames in lists] == [
            min(size, 6 - start) for start in range(0, 6, size)]
        assert [f for frames in lists for f in frames] == whole.feed(data)
        assert in_lists.pending == whole.pending == EVENT[:10]


def test_in_lists_the_splitter_still_waits_for_a_whole_banner_line() -> None:
    splitter = FrameSplitter()
    assert list(splitter.feed_in_lists(BANNER[:5], 10)) == []
    assert list(splitter.feed_in_lists(BANNER[5:] + EVENT, 10)) == [[BANNER, EVENT]]
    assert splitter.pending == b""


# -- the frame limit -----------------------------------------------------------------------

LIMIT = 4096
LONG = b"Event: Flood\r\nData: " + b"7185555713" * 2000  # a line that does not end


def split_in_reads(data: bytes, read: int) -> tuple[list[bytes], bytes, int]:
    """Frames, pending bytes and the most bytes the splitter held after any read."""
    splitter, frames, held = FrameSplitter(max_frame=LIMIT), [], 0
    for i in range(0, len(data), read):
        frames += splitter.feed(data[i : i + read])
        held = max(held, len(splitter.pending))
    return frames, splitter.pending, held


def test_a_frame_longer_than_the_limit_is_cut_and_the_frame_after_it_is_whole() -> None:
    data = BANNER + LONG + b"\r\n\r\n" + EVENT
    frames, pending, held = split_in_reads(data, 1000)
    assert frames[0] == BANNER and frames[2] == EVENT and pending == b""
    cut = frames[1]
    assert isinstance(cut, CutFrame) and cut == LONG[:LIMIT]
    assert (cut.length, cut.ended) == (len(LONG) + 4, True)
    assert cut.sha256 == hashlib.sha256(LONG + b"\r\n\r\n").hexdigest()
    assert cut.marker.startswith(f"truncated: frame of {len(LONG) + 4} bytes cut at {LIMIT}")
    assert held <= LIMIT  # never more than the limit held for one frame


def test_a_cut_frame_is_the_same_whatever_the_reads_and_in_lists() -> None:
    data = BANNER + EVENT + LONG + b"\r\n\r\n" + EVENT + LONG[:LIMIT * 2]
    whole = FrameSplitter(max_frame=LIMIT)
    expected = whole.feed(data)
    assert len(expected) == 4 and whole.pending.length == LIMIT * 2  # type: ignore[attr-defined]
    for read in (1, 3, 7, LIMIT - 1, LIMIT, LIMIT + 1, len(data)):
        frames, pending, _ = split_in_reads(data, read)
        assert frames == expected and pending == whole.pending
        assert [f.sha256 for f in frames if isinstance(f, CutFrame)] == [
            f.sha256 for f in expected if isinstance(f, CutFrame)]
    in_lists = FrameSplitter(max_frame=LIMIT)
    assert [f for frames in in_lists.feed_in_lists(data, 2) for f in frames] == expected
    assert in_lists.cut == whole.cut == 2


def test_a_terminator_split_across_two_reads_ends_the_frame_being_cut() -> None:
    splitter = FrameSplitter(max_frame=LIMIT)
    assert splitter.feed(BANNER + LONG + b"\r\n\r") == [BANNER]
    frames = splitter.feed(b"\n" + EVENT)
    assert [len(f) for f in frames] == [LIMIT, len(EVENT)] and frames[1] == EVENT
    assert isinstance(frames[0], CutFrame) and frames[0].length == len(LONG) + 4


def test_a_line_that_never_ends_is_pending_as_an_unterminated_cut_frame() -> None:
    splitter = FrameSplitter(max_frame=LIMIT)
    for i in range(0, len(LONG), 512):
        assert splitter.feed(LONG[i : i + 512]) == []
    pending = splitter.pending
    assert isinstance(pending, CutFrame) and pending == LONG[:LIMIT]
    assert (pending.length, pending.ended) == (len(LONG), False)
    assert "unterminated" in pending.marker


def test_a_banner_line_longer_than_the_limit_is_a_frame_to_cut_not_a_wait() -> None:
    splitter = FrameSplitter(max_frame=LIMIT)
    assert splitter.feed(BANNER[:-2] + b"x" * LIMIT * 3) == []
    assert len(splitter.pending) == LIMIT and isinstance(splitter.pending, CutFrame)


def test_the_message_of_a_malformed_frame_quotes_none_of_it() -> None:
    raw = b"Event: Hangup\r\nCallerIDNum 7185555713\r\n\r\n"
    with pytest.raises(MalformedFrame) as caught:
        parse_frame(raw)
    assert "7185555713" in caught.value.reason  # stored with the frame, in the feed
    assert "7185555713" not in str(caught.value) and "7185555713" not in caught.value.kind
    assert frame_digest(raw) in str(caught.value)
