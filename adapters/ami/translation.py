"""AMI -> domain: one small pure function per AMI event, in one table.

Each function takes the parsed frame and its event time and returns the commands it
implies (usually one, often none). Frames whose event is not in ``TABLE`` are stored in
the feed but not interpreted. Snapshot list items (``QueueMember``, ``QueueEntry``,
``CoreShowChannel``) become ``Snapshot*`` values that ``SnapshotCollector``
(``adapters.ami.snapshots``) groups into one ``ReconcileSnapshot`` when the list's
``...Complete`` event arrives; :func:`translate` routes each frame to one or the other.
"""

from __future__ import annotations

from collections.abc import Callable

from adapters.ami.frames import Message
from adapters.ami.snapshots import SNAPSHOT_COMPLETE, SNAPSHOT_ITEMS, SnapshotCollector
from adapters.ami.values import ami_int, ami_number
from domain.pbx_actions.action import OriginateOutcome
from domain.telephony import commands as c

__all__ = ["KEPT_EVENTS", "KEPT_VARIABLES", "TABLE", "SnapshotCollector", "originate_outcome",
           "translate"]

Translator = Callable[[Message, float], list[c.Command]]

# VarSet is noise except for these variables (see README "Which AMI events are kept").
KEPT_VARIABLES = frozenset({"MIXMONITOR_FILENAME", "QUEUESTATUS"})
EXIT_STATUSES = frozenset({"LEAVEEMPTY", "LEAVEUNAVAIL", "JOINEMPTY", "JOINUNAVAIL", "FULL"})


def _is_first_channel(m: Message) -> bool:
    """The channel that created the call (its Uniqueid is the call's Linkedid)."""
    uniqueid = m.get("Uniqueid")
    return bool(uniqueid) and uniqueid == m.get("Linkedid")


def new_channel(m: Message, at: float) -> list[c.Command]:
    if not _is_first_channel(m):
        return []
    return [c.StartCall(m.get("Linkedid"), at, m.get("Channel"),
                        ami_number(m.get("CallerIDNum")), ami_number(m.get("CallerIDName")))]


def hangup(m: Message, at: float) -> list[c.Command]:
    if not _is_first_channel(m):
        return []
    return [c.EndCall(m.get("Linkedid"), at, ami_int(m.get("Cause")), m.get("Cause-txt"))]


def hangup_request(m: Message, at: float) -> list[c.Command]:
    soft = m.event == "SoftHangupRequest"
    return [c.ChannelHangupRequested(m.get("Linkedid"), at, m.get("Uniqueid"),
                                     ami_int(m.get("Cause")), soft, m.get("Channel"))]


def queue_caller_join(m: Message, at: float) -> list[c.Command]:
    if not m.get("Linkedid"):  # names no call (and would make one with an empty id)
        return []
    return [c.JoinQueue(m.get("Linkedid"), at, m.get("Queue"), m.get("Uniqueid"),
                        m.get("Channel"), ami_int(m.get("Position")),
                        ami_number(m.get("CallerIDNum")), ami_number(m.get("CallerIDName")))]


def agent_called(m: Message, at: float) -> list[c.Command]:
    return [c.RingAgent(m.get("Linkedid"), at, m.get("Queue"), m.get("Interface"),
                        m.get("MemberName"))]


def agent_ring_no_answer(m: Message, at: float) -> list[c.Command]:
    return [c.RingNoAnswer(m.get("Linkedid"), at, m.get("Queue"), m.get("Interface"),
                           m.get("MemberName"), ami_int(m.get("RingTime")))]


def agent_connect(m: Message, at: float) -> list[c.Command]:
    return [c.AnswerCall(m.get("Linkedid"), at, m.get("Queue"), m.get("Interface"),
                         m.get("MemberName"), ami_int(m.get("HoldTime")),
                         ami_int(m.get("RingTime")), m.get("DestChannel"))]


def agent_complete(m: Message, at: float) -> list[c.Command]:
    return [c.CompleteCall(m.get("Linkedid"), at, m.get("Queue"), m.get("Interface"),
                           m.get("MemberName"), ami_int(m.get("TalkTime")), m.get("Reason"))]


def queue_caller_abandon(m: Message, at: float) -> list[c.Command]:
    return [c.LeaveQueueUnanswered(m.get("Linkedid"), at, m.get("Queue"),
                                   ami_int(m.get("HoldTime")), ami_int(m.get("Position")))]


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
    number = ami_number(m.get("DestCallerIDNum")) or m.get("DialString")
    return [c.DialStarted(m.get("Linkedid"), at, number, ami_number(m.get("CallerIDNum")))]


def dial_end(m: Message, at: float) -> list[c.Command]:
    if not _is_first_channel(m) or not m.get("DestChannel"):
        return []
    return [c.DialEnded(m.get("Linkedid"), at, m.get("DialStatus"))]


def originate_response(m: Message, at: float) -> list[c.Command]:
    if m.get("Response") != "Success" or not m.get("Application"):
        return []
    return [c.NoteOriginate(m.get("Uniqueid"), at, m.get("Application"), m.get("Data"))]


def originate_outcome(m: Message, at: float) -> OriginateOutcome | None:
    """What became of an Async Originate (Success or Failure, with the PBX's Reason), for
    the ``PbxAction`` with its ActionID. Outside ``TABLE`` because it is no telephony
    command: ingestion routes it to the PBX actions (``adapters.ingest.pbx_outcomes``)."""
    if m.event != "OriginateResponse" or not m.get("ActionID") or not m.get("Response"):
        return None
    return OriginateOutcome(m.get("ActionID"), at, m.get("Response"), m.get("Reason"),
                            m.get("Channel"))


def chan_spy_start(m: Message, at: float) -> list[c.Command]:
    return [c.StartSupervision(m.get("SpyeeLinkedid"), at, m.get("SpyerChannel"),
                               m.get("SpyerLinkedid"))]


def chan_spy_stop(m: Message, at: float) -> list[c.Command]:
    return [c.StopSupervision(m.get("SpyeeLinkedid"), at, m.get("SpyerChannel"))]


def _device_status(m: Message) -> int:
    """A member event's ``Status`` (the device state), -1 when it has none."""
    return ami_int(m.get("Status"), -1) if m.get("Status") else -1


def queue_member_added(m: Message, at: float) -> list[c.Command]:
    if not m.get("Interface"):  # names no agent
        return []
    return [c.LogInAgent(m.get("Interface"), at, m.get("Queue"), m.get("MemberName"),
                         ami_int(m.get("Penalty")), m.get("Paused") == "1", m.get("PausedReason"),
                         _device_status(m))]


def queue_member_removed(m: Message, at: float) -> list[c.Command]:
    return [c.LogOutAgent(m.get("Interface"), at, m.get("Queue"))]


def queue_member_pause(m: Message, at: float) -> list[c.Command]:
    return [c.PauseAgent(m.get("Interface"), at, m.get("Queue"), m.get("MemberName"),
                         m.get("Paused") == "1", m.get("PausedReason"), _device_status(m))]


def queue_member_status(m: Message, at: float) -> list[c.Command]:
    return [c.SetDeviceState(m.get("Interface"), at, m.get("MemberName"),
                             ami_int(m.get("Status")))]


def queue_params(m: Message, at: float) -> list[c.Command]:
    if not m.get("Queue"):  # names no queue
        return []
    return [c.ConfigureQueue(m.get("Queue"), at, m.get("Strategy"),
                             ami_int(m.get("ServiceLevel")), ami_int(m.get("Abandoned"), -1),
                             ami_int(m.get("Completed"), -1))]


def fully_booted(m: Message, at: float) -> list[c.Command]:
    return [c.BootPbx(at, ami_int(m.get("Uptime"), -1))] if m.get("Uptime") else []


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


KEPT_EVENTS = frozenset(TABLE) | frozenset(SNAPSHOT_ITEMS) | frozenset(SNAPSHOT_COMPLETE)


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
