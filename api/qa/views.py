"""The QA folds (recording catalogue, evaluation records) as tracked projections of the
runtime: read after they have folded the log up to its head, so a command's events are
in the next answer (read your writes)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from api.runtime import Runtime
from projections.qa.catalogue import QaCatalogueFold
from projections.qa.evaluations import QaEvaluationsFold

__all__ = ["QaViews"]


class QaViews:
    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime

    @contextmanager
    def reading(self) -> Iterator[tuple[QaCatalogueFold, QaEvaluationsFold]]:
        """Both folds, up to date, held still while the caller reads them."""
        with self.runtime.reading("qa_catalogue", "qa_evaluations") as (catalogue, records):
            assert isinstance(catalogue, QaCatalogueFold)
            assert isinstance(records, QaEvaluationsFold)
            yield catalogue, records
