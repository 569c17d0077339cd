"""REST: the boards (``?at=`` for the past), queues, agents and live calls."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query

from api.auth import Principal
from api.deps import RuntimeDep, Who
from api.runtime import Runtime
from api.schemas import AgentsBoard, LiveCalls, QueueOut, QueuesOut, Wallboard
from domain.time import epoch_seconds

__all__ = ["router"]

router = APIRouter(prefix="/api", tags=["boards"])

AtQuery = Annotated[datetime | None, Query(
    description="ISO 8601 instant: the board as it stood then (default: now)")]


def _board(runtime: Runtime, name: str, who: Principal, at: datetime | None) -> dict[str, Any]:
    """A board now, or as it stood ``at`` (masked for ``who`` by the response hook,
    ``api.system.masking``)."""
    return runtime.view(name, _at(at))


def _at(at: datetime | None) -> float | None:
    return epoch_seconds(at, "at")


@router.get("/wallboard",
            response_model=Wallboard, summary="Queues, service level and agents by state")
def wallboard(runtime: RuntimeDep, who: Who,
              at: AtQuery = None) -> dict[str, Any]:
    return _board(runtime, "wallboard", who, at)


@router.get("/queues",
            response_model=QueuesOut, summary="Per queue: live figures and today's figures")
def queues(runtime: RuntimeDep, who: Who,
           at: AtQuery = None) -> dict[str, Any]:
    view = runtime.view("wallboard", _at(at))
    return {"as_of": view["as_of"], "position": view["position"], "queues": {
        name: {"now": live, "day": view["day"]["queues"].get(name)}
        for name, live in view["now"]["queues"].items()}, "feed": view.get("feed")}


@router.get("/queues/{name}",
            response_model=QueueOut, summary="One queue")
def queue(name: str, runtime: RuntimeDep,
          who: Who,
          at: AtQuery = None) -> dict[str, Any]:
    found: dict[str, Any] = queues(runtime, who, at)["queues"].get(name)
    if found is None:
        raise HTTPException(404, f"no queue named {name!r}")
    return found


@router.get("/agents",
            response_model=AgentsBoard, summary="The agent board")
def agents(runtime: RuntimeDep, who: Who,
           at: AtQuery = None) -> dict[str, Any]:
    return _board(runtime, "agents", who, at)


@router.get("/calls/live",
            response_model=LiveCalls, summary="Live calls, ordered for a supervisor's attention")
def live_calls(runtime: RuntimeDep, who: Who,
               at: AtQuery = None) -> dict[str, Any]:
    return _board(runtime, "monitoring", who, at)
