"""Coverage-guided fuzzing of the AMI frame parser, the translator and ingestion.

Each input is a (mutated) AMI capture. ``check`` runs it through every target and raises
``AssertionError`` when an invariant breaks (any other exception is a crash too):

* splitting (``parse_buffer``, ``FrameSplitter.feed`` / ``feed_in_lists``) loses and
  invents no byte, ends every frame at the first blank line after its start, and does not
  depend on where the stream was cut into reads;
* ``parse_frame`` raises only ``MalformedFrame`` (with the raw bytes); ``translate``
  raises nothing and returns commands the event store's transcoder can encode;
* an ``Ingestor`` over an in-memory store lets no exception escape, stores the capture
  verbatim, logs every rejected or truncated frame by its digest (never its bytes), and logs no
  unexpected exception from translation.

Run (atheris must be installed: ``pip install atheris``)::

    python -m fuzz.ami -runs=20000              # bounded, as in CI
    python -m fuzz.ami -max_total_time=600      # longer
    python -m fuzz.ami crash-1234abcd           # re-run one input (-minimize_crash does
                                                # not work under python -m: it re-runs argv[0])

Any libFuzzer flag passes through. The corpus is ``.artifacts/fuzz-ami/corpus`` unless a
directory is named; either way it is seeded from the recorded captures
(``tests/fixtures``) and grows from run to run. A dictionary of AMI tokens is used unless
``-dict=`` is given; hangs are inputs taking over 10 s (``-timeout=``). Crashes are
written to ``.artifacts/fuzz-ami/crash-<sha1>`` (``-artifact_prefix=DIR/``); each one
found becomes a test in ``tests/unit/test_fuzz_regressions.py``.
"""

from __future__ import annotations

import dataclasses
import importlib
import logging
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from eventsourcing.utils import clear_topic_cache

from adapters.ami.feed_items import ConnectionClosed, ConnectionOpened, FeedItem, ReceivedFrames
from adapters.ami.frames import (
    BANNER_PREFIX,
    FrameSplitter,
    MalformedFrame,
    parse_buffer,
    parse_frame,
)
from adapters.ami.limits import frame_digest
from adapters.ami.translation import SnapshotCollector, translate
from adapters.ingest.ingestor import Ingestor
from adapters.store.application import open_app, read_events
from adapters.store.transcoder import OrjsonTranscoder
from domain.telephony.feed import decode_raw

__all__ = ["DICTIONARY", "check", "main", "seeds"]

END = b"\r\n\r\n"
ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
WORKDIR = ROOT / ".artifacts" / "fuzz-ami"  # corpus, dictionary and crashes by default
MAX_LEN = 8192
READ_SIZES = (1, 2, 3, 61, 997)  # reads of these sizes must give the frames of one read
TRANSCODER = OrjsonTranscoder()

DICTIONARY = [
    b"\r\n", END, b": ", b":", b"\x00", b"\xff", b"\xc3", b"\xed\xa0\x80", BANNER_PREFIX,
    b"Event: ", b"Response: Success", b"Response: Error", b"EventList: start",
    b"ActionID: ", b"Timestamp: ", b"Linkedid: ", b"Uniqueid: ", b"Cause: ", b"Queue: ",
    b"Interface: ", b"Duration: ", b"LoginTime: ", b"Uptime: ", b"Variable: ", b"Value: ",
    b"MIXMONITOR_FILENAME", b"QUEUESTATUS", b"TIMEOUT", b"Newchannel", b"Hangup",
    b"QueueCallerJoin", b"AgentConnect", b"QueueMember", b"QueueEntry", b"CoreShowChannel",
    b"QueueStatusComplete", b"CoreShowChannelsComplete", b"FullyBooted", b"Shutdown",
    b"inf", b"nan", b"1e999", b"-1e308", b"99999999999999999999", b"<unknown>",
]


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


_LOG = logging.getLogger("callboard.ingest")


@contextmanager
def _logged() -> Iterator[list[logging.LogRecord]]:
    """The warnings ingestion logs meanwhile, whatever the logging configuration."""
    handler, level = _Records(), _LOG.level
    _LOG.addHandler(handler)
    if _LOG.getEffectiveLevel() > logging.WARNING:
        _LOG.setLevel(logging.WARNING)
    try:
        yield handler.records
    finally:
        _LOG.removeHandler(handler)
        _LOG.setLevel(level)


# -- the targets ---------------------------------------------------------------------------

def _assert_split(data: bytes, frames: list[bytes], rest: bytes, at_start: bool) -> None:
    assert b"".join(frames) + rest == data, "bytes lost or invented"
    for i, frame in enumerate(frames):
        if i == 0 and at_start and data.startswith(BANNER_PREFIX):
            assert frame.find(b"\r\n") == len(frame) - 2, "banner is not one line"
        else:
            assert frame.find(END) == len(frame) - 4, "frame does not end at its blank line"
    assert END not in rest, "a whole frame left in the rest"


def check_splitting(data: bytes) -> list[bytes]:
    """The frames of ``data`` as a connection's splitter gives them, checked."""
    for at_start in (False, True):
        frames, rest = parse_buffer(data, at_start=at_start)
        _assert_split(data, frames, rest, at_start)
    whole = FrameSplitter()
    frames = whole.feed(data)
    _assert_split(data, frames, whole.pending, True)
    for size in READ_SIZES:
        if size < 4 and len(data) > 2048:
            continue  # quadratic in the data: small reads only of small inputs
        pieces = FrameSplitter()
        got: list[bytes] = []
        for start in range(0, len(data), size):
            got += pieces.feed(data[start:start + size])
        assert (got, pieces.pending) == (frames, whole.pending), f"reads of {size} differ"
    for size in (1, 7, 1000):
        in_lists = FrameSplitter()
        lists = list(in_lists.feed_in_lists(data, size))
        assert all(0 < len(part) <= size for part in lists), "list of the wrong size"
        assert [f for part in lists for f in part] == frames, f"lists of {size} differ"
        assert in_lists.pending == whole.pending, "lists leave another rest"
    return frames


def check_translation(frames: list[bytes]) -> None:
    snapshots = SnapshotCollector()
    for raw in frames:
        try:
            message = parse_frame(raw)
        except MalformedFrame as error:
            assert error.raw == raw, "MalformedFrame without the raw bytes"
            continue
        assert message.event is not None or message.response is not None
        for command in translate(message, 1795427241.5, snapshots):
            TRANSCODER.encode(dataclasses.asdict(command))


def check_ingest(data: bytes) -> None:
    """Ingest ``data`` as one capture (as ``adapters.ami.capture`` hands it over)."""
    if not data:
        return
    splitter = FrameSplitter()
    items: list[FeedItem] = [ConnectionOpened("fuzz", None, "file:fuzz.ami")]
    seq = 1
    for frames in splitter.feed_in_lists(data, 1000):
        items.append(ReceivedFrames("fuzz", seq, None, frames))
        seq += len(frames)
    items.append(ConnectionClosed("fuzz", None, "stopped", splitter.pending))
    app = open_app("memory://")
    try:
        with _logged() as records:
            Ingestor(app, batch_size=7).ingest(items)
        chunks = read_events(app, ["domain.telephony.feed:FeedChunk.Recorded"])
        stored = [frame for event in chunks for frame in event.frames]
    finally:
        app.close()
    assert [frame[0] for frame in stored] == list(range(1, len(stored) + 1)), "seq gap"
    assert b"".join(decode_raw(frame[2]) for frame in stored) == data, "feed not verbatim"
    logged = "\n".join(record.getMessage() for record in records)
    assert not [arg for record in records for arg in (record.args or ())
                if isinstance(arg, bytes)], "frame bytes handed to the log"
    for _, _, text, status in stored:
        if status != "ok":
            assert frame_digest(decode_raw(text)) in logged, f"{status} frame not logged"
    unexpected = [r for r in records if r.exc_info]
    assert not unexpected, f"translation raised: {unexpected[0].getMessage()[:300]}"


def check(data: bytes) -> None:
    """Every target over one input; raises on the first broken invariant."""
    frames = check_splitting(data)
    check_translation(frames)
    check_ingest(data)


# -- the corpus ----------------------------------------------------------------------------

def seeds(fixtures: Path = FIXTURES, window: int = 12) -> Iterator[bytes]:
    """Windows of consecutive frames of each recorded capture (the first one with the
    banner), and one example of every frame kind, as they were recorded."""
    kinds: set[bytes] = set()
    for path in sorted(fixtures.glob("*/*.ami")):
        frames = parse_buffer(path.read_bytes(), at_start=True)[0]
        for start in range(0, len(frames), window * 8):
            chunk = b"".join(frames[start:start + window])
            yield chunk[:MAX_LEN]
        for frame in frames:
            kind = frame.split(b"\r\n", 1)[0]
            if kind not in kinds:
                kinds.add(kind)
                yield frame


def _dictionary_line(token: bytes) -> str:
    return '"' + "".join(chr(b) if 32 <= b < 127 and b not in b'"\\' else f"\\x{b:02x}"
                         for b in token) + '"'


def _prepare(argv: Sequence[str]) -> list[str]:
    """libFuzzer's arguments: ours by default, the caller's where given."""
    args = list(argv)
    flags = [a for a in args[1:] if a.startswith("-")]
    inputs = [Path(a) for a in args[1:] if not a.startswith("-")]

    def given(flag: str) -> bool:
        return any(f.startswith(f"-{flag}=") for f in flags)

    WORKDIR.mkdir(parents=True, exist_ok=True)
    if not given("max_len"):
        args.append(f"-max_len={MAX_LEN}")
    if not given("timeout"):
        args.append("-timeout=10")  # one input taking this long is a hang
    if not given("artifact_prefix"):
        args.append(f"-artifact_prefix={WORKDIR}/")
    if not given("dict"):
        dictionary = WORKDIR / "ami.dict"
        dictionary.write_text("\n".join(map(_dictionary_line, DICTIONARY)) + "\n")
        args.append(f"-dict={dictionary}")
    if not inputs:
        inputs = [WORKDIR / "corpus"]
        args.append(str(inputs[0]))
    if inputs[0].is_dir() or not inputs[0].exists():  # a corpus (not inputs to re-run)
        inputs[0].mkdir(parents=True, exist_ok=True)
        for i, seed in enumerate(seeds()):
            (inputs[0] / f"seed-{i:05d}").write_bytes(seed)
    return args


INSTRUMENTED = ("adapters", "domain")  # coverage of our code guides; not the libraries'


def main(argv: Sequence[str] | None = None) -> None:
    atheris: Any = importlib.import_module("atheris")
    args = _prepare(sys.argv if argv is None else argv)
    # Import the targets afresh with our packages instrumented (``python -m`` has already
    # imported them plainly, for ``__main__``).
    for name in [n for n in sys.modules if n.split(".")[0] in INSTRUMENTED]:
        del sys.modules[name]
    # Their event classes are made again; the topics the plain ones registered (modules
    # compute some at import time) would be refused as duplicates.
    clear_topic_cache()
    with atheris.instrument_imports(include=list(INSTRUMENTED)):
        targets = importlib.import_module("fuzz.ami")
    logging.getLogger("callboard.ingest").propagate = False  # rejections are expected
    atheris.Setup(args, targets.check)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
