"""The ``stats`` report: queue, agent and outbound figures from a ``StatsProjection``.

Key names and rounding follow ``summary.json`` of the recorded scenarios, plus figures
queue_log cannot give: calls lost in a PBX restart, calls closed by resync after a feed
gap, and how many figures rest on inferred facts.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from domain.intervals import covered, union
from domain.telephony.agent import extension_of
from domain.telephony.durations import comparable_span
from projections.figures import pct
from projections.floor.visits import AgentFacts, Outbound, Visit, is_abandoned

if TYPE_CHECKING:
    from projections.floor.queue_stats import StatsProjection

__all__ = ["build_report", "queue_figures"]

DEFAULT_SERVICE_LEVEL_S = 20


def _mean(values: list[int]) -> float | None:
    return round(sum(values) / len(values), 2) if values else None


def _max(values: list[int]) -> int | None:
    return max(values) if values else None


def _clip(start: float, end: float | None, since: float | None,
          until: float) -> tuple[float, float]:
    """A span within the period, both ends at one precision (``comparable_span``)."""
    start, stop = comparable_span(start, end if end is not None and end != math.inf
                                  else until)
    lo = start if since is None else max(start, since)
    return lo, min(stop, until)


def queue_figures(visits: list[Visit], service_level_s: int, rna: int) -> dict[str, Any]:
    by = Counter(v.outcome for v in visits)
    answered = [v for v in visits if v.outcome == "answered"]
    abandoned = [v for v in visits if is_abandoned(v)]
    # queue_log writes ABANDON for callers hung up by a PBX shutdown too (lost by the
    # restart here): ``abandoned_by_shutdown`` keeps queue_log's count.
    shut_out = [v for v in visits if v.outcome == "abandoned" and v.by_shutdown]
    timeouts = [v for v in visits if v.outcome == "timeout"]
    completions = Counter(v.completion for v in answered)
    holds = [v.wait_s for v in answered if v.wait_s is not None]
    # a caller who abandoned in a feed gap has only an upper bound for a wait (the
    # resync): kept out of the wait figures, which are the waits Asterisk reported
    waits_ab = [v.wait_s for v in abandoned if v.wait_s is not None and not v.closed_by_resync]
    waits_to = [v.wait_s for v in timeouts if v.wait_s is not None]
    talks = [v.talk_s for v in answered if v.talk_s is not None]
    within = sum(1 for w in holds if w <= service_level_s)
    return {
        "offered": len(visits),
        "answered": len(answered),
        "abandoned": len(abandoned),
        "exit_with_timeout": len(timeouts),
        "exit_empty": sum(n for o, n in by.items() if o and o.startswith("exit-leave")),
        "exit_with_key": by.get("exit-withkey", 0),
        "unresolved": by.get(None, 0),
        "ended_by_shutdown": sum(1 for v in visits if v.by_shutdown),
        "abandoned_by_shutdown": len(shut_out),
        "answered_unfinished": sum(1 for v in answered if v.completion is None),
        "completed_by_agent": completions.get("agent", 0),
        "completed_by_caller": completions.get("caller", 0),
        "completed_side_unknown": completions.get("unknown", 0),
        "transferred": completions.get("transfer", 0),
        "ring_no_answer": rna,
        "lost_by_restart": by.get("lost-by-restart", 0) + len(shut_out),
        # calls (one open visit per call and queue) that ended while the feed was down;
        # visits a snapshot showed are ``inferred`` too, but nothing ended for them
        "closed_by_resync": sum(1 for v in visits if v.closed_by_resync),
        "inferred_visits": sum(1 for v in visits if v.inferred),
        "left_unanswered_in_feed_gap": by.get("closed-by-resync", 0),
        "hold_answered_mean_s": _mean(holds),
        "hold_answered_max_s": _max(holds),
        "wait_abandoned_mean_s": _mean(waits_ab),
        "wait_abandoned_max_s": _max(waits_ab),
        "wait_timeout_mean_s": _mean(waits_to),
        "wait_all_mean_s": _mean(holds + waits_ab + waits_to),
        "wait_all_max_s": _max(holds + waits_ab + waits_to),
        "talk_mean_s": _mean(talks),
        "talk_max_s": _max(talks),
        "talk_total_s": sum(talks),
        "service_level_s": service_level_s,
        "answered_within_sl": within,
        "service_level_pct": pct(within, len(answered)),
        "service_level_pct_offered": pct(within, len(visits)),
    }


def build_report(p: StatsProjection, since: float | None, until: float | None) -> dict[str, Any]:
    end = until if until is not None else (p.last_at or 0.0)
    clip = _clipper(since, end)

    def in_range(at: float) -> bool:
        return (since is None or at >= since) and at < end if until is not None else (
            since is None or at >= since)

    visits = [v for v in p.visits if in_range(v.joined_at)]
    rna = [(q, a) for q, a, at in p.ring_no_answer if in_range(at)]
    by_queue: dict[str, list[Visit]] = defaultdict(list)
    for visit in visits:
        by_queue[visit.queue].append(visit)
    queues = {}
    for name in sorted(p.queues_seen | set(by_queue)):
        sl = p.service_level.get(name, DEFAULT_SERVICE_LEVEL_S)
        queues[name] = queue_figures(by_queue[name], sl, sum(1 for q, _ in rna if q == name))
    outbound_calls = [o for o in p.outbound.values() if in_range(o.started_at)]
    agents = {facts.name: _agent_figures(facts, visits, rna, outbound_calls, clip)
              for facts in p.agents.values()}
    totals = {k: sum(q[k] for q in queues.values()) for k in (
        "offered", "answered", "abandoned", "exit_with_timeout", "unresolved", "transferred",
        "lost_by_restart", "closed_by_resync", "left_unanswered_in_feed_gap")}
    return {"queues": queues, "agents": agents, "outbound": _outbound(outbound_calls),
            "totals_inbound": totals,
            "period": {"from": since, "to": end}}


Clip = Callable[[float, float | None], tuple[float, float]]


def _clipper(since: float | None, end: float) -> Clip:
    """Login and pause spans -> the part within the report's period, in fractional
    times: the union is rounded once, when shown (``domain.telephony.durations``)."""
    return lambda start, stop: _clip(start, stop, since, end)


def _agent_figures(facts: AgentFacts, visits: list[Visit], rna: list[tuple[str, str]],
                   outbound_calls: list[Outbound], clip: Clip) -> dict[str, Any]:
    mine = [v for v in visits if v.agent == facts.interface and v.outcome == "answered"]
    talks = [v.talk_s for v in mine if v.talk_s is not None]
    completions = Counter(v.completion for v in mine)
    logged = {q: round(covered([clip(s, e) for s, e in spans]))
              for q, spans in facts.logins.items() if spans}
    by_reason: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for spans in facts.pauses.values():
        for start, stop, reason in spans:
            lo, hi = clip(start, stop)
            if hi >= lo:  # a pause of no whole second still counts as a pause
                by_reason[reason].append((lo, hi))
    merged = {r: union(iv) for r, iv in by_reason.items()}
    ext = extension_of(facts.interface)
    out = [o for o in outbound_calls if o.agent_extension == ext]
    return {
        "answered": len(mine),
        "answered_by_queue": dict(Counter(v.queue for v in mine)),
        "talk_total_s": sum(talks),
        "completed_by_agent": completions.get("agent", 0),
        "completed_by_caller": completions.get("caller", 0),
        "completed_side_unknown": completions.get("unknown", 0),
        "transferred": completions.get("transfer", 0),
        "ring_no_answer": sum(1 for _, a in rna if a == facts.interface),
        "paused_s_by_reason": {r: round(covered(iv)) for r, iv in merged.items()},
        "pauses_by_reason": {r: len(iv) for r, iv in merged.items()},
        "logged_in_s_by_queue": logged,
        "outbound": _outbound(out) if out else None,
        "paused_s_total": round(covered([i for iv in merged.values() for i in iv])),
        "talk_mean_s": _mean(talks),
    }


def _outbound(calls: list[Any]) -> dict[str, Any]:
    return {"calls": len(calls),
            "by_status": dict(Counter(o.status or "UNKNOWN" for o in calls)),
            "talk_total_s": sum(o.talk_s for o in calls)}
