"""What an agent's phone (Asterisk's device state) says about the agent: one rule for
every feature that shows or measures agents (the floor's boards and occupancy, the
complaint timeline's agent state).

An agent whose device is ``on-hold`` has a caller on hold: that caller is still the
agent's call, so the agent is busy (the boards show them ``on-hold``, a state of being on
a call), after-call work has not begun, and the time counts as handling time.
"""

from __future__ import annotations

__all__ = ["BUSY_DEVICE", "RINGING_DEVICE", "is_busy", "is_ringing"]

BUSY_DEVICE = frozenset({"in-use", "busy", "on-hold", "ringing-in-use"})
RINGING_DEVICE = frozenset({"ringing", "ringing-in-use"})


def is_busy(device: str) -> bool:
    """The agent's phone is engaged in a call (talking, on hold, or a second call ringing
    while in use)."""
    return device in BUSY_DEVICE


def is_ringing(device: str) -> bool:
    return device in RINGING_DEVICE
