"""A replay AMI server that answers the actions Callboard sends on people's behalf as
Asterisk 22 does (checked against the real one in ../shared/asterisk and main/manager.c,
apps/app_queue.c): ``Originate`` (ChanSpy for supervisors, click-to-dial), ``QueueAdd``,
``QueueRemove`` and ``QueuePause``, with ``Response: Success`` and Asterisk's message, or
``Response: Error`` and Asterisk's message when the fields are wrong or the state does
not allow it (``Interface not found``, ``Unable to add interface: Already there``...).

An ``Async`` Originate is answered as Asterisk answers it: "Originate successfully
queued" whatever becomes of the channel, then an ``OriginateResponse`` event with the
same ActionID: ``Response: Failure`` / ``Reason: 0`` when the channel cannot be made (a
``Local/<ext>@<context>`` naming an extension the PBX does not have), else ``Success`` /
``Reason: 4`` (answered). Only what Asterisk refuses before queueing (no or a malformed
channel, a bad priority) is an ``Error`` at once. An action Asterisk does not have is
``Invalid/unknown command``. The PBX it pretends to be has ``queues`` (name -> member
interfaces) and ``extensions`` (what ``Local/<ext>@<context>`` may dial). Simplification:
no ``QueueMember*`` events follow the answers (the capture brings the floor's events).
"""

from __future__ import annotations

import os
import re
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from adapters.replay.frames import build_frame, header
from adapters.replay.frames import response as _response
from adapters.replay.server import ReplayAmiServer

__all__ = ["CHANSPY_OPTIONS", "PbxReplayServer"]

CHANSPY_OPTIONS = set("qEbwBdosSvX")  # the ChanSpy options this PBX accepts
_LOCAL = re.compile(r"^Local/([^@/;]+)@([^/;]+)(/n)?$")
DEFAULT_EXTENSIONS = ("1001", "1002", "1003", "1004", "9001", "9002")
# the actions the base server answers (with Success) and Callboard or the tests send
KNOWN_ACTIONS = frozenset({"ping", "queuestatus", "queuesummary", "coreshowchannels",
                           "events", "status", "listcommands", "setvar", "getvar", "hangup",
                           "command", "queues", "redirect", "blindtransfer"})


class PbxReplayServer(ReplayAmiServer):
    """``ReplayAmiServer`` options, plus the PBX's ``queues`` (name -> member interfaces)
    and the ``extensions`` a Local channel may name. ``actions_received`` shows what came."""

    def __init__(self, captures: Sequence[str | os.PathLike[str]], *,
                 queues: Mapping[str, Iterable[str]] | None = None,
                 extensions: Iterable[str] = DEFAULT_EXTENSIONS, **options: Any) -> None:
        super().__init__(captures, **options)
        given = queues if queues is not None else {"sales": (), "support": ()}
        self._members: dict[str, dict[str, str | None]] = {
            q: dict.fromkeys(members) for q, members in given.items()}
        self.extensions = set(extensions)
        self._pbx_lock = threading.Lock()
        self._spawned = 0  # channels made by Originates (for their Uniqueids)

    def members(self, queue: str) -> dict[str, str | None]:
        """A queue's members now: interface -> pause reason ("" paused without one,
        None not paused)."""
        with self._pbx_lock:
            return dict(self._members.get(queue, {}))

    def respond(self, action_headers: dict[str, str]) -> list[bytes]:
        name = (header(action_headers, "Action") or "").lower()
        answer = {"originate": self._originate, "queueadd": self._queue_add,
                  "queueremove": self._queue_remove, "queuepause": self._queue_pause,
                  }.get(name)
        action_id = header(action_headers, "ActionID")
        if answer is None:
            if name and name not in KNOWN_ACTIONS:  # manager.c's words
                return [_response("Error", action_id, (
                    "Message", f"Invalid/unknown command: {header(action_headers, 'Action')}."
                    " Use Action: ListCommands to show available commands."))]
            return super().respond(action_headers)
        def get(key: str) -> str:
            return (header(action_headers, key) or "").strip()
        with self._pbx_lock:
            status, message = answer(get)
        frames = [_response(status, action_id, ("Message", message))]
        if name == "originate" and status == "Success" and _async(get("Async")):
            frames.append(self._originate_response(get, action_id))
        return frames

    # -- Originate ---------------------------------------------------------------------
    def _originate(self, get: Any) -> tuple[str, str]:
        channel = get("Channel")
        if not channel:
            return "Error", "Channel not specified"
        if "/" not in channel:
            return "Error", "Invalid channel"
        if get("Exten") and not get("Application") and not get("Priority").isdigit():
            return "Error", "Invalid priority"
        if _async(get("Async")):  # queued: what becomes of it comes as an event
            return "Success", "Originate successfully queued"
        if not self._connects(get):
            return "Error", "Originate failed"
        return "Success", "Originate successfully queued"  # Asterisk's words, Async or not

    def _connects(self, get: Any) -> bool:
        """Whether the channel would be made and run what was asked."""
        if not self._can_dial(get("Channel")):
            return False
        application = get("Application")
        if application:
            return application.lower() == "chanspy" and self._spy_data_ok(get("Data"))
        return bool(get("Exten") and get("Context"))

    def _originate_response(self, get: Any, action_id: str | None) -> bytes:
        """The ``OriginateResponse`` event Asterisk sends after an Async Originate."""
        ok = self._connects(get)
        what = ([("Application", get("Application")), ("Data", get("Data"))]
                if get("Application") else
                [("Context", get("Context")), ("Exten", get("Exten"))])
        self._spawned += ok
        return build_frame(
            ("Event", "OriginateResponse"), ("Privilege", "call,all"),
            ("Timestamp", f"{time.time():.6f}"), ("ActionID", action_id or ""),
            ("Response", "Success" if ok else "Failure"),
            ("Channel", get("Channel").removesuffix("/n") + "-00000001;1" if ok
             else get("Channel")),
            *what, ("Reason", "4" if ok else "0"),
            ("Uniqueid", f"{time.time():.0f}.{self._spawned}" if ok else "<unknown>"),
            ("CallerIDNum", "<unknown>"), ("CallerIDName", "<unknown>"))

    def _can_dial(self, channel: str) -> bool:
        m = _LOCAL.match(channel)
        if channel.startswith("Local/"):
            return m is not None and m.group(1) in self.extensions
        return True  # PJSIP/... and the like: the device answers

    @staticmethod
    def _spy_data_ok(data: str) -> bool:
        """``<channel>,<options>``: a channel name (tech/resource) and known options."""
        target, _, options = data.rpartition(",")
        return "/" in target and bool(options) and set(options) <= CHANSPY_OPTIONS

    # -- queue members -----------------------------------------------------------------
    def _queue_add(self, get: Any) -> tuple[str, str]:
        queue, interface = get("Queue"), get("Interface")
        if not queue:  # app_queue.c's manager_add_queue_member
            return "Error", "'Queue' not specified."
        if not interface:
            return "Error", "'Interface' not specified."
        members = self._members.get(queue)
        if members is None:
            return "Error", "Unable to add interface to queue: No such queue"
        if interface in members:
            return "Error", "Unable to add interface: Already there"
        paused = get("Paused").lower() in ("true", "yes", "1")
        members[interface] = get("Reason") if paused else None
        return "Success", "Added interface to queue"

    def _queue_remove(self, get: Any) -> tuple[str, str]:
        queue, interface = get("Queue"), get("Interface")
        if not queue or not interface:
            return "Error", "Need 'Queue' and 'Interface' parameters."
        members = self._members.get(queue)
        if members is None:
            return "Error", "Unable to remove interface from queue: No such queue"
        if interface not in members:
            return "Error", "Unable to remove interface: Not there"
        del members[interface]
        return "Success", "Removed interface from queue"

    def _queue_pause(self, get: Any) -> tuple[str, str]:
        interface, paused = get("Interface"), get("Paused").lower()
        if not interface or not paused:
            return "Error", "Need 'Interface' and 'Paused' parameters."
        pause = paused in ("true", "yes", "1")
        queue = get("Queue")
        queues = [queue] if queue else list(self._members)
        found = [q for q in queues if interface in self._members.get(q, {})]
        if not found:
            return "Error", "Interface not found"
        for q in found:
            self._members[q][interface] = get("Reason") if pause else None
        return "Success", f"Interface {'paused' if pause else 'unpaused'} successfully"


def _async(value: str) -> bool:
    return value.lower() in ("true", "yes", "1", "on")
