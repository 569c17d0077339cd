"""AMI -> domain: one small pure function per AMI event, in one table.

Each function takes the parsed frame and its event time and returns the commands it
implies (usually one, often none). Frames whose event is not in ``TABLE`` are stored in
the feed but not interpreted. Snapshot list items (``QueueMember``, ``QueueEntry``,
``CoreShowChannel``) become ``Snapshot*`` values that ``SnapshotCollector`` groups into
one ``ReconcileSnapshot`` when the list's ``...Complete`` event arrives.
"""

from __future__ import annotations

from collections.abc import Callable

from adapters.ami.frames import Message
from domain.telephony import commands as c

__all__ = ["KEPT_EVENTS", "KEPT_VARIABLES", "TABLE", "SnapshotCollector", "translate"]

Translator = Callable[[Message, float], list[c.Command]]
SnapshotItem = c.SnapshotMember | c.SnapshotWaiting | c.SnapshotChannel

# VarSet is noise except for these variables (see README "Which AMI events are kept").
KEPT_VARIABLES = frozenset({"MIXMONITOR_FILENAME", "QUEUESTATUS"})
EXIT_STATUSES = frozenset({"LEAVEEMPTY", "LEAVEUNAVAIL", "JOINEMPTY", "JOINUNAVAIL", "FULL"})


# Integers the event store can hold (its JSON encoder refuses anything wider than 64 bits:
# one such value would fail the whole batch's transaction, at every retry).
_INT_MIN, _INT_MAX = -(2**63), 2**63 - 1


def _int(value: str, default: int = 0) -> int:
    """An AMI integer; ``default`` for anything else (``inf``, ``nan``, text, a number
    wider than 64 bits)."""
    try:
        number = int(value)
    except ValueError:  # "1.5", "1e3"; also more than 4,300 digits
        try:
            number = int(float(value))
        except (ValueError, OverflowError):  # text, nan; inf, 1e999
            return default
    return number if _INT_MIN <= number <= _INT_MAX else default


def _number(value: str) -> str:
    return "" if value in ("", "<unknown>") else value


def _is_first_channel(m: Message) -> bool:
    """The channel that created the call (its Uniqueid is the call's Linkedid)."""
    uniqueid = m.get("Uniqueid")
    return bool(uniqueid) and uniqueid == m.get("Linkedid")


def new_channel(m: Message, at: float) -> list[c.Command]:
    if not _is_first_channel(m):
        return []
    return [c.StartCall(m.get("Linkedid"), at, m.get("Channel"),
                        _number(m.get("CallerIDNum")), _number(m.get("CallerIDName")))]


def hangup(m: Message, at: float) -> list[c.Command]:
    if not _is_first_channel(m):
        return []
    return [c.EndCall(m.get("Linkedid"), at, _int(m.get("Cause")), m.get("Cause-txt"))]


def hangup_request(m: Message, at: float) -> list[c.Command]:
    soft = m.event == "SoftHangupRequest"
    return [c.ChannelHangupRequested(m.get("Linkedid"), at, m.get("Uniqueid"),
                                     _int(m.get("Cause")), soft, m.get("Channel"))]


def queue_caller_join(m: Message, at: float) -> list[c.Command]:
    if not m.get("Linkedid"):  # names no call (and would make one with an empty id)
        return []
    return [c.JoinQueue(m.get("Linkedid"), at, m.get("Queue"), m.get("Uniqueid"),
                        m.get("Channel"), _int(m.get("Position")),
                        _number(m.get("CallerIDNum")), _number(m.get("CallerIDName")))]


def agent_called(m: Message, at: float) -> list[c.Command]:
    return [c.RingAgent(m.get("Linkedid"), at, m.get("Queue"), m.get("Interface"),
                        m.get("MemberName"))]


def agent_ring_no_answer(m: Message, at: float) -> list[c.Command]:
    return [c.RingNoAnswer(m.get("Linkedid"), at, m.get("Queue"), m.get("Interface"),
                           m.get("MemberName"), _int(m.get("RingTime")))]


def agent_connect(m: Message, at: float) -> list[c.Command]:
    return [c.AnswerCall(m.get("Linkedid"), at, m.get("Queue"), m.get("Interface"),
                         m.get("MemberName"), _int(m.get("HoldTime")), _int(m.get("RingTime")),
                         m.get("DestChannel"))]


def agent_complete(m: Message, at: float) -> list[c.Command]:
    return [c.CompleteCall(m.get("Linkedid"), at, m.get("Queue"), m.get("Interface"),
                           m.get("MemberName"), _int(m.get("TalkTime")), m.get("Reason"))]


def queue_caller_abandon(m: Message, at: float) -> list[c.Command]:
    return [c.LeaveQueueUnanswered(m.get("Linkedid"), at, m.get("Queue"),
                                   _int(m.get("HoldTime")), _int(m.get("Position")))]


def var_set(m: Message, at: float) -> list[c.Command]:
    variable = m.get("Variable")
    if variable == "MIXMONITOR_FILENAME":
        return [c.StartRecording(m.get("Linkedid"), at, m.get("Uniqueid"), m.get("Value"))]
    if variable == "QUEUESTATUS" and m.get("Value") in EXIT_STATUSES:
        return [c.ExitQueue(m.get("Linkedid"), at, m.get("Value"))]
    return []


def hold(m: Message, at: float) -> list[c.Command]:
    return [c.HoldCall(m.get("Linkedid"), at, m.get("Channel"))]


def unhold(m: Message, at: float) -> list[c.Command]:
    return [c.UnholdCall(m.get("Linkedid"), at, m.get("Channel"))]


def blind_transfer(m: Message, at: float) -> list[c.Command]:
    if m.get("Result") != "Success":
        return []
    target = f"{m.get('Extension')}@{m.get('Context')}"
    return [c.TransferCall(m.get("TransfereeLinkedid"), at, "blind",
                           m.get("TransfererChannel"), target)]


def attended_transfer(m: Message, at: float) -> list[c.Command]:
    if m.get("Result") != "Success":
        return []
    return [c.TransferCall(m.get("TransfereeLinkedid"), at, "attended",
                           m.get("OrigTransfererChannel"), m.get("TransferTargetChannel"))]


def dial_begin(m: Message, at: float) -> list[c.Command]:
    if not _is_first_channel(m) or not m.get("DestChannel"):
        return []
    number = _number(m.get("DestCallerIDNum")) or m.get("DialString")
    return [c.DialStarted(m.get("Linkedid"), at, number, _number(m.get("CallerIDNum")))]


def dial_end(m: Message, at: float) -> list[c.Command]:
    if not _is_first_channel(m) or not m.get("DestChannel"):
        return []
    return [c.DialEnded(m.get("Linkedid"), at, m.get("DialStatus"))]


def originate_response(m: Message, at: float) -> list[c.Command]:
    if m.get("Response") != "Success" or not m.get("Application"):
        return []
    return [c.NoteOriginate(m.get("Uniqueid"), at, m.get("Application"), m.get("Data"))]


def chan_spy_start(m: Message, at: float) -> list[c.Command]:
    return [c.StartSupervision(m.get("SpyeeLinkedid"), at, m.get("SpyerChannel"),
                               m.get("SpyerLinkedid"))]


def chan_spy_stop(m: Message, at: float) -> list[c.Command]:
    return [c.StopSupervision(m.get("SpyeeLinkedid"), at, m.get("SpyerChannel"))]


def queue_member_added(m: Message, at: float) -> list[c.Command]:
    if not m.get("Interface"):  # names no agent
        return []
    return [c.LogInAgent(m.get("Interface"), at, m.get("Queue"), m.get("MemberName"),
                         _int(m.get("Penalty")), m.get("Paused") == "1", m.get("PausedReason"))]


def queue_member_removed(m: Message, at: float) -> list[c.Command]:
    return [c.LogOutAgent(m.get("Interface"), at, m.get("Queue"))]


def queue_member_pause(m: Message, at: float) -> list[c.Command]:
    return [c.PauseAgent(m.get("Interface"), at, m.get("Queue"), m.get("MemberName"),
                         m.get("Paused") == "1", m.get("PausedReason"))]


def queue_member_status(m: Message, at: float) -> list[c.Command]:
    return [c.SetDeviceState(m.get("Interface"), at, m.get("MemberName"),
                             _int(m.get("Status")))]


def queue_params(m: Message, at: float) -> list[c.Command]:
    if not m.get("Queue"):  # names no queue
        return []
    return [c.ConfigureQueue(m.get("Queue"), at, m.get("Strategy"),
                             _int(m.get("ServiceLevel")))]


def fully_booted(m: Message, at: float) -> list[c.Command]:
    return [c.BootPbx(at, _int(m.get("Uptime"), -1))] if m.get("Uptime") else []


def shutdown(m: Message, at: float) -> list[c.Command]:
    return [c.ShutDownPbx(at, m.get("Restart") == "True")]


TABLE: dict[str, Translator] = {
    "Newchannel": new_channel,
    "Hangup": hangup,
    "HangupRequest": hangup_request,
    "SoftHangupRequest": hangup_request,
    "QueueCallerJoin": queue_caller_join,
    "AgentCalled": agent_called,
    "AgentRingNoAnswer": agent_ring_no_answer,
    "AgentConnect": agent_connect,
    "AgentComplete": agent_complete,
    "QueueCallerAbandon": queue_caller_abandon,
    "VarSet": var_set,
    "Hold": hold,
    "Unhold": unhold,
    "BlindTransfer": blind_transfer,
    "AttendedTransfer": attended_transfer,
    "DialBegin": dial_begin,
    "DialEnd": dial_end,
    "OriginateResponse": originate_response,
    "ChanSpyStart": chan_spy_start,
    "ChanSpyStop": chan_spy_stop,
    "QueueMemberAdded": queue_member_added,
    "QueueMemberRemoved": queue_member_removed,
    "QueueMemberPause": queue_member_pause,
    "QueueMemberStatus": queue_member_status,
    "QueueParams": queue_params,
    "FullyBooted": fully_booted,
    "Shutdown": shutdown,
}


def queue_member(m: Message) -> c.SnapshotMember:
    return c.SnapshotMember(
        m.get("Location") or m.get("Interface"), m.get("Queue"), m.get("Name"),
        _int(m.get("Penalty")), m.get("Paused") == "1", m.get("PausedReason"),
        float(_int(m.get("LoginTime"))), float(_int(m.get("LastPause"))),
        float(_int(m.get("LastCall"))), _int(m.get("Status")))


def queue_entry(m: Message) -> c.SnapshotWaiting:
    return c.SnapshotWaiting(
        m.get("Queue"), m.get("Uniqueid"), m.get("Channel"), _number(m.get("CallerIDNum")),
        _number(m.get("CallerIDName")), _int(m.get("Wait")), _int(m.get("Position")))


def core_show_channel(m: Message) -> c.SnapshotChannel:
    seconds = 0
    for part in m.get("Duration").split(":"):
        seconds = seconds * 60 + _int(part)
    if not _INT_MIN <= seconds <= _INT_MAX:
        seconds = 0
    return c.SnapshotChannel(
        m.get("Linkedid"), m.get("Uniqueid"), m.get("Channel"), _number(m.get("CallerIDNum")),
        _number(m.get("CallerIDName")), m.get("Application"), seconds)


def _names_something(item: SnapshotItem) -> bool:
    """An item without the id of its agent or call says nothing about either (and would
    make an aggregate with an empty id, once per such item)."""
    if isinstance(item, c.SnapshotMember):
        return bool(item.interface)
    if isinstance(item, c.SnapshotWaiting):
        return bool(item.uniqueid)
    return bool(item.linkedid)  # a channel of a call: the call is alive


SNAPSHOT_ITEMS: dict[str, Callable[[Message], SnapshotItem]] = {
    "QueueMember": queue_member,
    "QueueEntry": queue_entry,
    "CoreShowChannel": core_show_channel,
}
SNAPSHOT_COMPLETE = {"QueueStatusComplete": "QueueStatus",
                     "CoreShowChannelsComplete": "CoreShowChannels"}
KEPT_EVENTS = frozenset(TABLE) | frozenset(SNAPSHOT_ITEMS) | frozenset(SNAPSHOT_COMPLETE)


class SnapshotCollector:
    """Groups snapshot list items by ActionID until the list's ``...Complete`` event."""

    def __init__(self) -> None:
        self._items: dict[str, list[SnapshotItem]] = {}
        self._started: dict[str, float] = {}

    def start(self, action_id: str, at: float) -> None:
        self._items.setdefault(action_id, [])
        self._started.setdefault(action_id, at)

    def add(self, m: Message, at: float) -> None:
        action_id = m.get("ActionID")
        self.start(action_id, at)
        item = SNAPSHOT_ITEMS[m.get("Event")](m)
        if _names_something(item):
            self._items[action_id].append(item)

    def complete(self, m: Message, at: float) -> list[c.Command]:
        action_id = m.get("ActionID")
        items = self._items.pop(action_id, [])
        started = self._started.pop(action_id, at)
        return [c.ReconcileSnapshot(
            started, SNAPSHOT_COMPLETE[m.get("Event")],
            members=tuple(i for i in items if isinstance(i, c.SnapshotMember)),
            waiting=tuple(i for i in items if isinstance(i, c.SnapshotWaiting)),
            channels=tuple(i for i in items if isinstance(i, c.SnapshotChannel)))]

    def discard(self, action_id: str) -> None:
        """Forget a list that is not a snapshot (``QueueSummary``, ``Status``, ...)."""
        self._items.pop(action_id, None)
        self._started.pop(action_id, None)

    def clear(self) -> None:
        self._items.clear()
        self._started.clear()


def translate(m: Message, at: float, snapshots: SnapshotCollector) -> list[c.Command]:
    """The commands one frame implies. Responses open snapshot lists; items are grouped."""
    name = m.event
    if name is None:
        if m.get("EventList") == "start":
            snapshots.start(m.get("ActionID"), at)
        return []
    fn = TABLE.get(name)
    if fn is not None:
        return fn(m, at)
    if name in SNAPSHOT_ITEMS:
        snapshots.add(m, at)
    elif name in SNAPSHOT_COMPLETE:
        return snapshots.complete(m, at)
    elif m.get("EventList") == "Complete":  # the end of another list: nothing to keep
        snapshots.discard(m.get("ActionID"))
    return []
