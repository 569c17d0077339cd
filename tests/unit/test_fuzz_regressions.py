"""Inputs that broke the AMI parser, the translator or ingestion while the property tests
(``test_parser_properties``) and the atheris harness (``fuzz.ami``) were being built.

Each input goes through the harness's own invariants (``fuzz.ami.check``: no exception
but ``MalformedFrame`` from parsing, none from translation, none escaping ingestion, the
feed verbatim, every rejected frame logged with its bytes), then what it should mean.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from adapters.ami.feed_items import ConnectionClosed, ConnectionOpened, ReceivedFrames
from adapters.ami.frames import parse_frame
from adapters.ami.translation import SnapshotCollector, translate
from adapters.ingest.ingestor import Ingestor
from adapters.store.application import open_app, read_events
from domain.telephony import commands as c
from fuzz.ami import check

ROOT = Path(__file__).parent.parent.parent

NEW_CALL = (b"Event: Newchannel\r\nTimestamp: 100.0\r\nChannel: SIP/a-1\r\nUniqueid: 7.1\r\n"
            b"Linkedid: 7.1\r\nCallerIDNum: 5551234\r\n\r\n")


def ingest(data: bytes, batch_size: int = 7) -> list[Any]:
    """The domain events (feed and seals left out) ``data`` gives as one capture."""
    app = open_app("memory://")
    try:
        Ingestor(app, batch_size=batch_size).ingest([
            ConnectionOpened("c", None, "file:regression.ami"),
            _frames("c", data),
            ConnectionClosed("c", None, "stopped")])
        return [e for e in read_events(app)
                if type(e).__module__ not in ("domain.telephony.feed", "domain.audit")]
    finally:
        app.close()


def _frames(connection: str, data: bytes) -> ReceivedFrames:
    raws = [frame + b"\r\n\r\n" for frame in data.split(b"\r\n\r\n")[:-1]]
    return ReceivedFrames(connection, 1, None, raws)


def commands(raw: bytes) -> list[c.Command]:
    return translate(parse_frame(raw), 100.0, SnapshotCollector())


# -- numbers that are not 64-bit integers --------------------------------------------------
# ``_int`` let ``int(float("inf"))`` raise OverflowError out of translate (found by the
# property test on ``Cause: inf``, by atheris on ``Uptime: inf``), and passed numbers wider
# than 64 bits on to the domain, where the store's encoder refused them: the batch's
# transaction failed, the exception left the Ingestor and ``callboard ingest`` died, again
# at the same batch on every restart.

UPTIME_INF = (b"Event: FullyBooted\r\nPrivilege: system,all\r\nUptime: inf\r\nLastReload: 4\r\n"
              b"Status: Fully Booted\r\n\r\n")
UPTIME_HUGE = (b"Event: FullyBooted\r\nPrivilege: system,all\r\nUptime: -1e308\r\n"
               b"LastReload: 4\r\nStatus: Fully Booted\r\n\r\n")
CAUSE_WIDE = (b"Event: Hangup\r\nTimestamp: 160.0\r\nChannel: SIP/a-1\r\nUniqueid: 7.1\r\n"
              b"Linkedid: 7.1\r\nCause: 99999999999999999999999\r\nCause-txt: x\r\n\r\n")
CAUSE_5000_DIGITS = (b"Event: Hangup\r\nUniqueid: 7.1\r\nLinkedid: 7.1\r\nCause: "
                     + b"9" * 5000 + b"\r\n\r\n")
DURATION_WIDE = (b"Response: Success\r\nActionID: r\r\nEventList: start\r\n\r\n"
                 b"Event: CoreShowChannel\r\nActionID: r\r\nChannel: SIP/a-1\r\n"
                 b"Uniqueid: 7.1\r\nLinkedid: 7.1\r\nDuration: 9223372036854775807:59:59\r\n\r\n"
                 b"Event: CoreShowChannelsComplete\r\nActionID: r\r\n\r\n")


@pytest.mark.parametrize("raw", [UPTIME_INF, UPTIME_HUGE], ids=["inf", "-1e308"])
def test_an_uptime_that_is_no_integer_is_unknown(raw: bytes) -> None:
    check(raw)
    assert commands(raw) == [c.BootPbx(100.0, -1)]


@pytest.mark.parametrize("cause", [b"inf", b"-inf", b"nan", b"1e999", b"-1e308",
                                   b"99999999999999999999999", b"9" * 5000],
                         ids=["inf", "-inf", "nan", "1e999", "-1e308", "23-digits",
                              "5000-digits"])
def test_a_hangup_cause_that_is_no_64_bit_integer_is_zero(cause: bytes) -> None:
    raw = CAUSE_WIDE.replace(b"99999999999999999999999", cause)
    check(NEW_CALL + raw)
    assert commands(raw) == [c.EndCall("7.1", 100.0, 0, "x")]


def test_a_call_ended_with_a_cause_wider_than_64_bits_is_stored() -> None:
    check(NEW_CALL + CAUSE_WIDE)
    ended = [e for e in ingest(NEW_CALL + CAUSE_WIDE) if type(e).__qualname__ == "Call.Ended"]
    assert [(e.at, e.cause) for e in ended] == [(160.0, 0)]


def test_a_cause_of_5000_digits_is_zero() -> None:
    check(CAUSE_5000_DIGITS)  # int() refuses it (over 4,300 digits), float() makes it inf
    assert commands(CAUSE_5000_DIGITS) == [c.EndCall("7.1", 100.0, 0, "")]


def test_a_channel_duration_wider_than_64_bits_is_unknown() -> None:
    check(DURATION_WIDE)
    snapshots = SnapshotCollector()
    out: list[c.Command] = []
    for raw in [frame + b"\r\n\r\n" for frame in DURATION_WIDE.split(b"\r\n\r\n")[:-1]]:
        out += translate(parse_frame(raw), 100.0, snapshots)
    (reconcile,) = out
    assert isinstance(reconcile, c.ReconcileSnapshot)
    assert [ch.duration_s for ch in reconcile.channels] == [0]


# -- frames that name no call ----------------------------------------------------------------
# A snapshot item or a queue join without the call's id made a Call with an empty id, the
# handler (which looks calls up only by a non-empty id) made it again for the next such
# frame, and the second ``Call.Started`` at version 1 failed the batch with IntegrityError,
# out of the Ingestor (found by atheris; this is its input, minimised).

QUEUE_ENTRIES_WITHOUT_UNIQUEID = (
    b"ActionID: rec-1\r\n\r\nEvent: QueueEntry\r\nActionID: rec-1\r\n\r\n"
    b"Event: QueueStatusComplete\r\nActionID: rec-1\r\n\r\nEvent: QueueEntry\r\n\r\n"
    b"Event: QueueEntry\r\n\r\nWait: 5\r\n\r\nActionID: rec-1\r\n\r\n"
    b"Event: QueueStatusComplete\r\n\r\n")
JOINS_WITHOUT_LINKEDID = (
    b"Event: QueueCallerJoin\r\nTimestamp: 100.0\r\nQueue: sales\r\nUniqueid: 7.1\r\n"
    b"Channel: SIP/a-1\r\nPosition: 1\r\n\r\n") * 2
CHANNELS_WITHOUT_IDS = (
    b"Response: Success\r\nActionID: r\r\nEventList: start\r\n\r\n"
    + b"Event: CoreShowChannel\r\nActionID: r\r\nChannel: SIP/a-1\r\nDuration: 0:00:05\r\n\r\n"
    * 2 + b"Event: CoreShowChannelsComplete\r\nActionID: r\r\n\r\n")
MEMBERS_WITHOUT_INTERFACE = (
    b"Event: QueueMemberAdded\r\nTimestamp: 100.0\r\nQueue: sales\r\nMemberName: A\r\n\r\n"
    b"Event: QueueParams\r\nTimestamp: 100.0\r\nQueue: \r\nStrategy: rrmemory\r\n\r\n"
    b"Response: Success\r\nActionID: q\r\nEventList: start\r\n\r\n"
    b"Event: QueueMember\r\nActionID: q\r\nQueue: sales\r\nName: A\r\n\r\n"
    b"Event: QueueStatusComplete\r\nActionID: q\r\n\r\n")


@pytest.mark.parametrize("data", [QUEUE_ENTRIES_WITHOUT_UNIQUEID, JOINS_WITHOUT_LINKEDID,
                                  CHANNELS_WITHOUT_IDS, MEMBERS_WITHOUT_INTERFACE],
                         ids=["queue-entries", "joins", "channels", "members"])
@pytest.mark.parametrize("batch_size", [1, 1000])
def test_frames_that_name_no_call_agent_or_queue_make_no_aggregate(
    data: bytes, batch_size: int, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="callboard.ingest")
    check(data)
    made = [e for e in ingest(data, batch_size) if e.originator_version == 1]
    assert made == []
    assert not [r for r in caplog.records if r.exc_info]


# -- event times that are not finite (inf / nan) are no times -------------------------------

@pytest.mark.parametrize("stamp", [b"inf", b"nan"])
def test_an_event_time_that_is_not_finite_is_not_stored(stamp: bytes) -> None:
    data = NEW_CALL.replace(b"Timestamp: 100.0", b"Timestamp: " + stamp)
    check(data)
    (started,) = ingest(data)
    assert isinstance(started.at, float)


# -- a bounded coverage-guided run ---------------------------------------------------------

FUZZ_RUNS = 2000


@pytest.mark.slow
def test_a_bounded_atheris_run_finds_no_crash_and_no_hang(tmp_path: Path) -> None:
    pytest.importorskip("atheris", reason="atheris is not installed (pip install atheris)")
    run = subprocess.run(
        [sys.executable, "-m", "fuzz.ami", f"-runs={FUZZ_RUNS}", "-max_total_time=90",
         "-seed=20261124", f"-artifact_prefix={tmp_path}/", str(tmp_path / "corpus")],
        cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True,
        timeout=300)
    crashes = {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.is_file()}
    assert run.returncode == 0 and not crashes, (
        f"{run.stderr.decode(errors='replace')[-4000:]}\n"
        f"inputs to add as regression tests: {crashes!r}")
    assert b"DONE" in run.stderr  # libFuzzer's last line: the run went to its end


# -- found while reading the translator --------------------------------------------------------

def test_a_list_that_is_no_snapshot_is_forgotten_at_its_end() -> None:
    # Every list response opened a collection that only QueueStatus / CoreShowChannels
    # ended: on a live connection each QueueSummary (or any list action with its own
    # ActionID) was kept until the connection closed.
    snapshots = SnapshotCollector()
    for i in range(3):
        for raw in (f"Response: Success\r\nActionID: cb-1-{i}\r\nEventList: start\r\n\r\n",
                    f"Event: QueueSummary\r\nActionID: cb-1-{i}\r\nQueue: sales\r\n\r\n",
                    f"Event: QueueSummaryComplete\r\nActionID: cb-1-{i}\r\n"
                    "EventList: Complete\r\nListItems: 1\r\n\r\n"):
            assert translate(parse_frame(raw.encode()), 100.0, snapshots) == []
    assert vars(snapshots) == {"_items": {}, "_started": {}}
