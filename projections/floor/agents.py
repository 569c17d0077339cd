"""The agent board: every agent's state now and their figures for the business day.

Definitions (ARCHITECTURE.md section 5), stated in every view under ``definitions``. The
day's figures that the ``stats`` report also gives are taken from it
(``projections.floor.stats_report.build_report`` over ``[day start, now)``), so both always
agree; the board adds hold, after-call work, AHT and outbound dials and connects.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from projections.business_day import BoardPolicy, business_day_start
from projections.figures import round2
from projections.floor.live import AgentNow, CallNow
from projections.floor.queue_stats import Outbound, Visit
from projections.floor.stats_report import build_report
from projections.floor.wallboard import AGENT_STATES, StatsAndFloor

__all__ = ["AgentBoardProjection"]

DEFINITIONS = {
    "period": "the business day so far: calls that joined a queue (inbound) or started "
              "(outbound) from the day start up to now",
    "state": "available, ringing, on-call, on-hold, wrap-up (call ended, phone not yet "
             "free), paused (in every queue; the reason shown) or logged-out",
    "answered": "inbound queue calls the agent connected (queue_log CONNECT)",
    "handled": "answered calls that have ended (their talk time is known)",
    "talk_total_s": "answer to end of the handled calls, hold included (AgentComplete)",
    "hold_total_s": "time on hold within the handled calls",
    "acw_total_s": "after-call work: end of a handled call to the agent free again",
    "aht_s": "(talk + after-call work) / handled, as on the wallboard (talk time, answer "
             "to end, already contains the time on hold)",
    "outbound_dials": "outbound calls the agent dialled",
    "outbound_connects": "outbound calls the customer answered (DialStatus ANSWER)",
    "calls_handled": "answered inbound calls + outbound connects",
    "paused_s_by_reason": "paused seconds per reason, pauses in several queues at once "
                          "counted once",
    "logged_in_s_by_queue": "seconds logged in to each queue",
}


class AgentBoardProjection(StatsAndFloor):
    """Folds domain events; ``view(now)`` gives the agent board as it stands at ``now``."""

    name = "agents"

    def __init__(self, policy: BoardPolicy | None = None) -> None:
        super().__init__(policy, 0.0)

    # -- the board -------------------------------------------------------------------------
    def view(self, now: float) -> dict[str, Any]:
        day_from = business_day_start(now, self.policy)
        report = build_report(self.stats, since=day_from, until=now)
        facts = {str(key): value for key, value in self.stats.agents.items()}
        # the same visits and dials as the report: joined / started in [day start, now)
        answered: dict[str, list[Visit]] = defaultdict(list)
        for visit in self.stats.visits:
            if visit.outcome == "answered" and visit.agent and day_from <= visit.joined_at < now:
                answered[visit.agent].append(visit)
        dials: dict[str, list[Outbound]] = defaultdict(list)
        for dial in self.stats.outbound.values():
            if day_from <= dial.started_at < now:
                dials[dial.agent_extension].append(dial)
        agents = sorted(self.floor.agents.values(), key=lambda a: (a.name, a.agent_id))
        rows = []
        for agent in agents:
            fact = facts.get(agent.agent_id)
            figures = dict(report["agents"].get(fact.name if fact else agent.name, {}))
            figures.update(self.own_figures(answered.get(agent.interface, []),
                                            dials.get(agent.extension, [])))
            rows.append(self.agent_row(agent, figures, now))
        return {
            "as_of": now,
            "timezone": self.policy.timezone,
            "day": {"from": day_from, "to": now},
            "definitions": DEFINITIONS,
            "agents": rows,
            "totals": self.totals(agents),
        }

    def agent_row(self, agent: AgentNow, figures: dict[str, Any], now: float) -> dict[str, Any]:
        figures["answered_by_queue"] = dict(sorted(
            figures.get("answered_by_queue", {}).items()))
        return {
            "agent_id": agent.agent_id,
            "name": agent.name,
            "interface": agent.interface,
            "extension": agent.extension,
            "state": agent.state,
            "reason": agent.reason,
            "since": agent.since,
            "in_state_s": round2(max(0.0, now - agent.since)),
            "queues": [self.queue_row(agent, queue) for queue in sorted(agent.queues)],
            "current_call": self.current_call(agent, now),
            "day": figures,
        }

    def queue_row(self, agent: AgentNow, queue: str) -> dict[str, Any]:
        reason = agent.queues[queue]
        state, state_reason = self.floor.state_in_queue(agent, queue)
        return {"queue": queue, "paused": reason is not None, "pause_reason": reason,
                "state": state, "state_reason": state_reason}

    @staticmethod
    def own_figures(answered: list[Visit], dials: list[Outbound]) -> dict[str, Any]:
        """What ``build_report`` does not give: hold, ACW, AHT, outbound dials and
        connects, from the agent's answered visits and their dials of the period."""
        handled = [v for v in answered if v.talk_s is not None]
        talk = sum(v.talk_s or 0 for v in handled)
        hold = sum(v.hold_s for v in handled)
        acw = sum(v.acw_s or 0.0 for v in handled)
        connects = sum(1 for o in dials if o.status == "ANSWER")
        return {
            "handled": len(handled),
            "hold_total_s": round2(hold),
            "acw_total_s": round2(acw),
            "aht_s": round2((talk + acw) / len(handled)) if handled else None,
            "outbound_dials": len(dials),
            "outbound_connects": connects,
            "outbound_talk_s": sum(o.talk_s for o in dials),
            "calls_handled": len(answered) + connects,
        }

    def _call_of(self, agent: AgentNow) -> CallNow | None:
        calls = self.floor.calls
        call = calls.get(agent.call_id or "")
        if call is not None:
            return call
        # The agent's own link can be missing (their registration stored after the call's
        # answer in one batch): look for a live call that names them.
        mine = [c for c in calls.values() if c.agent is not None
                and self.floor.agent_of(c) is agent]
        if mine:
            return max(mine, key=lambda c: c.answered_at or c.started_at)
        ringing = [c for c in calls.values() if agent.interface in c.ringing]
        return min(ringing, key=lambda c: c.started_at) if ringing else None

    def current_call(self, agent: AgentNow, now: float) -> dict[str, Any] | None:
        call = self._call_of(agent)
        if call is None:
            return None
        if call.answered_at is None:
            state = "ringing"
        else:
            state = "on-hold" if call.on_hold_since is not None else "on-call"
        start = call.answered_at if call.answered_at is not None else call.started_at
        return {
            "call_id": call.call_id,
            "linkedid": call.linkedid,
            "number": call.number,
            "customer_name": call.name,
            "queue": call.queue or ("outbound" if call.direction == "outbound" else None),
            "direction": call.direction,
            "state": state,
            "started_at": call.started_at,
            "answered_at": call.answered_at,
            "duration_s": round2(max(0.0, now - start)),
        }

    def totals(self, agents: list[AgentNow]) -> dict[str, Any]:
        states = Counter(a.state for a in agents)
        paused = Counter(a.reason or "unspecified" for a in agents if a.state == "paused")
        return {
            "agents": {s: states.get(s, 0) for s in AGENT_STATES},
            "paused_by_reason": dict(sorted(paused.items())),
            "logged_in": sum(n for s, n in states.items() if s != "logged-out"),
        }
