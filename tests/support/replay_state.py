"""What a replayed PBX has at a point of its capture, to answer a client's resync.

``PbxState`` folds the capture's frames, sent or not (the PBX lives on while no client
listens), into the channels alive, the queue members, the callers waiting and the boot
time, and renders them as Asterisk answers ``CoreShowChannels``, ``QueueStatus`` and
``QueueSummary`` (an EventList: ``Response: Success`` with ``EventList: start``, the
items, the ``...Complete`` event), and as the ``FullyBooted`` it sends after a login.

Read from the capture:

- a channel lives from ``Newchannel`` to ``Hangup``, with the caller id and dialplan
  place of its latest channel event;
- a member from ``QueueMemberAdded`` to ``QueueMemberRemoved``, with the fields of its
  latest ``QueueMember*`` event or ``QueueMember`` list item, except ``Status`` (the
  device's, one for all of an interface's queues), taken from every event that carries it
  but ``QueueMemberRemoved`` (Callboard reads it from ``QueueMemberStatus``,
  ``QueueMemberAdded``, ``QueueMemberPause`` and list items, so the replayed PBX must
  answer a resync with the same device state a client has read); and ``LastCall``, one for all of an
  interface's queues (Asterisk's ``shared_lastcall``, as the recorded PBX has it), set by
  ``AgentComplete`` too;
- a caller waits from ``QueueCallerJoin`` to ``QueueCallerAbandon`` or
  ``QueueCallerLeave`` (Asterisk keeps an abandoning caller in the queue for a few more
  frames; a snapshot here never shows it);
- a queue's settings are those of its latest ``QueueParams``;
- ``Shutdown`` and a fresh boot end every channel and every wait.

Time is the capture's: the latest ``Timestamp`` folded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from adapters.ami.frames import MalformedFrame, parse_frame
from adapters.replay.frames import build_frame, response

__all__ = ["LIST_ACTIONS", "PbxState"]

LIST_ACTIONS = frozenset({"coreshowchannels", "queuestatus", "queuesummary"})
_EVENT = re.compile(rb"Event: ([A-Za-z]+)\r\n")
_CHANNEL_KEYS = ("Channel", "ChannelState", "ChannelStateDesc", "CallerIDNum", "CallerIDName",
                 "ConnectedLineNum", "ConnectedLineName", "Language", "AccountCode", "Context",
                 "Exten", "Priority", "Uniqueid", "Linkedid")
_CHANNEL_EVENTS = frozenset({"Newchannel", "Newstate", "NewCallerid", "NewConnectedLine",
                             "Newexten", "Hangup"})
_MEMBER_EVENTS = frozenset({"QueueMemberAdded", "QueueMemberStatus", "QueueMemberPause",
                            "QueueMemberRemoved", "QueueMember"})
_MEMBER_KEYS = ("StateInterface", "Membership", "Penalty", "CallsTaken", "LastCall",
                "LastPause", "LoginTime", "InCall", "Paused", "PausedReason", "Wrapuptime")
_CALLER_KEYS = ("Channel", "Uniqueid", "CallerIDNum", "CallerIDName", "ConnectedLineNum",
                "ConnectedLineName")
_WATCHED = (_CHANNEL_EVENTS | _MEMBER_EVENTS
            | {"QueueCallerJoin", "QueueCallerAbandon", "QueueCallerLeave", "QueueParams",
               "AgentComplete", "FullyBooted", "Shutdown"})
_WATCHED_BYTES = frozenset(name.encode() for name in _WATCHED)
_BOOT_TOLERANCE_S = 5.0


@dataclass
class _Channel:
    headers: dict[str, str]
    started_at: float | None
    application: str = ""
    data: str = ""


@dataclass
class _Waiting:
    queue: str
    caller: dict[str, str]
    joined_at: float | None


@dataclass
class PbxState:
    now: float | None = None  # the latest Timestamp folded
    boot_at: float | None = None
    channels: dict[str, _Channel] = field(default_factory=dict)  # by Uniqueid
    members: dict[tuple[str, str], dict[str, str]] = field(default_factory=dict)
    device: dict[str, str] = field(default_factory=dict)  # interface -> Status
    last_call: dict[str, int] = field(default_factory=dict)  # interface -> LastCall
    waiting: dict[tuple[str, str], _Waiting] = field(default_factory=dict)  # (queue, uid)
    params: dict[str, dict[str, str]] = field(default_factory=dict)  # queue -> QueueParams
    _uptime: int | None = None  # of a FullyBooted seen before any Timestamp

    # -- folding ---------------------------------------------------------------------------
    def fold(self, frame: bytes, stamp: float | None) -> None:
        if stamp is not None and (self.now is None or stamp > self.now):
            self.now = stamp
            if self._uptime is not None:
                self._boot(self._uptime)
        m = _EVENT.match(frame)
        if m is None or m.group(1) not in _WATCHED_BYTES:
            return
        try:
            headers = parse_frame(frame).headers
        except MalformedFrame:
            return
        name = headers["Event"]
        if name in _CHANNEL_EVENTS:
            self._channel(name, headers)
        elif name in _MEMBER_EVENTS:
            self._member(name, headers)
        elif name == "QueueCallerJoin":
            caller = {k: headers.get(k, "") for k in _CALLER_KEYS}
            key = (headers.get("Queue", ""), headers.get("Uniqueid", ""))
            self.waiting[key] = _Waiting(key[0], caller, self.now)
        elif name in ("QueueCallerAbandon", "QueueCallerLeave"):
            self.waiting.pop((headers.get("Queue", ""), headers.get("Uniqueid", "")), None)
        elif name == "AgentComplete" and self.now is not None:  # the member's LastCall
            interface = headers.get("Interface", "")
            self.last_call[interface] = max(self.last_call.get(interface, 0), int(self.now))
        elif name == "QueueParams":
            self.params[headers.get("Queue", "")] = headers
        elif name == "FullyBooted" and headers.get("Uptime", "").isdigit():
            self._boot(int(headers["Uptime"]))
        elif name == "Shutdown":
            self._calls_end()

    def _boot(self, uptime: int) -> None:
        if self.now is None:
            self._uptime = uptime
            return
        self._uptime = None
        booted = self.now - uptime
        if self.boot_at is not None and booted > self.boot_at + _BOOT_TOLERANCE_S:
            self._calls_end()
        if self.boot_at is None or booted > self.boot_at + _BOOT_TOLERANCE_S:
            self.boot_at = booted

    def _calls_end(self) -> None:
        self.channels.clear()
        self.waiting.clear()

    def _channel(self, name: str, headers: dict[str, str]) -> None:
        uniqueid = headers.get("Uniqueid", "")
        if name == "Hangup":
            self.channels.pop(uniqueid, None)
            return
        channel = self.channels.get(uniqueid)
        if channel is None:
            if name != "Newchannel":
                return
            channel = self.channels[uniqueid] = _Channel({}, self.now)
        channel.headers.update((k, headers[k]) for k in _CHANNEL_KEYS if k in headers)
        if name == "Newexten":
            channel.application = headers.get("Application", "")
            channel.data = headers.get("AppData", "")

    def _member(self, name: str, headers: dict[str, str]) -> None:
        interface = headers.get("Interface") or headers.get("Location", "")
        key = (headers.get("Queue", ""), interface)
        if "Status" in headers and name != "QueueMemberRemoved":
            self.device[interface] = headers["Status"]
        if headers.get("LastCall", "").isdigit():  # shared_lastcall: one for all queues
            self.last_call[interface] = max(self.last_call.get(interface, 0),
                                            int(headers["LastCall"]))
        if name == "QueueMemberRemoved":
            self.members.pop(key, None)
            return
        member = self.members.setdefault(key, {})
        member.update((k, headers[k]) for k in _MEMBER_KEYS if k in headers)
        member["Name"] = headers.get("MemberName") or headers.get("Name") or member.get("Name", "")

    # -- answering -------------------------------------------------------------------------
    def answer(self, action: str, action_id: str | None) -> list[bytes]:
        """The EventList answering ``action`` (one of ``LIST_ACTIONS``, any case)."""
        aid = [("ActionID", action_id)] if action_id is not None else []
        name = action.lower()
        if name == "coreshowchannels":
            items, message, done = self._channel_items(), "Channels will follow", \
                "CoreShowChannelsComplete"
        elif name == "queuestatus":
            items, message, done = self._status_items(), "Queue status will follow", \
                "QueueStatusComplete"
        elif name == "queuesummary":
            items, message, done = self._summary_items(), "Queue summary will follow", \
                "QueueSummaryComplete"
        else:
            raise ValueError(f"not a list action: {action!r}")
        return [response("Success", action_id, ("EventList", "start"), ("Message", message)),
                *(build_frame(*item, *aid) for item in items),
                build_frame(("Event", done), *aid, ("EventList", "Complete"),
                            ("ListItems", str(len(items))))]

    def fully_booted(self) -> bytes | None:
        """The ``FullyBooted`` a login gets, or None before the capture told the boot."""
        if self.boot_at is None or self.now is None:
            return None
        uptime = str(max(0, int(self.now - self.boot_at)))
        return build_frame(("Event", "FullyBooted"), ("Privilege", "system,all"),
                           ("Uptime", uptime), ("LastReload", uptime),
                           ("Status", "Fully Booted"))

    def _since(self, at: float | None) -> int:
        return max(0, int(self.now - at)) if self.now is not None and at is not None else 0

    def _channel_items(self) -> list[list[tuple[str, str]]]:
        items = []
        for channel in self.channels.values():
            seconds = self._since(channel.started_at)
            duration = f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"
            items.append([("Event", "CoreShowChannel"),
                          *((k, channel.headers.get(k, "")) for k in _CHANNEL_KEYS),
                          ("Application", channel.application),
                          ("ApplicationData", channel.data), ("Duration", duration),
                          ("BridgeId", "")])
        return items

    def _queues(self) -> list[str]:
        names = set(self.params) | {q for q, _ in self.members} | {w.queue for w in
                                                                    self.waiting.values()}
        return sorted(names)

    def _callers(self, queue: str) -> list[_Waiting]:
        return [w for w in self.waiting.values() if w.queue == queue]

    def _status_items(self) -> list[list[tuple[str, str]]]:
        items: list[list[tuple[str, str]]] = []
        for queue in self._queues():
            callers = self._callers(queue)
            params = self.params.get(queue)
            if params is not None:
                items.append([("Event", "QueueParams"), ("Queue", queue), *(
                    (k, str(len(callers)) if k == "Calls" else v)
                    for k, v in params.items() if k not in ("Event", "Queue", "ActionID"))])
            for (member_queue, interface), member in self.members.items():
                if member_queue == queue:
                    items.append([
                        ("Event", "QueueMember"), ("Queue", queue),
                        ("Name", member.get("Name", "")), ("Location", interface),
                        *((k, str(self.last_call.get(interface, 0)) if k == "LastCall"
                           else member.get(k, "")) for k in _MEMBER_KEYS[:-3]),
                        ("Status", self.device.get(interface, "0")),
                        *((k, member.get(k, "")) for k in _MEMBER_KEYS[-3:])])
            for position, waiting in enumerate(callers, 1):
                items.append([("Event", "QueueEntry"), ("Queue", queue),
                              ("Position", str(position)), *waiting.caller.items(),
                              ("Wait", str(self._since(waiting.joined_at))),
                              ("Priority", "0")])
        return items

    def _summary_items(self) -> list[list[tuple[str, str]]]:
        items = []
        for queue in self._queues():
            members = [(i, m) for (q, i), m in self.members.items() if q == queue]
            available = sum(1 for i, m in members
                            if m.get("Paused") != "1" and self.device.get(i) == "1")
            waits = [self._since(w.joined_at) for w in self._callers(queue)]
            items.append([("Event", "QueueSummary"), ("Queue", queue),
                          ("LoggedIn", str(len(members))), ("Available", str(available)),
                          ("Callers", str(len(waits))), ("HoldTime", "0"), ("TalkTime", "0"),
                          ("LongestHoldTime", str(max(waits, default=0)))])
        return items
