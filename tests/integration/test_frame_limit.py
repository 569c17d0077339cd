"""A PBX line that never ends, over a real socket: cut at the frame limit, stored with its
marker, logged as a digest, held in bounded memory, and the frames around it ingested."""

from __future__ import annotations

import logging
import queue
import socket
import threading
import time
import tracemalloc
from collections.abc import Iterator

import pytest

from adapters.ami.client import AmiFeedClient
from adapters.ami.feed_items import ConnectionClosed, FeedItem
from adapters.ami.limits import MAX_FRAME_BYTES
from adapters.ingest.ingestor import Ingestor
from adapters.replay.server import DEFAULT_BANNER, build_frame
from adapters.store.application import open_app, read_events
from domain.telephony.feed import decode_raw

NUMBER = b"7185555713"
FLOOD_BYTES = 20 * 1024 * 1024
CONNECTIONS = 3


def event(name: str) -> bytes:
    return build_frame(("Event", name), ("Privilege", "call,all"), ("Timestamp", "1.0"))


class FloodingPbx:
    """On each connection: the banner, the login answered, a normal event, then 20 MB of
    one line without an end (a customer number over and over). On every second connection
    the frame then ends and another event follows; then the peer closes. After
    ``CONNECTIONS`` connections it stops listening."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.served = 0
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        with self.listener:
            for number in range(1, CONNECTIONS + 1):
                conn, _ = self.listener.accept()
                with conn:
                    self._serve(conn, number)
                self.served = number

    def _serve(self, conn: socket.socket, number: int) -> None:
        conn.sendall(DEFAULT_BANNER)
        login = b""
        while b"\r\n\r\n" not in login:
            login += conn.recv(4096)
        action_id = login.split(b"ActionID: ")[1].split(b"\r\n")[0]
        conn.sendall(b"Response: Success\r\nActionID: " + action_id +
                     b"\r\nMessage: Authentication accepted\r\n\r\n")
        conn.sendall(event(f"Before{number}") + b"Event: Flood\r\nCallerIDNum: ")
        block = NUMBER * 6554  # 64 kB, sent again and again: the server holds no 20 MB
        for _ in range(FLOOD_BYTES // len(block)):
            conn.sendall(block)
        if number % 2 == 0:
            conn.sendall(b"\r\n\r\n" + event(f"After{number}"))
        conn.shutdown(socket.SHUT_WR)  # end of file for the client, after every byte
        conn.settimeout(5.0)
        while conn.recv(65536):  # until the client closes (its pings are not answered)
            pass


@pytest.fixture
def pbx() -> Iterator[FloodingPbx]:
    server = FloodingPbx()
    yield server
    server.listener.close()


def test_a_20_mb_line_that_never_ends_is_cut_stored_with_its_marker_and_kept_out_of_the_log(
    pbx: FloodingPbx, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    items: queue.Queue[FeedItem] = queue.Queue()
    app = open_app("memory://")
    ingestor, stop = Ingestor(app, batch_size=100), threading.Event()
    closed: list[ConnectionClosed] = []
    client = AmiFeedClient("127.0.0.1", pbx.port, "callboard", "s3cret", items,
                           ping_interval=0.2, ping_timeout=30.0, backoff_initial=0.02,
                           backoff_max=0.1)
    tracemalloc.start()
    try:
        relay: queue.Queue[FeedItem] = queue.Queue()
        worker = threading.Thread(target=ingestor.run, args=(relay, stop), daemon=True)
        worker.start()
        client.start()
        deadline = time.monotonic() + 60
        while len(closed) < CONNECTIONS:
            assert time.monotonic() < deadline, f"only {len(closed)} connections closed"
            try:
                item = items.get(timeout=0.1)
            except queue.Empty:
                continue
            relay.put(item)
            if isinstance(item, ConnectionClosed):
                closed.append(item)
        client.stop()
        while not items.empty():
            relay.put(items.get_nowait())
        stop.set()
        worker.join(30)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        client.stop()
        stop.set()
    frames = [frame for e in read_events(app, ["domain.telephony.feed:FeedChunk.Recorded"])
              for frame in e.frames]
    app.close()

    assert peak < 8 * 1024 * 1024, f"{peak} bytes held at the peak"  # 3 x 20 MB went by
    assert len(caplog.text) < 1024 * 1024 and NUMBER.decode() not in caplog.text
    ok = [decode_raw(text) for _, _, text, status in frames if status == "ok"]
    for name in ("Before1", "Before2", "After2", "Before3"):
        assert event(name) in ok, name  # the frames before and after the flood
    cut = [(decode_raw(text), status) for _, _, text, status in frames if status != "ok"]
    assert len(cut) == CONNECTIONS
    for raw, status in cut:
        assert raw.startswith(b"Event: Flood\r\n") and len(raw) == MAX_FRAME_BYTES
        assert status.startswith("truncated: frame of ") and "sha256 " in status
    assert sum("unterminated" in status for _, status in cut) == 2
    assert ingestor.report.frames_cut == CONNECTIONS
