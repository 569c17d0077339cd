"""The AMI wire format, tested with byte literals."""

from __future__ import annotations

import pytest

from adapters.ami.frames import FrameSplitter, MalformedFrame, parse_buffer, parse_frame

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
