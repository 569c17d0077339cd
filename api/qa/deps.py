"""The QA services ``api.bootstrap`` built, as route dependencies."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from api.deps import service
from api.qa.evaluating import EvaluationService
from api.qa.service import QaService

__all__ = ["EvaluationsDep", "QaDep"]

EvaluationsDep = Annotated[EvaluationService, Depends(service("evaluations", EvaluationService))]
QaDep = Annotated[QaService, Depends(service("qa", QaService))]
