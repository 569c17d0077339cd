"""The wallboard: per queue and in total, for the business day and rolling windows.

Definitions (ARCHITECTURE.md section 5), stated in every view under ``definitions``:
a visit counts in a period when the caller joined the queue in it; service level in three
named variants; ASA = mean wait of answered calls; AHT = (talk + ACW) / handled, where talk
is Asterisk's talk time (answer to end), which already contains the time on hold;
abandon rate with and without short abandons; occupancy = (talk + ACW) / (logged-in
time - paused time) of the queue's agents in the period (talk again with its hold).
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from typing import Any, ClassVar

from domain.intervals import covered
from projections.business_day import BoardPolicy, business_day_start
from projections.figures import pct, round2
from projections.floor.live import LiveFloor
from projections.floor.queue_stats import StatsProjection
from projections.floor.stats_report import DEFAULT_SERVICE_LEVEL_S, queue_figures
from projections.floor.visits import Visit, is_abandoned, is_short_abandon
from projections.topics import Handler, topics_of

__all__ = ["AGENT_STATES", "BoardPolicy", "StatsAndFloor", "WallboardProjection",
           "business_day_start", "forget_old_days"]

AGENT_STATES = ("available", "ringing", "on-call", "on-hold", "wrap-up", "paused",
                "logged-out")
DEFINITIONS = {
    "period": "a call counts in the period in which it joined the queue",
    "service_level.answered": "answered within T / answered (Asterisk ServicelevelPerf)",
    "service_level.offered": "answered within T / (answered + abandoned + timed out)",
    "service_level.offered_minus_short": "as offered, abandons shorter than S left out",
    "asa": "mean wait of answered calls",
    "aht": "(talk + after-call work) / handled calls; talk is Asterisk's talk time (answer "
           "to end), which already contains the time on hold",
    "abandon_rate": "abandoned / offered (a caller hung up by a PBX shutdown is lost by "
                    "the restart, not abandoned); minus_short leaves abandons shorter than "
                    "S out",
    "occupancy": "(talk incl. hold + ACW) / (logged-in time - paused time)",
    "lost_by_restart": "in the queue or on a call when the PBX restarted",
    "closed_by_resync": "calls that ended while the feed was down; found gone at the "
                        "resync",
    "inferred_visits": "visits known from a snapshot after a feed gap, not seen joining",
}


def forget_old_days(stats: StatsProjection, event: Any, policy: BoardPolicy,
                    next_prune: float, keep_s: float) -> float:
    """When events reach a new business day, forget what ended ``keep_s`` before its
    start; returns when to look again. (Decided by event times only, so a rebuild and a
    live fold forget the same things.)"""
    at = getattr(event, "at", None)
    if at is None or at < next_prune:
        return next_prune
    day = business_day_start(at, policy)
    stats.prune(day - keep_s)
    return day + 86_400


class StatsAndFloor:
    """A queue-statistics fold and a live-floor fold fed together: one dispatch per event
    (the handlers of both for its class, merged once), and old days forgotten."""

    name = ""
    # what the saved state holds (the projection runner restores these classes only)
    state_classes: ClassVar[tuple[type, ...]] = (BoardPolicy, StatsProjection, LiveFloor)

    def __init__(self, policy: BoardPolicy | None, keep_s: float) -> None:
        self.policy = policy or BoardPolicy()
        self.stats = StatsProjection()
        self.floor = LiveFloor()
        self.topics = topics_of(self.stats.handlers, self.floor.handlers)
        self.keep_s = keep_s
        self._next_prune = -math.inf
        self._dispatch = self._merged()

    def _merged(self) -> dict[type, tuple[Handler, ...]]:
        stats, floor = self.stats.handlers, self.floor.handlers
        return {kind: tuple(h for h in (stats.get(kind), floor.get(kind)) if h is not None)
                for kind in stats.keys() | floor.keys()}

    def __getstate__(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k != "_dispatch"}  # bound methods

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._dispatch = self._merged()

    def apply(self, event: Any) -> None:
        for handler in self._dispatch.get(type(event), ()):
            handler(event)
        at = getattr(event, "at", None)
        if at is None:
            return
        stats = self.stats
        if stats.last_at is None or at > stats.last_at:
            stats.last_at = at
        if at >= self._next_prune:
            self._next_prune = forget_old_days(stats, event, self.policy, self._next_prune,
                                               self.keep_s)

    @property
    def last_at(self) -> float | None:
        return self.stats.last_at


class WallboardProjection(StatsAndFloor):
    """Folds domain events; ``view(now)`` gives the board as it stands at ``now``."""

    name = "wallboard"

    def __init__(self, policy: BoardPolicy | None = None) -> None:
        policy = policy or BoardPolicy()
        super().__init__(policy, 60 * max(policy.windows_min, default=0))

    # -- figures ---------------------------------------------------------------------------
    def service_level_s(self, queue: str) -> int:
        return self.policy.service_level_s.get(
            queue, self.stats.service_level.get(queue, DEFAULT_SERVICE_LEVEL_S))

    def period(self, since: float, now: float) -> dict[str, Any]:
        visits = [v for v in self.stats.visits if since <= v.joined_at <= now]
        by_queue: dict[str, list[Visit]] = defaultdict(list)
        for visit in visits:
            by_queue[visit.queue].append(visit)
        queues = {q: self.figures(by_queue[q], since, now, [q])
                  for q in sorted(self.stats.queues_seen | set(by_queue))}
        totals = self.figures(visits, since, now, list(queues))
        return {"from": since, "to": now, "queues": queues, "totals": totals}

    def figures(self, visits: list[Visit], since: float, now: float,
                queues: list[str]) -> dict[str, Any]:
        """Queue-log compatible figures plus the wallboard's own."""
        sl = self.service_level_s(queues[0]) if len(queues) == 1 else DEFAULT_SERVICE_LEVEL_S
        rna = sum(1 for q, _, at in self.stats.ring_no_answer
                  if q in queues and since <= at <= now)
        out = queue_figures(visits, sl, rna)
        short_s = self.policy.short_abandon_s
        answered = [v for v in visits if v.outcome == "answered"]
        abandoned = [v for v in visits if is_abandoned(v)]
        short = [v for v in abandoned if is_short_abandon(v, short_s)]
        within = sum(1 for v in answered if v.wait_s is not None
                     and v.wait_s <= self.service_level_s(v.queue))
        handled = [v for v in answered if v.talk_s is not None]
        talk = sum(v.talk_s or 0 for v in handled)
        hold = sum(v.hold_s for v in handled)
        acw = sum(v.acw_s or 0.0 for v in handled)
        waits = [v.wait_s for v in answered if v.wait_s is not None]
        offered_sl = len(answered) + len(abandoned) + out["exit_with_timeout"]
        available_s = self._staffed_seconds(queues, since, now)
        out.update({
            "timed_out": out["exit_with_timeout"],
            "service_level_s": sl if len(queues) == 1 else None,
            "answered_within_sl": within,
            "service_level": {
                "answered": pct(within, len(answered)),
                "offered": pct(within, offered_sl),
                "offered_minus_short": pct(within, offered_sl - len(short)),
            },
            "short_abandon_s": short_s,
            "short_abandoned": len(short),
            "abandon_rate": pct(len(abandoned), len(visits)),
            "abandon_rate_minus_short": pct(len(abandoned) - len(short),
                                               len(visits) - len(short)),
            "asa_s": round2(sum(waits) / len(waits)) if waits else None,
            "handled": len(handled),
            "hold_total_s": round2(hold),
            "acw_total_s": round2(acw),
            "aht_s": round2((talk + acw) / len(handled)) if handled else None,
            "occupancy": pct(talk + acw, available_s),
        })
        return out

    def _staffed_seconds(self, queues: list[str], since: float, now: float) -> float:
        """Logged-in minus paused seconds, per agent over the union of ``queues``."""
        total = 0.0
        for facts in self.stats.agents.values():
            logins = [(a, min(b, now)) for q in queues for a, b in facts.logins.get(q, [])]
            pauses = [(a, now if b is None else b) for q in queues
                      for a, b, _ in facts.pauses.get(q, [])]
            total += covered(logins, since, now) - covered(pauses, since, now)
        return max(total, 0.0)

    def live(self, now: float) -> dict[str, Any]:
        queues: dict[str, Any] = {}
        for queue in sorted(self.stats.queues_seen):
            waiting = self.floor.waiting(queue)
            states: Counter[str] = Counter()
            paused: Counter[str] = Counter()
            for agent in self.floor.agents.values():
                if queue not in agent.known_queues:
                    continue
                state, reason = self.floor.state_in_queue(agent, queue)
                states[state] += 1
                if state == "paused":
                    paused[reason or "unspecified"] += 1
            queues[queue] = {
                "waiting_now": len(waiting),
                "longest_wait_s": round2(now - (waiting[0].waiting_since or now))
                if waiting else 0,
                "agents": {s: states.get(s, 0) for s in AGENT_STATES},
                "paused_by_reason": dict(paused),
                "logged_in": sum(n for s, n in states.items() if s != "logged-out"),
                "service_level_s": self.service_level_s(queue),
            }
        waiting = self.floor.waiting()
        states = Counter(a.state for a in self.floor.agents.values())
        paused_all = Counter(a.reason or "unspecified" for a in self.floor.agents.values()
                             if a.state == "paused")
        totals = {
            "waiting_now": len(waiting),
            "longest_wait_s": round2(now - (waiting[0].waiting_since or now)) if waiting else 0,
            "agents": {s: states.get(s, 0) for s in AGENT_STATES},
            "paused_by_reason": dict(paused_all),
            "logged_in": sum(n for s, n in states.items() if s != "logged-out"),
        }
        return {"queues": queues, "totals": totals}

    def view(self, now: float) -> dict[str, Any]:
        day_from = business_day_start(now, self.policy)
        return {
            "as_of": now,
            "timezone": self.policy.timezone,
            "definitions": DEFINITIONS,
            "now": self.live(now),
            "day": self.period(day_from, now),
            "windows": {f"{m}m": self.period(now - 60 * m, now)
                        for m in self.policy.windows_min},
        }



