"""What the live floor knows about one call and one agent, and the rules that turn an
agent's facts into the state the boards show.

Agent states: ``logged-out``, ``paused`` (with reason), ``ringing``, ``on-call``,
``on-hold``, ``wrap-up`` (a call of theirs ended and the PBX has not yet reported them
free) and ``available``. What the device state says is decided once, in
``projections.agent_states`` (a caller on hold keeps the agent busy).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from domain.telephony.agent import extension_of
from projections.agent_states import is_busy, is_ringing

__all__ = ["AgentNow", "CallNow", "SupervisorNow", "agent_state", "spy_mode",
           "state_in_queue"]

ON_A_CALL = ("on-call", "on-hold", "ringing")  # states a pause in one queue does not hide


def spy_mode(data: str) -> str:
    """``ChanSpy(chan,qEbw)``'s options: ``w`` whisper, ``B`` barge, else listen."""
    options = data.rsplit(",", 1)[-1] if "," in data else ""
    return "barge" if "B" in options else "whisper" if "w" in options else "listen"


@dataclass
class SupervisorNow:
    extension: str
    mode: str
    since: float
    spyer_linkedid: str = ""


@dataclass
class CallNow:
    call_id: str
    linkedid: str
    started_at: float
    number: str
    name: str
    direction: str = "unknown"
    queue: str | None = None
    waiting_since: float | None = None
    answered_at: float | None = None
    agent: str | None = None  # queue-member interface, or an extension for outbound
    agent_name: str = ""
    on_hold_since: float | None = None
    hold_total_s: float = 0.0
    dial_status: str | None = None  # outbound: DialEnded status (ANSWER, BUSY, ...)
    ringing: set[str] = field(default_factory=set)  # interfaces the queue is ringing now
    recordings: list[str] = field(default_factory=list)
    supervisors: dict[str, SupervisorNow] = field(default_factory=dict)  # spyer channel ->
    spy_target: bool = True  # False for a supervisor's own ChanSpy call


@dataclass
class AgentNow:
    agent_id: str
    interface: str
    name: str
    queues: dict[str, str | None] = field(default_factory=dict)  # queue -> pause reason
    known_queues: set[str] = field(default_factory=set)
    device: str = "unknown"
    call_id: str | None = None
    wrap_up_since: float | None = None
    state: str = "logged-out"
    reason: str = ""
    since: float = 0.0

    @property
    def extension(self) -> str:
        return extension_of(self.interface)


def agent_state(agent: AgentNow, call: CallNow | None) -> tuple[str, str]:
    """(state, reason) of ``agent``, whose current call (if the floor has it) is ``call``.

    The call decides while it is answered; else the device: ringing, then wrap-up (their
    call ended and the phone is still engaged), then busy (``on-hold`` when the phone
    says so); a free agent is paused only when paused in every queue."""
    if not agent.queues:
        return "logged-out", ""
    if call is not None and call.answered_at is not None:
        return ("on-hold" if call.on_hold_since is not None else "on-call"), ""
    if is_ringing(agent.device):
        return "ringing", ""
    if agent.wrap_up_since is not None:
        return "wrap-up", ""
    if is_busy(agent.device):
        return ("on-hold" if agent.device == "on-hold" else "on-call"), ""
    reasons = list(agent.queues.values())
    if all(r is not None for r in reasons):
        return "paused", str(reasons[0])
    return "available", ""


def state_in_queue(agent: AgentNow, queue: str) -> tuple[str, str]:
    """The agent's state as one queue sees it (paused in it, or logged out of it)."""
    if queue not in agent.queues:
        return "logged-out", ""
    reason = agent.queues[queue]
    if reason is not None and agent.state not in ON_A_CALL:
        return "paused", reason
    if agent.state == "paused":  # paused elsewhere only: free for this queue
        return "available", ""
    return agent.state, agent.reason
