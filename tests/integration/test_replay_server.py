"""ReplayAmiServer over real sockets: raw clients and the stock asterisk-ami client."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from asterisk.ami.client import AMIClient

from adapters.ami_frames import FrameSplitter, parse_buffer, parse_frame
from adapters.replay_server import DEFAULT_BANNER, ReplayAmiServer, build_frame

FIXTURES = Path(__file__).parents[1] / "fixtures"
SUPERVISION = FIXTURES / "supervision" / "supervision.ami"
LOGIN_OK = b"Response: Success\r\nActionID: rec-login\r\nMessage: Authentication accepted\r\n\r\n"
USER, SECRET = "callboard", "s3cret"


def write_capture(path: Path, *frames: bytes, tail: bytes = b"") -> Path:
    path.write_bytes(DEFAULT_BANNER + LOGIN_OK + b"".join(frames) + tail)
    return path


def event(name: str, stamp: float | None = None) -> bytes:
    headers = [("Event", name), ("Privilege", "call,all")]
    if stamp is not None:
        headers.append(("Timestamp", f"{stamp:.6f}"))
    return build_frame(*headers)


class RawClient:
    """A bare socket AMI client: sends actions, reads whole frames."""

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.splitter = FrameSplitter()
        self.frames: list[bytes] = []
        self.eof = False

    def send(self, *headers: tuple[str, str]) -> None:
        self.sock.sendall(build_frame(*headers))

    def login(self, username: str = USER, secret: str = SECRET) -> bytes:
        self.send(("Action", "Login"), ("ActionID", "l1"), ("Username", username),
                  ("Secret", secret))
        return self.read(2)[1]

    def read(self, count: int) -> list[bytes]:
        while len(self.frames) < count and not self.eof:
            self._recv()
        return self.frames[:count]

    def read_until(self, needle: bytes) -> bytes:
        while not any(needle in f for f in self.frames):
            assert not self.eof, f"connection closed before {needle!r}"
            self._recv()
        return next(f for f in self.frames if needle in f)

    def read_to_eof(self) -> list[bytes]:
        while not self.eof:
            self._recv()
        return self.frames

    def _recv(self) -> None:
        data = self.sock.recv(65536)
        self.eof = not data
        self.frames.extend(self.splitter.feed(data))

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def raw_clients() -> Iterator[list[RawClient]]:
    clients: list[RawClient] = []
    yield clients
    for client in clients:
        client.close()


def connect(server: ReplayAmiServer, clients: list[RawClient]) -> RawClient:
    client = RawClient(server.port)
    clients.append(client)
    return client


def capture_body(path: Path) -> bytes:
    frames, rest = parse_buffer(path.read_bytes(), at_start=True)
    return b"".join(frames[2:]) + rest


def test_login_with_the_right_secret_is_accepted_with_the_clients_action_id(
    raw_clients: list[RawClient],
) -> None:
    with ReplayAmiServer([SUPERVISION], username=USER, secret=SECRET) as server:
        client = connect(server, raw_clients)
        assert client.read(1) == [DEFAULT_BANNER]
        response = parse_frame(client.login())
        assert response.headers == {
            "Response": "Success", "ActionID": "l1", "Message": "Authentication accepted",
        }


def test_login_with_a_wrong_secret_is_refused_and_the_connection_closed(
    raw_clients: list[RawClient],
) -> None:
    with ReplayAmiServer([SUPERVISION], username=USER, secret=SECRET) as server:
        client = connect(server, raw_clients)
        client.login(secret="wrong")
        frames = client.read_to_eof()
        assert frames[1] == (
            b"Response: Error\r\nActionID: l1\r\nMessage: Authentication failed\r\n\r\n")
        assert len(frames) == 2
        assert server.frames_sent(0) == 0


def test_the_capture_is_streamed_byte_for_byte_after_the_servers_own_login_response(
    raw_clients: list[RawClient],
) -> None:
    expected = capture_body(SUPERVISION)
    with ReplayAmiServer([SUPERVISION], username=USER, secret=SECRET) as server:
        client = connect(server, raw_clients)
        client.login()
        assert server.wait_streamed(10, 0)
        while sum(map(len, client.frames[2:])) < len(expected):
            client._recv()
        assert b"".join(client.frames[2:]) == expected
        assert server.frames_sent(0) == len(client.frames) - 2 == 1949


def test_ping_is_answered_with_pong_while_streaming(raw_clients: list[RawClient]) -> None:
    with ReplayAmiServer([SUPERVISION], username=USER, secret=SECRET, speed=1.0) as server:
        client = connect(server, raw_clients)
        client.login()
        client.send(("Action", "Ping"), ("ActionID", "p-7"))
        pong = parse_frame(client.read_until(b"ActionID: p-7\r\n"))
        assert pong.get("Response") == "Success" and pong.get("Ping") == "Pong"
        assert abs(float(pong.get("Timestamp")) - time.time()) < 60
        assert not server.wait_streamed(0.01, 0)  # still streaming at real speed


def test_logoff_is_answered_with_goodbye_and_the_connection_closed(
    raw_clients: list[RawClient],
) -> None:
    with ReplayAmiServer([SUPERVISION], username=USER, secret=SECRET, speed=1.0) as server:
        client = connect(server, raw_clients)
        client.login()
        client.send(("Action", "Logoff"), ("ActionID", "bye"))
        frames = client.read_to_eof()
        assert frames[-1] == (
            b"Response: Goodbye\r\nActionID: bye\r\nMessage: Thanks for all the fish.\r\n\r\n"
        )
        assert server.wait_finished(10, 0)


def test_other_actions_get_a_success_response_and_every_action_is_recorded(
    raw_clients: list[RawClient],
) -> None:
    with ReplayAmiServer([SUPERVISION], username=USER, secret=SECRET) as server:
        client = connect(server, raw_clients)
        client.login()
        client.send(("Action", "QueuePause"), ("ActionID", "qp-1"), ("Interface", "Local/1001"))
        reply = client.read_until(b"ActionID: qp-1\r\n")
        assert reply == b"Response: Success\r\nActionID: qp-1\r\n\r\n"
        actions = server.actions_received
        assert [(a.connection, a.name, a.action_id) for a in actions] == [
            (0, "Login", "l1"), (0, "QueuePause", "qp-1"),
        ]
        assert actions[1].headers["Interface"] == "Local/1001"


def test_speed_spaces_frames_by_their_timestamp_gaps_divided_by_speed(
    tmp_path: Path, raw_clients: list[RawClient],
) -> None:
    capture = write_capture(
        tmp_path / "paced.ami", event("A", 100.0), event("NoStamp"), event("B", 101.0),
        event("C", 102.0),
    )
    with ReplayAmiServer([capture], username=USER, secret=SECRET, speed=10.0) as server:
        client = connect(server, raw_clients)
        client.login()
        started = time.monotonic()
        client.read(6)
        assert time.monotonic() - started >= 0.19  # 2 s of capture at 10x
        assert server.wait_streamed(5, 0)


def test_the_nth_connection_gets_the_nth_file_and_later_ones_stay_idle(
    tmp_path: Path, raw_clients: list[RawClient],
) -> None:
    first = write_capture(tmp_path / "1.ami", event("First", 1.0))
    second = write_capture(tmp_path / "2.ami", event("Second", 2.0))
    with ReplayAmiServer([first, second], username=USER, secret=SECRET) as server:
        for index, name in enumerate([b"First", b"Second", None]):
            client = connect(server, raw_clients)
            client.login()
            assert server.wait_streamed(5, index)
            if name is not None:
                assert client.read(3)[2] == event(name.decode(), float(index + 1))
            client.send(("Action", "Ping"), ("ActionID", "idle"))
            client.read_until(b"Ping: Pong")
            assert server.frames_sent(index) == (0 if name is None else 1)


def test_loop_cycles_through_the_files(tmp_path: Path, raw_clients: list[RawClient]) -> None:
    only = write_capture(tmp_path / "1.ami", event("Again", 1.0))
    with ReplayAmiServer([only], username=USER, secret=SECRET, loop=True) as server:
        for _ in range(2):
            client = connect(server, raw_clients)
            client.login()
            assert client.read(3)[2] == event("Again", 1.0)


def test_close_after_closes_the_socket_once_the_capture_is_streamed(
    tmp_path: Path, raw_clients: list[RawClient],
) -> None:
    capture = write_capture(tmp_path / "c.ami", event("Last", 1.0), tail=b"Event: Cut\r\nPa")
    with ReplayAmiServer([capture], username=USER, secret=SECRET, close_after=True) as server:
        client = connect(server, raw_clients)
        client.login()
        assert client.read_to_eof()[2:] == [event("Last", 1.0)]
        assert client.splitter.pending == b"Event: Cut\r\nPa"
        assert server.wait_streamed(5, 0) and server.frames_sent(0) == 2


def test_drop_connections_cuts_every_client(raw_clients: list[RawClient]) -> None:
    with ReplayAmiServer([SUPERVISION], username=USER, secret=SECRET, speed=1.0) as server:
        client = connect(server, raw_clients)
        client.login()
        server.drop_connections()
        client.read_to_eof()
        assert server.wait_finished(5, 0)


def test_stop_returns_promptly_with_clients_that_never_log_in(
    raw_clients: list[RawClient],
) -> None:
    server = ReplayAmiServer([SUPERVISION], username=USER, secret=SECRET).start()
    connect(server, raw_clients).read(1)
    assert server.wait_connections(1, 5)
    started = time.monotonic()
    server.stop()
    assert time.monotonic() - started < 2
    assert server.wait_finished(0, 0)


@pytest.mark.filterwarnings("ignore:notifyAll:DeprecationWarning")  # the library's futures
def test_the_stock_asterisk_ami_client_logs_in_and_receives_every_event() -> None:
    expected = [f.split(b"\r\n", 1)[0][7:].decode()
                for f in parse_buffer(SUPERVISION.read_bytes(), at_start=True)[0]
                if f.startswith(b"Event: ")]
    names: list[str] = []
    all_received = threading.Event()

    def on_event(event: object, source: object) -> None:
        names.append(getattr(event, "name", ""))
        if len(names) == len(expected):
            all_received.set()

    with ReplayAmiServer([SUPERVISION], username=USER, secret=SECRET) as server:
        client = AMIClient(address="127.0.0.1", port=server.port, timeout=10)
        client.add_event_listener(on_event)
        try:
            assert not client.login(username=USER, secret=SECRET).response.is_error()
            assert all_received.wait(10)
            assert client.logoff().response.status == "Goodbye"
        finally:
            client.disconnect()
    assert names == expected
