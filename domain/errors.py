"""Domain errors.

    CallboardError
    ├── InvariantViolated        an aggregate refused a change that breaks its rules
    │   ├── CallAlreadyEnded
    │   ├── NotInQueue
    │   └── UnknownRole
    └── UnknownAggregate         a command named something that does not exist
"""

from __future__ import annotations

__all__ = [
    "CallAlreadyEnded",
    "CallboardError",
    "InvariantViolated",
    "NotInQueue",
    "UnknownAggregate",
    "UnknownRole",
]


class CallboardError(Exception):
    """Base of every error the domain raises."""


class InvariantViolated(CallboardError):
    """An aggregate refused a change that would break one of its rules."""


class CallAlreadyEnded(InvariantViolated):
    """Something happened to a call after it had ended."""


class NotInQueue(InvariantViolated):
    """A queue outcome arrived for a caller that is not waiting in that queue."""


class UnknownAggregate(CallboardError):
    """A command named a call, agent or queue that does not exist."""


class UnknownRole(InvariantViolated):
    """A user was given a role Callboard does not have."""
