"""ReplayAmiServer over real sockets: raw clients and the stock asterisk-ami client."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from asterisk.ami.client import AMIClient

from adapters.ami.frames import FrameSplitter, parse_buffer, parse_frame
from adapters.replay.server import DEFAULT_BANNER, ReplayAmiServer, build_frame
from tests.support.replay_faults import Cut, FaultyAmiServer

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


# -- faults of a real PBX ----------------------------------------------------------------

def test_refuse_logins_answers_the_right_secret_authentication_failed_k_times(
    raw_clients: list[RawClient],
) -> None:
    refused = b"Response: Error\r\nActionID: l1\r\nMessage: Authentication failed\r\n\r\n"
    with ReplayAmiServer([SUPERVISION], username=USER, secret=SECRET,
                         refuse_logins=2) as server:
        for index in range(2):
            client = connect(server, raw_clients)
            assert client.login() == refused
            assert client.read_to_eof()[1:] == [refused]  # and closed, as Asterisk does
            assert server.wait_finished(5, index) and server.frames_sent(index) == 0
        client = connect(server, raw_clients)
        assert parse_frame(client.login()).get("Message") == "Authentication accepted"
        assert server.logins_refused == 2
        server.refuse_next_logins(1)
        assert connect(server, raw_clients).login() == refused
        assert server.logins_refused == 3


def test_restart_refuses_connections_while_down_then_listens_on_the_same_port(
    raw_clients: list[RawClient],
) -> None:
    with ReplayAmiServer([SUPERVISION], username=USER, secret=SECRET, speed=1.0) as server:
        port = server.port
        client = connect(server, raw_clients)
        client.login()
        down = threading.Thread(target=server.restart, args=(0.3,))
        down.start()
        client.read_to_eof()  # the connection is cut
        assert server.wait_finished(5, 0)
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", port), timeout=5).close()
        down.join(5)
        assert server.port == port and server.restarts == 1
        again = connect(server, raw_clients)
        assert again.read(1) == [DEFAULT_BANNER]
        assert parse_frame(again.login()).get("Response") == "Success"


def test_transcript_sent_frames_and_cut_tail_tell_what_a_connection_got(
    raw_clients: list[RawClient],
) -> None:
    with ReplayAmiServer([SUPERVISION], username=USER, secret=SECRET,
                         keep_transcript=True) as server:
        client = connect(server, raw_clients)
        client.login()
        assert server.wait_streamed(10, 0)
        frames = server.sent_frames(0)
        assert frames[:2] == [DEFAULT_BANNER, client.frames[1]]
        assert len(frames) == 2 + server.frames_sent(0)
        assert b"".join(frames) == server.transcript(0) and server.cut_tail(0) == b""


# -- FaultyAmiServer: one PBX feed across connections that fail ----------------------------

def faulty(capture: Path, *cuts: Cut, **options: Any) -> FaultyAmiServer:
    return FaultyAmiServer([capture], username=USER, secret=SECRET, keep_transcript=True,
                           cuts=cuts, **options)


def numbered(tmp_path: Path, count: int) -> tuple[Path, list[bytes]]:
    frames = [event(f"E{i}", 100.0 + i) for i in range(count)]
    return write_capture(tmp_path / "numbered.ami", *frames), frames


def test_a_cut_sends_part_of_a_frame_then_closes_and_the_next_connection_resumes_there(
    tmp_path: Path, raw_clients: list[RawClient],
) -> None:
    capture, frames = numbered(tmp_path, 6)
    with faulty(capture, Cut(frame=2, keep=9)) as server:
        first = connect(server, raw_clients)
        first.login()
        assert first.read_to_eof()[2:] == frames[:2]
        assert first.splitter.pending == frames[2][:9] == server.cut_tail(0)
        assert server.sent_frames(0)[2:] == frames[:2]
        assert server.streamed(0) == [(0, 0), (0, 1)]
        second = connect(server, raw_clients)
        second.login()
        assert second.read(6)[2:] == frames[2:]  # from the frame cut, sent whole
        assert server.wait_streamed(5, 1)
        assert server.streamed(1) == [(0, i) for i in range(2, 6)]
        (gap,) = server.gaps
        assert (gap.connection, gap.frame, gap.partial, gap.reset, gap.skipped) == (
            0, 2, frames[2][:9], False, 0)
        assert gap.resume_frame == 2 and gap.last_time == gap.resume_time == 101.0


def test_a_cut_with_reset_ends_in_an_rst_after_everything_written(
    tmp_path: Path, raw_clients: list[RawClient],
) -> None:
    capture, frames = numbered(tmp_path, 4)
    with faulty(capture, Cut(frame=3, keep=1, reset=True)) as server:
        client = connect(server, raw_clients)
        client.login()
        with pytest.raises(ConnectionResetError):
            client.read_to_eof()
        assert client.frames[2:] == frames[:3] and client.splitter.pending == b"E"
        assert server.gaps[0].reset


def test_frames_skipped_at_a_cut_happen_during_the_gap_and_are_never_sent(
    tmp_path: Path, raw_clients: list[RawClient],
) -> None:
    capture, frames = numbered(tmp_path, 8)
    with faulty(capture, Cut(frame=2, keep=4, skip=3), Cut(frame=6, keep=4)) as server:
        connect(server, raw_clients).login()
        assert server.wait_finished(5, 0)
        client = connect(server, raw_clients)
        client.login()
        assert client.read_to_eof()[2:] == frames[5:6]  # 2, 3, 4 happened in the gap
        first, second = server.gaps
        assert (first.skipped, first.resume_frame, first.resume_time) == (3, 5, 104.0)
        assert first.last_time == 101.0 and second.frame == 6 and server.pbx_time == 105.0


def test_the_rest_of_an_event_list_begun_for_an_earlier_connection_is_withheld(
    tmp_path: Path, raw_clients: list[RawClient],
) -> None:
    listing = [
        build_frame(("Response", "Success"), ("ActionID", "rec-1"), ("EventList", "start")),
        build_frame(("Event", "QueueMember"), ("Queue", "sales"), ("Location", "Local/1"),
                    ("Status", "1"), ("ActionID", "rec-1")),
        build_frame(("Event", "QueueStatusComplete"), ("ActionID", "rec-1"),
                    ("EventList", "Complete"), ("ListItems", "1")),
    ]
    capture = write_capture(tmp_path / "list.ami", event("A", 1.0), *listing, event("B", 2.0))
    with faulty(capture, Cut(frame=2, keep=3)) as server:
        connect(server, raw_clients).login()
        assert server.wait_finished(5, 0)
        client = connect(server, raw_clients)
        client.login()
        client.read_until(b"Event: B")
        assert client.frames[2:] == [event("B", 2.0)]
        assert server.frames_withheld == 2


def test_a_resumed_login_gets_fully_booted_and_resync_lists_of_the_state_reached(
    tmp_path: Path, raw_clients: list[RawClient],
) -> None:
    boot = build_frame(("Event", "FullyBooted"), ("Privilege", "system,all"), ("Uptime", "4"))
    channel = [("Channel", "Local/555@callers-1;1"), ("Uniqueid", "7.1"), ("Linkedid", "7.1"),
               ("CallerIDNum", "555")]
    frames = [
        boot, build_frame(("Event", "Newchannel"), ("Timestamp", "100.0"), *channel),
        build_frame(("Event", "Newexten"), ("Timestamp", "100.5"), *channel,
                    ("Application", "Queue"), ("AppData", "sales")),
        build_frame(("Event", "QueueMemberAdded"), ("Timestamp", "101.0"), ("Queue", "sales"),
                    ("MemberName", "Alice"), ("Interface", "Local/1001@agents/n"),
                    ("LoginTime", "101"), ("Status", "1"), ("Paused", "0")),
        build_frame(("Event", "QueueMemberStatus"), ("Timestamp", "101.5"), ("Queue", "sales"),
                    ("MemberName", "Alice"), ("Interface", "Local/1001@agents/n"),
                    ("LastCall", "90"), ("Status", "2"), ("Paused", "1")),
        build_frame(("Event", "QueueCallerJoin"), ("Timestamp", "102.0"), ("Queue", "sales"),
                    *channel, ("Position", "1")),
        event("Later", 130.0),
    ]
    capture = write_capture(tmp_path / "state.ami", *frames)
    with faulty(capture, Cut(frame=6, keep=5), quiet_until_answered=2) as server:
        first = connect(server, raw_clients)
        first.login()
        first.send(("Action", "Ping"), ("ActionID", "p1"))
        first.send(("Action", "Ping"), ("ActionID", "p2"))
        assert server.wait_finished(5, 0)
        client = connect(server, raw_clients)
        client.login()
        client.send(("Action", "CoreShowChannels"), ("ActionID", "c"))
        client.send(("Action", "QueueStatus"), ("ActionID", "q"))
        client.read_until(b"Event: Later")
        got = [parse_frame(f) for f in client.frames[2:]]
    assert got[0].headers == {"Event": "FullyBooted", "Privilege": "system,all",
                              "Uptime": "6", "LastReload": "6", "Status": "Fully Booted"}
    names = [m.event or m.response for m in got[1:]]
    assert names == ["Success", "CoreShowChannel", "CoreShowChannelsComplete", "Success",
                     "QueueMember", "QueueEntry", "QueueStatusComplete", "Later"]
    channel_item, member, entry = got[2], got[5], got[6]
    assert {k: channel_item.get(k) for k in ("Channel", "Linkedid", "CallerIDNum",
                                             "Application", "Duration", "ActionID")} == {
        "Channel": "Local/555@callers-1;1", "Linkedid": "7.1", "CallerIDNum": "555",
        "Application": "Queue", "Duration": "00:00:02", "ActionID": "c"}
    assert got[3].get("ListItems") == "1" and got[7].get("ListItems") == "2"
    assert {k: member.get(k) for k in ("Queue", "Name", "Location", "LoginTime", "LastCall",
                                       "Status", "Paused")} == {
        "Queue": "sales", "Name": "Alice", "Location": "Local/1001@agents/n",
        "LoginTime": "101", "LastCall": "90", "Status": "2", "Paused": "1"}
    assert (entry.get("Uniqueid"), entry.get("Wait"), entry.get("Position")) == ("7.1", "0", "1")


def test_quiet_until_answered_holds_the_capture_until_the_clients_actions_are_answered(
    tmp_path: Path, raw_clients: list[RawClient],
) -> None:
    capture, frames = numbered(tmp_path, 3)
    with faulty(capture, quiet_until_answered=1) as server:
        client = connect(server, raw_clients)
        client.login()
        time.sleep(0.1)  # setup: time in which the capture would have been streamed
        assert server.frames_sent(0) == 0
        client.send(("Action", "CoreShowChannels"), ("ActionID", "c"))
        assert client.read(6)[2:] == [
            b"Response: Success\r\nActionID: c\r\nEventList: start\r\n"
            b"Message: Channels will follow\r\n\r\n",
            b"Event: CoreShowChannelsComplete\r\nActionID: c\r\nEventList: Complete\r\n"
            b"ListItems: 0\r\n\r\n", *frames[:2]]


def test_after_a_drop_or_a_restart_the_next_connection_goes_on_from_the_next_frame(
    tmp_path: Path, raw_clients: list[RawClient],
) -> None:
    capture, frames = numbered(tmp_path, 200)
    with faulty(capture, speed=50.0) as server:
        connect(server, raw_clients).login()
        assert server.wait_position(0, 5)
        server.drop_connections()
        assert server.wait_finished(5, 0)
        connect(server, raw_clients).login()
        assert server.wait_position(0, 30)
        server.restart()
        assert server.wait_finished(5, 1)
        client = connect(server, raw_clients)
        client.login()
        assert server.wait_position(0, 60)
        server.stop()
        sent = [frame for i in range(3) for _, frame in server.streamed(i)]
        assert sent == list(range(len(sent)))  # each frame once, in order, none lost
        assert all(server.cut_tail(i) == b"" for i in range(3))
        assert client.read_to_eof()[2:] == [frames[i] for _, i in server.streamed(2)]
