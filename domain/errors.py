"""Domain errors.

    CallboardError
    ├── InvariantViolated        an aggregate refused a change that breaks its rules
    │   ├── CallAlreadyEnded
    │   ├── NotInQueue
    │   └── UnknownRole
    └── UnknownAggregate         a command named something that does not exist

QA (appended):
    InvariantViolated
    ├── InvalidForm              an evaluation form definition breaks a rule
    ├── InvalidAnswers           answers that do not fit the form version
    ├── InvalidPolicy            sampling policy rules that do not make sense
    ├── WrongEvaluationState     an evaluation step out of order
    ├── NotTheAnalyst            someone other than the assigned analyst scoring
    └── DisputeWindowClosed      a dispute after the agent's window closed
    CallboardError
    └── AlreadyExists            a command would create something that exists

Complaints, DND and wrap-up (appended):
    InvariantViolated
    ├── InvalidChoice            a value outside its list (severity, channel, code...)
    ├── TransitionRefused        a complaint step that makes no sense in its state
    │   └── EscalationRequired   progress on a major complaint not yet escalated
    ├── DndNumberRefused         a dial to a number on the do-not-disturb list
    ├── NotOnDndList             removing a number that is not on the list
    └── NotYourCall              an agent acting on a call that is not theirs

PBX actions (appended):
    InvariantViolated
    ├── PbxActionSettled         a second answer for a PBX action already answered
    └── NoAgentOnCall            supervising a call no agent is connected to
    CallboardError
    ├── PbxUnavailable           no AMI connection to send an action on
    └── PbxTimeout               the PBX did not answer an action in time

Shared by every feature (appended):
    CallboardError
    ├── ChangedMeanwhile         someone else saved the same aggregate between read and write
    ├── InvalidTime              a time that cannot be read (not ISO 8601, out of range)
    │   └── TimeZoneMissing      a time without a zone (ambiguous: refused, never guessed)
    └── NoExtensionBound         an agent's own data asked for by a user with no extension
"""

from __future__ import annotations

__all__ = [
    "AlreadyExists",
    "CallAlreadyEnded",
    "CallboardError",
    "ChangedMeanwhile",
    "DisputeWindowClosed",
    "DndNumberRefused",
    "EscalationRequired",
    "InvalidAnswers",
    "InvalidChoice",
    "InvalidForm",
    "InvalidPolicy",
    "InvalidTime",
    "InvariantViolated",
    "NoAgentOnCall",
    "NoExtensionBound",
    "NotInQueue",
    "NotOnDndList",
    "NotTheAnalyst",
    "NotYourCall",
    "PbxActionSettled",
    "PbxTimeout",
    "PbxUnavailable",
    "TimeZoneMissing",
    "TransitionRefused",
    "UnknownAggregate",
    "UnknownRole",
    "WrongEvaluationState",
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


class InvalidForm(InvariantViolated):
    """An evaluation form definition breaks a rule (keys, weights, scales, flags)."""


class InvalidAnswers(InvariantViolated):
    """Answers that do not fit the form version: unknown question, a value not on the
    scale, N/A where it is not allowed, or questions left unanswered at submission."""


class InvalidPolicy(InvariantViolated):
    """A sampling policy whose rules do not make sense (no quota, negative minimum...)."""


class WrongEvaluationState(InvariantViolated):
    """An evaluation step out of order (e.g. a dispute before the result was submitted)."""


class NotTheAnalyst(InvariantViolated):
    """Only the analyst an evaluation is assigned to may score it."""


class DisputeWindowClosed(InvariantViolated):
    """The agent's window to dispute an evaluation has closed."""


class AlreadyExists(CallboardError):
    """A command would create something that exists already."""


class InvalidChoice(InvariantViolated):
    """A value outside the list it must come from (a severity, a channel, a wrap-up code,
    a responsibility), or a required value left empty."""


class TransitionRefused(InvariantViolated):
    """A complaint step that makes no sense in the complaint's state (resolving a closed
    complaint, a follow-up visit before the resolution, closing an unresolved one...)."""


class EscalationRequired(TransitionRefused):
    """A major complaint must be escalated before anything else moves it forward."""


class DndNumberRefused(InvariantViolated):
    """A dial to a number on the do-not-disturb list; ``version`` is the registry version
    that refused it."""

    def __init__(self, message: str, number: str, version: int, source: str) -> None:
        super().__init__(message)
        self.number, self.version, self.source = number, version, source


class NotOnDndList(InvariantViolated):
    """Removing a number that is not on the do-not-disturb list."""


class NotYourCall(InvariantViolated):
    """An agent setting the wrap-up of a call they did not take or dial."""


class PbxActionSettled(InvariantViolated):
    """A PBX action's answer (or failure) recorded twice: an action has one outcome."""


class NoAgentOnCall(InvariantViolated):
    """Listening, whispering or barging on a call with no agent connected to it."""


class PbxUnavailable(CallboardError):
    """No AMI connection to send a PBX action on (or it ended before the answer)."""


class PbxTimeout(CallboardError):
    """The PBX did not answer a PBX action in time."""


class ChangedMeanwhile(CallboardError):
    """Someone else changed the same aggregate between our read and our write: the caller
    reloads and tries again."""


class InvalidTime(CallboardError):
    """A time that cannot be read: not ISO 8601, or out of the range a clock holds."""


class TimeZoneMissing(InvalidTime):
    """A time without a zone: the same wall-clock time is a different instant in every
    zone, so it is refused rather than guessed."""


class NoExtensionBound(CallboardError):
    """A user asked for an agent's own data (their calls, evaluations, queue membership)
    but no extension is bound to them, so which agent they are is unknown."""
