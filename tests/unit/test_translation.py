"""The translation table, driven by frames cut from the recorded captures."""

from __future__ import annotations

from pathlib import Path

from adapters.ami.frames import Message, parse_buffer, parse_frame
from adapters.ami.translation import TABLE, SnapshotCollector, translate
from domain.telephony import commands as c

FIXTURES = Path(__file__).parent.parent / "fixtures"


def recorded(scenario: str, file: str, *, event: str, **headers: str) -> list[Message]:
    frames, _ = parse_buffer((FIXTURES / scenario / file).read_bytes(), at_start=True)
    out = []
    for raw in frames[1:]:
        if raw.startswith(f"Event: {event}\r\n".encode()):
            m = parse_frame(raw)
            if all(m.get(k) == v for k, v in headers.items()):
                out.append(m)
    return out


def test_every_table_entry_is_a_function_of_the_frame_alone() -> None:
    m = recorded("basic-day", "basic-day.ami", event="AgentConnect")[0]
    assert TABLE["AgentConnect"](m, 1.0) == TABLE["AgentConnect"](m, 1.0)


def test_agent_connect_becomes_an_answer_with_the_wait_asterisk_reports() -> None:
    m = recorded("basic-day", "basic-day.ami", event="AgentConnect",
                 Uniqueid="1795425513.0")[0]
    (cmd,) = translate(m, 5.0, SnapshotCollector())
    assert cmd == c.AnswerCall("1795425513.0", 5.0, "sales", "Local/1001@agents/n",
                               "Alice Martin", 2, 2, "Local/1001@agents-00000001;1")


def test_queue_caller_abandon_is_translated_the_same_for_abandon_and_timeout() -> None:
    timeout = recorded("basic-day", "basic-day.ami", event="QueueCallerAbandon",
                       Uniqueid="1795425585.72")[0]
    (cmd,) = translate(timeout, 1.0, SnapshotCollector())
    assert cmd == c.LeaveQueueUnanswered("1795425585.72", 1.0, "sales", 18, 6)


def test_only_the_first_channel_of_a_call_starts_and_ends_it() -> None:
    channels = recorded("basic-day", "basic-day.ami", event="Newchannel")
    first = [m for m in channels if m.get("Uniqueid") == m.get("Linkedid")]
    others = [m for m in channels if m.get("Uniqueid") != m.get("Linkedid")]
    assert isinstance(translate(first[0], 1.0, SnapshotCollector())[0], c.StartCall)
    assert translate(others[0], 1.0, SnapshotCollector()) == []


def test_only_recording_and_queue_status_variables_matter() -> None:
    varsets = recorded("basic-day", "basic-day.ami", event="VarSet")
    kinds = {type(cmd) for m in varsets for cmd in translate(m, 1.0, SnapshotCollector())}
    assert kinds == {c.StartRecording}
    assert len([m for m in varsets if m.get("Variable") == "MIXMONITOR_FILENAME"]) > 0


def test_a_snapshot_list_becomes_one_reconcile_command_when_complete() -> None:
    data = (FIXTURES / "restart" / "restart.seg2.ami").read_bytes()
    frames, _ = parse_buffer(data, at_start=True)
    collector = SnapshotCollector()
    out: list[c.ReconcileSnapshot] = []
    list_items: dict[str, int] = {}
    for raw in frames[1:80]:
        m = parse_frame(raw)
        if m.get("EventList") == "Complete":
            list_items[m.event or ""] = int(m.get("ListItems"))
        out += [cmd for cmd in translate(m, 9.0, collector)
                if isinstance(cmd, c.ReconcileSnapshot)]
    status, channels = out[0], out[1]
    assert status.kind == "QueueStatus" and len(status.members) == 5
    assert {w.uniqueid for w in status.waiting} >= {"1795427214.1898", "1795427223.1902"}
    assert channels.kind == "CoreShowChannels"
    assert len(channels.channels) == list_items["CoreShowChannelsComplete"] == 20


def test_the_resync_reads_the_queues_counters_bridges_and_the_members_device_state() -> None:
    sales = recorded("restart", "restart.seg2.ami", event="QueueParams", Queue="sales")[0]
    assert TABLE["QueueParams"](sales, 1.0) == [
        c.ConfigureQueue("sales", 1.0, "rrmemory", 20, 58, 213)]
    collector = SnapshotCollector()
    legs = recorded("restart", "restart.seg2.ami", event="CoreShowChannel",
                    Uniqueid="1795427201.1890")
    translate(legs[0], 1.0, collector)
    end = parse_frame(b"Event: CoreShowChannelsComplete\r\nActionID: "
                      + legs[0].get("ActionID").encode() + b"\r\nEventList: Complete\r\n\r\n")
    [snapshot] = translate(end, 2.0, collector)
    assert isinstance(snapshot, c.ReconcileSnapshot)
    [channel] = snapshot.channels
    assert (channel.bridge_id, channel.application_data) == (
        "af70e1c7-08f7-4572-81c7-fa54fd9faeb6", "support,t,,,120,,qconnect")
    pause = recorded("basic-day", "basic-day.ami", event="QueueMemberPause")[0]
    [command] = TABLE["QueueMemberPause"](pause, 1.0)
    assert isinstance(command, c.PauseAgent)
    assert command.status == int(pause.get("Status")) >= 0
