"""QA evaluations of calls as complaint-timeline entries (the complaints service's hook)."""

from __future__ import annotations

from typing import Any

from api.qa.views import QaViews

__all__ = ["qa_timeline_entries"]

_STEPS = (("assigned_at", "Evaluation.Assigned"), ("submitted_at", "Evaluation.Submitted"))


def qa_timeline_entries(views: QaViews) -> Any:
    """``call ids -> entries``: each evaluation of those calls, when it was assigned and
    submitted, disputed and resolved, with its score (the complaints service's hook,
    wired by ``api.bootstrap``)."""

    def entries(call_ids: list[str]) -> list[dict[str, Any]]:
        wanted = set(call_ids)
        out: list[dict[str, Any]] = []
        with views.reading() as (_, records):
            for row in records.evaluations.values():
                if row["call_id"] not in wanted:
                    continue
                data = {"evaluation": row["id"], "call_id": row["call_id"],
                        "analyst": row["analyst"], "form": row["form"],
                        "score": row["score"], "status": row["status"]}
                for key, kind in _STEPS:
                    if row[key] is not None:
                        out.append({"at": row[key], "source": "qa", "type": kind,
                                    "data": data})
                for key, kind in (("dispute", "Evaluation.Disputed"),
                                  ("resolution", "Evaluation.Resolved")):
                    if row[key]:
                        out.append({"at": row[key]["at"], "source": "qa", "type": kind,
                                    "data": {**data, **row[key]}})
        return out

    return entries
