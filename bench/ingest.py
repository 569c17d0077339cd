"""Ingest throughput against the raw insert rate of the same store, in one run.

    python -m bench.ingest [--frames N] [--runs N] [--stores sqlite,postgres]
                           [--postgres-url URL]

For each store: time ``Ingestor(open_app(url)).ingest(capture_items([workload]))`` end to
end (wall clock and this process's CPU time: ingestion runs on one thread, so CPU close to
wall means one busy core), and insert the same frames one row per frame with the plain
driver (``executemany``, transactions of 1,000 rows) into a ``raw_frames`` table: a SQLite
file of its own (WAL, as eventsourcing's) / the same PostgreSQL schema.

Both sides are measured ``--runs`` times, alternating (ingest then raw, then raw then
ingest, ...), each run into a fresh store, after a garbage collection; the best run of
each side is compared (best of N is the usual estimate of what the code costs on a shared,
noisy machine: noise only ever adds time). Every run's time is in the JSON. Prints a
table, PASS/FAIL against the targets and one JSON line with every figure. Exits 0 even when
a target is missed: it is a benchmark.
"""

from __future__ import annotations

import argparse
import gc
import json
import logging
import os
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

import psycopg
from psycopg import sql
from psycopg.rows import TupleRow

from adapters.ami.capture import capture_items
from adapters.ami.frames import parse_buffer
from adapters.ingest.ingestor import Ingestor, IngestReport
from adapters.store.application import open_app
from bench.workload import DEFAULT_FRAMES, write_workload

__all__ = ["StoreResult", "main", "measure_ingest", "run_postgres", "run_sqlite"]

SQLITE_MIN_FPS = 20_000.0
MIN_RATIO = 0.30
RAW_TXN_ROWS = 1_000
DEFAULT_RUNS = 5
DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"

Row = tuple[int, float, bytes]


@dataclass
class StoreResult:
    store: str
    frames: int = 0
    ingest_s: float = 0.0  # best run
    ingest_cpu_s: float = 0.0  # of the best run
    ingest_fps: float = 0.0
    raw_s: float = 0.0  # best run
    raw_fps: float = 0.0
    ratio: float = 0.0
    events_stored: int = 0
    batches: int = 0
    frames_stored: int = 0
    translation_errors: int = 0
    store_bytes: int | None = None  # the event store after ingest
    raw_table_bytes: int | None = None
    fps_target: float | None = None
    passed: bool = False
    skipped: str | None = None
    ingest_runs_s: list[float] = field(default_factory=list)
    ingest_runs_cpu_s: list[float] = field(default_factory=list)
    raw_runs_s: list[float] = field(default_factory=list)

    def add_ingest(self, wall: float, cpu: float) -> None:
        self.ingest_runs_s.append(wall)
        self.ingest_runs_cpu_s.append(cpu)
        if len(self.ingest_runs_s) == 1 or wall < self.ingest_s:
            self.ingest_s, self.ingest_cpu_s = wall, cpu

    def add_raw(self, wall: float) -> None:
        self.raw_runs_s.append(wall)
        self.raw_s = min(self.raw_runs_s)

    def judge(self) -> None:
        self.ingest_fps = self.frames / self.ingest_s if self.ingest_s else 0.0
        self.raw_fps = self.frames / self.raw_s if self.raw_s else 0.0
        self.ratio = self.ingest_fps / self.raw_fps if self.raw_fps else 0.0
        fast_enough = self.fps_target is None or self.ingest_fps >= self.fps_target
        self.passed = fast_enough and self.ratio >= MIN_RATIO


def measure_ingest(url: str, workload: Path, result: StoreResult) -> None:
    """End-to-end ingest of the workload capture into the (fresh) store at ``url``."""
    app = open_app(url)
    try:
        gc.collect()
        wall, cpu = time.perf_counter(), time.process_time()
        report: IngestReport = Ingestor(app).ingest(capture_items([workload]))
        result.add_ingest(time.perf_counter() - wall, time.process_time() - cpu)
    finally:
        app.close()
    result.events_stored = report.events_stored
    result.batches = report.batches
    result.frames_stored = report.frames_stored
    result.translation_errors = report.translation_errors


def _chunks(frames: list[bytes]) -> Iterator[list[Row]]:
    """Rows of 1,000 frames, stamped with a receive time as a live feed writer would."""
    for start in range(0, len(frames), RAW_TXN_ROWS):
        now = time.time()
        yield [(start + i + 1, now, raw)
               for i, raw in enumerate(frames[start:start + RAW_TXN_ROWS])]


def _sqlite_raw_insert(db: Path, frames: list[bytes]) -> float:
    conn = sqlite3.connect(db, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode=WAL")  # as eventsourcing's SQLite recorder
        conn.execute("CREATE TABLE raw_frames (seq INTEGER PRIMARY KEY, received_at REAL, "
                     "raw BLOB)")
        gc.collect()
        started = time.perf_counter()
        for rows in _chunks(frames):
            conn.execute("BEGIN")
            conn.executemany("INSERT INTO raw_frames VALUES (?, ?, ?)", rows)
            conn.execute("COMMIT")
        return time.perf_counter() - started
    finally:
        conn.close()


def _file_bytes(db: Path) -> int:
    return sum(p.stat().st_size for p in (db, Path(f"{db}-wal")) if p.exists())


def _remove_db(db: Path) -> None:
    for path in (db, Path(f"{db}-wal"), Path(f"{db}-shm")):
        path.unlink(missing_ok=True)


def run_sqlite(workload: Path, frames: list[bytes], workdir: Path,
               runs: int = DEFAULT_RUNS) -> StoreResult:
    result = StoreResult("sqlite", frames=len(frames), fps_target=SQLITE_MIN_FPS)
    for run in range(runs):
        db, raw_db = workdir / f"bench-{run}.db", workdir / f"raw-{run}.db"

        def ingest(db: Path = db) -> None:
            measure_ingest(f"sqlite:///{db}", workload, result)
            result.store_bytes = _file_bytes(db)

        def raw(raw_db: Path = raw_db) -> None:
            result.add_raw(_sqlite_raw_insert(raw_db, frames))
            result.raw_table_bytes = _file_bytes(raw_db)

        for step in (ingest, raw) if run % 2 == 0 else (raw, ingest):
            step()
        _remove_db(db)
        _remove_db(raw_db)
    result.judge()
    return result


def _schema_bytes(conn: psycopg.Connection[TupleRow], schema: str) -> dict[str, int]:
    rows = conn.execute(
        "SELECT c.relname, pg_total_relation_size(c.oid) FROM pg_class c "
        "JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = %s AND c.relkind = 'r'", (schema,)).fetchall()
    return {str(name): int(size) for name, size in rows}


def _postgres_raw_insert(url: str, schema: str, frames: list[bytes]) -> float:
    table = sql.Identifier(schema, "raw_frames")
    with psycopg.connect(url) as conn:
        conn.execute(sql.SQL("CREATE TABLE {} (seq INTEGER PRIMARY KEY, received_at "
                             "DOUBLE PRECISION, raw BYTEA)").format(table))
        conn.commit()
        insert = sql.SQL("INSERT INTO {} VALUES (%s, %s, %s)").format(table)
        gc.collect()
        started = time.perf_counter()
        with conn.cursor() as cur:
            for rows in _chunks(frames):
                cur.executemany(insert, rows)
                conn.commit()
        return time.perf_counter() - started


def run_postgres(workload: Path, frames: list[bytes], url: str,
                 runs: int = DEFAULT_RUNS) -> StoreResult:
    result = StoreResult("postgres", frames=len(frames))
    try:
        admin = psycopg.connect(url, autocommit=True, connect_timeout=3)
    except psycopg.Error as error:
        result.skipped = " ".join(f"PostgreSQL unreachable at {url}: {error}".split())
        return result
    separator = "&" if "?" in url else "?"
    with admin:
        for run in range(runs):
            schema = f"callboard_bench_{os.getpid()}_{int(time.time())}_{run}"

            def ingest(schema: str = schema) -> None:
                measure_ingest(f"{url}{separator}schema={schema}", workload, result)
                sizes = _schema_bytes(admin, schema)
                result.store_bytes = sum(v for k, v in sizes.items() if k != "raw_frames")

            def raw(schema: str = schema) -> None:
                result.add_raw(_postgres_raw_insert(url, schema, frames))
                result.raw_table_bytes = _schema_bytes(admin, schema).get("raw_frames")

            admin.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
            try:
                for step in (ingest, raw) if run % 2 == 0 else (raw, ingest):
                    step()
            finally:
                admin.execute(
                    sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))
    result.judge()
    return result


# -- reporting -------------------------------------------------------------------------
def _mb(value: int | None) -> str:
    return "-" if value is None else f"{value / 1e6:.1f} MB"


def print_results(results: list[StoreResult], workload_bytes: int) -> None:
    header = (f"{'store':<9} {'frames':>8} {'ingest s':>9} {'cpu s':>7} {'ingest f/s':>11} "
              f"{'raw f/s':>9} {'ratio':>6} {'events':>8} {'batches':>8} {'store size':>11} "
              f"{'raw size':>9}  verdict")
    print(header)
    print("-" * len(header))
    for r in results:
        if r.skipped:
            print(f"{r.store:<9} SKIPPED: {r.skipped}")
            continue
        print(f"{r.store:<9} {r.frames:>8} {r.ingest_s:>9.2f} {r.ingest_cpu_s:>7.2f} "
              f"{r.ingest_fps:>11,.0f} {r.raw_fps:>9,.0f} {r.ratio:>6.2f} "
              f"{r.events_stored:>8} {r.batches:>8} {_mb(r.store_bytes):>11} "
              f"{_mb(r.raw_table_bytes):>9}  {'PASS' if r.passed else 'FAIL'}")
    print()
    for r in results:
        if r.skipped:
            continue
        print(f"  {r.store} runs, frames/s: ingest "
              f"{', '.join(f'{r.frames / s:,.0f}' for s in r.ingest_runs_s)}; raw "
              f"{', '.join(f'{r.frames / s:,.0f}' for s in r.raw_runs_s)} (best of each compared)")
    print()
    for r in results:
        if r.skipped:
            continue
        checks: list[tuple[str, bool]] = []
        if r.fps_target is not None:
            checks.append((f"{r.store} end to end {r.ingest_fps:,.0f} frames/s "
                           f">= {r.fps_target:,.0f}", r.ingest_fps >= r.fps_target))
        checks.append((f"{r.store} ingest/raw ratio {r.ratio:.2f} >= {MIN_RATIO:.2f}",
                       r.ratio >= MIN_RATIO))
        for text, ok in checks:
            print(f"  {'PASS' if ok else 'FAIL'}  {text}")
        print(f"        {r.store}: CPU {r.ingest_cpu_s:.2f} s over {r.ingest_s:.2f} s wall "
              f"({r.ingest_cpu_s / r.ingest_s:.0%} of one core, single-threaded); "
              f"{r.frames_stored} frames stored, {r.translation_errors} translation errors")
    print()
    print(json.dumps({"bench": "ingest", "workload_bytes": workload_bytes,
                      "targets": {"sqlite_min_fps": SQLITE_MIN_FPS, "min_ratio": MIN_RATIO},
                      "results": [asdict(r) for r in results]}, sort_keys=True))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.ingest", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--frames", type=int, default=DEFAULT_FRAMES,
                        help="minimum AMI frames in the workload (default %(default)s)")
    parser.add_argument("--stores", default="sqlite,postgres",
                        help="comma-separated: sqlite, postgres (default %(default)s)")
    parser.add_argument("--runs", type=int, default=DEFAULT_RUNS,
                        help="runs of each side per store, best compared (default %(default)s)")
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES_URL)
    parser.add_argument("--verbose", action="store_true",
                        help="show ingest warnings (refused frames) as they happen")
    args = parser.parse_args(argv)
    stores = [s.strip() for s in args.stores.split(",") if s.strip()]
    unknown = set(stores) - {"sqlite", "postgres"}
    if unknown:
        parser.error(f"unknown store(s): {', '.join(sorted(unknown))}")
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    if not args.verbose:
        logging.getLogger("callboard.ingest").setLevel(logging.ERROR)

    with tempfile.TemporaryDirectory(prefix="callboard-bench-") as tmp:
        workdir = Path(tmp)
        started = time.perf_counter()
        workload, count = write_workload(workdir / "workload.ami", args.frames)
        data = workload.read_bytes()
        frames, rest = parse_buffer(data, at_start=True)
        assert len(frames) == count and not rest, "workload does not split cleanly"
        print(f"workload: {count} AMI frames, {len(data) / 1e6:.1f} MB, built in "
              f"{time.perf_counter() - started:.2f} s; python {sys.version.split()[0]}")
        runners: dict[str, Callable[[], StoreResult]] = {
            "sqlite": lambda: run_sqlite(workload, frames, workdir, args.runs),
            "postgres": lambda: run_postgres(workload, frames, args.postgres_url, args.runs),
        }
        results: list[StoreResult] = []
        for store in stores:
            print(f"running {store} ({args.runs} runs of each side) ...", flush=True)
            results.append(runners[store]())
        print()
        print_results(results, len(data))
    return 0


if __name__ == "__main__":
    sys.exit(main())
