"""REST: the recording catalogue, drawing samples, and assigning a sample's calls."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response

from api.deps import Who
from api.qa.deps import EvaluationsDep, QaDep
from api.qa.schemas import (
    AssignedOut,
    AssignSampleIn,
    CatalogueOut,
    SampleIn,
    SampleOut,
    SamplesOut,
)
from domain.time import epoch_seconds

__all__ = ["router"]

router = APIRouter(prefix="/api/qa", tags=["qa"])
Seconds = Annotated[float | None, Query(ge=0, le=1e9)]


@router.get("/catalogue", response_model=CatalogueOut,
            summary="Every recording with its call, agent, queue, duration and QA status")
def catalogue(
    qa: QaDep, who: Who,
    agent: Annotated[str | None, Query(description="extension or name")] = None,
    queue: str | None = None,
    direction: str | None = None,
    since: Annotated[datetime | None, Query(alias="from")] = None,
    until: Annotated[datetime | None, Query(alias="to")] = None,
    min_duration: Seconds = None, max_duration: Seconds = None,
    disposition: str | None = None,
    qa_status: Literal["none", "assigned", "evaluated"] | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> dict[str, Any]:
    lo, hi = epoch_seconds(since, "from"), epoch_seconds(until, "to")
    rows = [r for r in qa.catalogue(with_files=False)
            if (agent is None or agent in (r["agent"], r["agent_name"]))
            and (queue is None or r["queue"] == queue)
            and (direction is None or r["direction"] == direction)
            and (lo is None or r["started_at"] >= lo) and (hi is None or r["started_at"] < hi)
            and (min_duration is None or (r["duration_s"] or 0) >= min_duration)
            and (max_duration is None or (r["duration_s"] or 0) <= max_duration)
            and (disposition is None or r["disposition"] == disposition)
            and (qa_status is None or r["qa_status"] == qa_status)]
    page = qa.with_files(rows[offset:offset + limit])
    return {"recordings": page, "count": len(page), "total": len(rows)}


@router.post("/samples", response_model=SampleOut, status_code=201,
             summary="Draw a sample with a policy for a period (the same draw again returns "
             "the sample drawn before, with 200)")
def draw(body: SampleIn, qa: QaDep, who: Who, response: Response) -> dict[str, Any]:
    sample = qa.draw_sample(body.policy, body.period, body.seed, body.complained_numbers,
                            who.name)
    response.status_code = 201 if sample["new"] else 200
    return sample


@router.get("/samples", response_model=SamplesOut, summary="Samples drawn, newest first")
def samples(qa: QaDep, who: Who) -> dict[str, Any]:
    return {"samples": qa.samples()}


@router.get("/samples/{sample_id}", response_model=SampleOut,
            summary="A sample as recorded, and drawn again from the record")
def sample(sample_id: str, qa: QaDep, who: Who) -> dict[str, Any]:
    return qa.sample(sample_id)


@router.post("/samples/{sample_id}/assign", response_model=AssignedOut,
             summary="Assign the sample's calls to analysts in turn")
def assign_sample(sample_id: str, body: AssignSampleIn, evaluations: EvaluationsDep,
                  who: Who) -> dict[str, Any]:
    return evaluations.assign_sample(sample_id, body.form, body.analysts or [who.name],
                                     who.name)
