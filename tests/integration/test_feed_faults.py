"""Acceptance (reliability): the live feed through a PBX whose AMI link keeps failing.

A real ``AmiFeedClient`` feeds a real ``Ingestor`` (SQLite in ``tmp_path``) over TCP from
a ``FaultyAmiServer`` replaying ``basic-day``: the login is refused twice, the connection
is cut in the middle of a frame at 22 seeded random points (half with a FIN, half with an
RST), and the server restarts once on the same port. Then:

(a) every frame the server sent whole on a connection is stored in that connection's
    feed, byte for byte and in order, and the start of a frame a cut left unfinished is
    stored as one ``truncated`` record, never as a frame (nor translated);
(b) the gaps are events: each connection after the first is ``Feed.Resumed`` from the one
    before with its gap length, each cut or refused one ``Feed.Interrupted`` with why and
    how many bytes were left over, the last one ``Feed.Closed``; refusals are logged and
    retried;
(c) the domain and the boards equal those of an uninterrupted run of the same capture.

With frames "happening during the gap" (never sent), only calls that did not overlap a gap
must match; those whose end fell in a gap are closed by the resync, none abandoned. Two
resync mistakes found on the way are regression tests (fixed in
domain/telephony/handlers.py), and the client bug fixed on the way (frames lost when a
Ping fails first) has its regression test.

A replay at full speed has no receive clock that agrees with the capture's Timestamps, so
the client's clock is PBX time (``PbxClock``): frames without a Timestamp are then dated
alike in every run, and a gap is as long as the PBX time it skipped. ``FaultyAmiServer``
answers the resync from the state its capture has reached, after a quiet moment
(``quiet_until_answered``) so that the answer falls exactly where the capture resumes.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import random
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from adapters.ami import connection as ami_connection
from adapters.ami.client import AmiFeedClient, FeedStats
from adapters.ami.feed_items import ConnectionClosed, FeedItem, ReceivedFrame
from adapters.ami.frames import FrameSplitter, parse_frame
from adapters.ingest.ingestor import Ingestor, IngestReport
from adapters.replay.frames import DEFAULT_BANNER, Capture, build_frame, timestamp_of
from adapters.store.application import CallCenter, open_app, read_events
from api.runtime import NAMES, fold_factory
from domain.ids import call_id
from domain.telephony.feed import decode_raw
from projections.business_day import BoardPolicy
from projections.floor.queue_stats import StatsProjection, Visit
from projections.floor.stats_report import queue_figures
from tests.conftest import SCENARIOS
from tests.support.replay_faults import Cut, FaultyAmiServer, Gap

CAPTURE_PATH = SCENARIOS["basic-day"][0]
CAPTURE = Capture.load(CAPTURE_PATH)
STAMPS = [t for t in CAPTURE.timestamps if t is not None]
USER, SECRET = "callboard", "s3cret"
FEED_TOPICS = tuple(f"domain.telephony.feed:{name}" for name in (
    "Feed.Opened", "Feed.Resumed", "Feed.Interrupted", "Feed.Closed", "FeedChunk.Recorded"))
DOMAIN = ("Call.", "Agent.", "Queue.", "Pbx.")
CALL_ENDS = ("Call.Ended", "Call.ClosedByResync", "Call.LostByRestart")
REFUSED = "login refused: Authentication failed"
RESET = "socket error: [Errno 104] Connection reset by peer"
RESTART_AT = 3000  # the server restarts once its capture gets here; no cut near it


class PbxClock(queue.Queue[FeedItem]):
    """The client's queue, and its receive clock: the PBX's time as the client knows it,
    i.e. the latest event ``Timestamp`` received, or after a cut that skipped frames the
    time those frames reached, once the cut connection has closed."""

    def __init__(self, server: FaultyAmiServer) -> None:
        super().__init__()
        self.server, self.latest, self.closed = server, STAMPS[0], 0
        self.final_frame_seen = False

    def put_nowait(self, item: FeedItem) -> None:
        if isinstance(item, ReceivedFrame) and item.raw.startswith(b"Event: "):
            stamp = timestamp_of(item.raw)
            self.latest = max(self.latest, stamp if stamp is not None else self.latest)
            self.final_frame_seen = self.final_frame_seen or item.raw == CAPTURE.frames[-1]
        elif isinstance(item, ConnectionClosed):
            self.closed += 1
        super().put_nowait(item)

    def __call__(self) -> float:
        resumed = [g.resume_time for g in self.server.gaps
                   if g.connection < self.closed and g.resume_time is not None]
        return max([self.latest, *resumed])


@dataclass
class FeedRun:
    server: FaultyAmiServer
    app: CallCenter
    stats: FeedStats
    report: IngestReport


@dataclass
class StoredFeed:
    """One connection as the store has it."""

    connection_id: str
    opened: Any
    records: list[list[Any]] = field(default_factory=list)  # [seq, received_at, raw, status]
    resumed: Any = None
    ended: Any = None  # Feed.Interrupted or Feed.Closed

    @property
    def whole(self) -> list[bytes]:
        return [decode_raw(r[2]) for r in self.records if r[3] != "truncated"]

    @property
    def truncated(self) -> list[bytes]:
        return [decode_raw(r[2]) for r in self.records if r[3] == "truncated"]


def wait_for(check: Callable[[], bool], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.005)


def faulty_server(cuts: Sequence[Cut] = (), refuse_logins: int = 0) -> FaultyAmiServer:
    return FaultyAmiServer([CAPTURE_PATH], username=USER, secret=SECRET, keep_transcript=True,
                           cuts=cuts, refuse_logins=refuse_logins, quiet_until_answered=3)


def run_feed(store_url: str, server: FaultyAmiServer, *, restart: bool = False) -> FeedRun:
    """Stream the whole capture to a live client feeding ingestion; the client stops
    (logs off) once it has received the capture's last frame."""
    app = open_app(store_url)
    try:
        with server:
            items = PbxClock(server)
            ingestor = Ingestor(app)
            stop = threading.Event()
            ingest = threading.Thread(target=ingestor.run, args=(items, stop), daemon=True)
            ingest.start()
            client = AmiFeedClient("127.0.0.1", server.port, USER, SECRET, items, clock=items,
                                   ping_interval=0.1, ping_timeout=2.0, connect_timeout=2.0,
                                   backoff_initial=0.01, backoff_max=0.05)
            client.start()
            try:
                if restart:
                    assert server.wait_position(0, RESTART_AT, 20)
                    server.restart(down_s=0.2)
                assert server.wait_position(1, 0, 20), f"stream stuck at {server.position}"
                wait_for(lambda: items.final_frame_seen)
            finally:
                client.stop()
                stop.set()
                ingest.join(20)
            assert not ingest.is_alive()
    except BaseException:
        app.close()
        raise
    return FeedRun(server, app, client.stats, ingestor.report)


def stored_feeds(app: CallCenter) -> list[StoredFeed]:
    feeds: dict[UUID, StoredFeed] = {}
    chunks: dict[str, list[list[Any]]] = defaultdict(list)
    for e in read_events(app, FEED_TOPICS):
        name = type(e).__qualname__
        if name == "Feed.Opened":
            feeds[e.originator_id] = StoredFeed(e.connection_id, e)
        elif name == "FeedChunk.Recorded":
            chunks[e.connection_id].extend(e.frames)
        elif name == "Feed.Resumed":
            feeds[e.originator_id].resumed = e
        else:
            feeds[e.originator_id].ended = e
    for feed in feeds.values():
        feed.records = sorted(chunks[feed.connection_id], key=lambda r: int(r[0]))
    return list(feeds.values())  # in the order opened


def domain_events(app: CallCenter) -> list[tuple[str, dict[str, Any]]]:
    """Calls, agents, queues and the PBX: every event, all but the library's timestamp."""
    return [(type(e).__qualname__, {k: v for k, v in vars(e).items() if k != "timestamp"})
            for e in read_events(app) if type(e).__qualname__.startswith(DOMAIN)]


def stats_of(app: CallCenter) -> StatsProjection:
    return StatsProjection().apply_all(read_events(app))


def boards(app: CallCenter) -> dict[str, Any]:
    """Each board's view at three instants, the stats report and every queue visit."""
    instants = (STAMPS[0] + 60.0, STAMPS[len(STAMPS) // 2], STAMPS[-1] + 1.0)
    views: dict[str, Any] = {}
    for name in NAMES:
        fold = fold_factory(name, BoardPolicy())()
        for event in read_events(app, fold.topics):
            fold.apply(event)
        views[name] = [fold.view(now) for now in instants]
    stats = stats_of(app)
    views["stats"] = stats.figures()
    views["visits"] = [vars(v) for v in stats.visits]
    return views


def lifetimes(app: CallCenter) -> dict[UUID, tuple[float, float | None]]:
    """Each call's start and end as the domain has them."""
    started: dict[UUID, float] = {}
    ended: dict[UUID, float] = {}
    for e in read_events(app, [f"domain.telephony.call:{t}" for t in ("Call.Started", *CALL_ENDS)]):
        if type(e).__qualname__ == "Call.Started":
            started[e.originator_id] = e.at
        else:
            ended[e.originator_id] = e.at
    return {c: (at, ended.get(c)) for c, at in started.items()}


def windows(gaps: list[Gap]) -> list[tuple[float, float]]:
    """Each gap in PBX time: from the last frame before the cut to the time resumed."""
    out = []
    for gap in gaps:
        assert gap.last_time is not None and gap.resume_time is not None
        out.append((gap.last_time, gap.resume_time))
    return out


def overlapping(calls: dict[UUID, tuple[float, float | None]],
                windows: list[tuple[float, float]]) -> set[UUID]:
    return {c for c, (start, end) in calls.items()
            if any(start <= hi and (end is None or end >= lo) for lo, hi in windows)}


def outcome(visit: Visit) -> tuple[Any, ...]:
    return (visit.queue, visit.joined_at, visit.outcome, visit.agent, visit.wait_s,
            visit.talk_s, visit.completion)


def visits_by_call(stats: StatsProjection) -> dict[UUID, list[tuple[Any, ...]]]:
    return {c: [outcome(v) for v in vs] for c, vs in stats._calls.items()}  # by call id


def seeded_cuts(seed: int, count: int, *, skip: tuple[int, int] = (0, 0),
                keep_clear: range = range(0)) -> list[Cut]:
    rng = random.Random(seed)
    where = [i for i in range(5, len(CAPTURE.frames) - 200) if i not in keep_clear]
    frames = sorted(rng.sample(where, count))
    return [Cut(frame=i, keep=rng.randrange(1, len(CAPTURE.frames[i])),
                reset=rng.random() < 0.5, skip=rng.randint(*skip)) for i in frames]


# -- the runs ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FeedRun]:
    """The same capture, same server, same client, no fault."""
    store = f"sqlite:///{tmp_path_factory.mktemp('reference') / 'callboard.db'}"
    run = run_feed(store, faulty_server())
    yield run
    run.app.close()


@pytest.fixture
def faulty_run(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> Iterator[FeedRun]:
    caplog.set_level(logging.WARNING)
    cuts = seeded_cuts(20251123, 22, keep_clear=range(RESTART_AT - 100, RESTART_AT + 900))
    run = run_feed(f"sqlite:///{tmp_path / 'callboard.db'}", faulty_server(cuts, 2),
                   restart=True)
    yield run
    run.app.close()


def test_a_feed_cut_22_times_restarted_and_refused_twice_is_stored_whole_and_equal(
    reference: FeedRun, faulty_run: FeedRun, caplog: pytest.LogCaptureFixture,
) -> None:
    server, run = faulty_run.server, faulty_run
    gaps = {g.connection: g for g in server.gaps}
    feeds = stored_feeds(run.app)
    n = len(feeds)
    assert n == server.connection_count == run.stats.connections
    assert len(gaps) == 22 and server.cuts_pending == 0 and server.restarts == 1
    assert sum(g.reset for g in gaps.values()) not in (0, 22)  # FINs and RSTs both
    restarted = [i for i in range(2, n - 1) if i not in gaps]
    assert len(restarted) == 1, f"one connection ended by the restart, not {restarted}"

    # (a) every frame sent whole is stored whole, in order; a cut frame's start is truncated
    for index, feed in enumerate(feeds):
        assert [int(r[0]) for r in feed.records] == list(range(1, len(feed.records) + 1))
        assert feed.whole == server.sent_frames(index), f"connection {index}"
        assert {r[3] for r in feed.records} <= {"ok", "truncated"}
        tail = server.cut_tail(index)
        assert feed.truncated == ([tail] if tail else [])
        if tail:
            assert feed.records[-1][3] == "truncated" and tail not in feed.whole
            cut_frame = CAPTURE.frames[gaps[index].frame]
            assert cut_frame.startswith(tail) and cut_frame in feeds[index + 1].whole
    every = [frame for index in range(n) for frame in server.streamed(index)]
    assert every == [(0, i) for i in range(len(CAPTURE.frames))]  # each once, in order
    assert run.report.frames_stored == sum(len(f.whole) for f in feeds)
    assert run.report.frames_rejected == 22  # the truncated records: kept, not translated

    # (b) the gaps are events
    for index, feed in enumerate(feeds):
        if index == 0:
            assert feed.resumed is None
        else:
            before = feeds[index - 1]
            assert feed.resumed.previous_connection_id == before.connection_id
            assert feed.resumed.gap_s == feed.opened.at - before.ended.at
        ended = type(feed.ended).__qualname__
        if index == n - 1:
            assert ended == "Feed.Closed"
            continue
        assert ended == "Feed.Interrupted"
        if index < 2:
            assert (feed.ended.reason, feed.ended.pending_bytes) == (REFUSED, 0)
            assert feed.whole[1].startswith(b"Response: Error\r\n")
        elif index in gaps:
            gap = gaps[index]
            assert feed.ended.pending_bytes == len(gap.partial)
            assert (feed.ended.at, feeds[index + 1].opened.at) == (gap.last_time,
                                                                     gap.resume_time)
            assert feeds[index + 1].resumed.gap_s == 0.0  # nothing happened meanwhile
            # after an RST, a Ping may take the error first: the reader then sees the end
            assert feed.ended.reason in ((RESET, "closed by peer") if gap.reset
                                         else ("closed by peer",))
        else:
            assert (feed.ended.reason, feed.ended.pending_bytes) == ("closed by peer", 0)
    assert server.logins_refused == 2 == run.stats.login_failures
    logged = [r.getMessage() for r in caplog.get_records("setup")]  # the run is a fixture
    assert sum(f"login as '{USER}' refused (Authentication failed)" in m for m in logged) == 2
    assert run.stats.connect_failures >= 1  # while the server was down
    assert run.stats.reconnects == n - 1 and run.stats.dropped == 0

    # (c) calls in flight at a cut were there; everything equals the uninterrupted run
    assert len(overlapping(lifetimes(reference.app), windows(server.gaps))) >= 10
    assert domain_events(run.app) == domain_events(reference.app)
    assert boards(run.app) == boards(reference.app)


def test_with_frames_skipped_in_the_gaps_calls_clear_of_them_equal_and_the_rest_resync(
    reference: FeedRun, tmp_path: Path,
) -> None:
    cuts = seeded_cuts(28, 6, skip=(20, 150))
    run = run_feed(f"sqlite:///{tmp_path / 'callboard.db'}", faulty_server(cuts))
    try:
        gaps = run.server.gaps
        feeds = stored_feeds(run.app)
        assert len(gaps) == 6 and len(feeds) == 7 and all(g.skipped > 0 for g in gaps)
        for index, feed in enumerate(feeds):  # (a) still holds
            assert feed.whole == run.server.sent_frames(index)
            assert feed.truncated == ([gaps[index].partial] if index < 6 else [])
        skipped = {i for g in gaps for i in range(g.frame, g.resume_frame)}
        every = [frame for index in range(7) for _, frame in run.server.streamed(index)]
        assert every == [i for i in range(len(CAPTURE.frames)) if i not in skipped]
        for (last, resumed), feed in zip(windows(gaps), feeds[1:], strict=True):
            assert feed.resumed.gap_s == resumed - last > 0  # (b) as long as in PBX time

        # (c) calls clear of every gap are the same, figures restricted to them too
        calls = lifetimes(reference.app)
        touched = overlapping(calls, windows(gaps)) | (set(lifetimes(run.app)) - set(calls))
        clear = set(calls) - touched
        assert len(clear) >= 12 and len(touched) >= 12
        before, after = stats_of(reference.app), stats_of(run.app)
        mine, theirs = visits_by_call(after), visits_by_call(before)
        assert {c: mine.get(c) for c in clear} == {c: theirs.get(c) for c in clear}
        for queue in before.queues_seen:
            def clear_visits(stats: StatsProjection, q: str = queue) -> list[Visit]:
                return [v for c in clear for v in stats._calls.get(c, []) if v.queue == q]
            assert queue_figures(clear_visits(after), 20, 0) == queue_figures(
                clear_visits(before), 20, 0), queue

        # calls whose end happened in a gap are closed by the resync, none abandoned
        ended_unseen = set()
        for i in skipped:
            frame = CAPTURE.frames[i]
            if frame.startswith(b"Event: Hangup\r\n"):
                headers = parse_frame(frame).headers
                if headers["Uniqueid"] == headers["Linkedid"]:
                    ended_unseen.add(call_id(headers["Linkedid"]))
        assert len(ended_unseen) >= 2
        ends = {e.originator_id: type(e).__qualname__ for e in read_events(
            run.app, [f"domain.telephony.call:{t}" for t in CALL_ENDS])}
        assert {c: ends.get(c) for c in ended_unseen} == dict.fromkeys(
            ended_unseen, "Call.ClosedByResync")
        for c in ended_unseen:
            assert all(v[2] in ("answered", "closed-by-resync", "timeout")
                       for v in mine.get(c, []))
        abandoned_before = {c for c, vs in theirs.items() if any(v[2] == "abandoned"
                                                                   for v in vs)}
        assert {c for c, vs in mine.items() if any(v[2] == "abandoned" for v in vs)
                } <= abandoned_before
        totals, truth = after.figures()["totals_inbound"], before.figures()["totals_inbound"]
        assert totals["left_unanswered_in_feed_gap"] == sum(
            v[2] == "closed-by-resync" for vs in mine.values() for v in vs)
        assert totals["abandoned"] <= truth["abandoned"]
    finally:
        run.app.close()


# -- what the resync got wrong once (domain/telephony/handlers.py) ---------------------------

def call_events(app: CallCenter, linkedid: str) -> list[str]:
    return [type(e).__qualname__ for e in read_events(app)
            if getattr(e, "originator_id", None) == call_id(linkedid)]


def test_a_call_whose_caller_hung_up_in_a_gap_is_closed_even_if_its_agent_leg_lives(
    tmp_path: Path,
) -> None:
    # 1795425583.62: the caller's channel hangs up at frame 3431, the agent's at 3445; the
    # gap skips the first only, so the resync at 3432 still lists the agent's channel
    run = run_feed(f"sqlite:///{tmp_path / 'callboard.db'}",
                   faulty_server([Cut(frame=3431, keep=10, skip=1)]))
    try:
        assert run.server.gaps[0].resume_frame == 3432
        assert call_events(run.app, "1795425583.62")[-1] == "Call.ClosedByResync"
    finally:
        run.app.close()


def test_a_call_closed_by_resync_never_gets_a_negative_talk_time(tmp_path: Path) -> None:
    # Dave (1004) answers 1795425615.90 at frame 3680 (LastCall then: his previous call,
    # ...631), a resync at 3700 remembers that LastCall, he leaves the queue at 3817 while
    # on the call, and the call's end (frames 4057-4075) falls in a gap skipped at 4050
    run = run_feed(f"sqlite:///{tmp_path / 'callboard.db'}", faulty_server(
        [Cut(frame=3700, keep=10), Cut(frame=4050, keep=10, skip=30)]))
    try:
        assert call_events(run.app, "1795425615.90")[-1] == "Call.ClosedByResync"
        (visit,) = stats_of(run.app)._calls[call_id("1795425615.90")]
        assert visit.talk_s is not None and visit.talk_s >= 0, visit.talk_s
    finally:
        run.app.close()


# -- AmiFeedClient: what the kernel received before a cut is read before closing ------------

class SlowSplitter(FrameSplitter):
    """A reader that falls behind (a busy host): each read takes 50 ms to split."""

    def feed(self, data: bytes) -> list[bytes]:
        time.sleep(0.05)
        return super().feed(data)


def test_frames_already_received_survive_a_ping_that_fails_on_the_reset_connection(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Bug fixed in ``AmiFeedClient._watch``: a Ping failing on the reset socket closed the
    connection at once, stopping the reader before the frames already in the kernel (here
    ~170 of 300): they were lost, and the frame being read was kept as truncated."""
    monkeypatch.setattr(ami_connection, "FrameSplitter", SlowSplitter)
    frames = [build_frame(("Event", "Bulk"), ("Timestamp", f"{100 + i}.0"), ("Data", "x" * 1000))
              for i in range(300)]  # ~300 KB: several reads
    capture = tmp_path / "bulk.ami"
    capture.write_bytes(DEFAULT_BANNER + b"".join(frames))
    items: queue.Queue[FeedItem] = queue.Queue()
    server = FaultyAmiServer([capture], username=USER, secret=SECRET, keep_transcript=True,
                             cuts=[Cut(frame=299, keep=10, reset=True)])
    with server:
        client = AmiFeedClient("127.0.0.1", server.port, USER, SECRET, items,
                               ping_interval=0.02, ping_timeout=3.0, backoff_initial=0.5,
                               backoff_max=0.5)
        client.start()
        try:
            got: list[FeedItem] = []
            deadline = time.monotonic() + 10
            while not any(isinstance(i, ConnectionClosed) for i in got):
                assert time.monotonic() < deadline, "the connection did not end"
                with contextlib.suppress(queue.Empty):
                    got.append(items.get(timeout=0.05))
        finally:
            client.stop()
    closed = got[-1]
    assert isinstance(closed, ConnectionClosed)
    received = [i.raw for i in got if isinstance(i, ReceivedFrame)]
    assert received == server.sent_frames(0)  # every frame sent before the reset
    assert received[-1] == frames[298] and closed.pending == frames[299][:10]
    # the reader's account (a Ping may have taken the reset error first: then end of file)
    assert closed.reason in (RESET, "closed by peer")
