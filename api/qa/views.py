"""The QA folds (catalogue, evaluations), kept in memory and brought up to date from the
log before every read: a command's events are in the next answer (read your writes),
without waiting for a background follower."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from adapters.store.application import CallCenter
from adapters.store.log_pages import pages
from projections.qa.catalogue import QaCatalogueFold
from projections.qa.evaluations import QaEvaluationsFold

__all__ = ["QaViews"]

PAGE = 2000


class QaViews:
    def __init__(self, app: CallCenter) -> None:
        self.app = app
        self.catalogue = QaCatalogueFold()
        self.records = QaEvaluationsFold()
        self._positions: dict[str, int] = {self.catalogue.name: 0, self.records.name: 0}
        self._lock = threading.Lock()

    def _catch_up(self, fold: Any) -> None:
        start = self._positions[fold.name] + 1
        for page in pages(self.app.recorder, fold.topics, start=start, size=PAGE):
            for notification in page:
                fold.apply(self.app.mapper.to_domain_event(notification))
            self._positions[fold.name] = page[-1].id

    @contextmanager
    def reading(self) -> Iterator[tuple[QaCatalogueFold, QaEvaluationsFold]]:
        """Both folds, up to date, held still while the caller reads them."""
        with self._lock:
            self._catch_up(self.catalogue)
            self._catch_up(self.records)
            yield self.catalogue, self.records
