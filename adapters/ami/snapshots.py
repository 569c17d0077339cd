"""Snapshot lists: the items of a ``QueueStatus`` or ``CoreShowChannels`` answer, grouped
by ActionID into one ``ReconcileSnapshot`` when the list's ``...Complete`` event comes.

A snapshot says what the PBX has now (members, waiting callers, channels), so the domain
can correct what a gap in the feed left wrong; the event translation (``TABLE`` in
``adapters.ami.translation``) says what happened.
"""

from __future__ import annotations

from collections.abc import Callable

from adapters.ami.frames import Message
from adapters.ami.values import INT_MAX, INT_MIN, ami_int, ami_number
from domain.telephony import commands as c

__all__ = ["SNAPSHOT_COMPLETE", "SNAPSHOT_ITEMS", "SnapshotCollector", "SnapshotItem"]

SnapshotItem = c.SnapshotMember | c.SnapshotWaiting | c.SnapshotChannel


def queue_member(m: Message) -> c.SnapshotMember:
    return c.SnapshotMember(
        m.get("Location") or m.get("Interface"), m.get("Queue"), m.get("Name"),
        ami_int(m.get("Penalty")), m.get("Paused") == "1", m.get("PausedReason"),
        float(ami_int(m.get("LoginTime"))), float(ami_int(m.get("LastPause"))),
        float(ami_int(m.get("LastCall"))), ami_int(m.get("Status")))


def queue_entry(m: Message) -> c.SnapshotWaiting:
    return c.SnapshotWaiting(
        m.get("Queue"), m.get("Uniqueid"), m.get("Channel"), ami_number(m.get("CallerIDNum")),
        ami_number(m.get("CallerIDName")), ami_int(m.get("Wait")), ami_int(m.get("Position")))


def core_show_channel(m: Message) -> c.SnapshotChannel:
    seconds = 0
    for part in m.get("Duration").split(":"):
        seconds = seconds * 60 + ami_int(part)
    if not INT_MIN <= seconds <= INT_MAX:
        seconds = 0
    return c.SnapshotChannel(
        m.get("Linkedid"), m.get("Uniqueid"), m.get("Channel"), ami_number(m.get("CallerIDNum")),
        ami_number(m.get("CallerIDName")), m.get("Application"), seconds, m.get("BridgeId"),
        m.get("ApplicationData"))


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
