"""AmiFeedClient (the real asterisk-ami client) against ReplayAmiServer over real sockets."""

from __future__ import annotations

import contextlib
import queue
import socket
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from adapters.ami.client import AmiFeedClient
from adapters.ami.feed_items import ConnectionClosed, ConnectionOpened, FeedItem, ReceivedFrame
from adapters.ami.frames import parse_buffer, parse_frame
from adapters.replay.server import DEFAULT_BANNER, ReplayAmiServer, build_frame

FIXTURES = Path(__file__).parents[1] / "fixtures"
SUPERVISION = FIXTURES / "supervision" / "supervision.ami"
LOGIN_OK = b"Response: Success\r\nActionID: rec-login\r\nMessage: Authentication accepted\r\n\r\n"
USER, SECRET = "callboard", "s3cret"
Predicate = Callable[[list[FeedItem]], bool]


def write_capture(path: Path, *frames: bytes, tail: bytes = b"") -> Path:
    path.write_bytes(DEFAULT_BANNER + LOGIN_OK + b"".join(frames) + tail)
    return path


def event(name: str, stamp: float) -> bytes:
    return build_frame(("Event", name), ("Privilege", "call,all"), ("Timestamp", f"{stamp:.6f}"))


def capture_body(path: Path) -> bytes:
    frames, rest = parse_buffer(path.read_bytes(), at_start=True)
    return b"".join(frames[2:]) + rest


class Feed:
    """Collects what an AmiFeedClient puts on its queue; waits by polling, never sleeping."""

    def __init__(self) -> None:
        self.out: queue.Queue[FeedItem] = queue.Queue()
        self.items: list[FeedItem] = []

    def until(self, predicate: Predicate, timeout: float = 10.0) -> list[FeedItem]:
        deadline = time.monotonic() + timeout
        while not predicate(self.items):
            remaining = deadline - time.monotonic()
            assert remaining > 0, f"timed out after {len(self.items)} items: {self.items[-3:]}"
            with contextlib.suppress(queue.Empty):
                self.items.append(self.out.get(timeout=min(remaining, 0.05)))
        return self.items

    def drain(self) -> list[FeedItem]:
        while not self.out.empty():
            self.items.append(self.out.get_nowait())
        return self.items

    def frames(self, connection_id: str) -> list[ReceivedFrame]:
        return [i for i in self.items
                if isinstance(i, ReceivedFrame) and i.connection_id == connection_id]

    def of_type(self, kind: type[FeedItem]) -> list[FeedItem]:
        return [i for i in self.items if isinstance(i, kind)]


def count(kind: type[FeedItem], n: int) -> Predicate:
    return lambda items: sum(isinstance(i, kind) for i in items) >= n


def received(raw: bytes) -> Predicate:
    return lambda items: bool(items) and isinstance(items[-1], ReceivedFrame) and (
        items[-1].raw == raw)


def wait_for(check: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.01)


def streamed_bytes(frames: list[ReceivedFrame], server: ReplayAmiServer) -> bytes:
    """The frames after banner and login, without the server's answers to our actions."""
    ours = {a.action_id for a in server.actions_received}
    return b"".join(f.raw for f in frames[2:]
                    if parse_frame(f.raw).headers.get("ActionID") not in ours)


@pytest.fixture
def feed() -> Feed:
    return Feed()


@pytest.fixture
def clients() -> Iterator[list[AmiFeedClient]]:
    started: list[AmiFeedClient] = []
    yield started
    for client in started:
        client.stop()


def start_client(
    clients: list[AmiFeedClient], feed: Feed, port: int, secret: str = SECRET, *,
    ping_interval: float = 0.05, connect_timeout: float = 5.0, backoff_max: float = 0.1,
) -> AmiFeedClient:
    client = AmiFeedClient(
        "127.0.0.1", port, USER, secret, feed.out, ping_interval=ping_interval,
        connect_timeout=connect_timeout, backoff_initial=0.02, backoff_max=backoff_max,
    )
    clients.append(client)
    client.start()
    return client


def test_a_whole_capture_arrives_verbatim_between_connection_opened_and_closed(
    feed: Feed, clients: list[AmiFeedClient],
) -> None:
    expected = capture_body(SUPERVISION)
    last_frame = parse_buffer(SUPERVISION.read_bytes())[0][-1]
    with ReplayAmiServer([SUPERVISION], username=USER, secret=SECRET,
                         keep_transcript=True) as server:
        client = start_client(clients, feed, server.port, ping_interval=0.2)
        feed.until(received(last_frame))
        client.stop()
        items = feed.drain()
        assert server.wait_finished(5, 0)
        sent = server.transcript(0)
    opened, closed = items[0], items[-1]
    assert isinstance(opened, ConnectionOpened) and opened.peer == f"127.0.0.1:{server.port}"
    assert isinstance(closed, ConnectionClosed) and closed.reason == "stopped"
    assert closed.connection_id == opened.connection_id and closed.pending == b""
    frames = feed.frames(opened.connection_id)
    assert len(frames) == len(items) - 2
    assert [f.seq for f in frames] == list(range(1, len(frames) + 1))
    assert frames[0].raw == DEFAULT_BANNER
    assert frames[1].raw == (
        b"Response: Success\r\nActionID: login-1\r\nMessage: Authentication accepted\r\n\r\n")
    assert b"".join(f.raw for f in frames) == sent  # every byte the server sent, in order
    assert streamed_bytes(frames, server) == expected
    assert b"Response: Goodbye\r\n" in frames[-1].raw  # stop() logged off first
    assert all(f.received_at is not None and f.received_at > 1e9 for f in frames)
    assert client.stats.frames_received == len(frames) and not client.connected


def test_resync_actions_are_sent_after_login(feed: Feed, clients: list[AmiFeedClient]) -> None:
    with ReplayAmiServer([SUPERVISION], username=USER, secret=SECRET, speed=1.0) as server:
        start_client(clients, feed, server.port, ping_interval=5.0)
        wait_for(lambda: len(server.actions_received) >= 4)
        actions = [(a.name, a.action_id) for a in server.actions_received[:4]]
        assert actions == [
            ("Login", "login-1"), ("QueueStatus", "resync-1-QueueStatus"),
            ("QueueSummary", "resync-1-QueueSummary"),
            ("CoreShowChannels", "resync-1-CoreShowChannels"),
        ]
        assert server.actions_received[0].headers["Events"] == "on"
        feed.until(lambda items: any(b"ActionID: resync-1-CoreShowChannels" in i.raw
                                     for i in items[-1:] if isinstance(i, ReceivedFrame)))


def test_the_watchdog_pings_and_the_pong_arrives_as_a_frame(
    feed: Feed, clients: list[AmiFeedClient],
) -> None:
    with ReplayAmiServer([SUPERVISION], username=USER, secret=SECRET, speed=1.0) as server:
        start_client(clients, feed, server.port)
        wait_for(lambda: any(a.name == "Ping" for a in server.actions_received))
        feed.until(lambda items: any(b"ActionID: ping-1-1\r\nPing: Pong" in i.raw
                                     for i in items[-1:] if isinstance(i, ReceivedFrame)))


def test_a_wrong_secret_is_logged_and_retried_without_raising(
    feed: Feed, clients: list[AmiFeedClient], caplog: pytest.LogCaptureFixture,
) -> None:
    with ReplayAmiServer([SUPERVISION], username=USER, secret=SECRET) as server:
        client = start_client(clients, feed, server.port, secret="wrong")
        feed.until(count(ConnectionClosed, 2))
        assert not client.connected and client.stats.login_failures >= 2
        client.stop()
    closed = feed.of_type(ConnectionClosed)
    assert all(isinstance(c, ConnectionClosed) and "Authentication failed" in c.reason
               for c in closed[:2])
    first = feed.frames(closed[0].connection_id)
    assert [f.raw for f in first] == [
        DEFAULT_BANNER,
        b"Response: Error\r\nActionID: login-1\r\nMessage: Authentication failed\r\n\r\n",
    ]
    assert "login as 'callboard' refused (Authentication failed)" in caplog.text


def test_the_watchdog_reconnects_after_the_server_drops_the_connection(
    tmp_path: Path, feed: Feed, clients: list[AmiFeedClient],
) -> None:
    capture = write_capture(tmp_path / "one.ami", event("Before", 1.0), event("Drop", 2.0))
    with ReplayAmiServer([capture], username=USER, secret=SECRET) as server:
        client = start_client(clients, feed, server.port)
        feed.until(received(event("Drop", 2.0)))
        server.drop_connections()
        feed.until(count(ConnectionOpened, 2))
        wait_for(lambda: client.connected)
        wait_for(lambda: "resync-2-CoreShowChannels" in
                 {a.action_id for a in server.actions_received})
        assert client.stats.reconnects == 1
    first, closed, second = (feed.of_type(ConnectionOpened)[0], feed.of_type(ConnectionClosed)[0],
                             feed.of_type(ConnectionOpened)[1])
    assert first.connection_id == closed.connection_id != second.connection_id
    assert feed.items.index(closed) + 1 == feed.items.index(second)
    assert isinstance(closed, ConnectionClosed) and closed.reason != "stopped"
    assert streamed_bytes(feed.frames(first.connection_id), server) == capture_body(capture)


def test_each_capture_file_is_a_connection_and_a_cut_frame_is_kept_as_pending(
    tmp_path: Path, feed: Feed, clients: list[AmiFeedClient],
) -> None:
    seg1 = write_capture(tmp_path / "seg1.ami", event("One", 1.0), tail=b"Event: Cu")
    seg2 = write_capture(tmp_path / "seg2.ami", event("Two", 2.0), event("Three", 3.0))
    with ReplayAmiServer([seg1, seg2], username=USER, secret=SECRET, close_after=True) as server:
        client = start_client(clients, feed, server.port)
        feed.until(count(ConnectionOpened, 3))
        wait_for(lambda: client.connected)
    opened = feed.of_type(ConnectionOpened)
    closed = [c for c in feed.of_type(ConnectionClosed) if isinstance(c, ConnectionClosed)]
    assert [c.connection_id for c in closed[:2]] == [o.connection_id for o in opened[:2]]
    assert closed[0].pending == b"Event: Cu" and closed[1].pending == b""
    assert streamed_bytes(feed.frames(opened[0].connection_id), server) == event("One", 1.0)
    assert streamed_bytes(feed.frames(opened[1].connection_id), server) == capture_body(seg2)
    assert len({o.connection_id for o in opened}) == 3


def test_a_closed_port_is_retried_without_raising_and_stop_returns_promptly(
    feed: Feed, clients: list[AmiFeedClient],
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = start_client(clients, feed, port, backoff_max=10.0)
    wait_for(lambda: client.stats.connect_failures >= 3)
    started = time.monotonic()
    client.stop()
    assert time.monotonic() - started < 1.0
    assert feed.drain() == [] and not client.connected


def test_silence_longer_than_the_connect_timeout_does_not_kill_the_reader(
    tmp_path: Path, feed: Feed, clients: list[AmiFeedClient],
) -> None:
    capture = write_capture(tmp_path / "quiet.ami", event("Quiet", 1.0))
    with ReplayAmiServer([capture], username=USER, secret=SECRET) as server:
        client = start_client(clients, feed, server.port, connect_timeout=0.2,
                              ping_interval=30.0)
        wait_for(lambda: client.connected)
        connection = client.connection_id
        time.sleep(0.6)  # setup: three read timeouts' worth of silence
        assert client.send_action("Ping", {}).headers["Ping"] == "Pong"
        assert client.connection_id == connection and client.stats.connections == 1


class QueueStatusServer(ReplayAmiServer):
    """Answers QueueStatus with a small EventList, as Asterisk does."""

    def respond(self, action_headers: dict[str, str]) -> list[bytes]:
        if action_headers.get("Action") != "QueueStatus":
            return super().respond(action_headers)
        aid = ("ActionID", action_headers["ActionID"])
        return [
            build_frame(("Response", "Success"), aid, ("EventList", "start"),
                        ("Message", "Queue status will follow")),
            build_frame(("Event", "QueueParams"), ("Queue", "sales"), aid),
            build_frame(("Event", "QueueMember"), ("Queue", "sales"),
                        ("Name", "Alice Martin"), aid),
            build_frame(("Event", "QueueStatusComplete"), aid, ("EventList", "Complete"),
                        ("ListItems", "2")),
        ]


def test_send_action_collects_an_event_list_until_its_complete_event(
    feed: Feed, clients: list[AmiFeedClient],
) -> None:
    with QueueStatusServer([SUPERVISION], username=USER, secret=SECRET) as server:
        client = start_client(clients, feed, server.port)
        wait_for(lambda: client.connected)
        result = client.send_action("QueueStatus", {"Queue": "sales"}, timeout=5.0)
        assert result.ok and result.headers["EventList"] == "start"
        assert [(m.event, m.get("Queue")) for m in result.items] == [
            ("QueueParams", "sales"), ("QueueMember", "sales")]
        assert result.complete is not None and result.complete.get("ListItems") == "2"
        sent = [a for a in server.actions_received if a.action_id == result.action_id]
        assert [(a.name, a.headers["Queue"]) for a in sent] == [("QueueStatus", "sales")]
        simple = client.send_action("QueuePause", {"Interface": "Local/1001@agents/n"})
        assert simple.ok and simple.items == () and simple.complete is None


def test_send_action_without_a_connection_raises_connection_error(feed: Feed) -> None:
    client = AmiFeedClient("127.0.0.1", 1, USER, SECRET, feed.out)
    with pytest.raises(ConnectionError):
        client.send_action("Ping", {})
    client.stop()
