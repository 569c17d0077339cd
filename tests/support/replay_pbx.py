"""A replay AMI server that answers the actions Callboard sends on people's behalf as
Asterisk 20 does: ``Originate`` (ChanSpy for supervisors, click-to-dial), ``QueueAdd``,
``QueueRemove`` and ``QueuePause``, with ``Response: Success`` and Asterisk's message, or
``Response: Error`` and Asterisk's message when the fields are wrong or the state does
not allow it (``Interface not found``, ``Unable to add interface: Already there``...).

The PBX it pretends to be has ``queues`` (name -> member interfaces) and ``extensions``
(what ``Local/<ext>@<context>`` may dial). Simplification: an ``Async`` Originate whose
channel could not be created is answered ``Error``/``Originate failed`` at once (a real
PBX says "queued" and reports the failure in an ``OriginateResponse`` event later), and
no ``QueueMember*`` events follow the answers (the capture brings the floor's events).
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from adapters.replay.frames import header
from adapters.replay.frames import response as _response
from adapters.replay.server import ReplayAmiServer

__all__ = ["CHANSPY_OPTIONS", "PbxReplayServer"]

CHANSPY_OPTIONS = set("qEbwBdosSvX")  # the ChanSpy options this PBX accepts
_LOCAL = re.compile(r"^Local/([^@/;]+)@([^/;]+)(/n)?$")
DEFAULT_EXTENSIONS = ("1001", "1002", "1003", "1004", "9001", "9002")


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
        if answer is None:
            return super().respond(action_headers)
        with self._pbx_lock:
            status, message = answer(lambda key: (header(action_headers, key) or "").strip())
        return [_response(status, header(action_headers, "ActionID"), ("Message", message))]

    # -- Originate ---------------------------------------------------------------------
    def _originate(self, get: Any) -> tuple[str, str]:
        channel = get("Channel")
        if not channel:
            return "Error", "Channel not specified"
        if "/" not in channel:
            return "Error", "Invalid channel"
        if get("Exten") and not get("Application") and not get("Priority").isdigit():
            return "Error", "Invalid priority"
        if not self._can_dial(channel):
            return "Error", "Originate failed"
        application = get("Application")
        if application:
            if application.lower() != "chanspy" or not self._spy_data_ok(get("Data")):
                return "Error", "Originate failed"
        elif not (get("Exten") and get("Context")):
            return "Error", "Originate failed"
        return "Success", "Originate successfully queued"  # Asterisk's words, Async or not

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
        if not queue or not interface:
            return "Error", "'Queue' or 'Interface' not set."
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
