"""Dependencies of the complaints, DND, wrap-up, KPI and attendance routes: the services
over ``runtime.app`` and ``runtime.clock``, the policies, and domain errors as HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Annotated

from fastapi import Depends, HTTPException, Request

from api.complaints.service import ComplaintService
from api.complaints.settings import Policies, load_policies
from api.deps import RuntimeDep
from api.outbound.dnd import DndService
from api.outbound.wrapup import WrapupService
from domain.errors import (
    AlreadyExists,
    CallboardError,
    InvalidChoice,
    NotOnDndList,
    NotYourCall,
    UnknownAggregate,
)

__all__ = ["ComplaintsDep", "DndDep", "PoliciesDep", "WrapupDep", "domain_errors", "instant"]


def get_policies(request: Request) -> Policies:
    """``app.state.complaint_policies`` when the app was given them, else the
    environment's (read once)."""
    state = request.app.state
    policies: Policies | None = getattr(state, "complaint_policies", None)
    if policies is None:
        policies = state.complaint_policies = load_policies(state.runtime.boards.timezone)
    return policies


PoliciesDep = Annotated[Policies, Depends(get_policies)]


def get_complaints(request: Request, runtime: RuntimeDep,
                   policies: PoliciesDep) -> ComplaintService:
    return ComplaintService(runtime.app, runtime.clock, policies.deadlines,
                            getattr(request.app.state, "qa_timeline_entries", None))


def get_dnd(runtime: RuntimeDep) -> DndService:
    return DndService(runtime.app, runtime.clock)


def get_wrapup(runtime: RuntimeDep) -> WrapupService:
    return WrapupService(runtime.app, runtime.clock, DndService(runtime.app, runtime.clock))


ComplaintsDep = Annotated[ComplaintService, Depends(get_complaints)]
DndDep = Annotated[DndService, Depends(get_dnd)]
WrapupDep = Annotated[WrapupService, Depends(get_wrapup)]


@contextmanager
def domain_errors() -> Iterator[None]:
    """Domain errors as clear 4xx answers."""
    try:
        yield
    except (UnknownAggregate, NotOnDndList) as error:
        raise HTTPException(404, str(error)) from error
    except NotYourCall as error:
        raise HTTPException(403, str(error)) from error
    except InvalidChoice as error:
        raise HTTPException(422, str(error)) from error
    except (AlreadyExists, CallboardError) as error:  # refused transitions, DND refusals
        raise HTTPException(409, str(error)) from error


def instant(value: datetime | None, what: str) -> float | None:
    if value is None:
        return None
    if value.tzinfo is None:
        raise HTTPException(422, f"give the time zone of {what!r} (e.g. "
                            "2026-11-23T09:20:00Z)")
    try:
        return value.timestamp()
    except (OverflowError, ValueError, OSError) as error:
        raise HTTPException(422, f"bad {what}: {error}") from error
