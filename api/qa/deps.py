"""The QA services for a request, and domain errors as HTTP answers."""

from __future__ import annotations

import threading
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request, Response
from fastapi.routing import APIRoute

from api.qa.evaluating import EvaluationService
from api.qa.service import ChangedMeanwhile, QaService, QaSettings
from domain.errors import (
    AlreadyExists,
    CallboardError,
    InvalidAnswers,
    InvalidForm,
    InvalidPolicy,
    NotTheAnalyst,
    UnknownAggregate,
)

__all__ = ["EvaluationsDep", "QaDep", "QaRoute", "epoch", "status_of"]

_lock = threading.Lock()


def get_evaluations(request: Request) -> EvaluationService:
    """One service per app, built on first use from the runtime (store, clock, recordings
    folder, time zone) and ``QaSettings``."""
    state = request.app.state
    with _lock:
        service: EvaluationService | None = getattr(state, "qa_evaluations", None)
        if service is None:
            runtime = state.runtime
            qa = QaService(runtime.app, runtime.clock, runtime.settings.recordings_dir,
                           runtime.boards.timezone, QaSettings().dispute_window_h * 3600)
            service = state.qa_evaluations = EvaluationService(qa)
    return service


def get_qa(evaluations: Annotated[EvaluationService, Depends(get_evaluations)]) -> QaService:
    return evaluations.qa


EvaluationsDep = Annotated[EvaluationService, Depends(get_evaluations)]
QaDep = Annotated[QaService, Depends(get_qa)]


def status_of(error: Exception) -> int:
    if isinstance(error, UnknownAggregate):
        return 404
    if isinstance(error, InvalidForm | InvalidAnswers | InvalidPolicy):
        return 422
    if isinstance(error, NotTheAnalyst):
        return 403
    if isinstance(error, AlreadyExists | ChangedMeanwhile):
        return 409
    return 409  # another rule of an aggregate: the request conflicts with its state


class QaRoute(APIRoute):
    """Answers a domain error with its status and message (``{"detail", "status"}``)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def guarded(request: Request) -> Response:
            try:
                return await handler(request)
            except (CallboardError, ChangedMeanwhile) as error:
                raise HTTPException(status_of(error), str(error)) from error

        return guarded


def epoch(moment: datetime | None, name: str) -> float | None:
    """A query's instant as epoch seconds (a naive time is UTC)."""
    if moment is None:
        return None
    try:
        return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()
    except (OverflowError, ValueError, OSError):
        raise HTTPException(422, f"bad request: query.{name}: out of range") from None
