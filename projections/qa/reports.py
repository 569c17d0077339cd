"""QA reports from the folded evaluations and the catalogue (pure functions).

- ``qa_report``: per agent, form or queue and per period (of the call's start, in the
  center's time zone): evaluations, average / min / max of the latest score, fatal-fault
  counts (and by question), disputes, re-scores, and for agents and queues the share of
  recorded calls evaluated. Calibration evaluations are left out.
- ``calibration_report``: several analysts on one call (a calibration session, or every
  submitted evaluation of a call): per question the credits each analyst gave, their
  mean, spread (max - min) and standard deviation; per analyst the score, its deviation
  from the mean score and from the reference evaluation, and the mean absolute deviation
  of their credits from the question means (in points of 100).
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from projections.qa.catalogue import CallEntry

__all__ = ["BY", "PERIODS", "calibration_report", "period_label", "qa_report"]

BY = ("agent", "form", "queue")
PERIODS = ("all", "day", "week", "month")


def period_label(at: float, period: str, timezone: str) -> str:
    if period == "all":
        return "all"
    local = datetime.fromtimestamp(at, ZoneInfo(timezone))
    if period == "day":
        return local.date().isoformat()
    if period == "week":
        year, week, _ = local.isocalendar()
        return f"{year}-W{week:02d}"
    return f"{local.year}-{local.month:02d}"


def _key(by: str, agent: str, queue: str | None, form: str = "") -> str:
    return {"agent": agent, "queue": queue or "", "form": form}[by]


def _round(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(value, digits)


def qa_report(evaluations: Iterable[dict[str, Any]], calls: Iterable[CallEntry],
              since: float | None, until: float | None, by: str = "agent",
              period: str = "all", timezone: str = "UTC") -> dict[str, Any]:
    def inside(at: float) -> bool:
        return (since is None or at >= since) and (until is None or at < until)

    groups: dict[tuple[str, str], dict[str, Any]] = {}

    def group(label: str, key: str) -> dict[str, Any]:
        return groups.setdefault((label, key), {
            "period": label, "key": key, "name": "", "evaluations": 0, "scores": [],
            "fatal_count": 0, "fatal_by_question": {}, "disputed": 0, "rescored": 0,
            "recorded": set(), "evaluated": set(), "forms": set()})

    if by != "form":
        for call in calls:
            if inside(call.started_at) and call.agent:
                g = group(period_label(call.started_at, period, timezone),
                          _key(by, call.agent, call.queue))
                g["recorded"].add(call.call_id)
                g["name"] = call.agent_name if by == "agent" else g["name"]
    for row in evaluations:
        started = row["call"].get("started_at") or row["assigned_at"]
        if row["calibration"] is not None or row["score"] is None or not inside(started):
            continue
        g = group(period_label(started, period, timezone),
                  _key(by, row["agent"], row["call"].get("queue"), row["form"]))
        g["name"] = row["agent_name"] if by == "agent" else g["name"]
        g["evaluations"] += 1
        g["scores"].append(row["score"])
        g["evaluated"].add(row["call_id"])
        g["forms"].add(f"{row['form']} v{row['form_version']}")
        if row["fatal"]:
            g["fatal_count"] += 1
            for key in row["fatal"]:
                g["fatal_by_question"][key] = g["fatal_by_question"].get(key, 0) + 1
        g["disputed"] += row["dispute"] is not None
        g["rescored"] += len(row["scorings"]) > 1
    out = []
    for _, g in sorted(groups.items(), key=lambda item: item[0]):
        scores, recorded = g.pop("scores"), g.pop("recorded")
        evaluated = g.pop("evaluated")
        out.append({**g, "forms": sorted(g["forms"]),
                    "average_score": _round(statistics.fmean(scores)) if scores else None,
                    "min_score": min(scores, default=None),
                    "max_score": max(scores, default=None),
                    "calls_recorded": None if by == "form" else len(recorded),
                    "calls_evaluated": len(evaluated),
                    "share_evaluated": None if by == "form" or not recorded
                    else round(len(evaluated & recorded) / len(recorded), 4)})
    return {"by": by, "period": period, "timezone": timezone, "from": since, "to": until,
            "groups": out}


def _stats(values: list[float]) -> dict[str, float | None]:
    if not values:
        return {"mean": None, "min": None, "max": None, "spread": None, "stdev": None}
    return {"mean": _round(statistics.fmean(values), 4), "min": min(values),
            "max": max(values), "spread": _round(max(values) - min(values), 4),
            "stdev": _round(statistics.pstdev(values), 4)}


def _one_call(rows: list[dict[str, Any]]) -> dict[str, Any]:
    scores = [r["score"] for r in rows]
    mean = statistics.fmean(scores)
    reference = next((r for r in rows if r["reference"]), None)
    keys = sorted({k for r in rows for k in r["credits"]})
    questions = []
    for key in keys:
        credits = {r["analyst"]: r["credits"].get(key) for r in rows}
        given = [c for c in credits.values() if c is not None]
        answers = {r["analyst"]: r["answers"].get(key) for r in rows}
        questions.append({"key": key, "credits": credits, "answers": answers,
                          "agree": len(set(answers.values())) == 1, **_stats(given)})
    means = {q["key"]: q["mean"] for q in questions}
    analysts = []
    for r in rows:
        gaps = [abs(c - means[k]) * 100 for k, c in r["credits"].items()
                if c is not None and means.get(k) is not None]
        analysts.append({
            "analyst": r["analyst"], "evaluation_id": r["id"], "score": r["score"],
            "reference": r["reference"], "deviation_from_mean": round(r["score"] - mean, 2),
            "deviation_from_reference": None if reference is None
            else round(r["score"] - reference["score"], 2),
            "mean_abs_question_deviation": _round(statistics.fmean(gaps)) if gaps else None})
    first = rows[0]
    return {"call_id": first["call_id"], "call": first["call"], "form": first["form"],
            "form_version": first["form_version"],
            "reference": None if reference is None else reference["analyst"],
            "score": _stats(scores),
            "analysts": analysts, "questions": questions}


def calibration_report(evaluations: Iterable[dict[str, Any]], session: str | None = None,
                       call_id: str | None = None) -> dict[str, Any]:
    """Submitted evaluations of a calibration ``session`` and/or of one call, per call and
    form version."""
    groups: dict[tuple[str, str, int], list[dict[str, Any]]] = {}
    for row in evaluations:
        if row["score"] is None or (session is not None and row["calibration"] != session) \
                or (call_id is not None and row["call_id"] != call_id):
            continue
        groups.setdefault((row["call_id"], row["form"], row["form_version"]), []).append(row)
    calls = [_one_call(sorted(rows, key=lambda r: r["analyst"]))
             for _, rows in sorted(groups.items())]
    return {"session": session, "call_id": call_id, "calls": calls}
