"""Killing ``callboard ingest`` with SIGKILL at random points while it ingests a large
capture, and restarting it each time, ends with the same feed, domain and figures as an
uninterrupted run: a batch's frames, the feed's high-water mark and the domain events the
frames imply are one transaction, and a restart skips exactly the frames already stored."""

from __future__ import annotations

import logging
import os
import random
import signal
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from adapters.ami.capture import capture_items
from adapters.ami.feed_items import FeedItem, ReceivedFrames
from adapters.ingest.ingestor import Ingestor
from adapters.store.application import CallCenter, open_app, read_events
from adapters.store.audit import verify
from adapters.store.event_log import CHUNK_TOPIC
from api.cli.main import main, stats_figures
from bench.workload import build_workload, count_frames
from tests.conftest import SCENARIOS

ROOT = Path(__file__).parent.parent.parent
KILLS = 10
FRAMES = 150_000  # whole copies of the scenarios: 152,849 frames, 153 batches of 1,000

Frame = tuple[int, Any, str, str]  # seq, received_at, raw (latin-1 text), status
Feed = dict[str, list[Frame]]  # by connection id, in chunk order
Domain = dict[Any, list[tuple[str, dict[str, Any]]]]  # by aggregate id, in version order


def feed_and_domain(app: CallCenter) -> tuple[Feed, Domain]:
    """Every stored frame per connection in chunk order; every other aggregate's events
    (the ``Feed``'s high-water marks included; type and state without the wall-clock
    ``timestamp``) in version order."""
    feed: Feed = defaultdict(list)
    domain: Domain = defaultdict(list)
    for event in read_events(app):
        kind = type(event)
        if kind.__module__ == "domain.telephony.feed" and kind.__qualname__ == "FeedChunk.Recorded":
            feed[event.connection_id].extend(
                (frame[0], frame[1], frame[2], frame[3]) for frame in event.frames)
            continue
        if kind.__module__ == "domain.audit":  # seals of stored bytes: checked by verify()
            continue
        state = {k: v for k, v in vars(event).items() if k != "timestamp"}
        domain[event.originator_id].append((kind.__qualname__, state))
    return dict(feed), dict(domain)


def read_store(store: str) -> tuple[Feed, Domain]:
    app = open_app(store)
    try:
        return feed_and_domain(app)
    finally:
        app.close()


def assert_same(feed: Feed, domain: Domain, ref_feed: Feed, ref_domain: Domain) -> None:
    assert feed.keys() == ref_feed.keys()
    for connection, ref_frames in ref_feed.items():
        got = feed[connection]
        seqs = [frame[0] for frame in got]
        assert seqs == list(range(1, len(ref_frames) + 1)), "a frame missing or stored twice"
        assert got == ref_frames, connection
    assert domain.keys() == ref_domain.keys()
    for aggregate_id, ref_events in ref_domain.items():
        assert domain[aggregate_id] == ref_events, aggregate_id


def start(store: str, capture: Path, log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as err:
        return subprocess.Popen(
            [sys.executable, "-m", "api.cli.main", "ingest", "--store", store, str(capture)],
            cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
            stdout=subprocess.DEVNULL, stderr=err)


def position(app: CallCenter) -> int:
    return int(app.recorder.max_notification_id() or 0)


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_ingest_killed_at_random_points_ends_as_an_uninterrupted_run(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    store: str = request.getfixturevalue(f"{backend}_store")
    data = build_workload(FRAMES)
    frames = count_frames(data)
    assert 150_000 <= frames <= 250_000
    capture = tmp_path / "busy-hour.ami"
    capture.write_bytes(data)
    del data

    reference = f"sqlite:///{tmp_path / 'reference.db'}"
    assert main(["ingest", "--store", reference, str(capture)]) == 0
    ref_app = open_app(reference)
    head = position(ref_app)
    ref_app.close()

    app = open_app(store)  # makes the tables before any ingest process races for them
    log = tmp_path / "ingest.log"
    rng = random.Random(20261124)
    seen = position(app)
    process: subprocess.Popen[bytes] | None = None
    try:
        for kill in range(KILLS):
            process = start(store, capture, log)
            deadline = time.monotonic() + 60
            # let it store at least one batch more than before, then kill it at a random
            # point of the next ones (a batch takes ~15-30 ms here)
            while position(app) == seen:
                assert process.poll() is None, f"ingest ended by itself:\n{log.read_text()}"
                assert time.monotonic() < deadline, "the ingest process made no progress"
                time.sleep(0.002)
            time.sleep(rng.uniform(0.0, 0.12))
            assert process.poll() is None, f"kill {kill} came after the ingest ended"
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=30)
            seen = position(app)
            assert seen < head, f"kill {kill} did not land mid-ingest"
    finally:
        if process is not None and process.poll() is None:
            process.kill()
            process.wait()
        app.close()

    finish = start(store, capture, log)
    assert finish.wait(timeout=120) == 0, log.read_text()

    feed, domain = read_store(store)
    assert [len(frames_) for frames_ in feed.values()] == [frames]
    assert_same(feed, domain, *read_store(reference))
    assert stats_figures(store) == stats_figures(reference)
    app = open_app(store)
    try:
        audit = verify(app.recorder, app.mapper)  # no seal chain broken by a kill
    finally:
        app.close()
    assert audit.intact, audit.as_dict()


# -- a restart at every batch boundary, deterministically --------------------------------

RESTART = SCENARIOS["restart"]
BATCH = 7


def cut_after(paths: list[Path], n: int) -> Iterator[FeedItem]:
    """The capture items up to the ``n``-th frame: what a process killed right after the
    commit holding that frame has seen (the rest never reached the store)."""
    total = 0
    for item in capture_items(paths):
        if isinstance(item, ReceivedFrames):
            if total + len(item.raws) >= n:
                yield ReceivedFrames(item.connection_id, item.first_seq, item.received_at,
                                     item.raws[: n - total])
                return
            total += len(item.raws)
        yield item


def boundaries_near_state(reference: CallCenter, batch: int) -> list[int]:
    """Commit points (as a count of frames since the start of the feed) around the frames
    whose meaning depends on frames before them: the resync snapshot lists (the
    ``Response`` opening a list, its items, its ``...Complete``) and ``FullyBooted``,
    which has no ``Timestamp`` and is dated by the events around it. Only real commit
    points, read from the chunks of an uninterrupted run with the same batch size: a kill
    lands after a commit, and a capture batch's undated tail is never committed apart
    from the dated frame after it."""
    chunks: list[tuple[int, int, bool]] = []  # (first, last frame of the feed, state?)
    offsets: dict[str, int] = {}  # frames of the connections before each one
    total = 0
    for chunk in read_events(reference, [CHUNK_TOPIC]):
        offset = offsets.setdefault(chunk.connection_id, total)
        first, last = offset + chunk.frames[0][0], offset + chunk.frames[-1][0]
        total = max(total, last)
        chunks.append((first, last, any(
            "\r\nActionID: resync" in text or text.startswith("Event: FullyBooted")
            for _, _, text, _ in chunk.frames)))
    points: set[int] = set()
    for i, (_, _, state) in enumerate(chunks):
        if state:  # the commits from two chunks before it to two after
            points.update(chunks[j][1] for j in range(max(0, i - 2), min(len(chunks), i + 3)))
    return sorted(p for p in points if p > 0)


def first_difference(domain: Domain, ref_domain: Domain) -> str:
    for aggregate_id in sorted(domain.keys() | ref_domain.keys(), key=str):
        got, expected = domain.get(aggregate_id, []), ref_domain.get(aggregate_id, [])
        for version, (event, ref_event) in enumerate(zip(got, expected, strict=False)):
            if event != ref_event:
                return f"{aggregate_id} v{version + 1}: {event} instead of {ref_event}"
        if len(got) != len(expected):
            return f"{aggregate_id}: {len(got)} events instead of {len(expected)}"
    return ""


def ingest(app: CallCenter, items: Iterator[FeedItem]) -> None:
    Ingestor(app, batch_size=BATCH).ingest(items)


Restarts = list[tuple[int, Feed, Domain]]  # (frames stored before the kill, feed, domain)


@pytest.fixture(scope="module")
def restarts() -> tuple[Feed, Domain, Restarts]:
    """The restart scenario ingested in one go, and again killed after each commit near a
    snapshot list or a ``FullyBooted`` then restarted (in this process: what a kill after
    that commit leaves is the store as it was then)."""
    logging.getLogger("callboard.ingest").disabled = True  # the scenario's own rejections
    try:
        reference = open_app("memory://")
        ingest(reference, capture_items(RESTART))
        ref_feed, ref_domain = feed_and_domain(reference)
        points = boundaries_near_state(reference, BATCH)
        reference.close()
        runs: Restarts = []
        for n in points:
            app = open_app("memory://")
            ingest(app, cut_after(RESTART, n))  # killed after the commit of frame n
            ingest(app, capture_items(RESTART))  # restarted, to the end
            runs.append((n, *feed_and_domain(app)))
            app.close()
    finally:
        logging.getLogger("callboard.ingest").disabled = False
    return ref_feed, ref_domain, runs


@pytest.mark.slow
def test_a_restart_at_any_batch_boundary_stores_the_feed_once(
    restarts: tuple[Feed, Domain, Restarts]
) -> None:
    ref_feed, _, runs = restarts
    assert len(runs) >= 10
    for n, feed, _ in runs:
        assert feed == ref_feed, n


@pytest.mark.slow
def test_a_restart_at_any_batch_boundary_ends_with_the_domain_of_an_uninterrupted_run(
    restarts: tuple[Feed, Domain, Restarts]
) -> None:
    _, ref_domain, runs = restarts
    differ = [(n, first_difference(domain, ref_domain))
              for n, _, domain in runs if domain != ref_domain]
    assert differ == []
