"""How a fold says which events it reads, and dispatches them: one style for every fold.

A fold's handler table is keyed by event class (``on(Call, Started=self._started)`` is
``{Call.Started: self._started}``) and dispatches on ``type(event)``: one dictionary
lookup per event, no string built per event. Its topics, which replays use to select only
those events from the log, are eventsourcing's ``get_topic`` of the same classes, so no
module path or event name is written down twice.

eventsourcing creates ``Call.Started`` and its siblings at run time from the ``@event``
decorators, so a type checker cannot see them as attributes: ``domain.events.event_class``
looks them up, and fails at once on a misspelt name (a string key would silently never
match).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, ClassVar

from eventsourcing.utils import get_topic

from domain.events import event_class

__all__ = ["DatedDispatching", "Dispatching", "Handler", "Table", "event_class", "on", "topics_of"]

Handler = Callable[[Any], None]
Table = dict[type, Handler]


def on(aggregate: type, **handlers: Handler) -> Table:
    """A handler table keyed by ``aggregate``'s event classes, named as keywords."""
    return {event_class(aggregate, name): handler for name, handler in handlers.items()}


def topics_of(*tables: Iterable[type]) -> tuple[str, ...]:
    """Event classes (or handler tables keyed by them) -> their stored topics, sorted."""
    return tuple(sorted({get_topic(kind) for table in tables for kind in table}))


class Dispatching:
    """A fold whose handler table (``table()``, built in ``__init__`` as ``handlers``) is
    keyed by event class.

    The table holds bound methods of the fold: it is left out of the saved state (the
    projection runner's checkpoint) and built again on restore. ``unsaved`` names
    further attributes that belong to the running process (hooks into other folds): they
    are saved as None and whoever restores the fold sets them again. ``state_classes``
    names the classes of the objects the fold keeps (records, inner folds): the runner
    saves and restores objects of the fold's class and of those classes (and of theirs,
    in turn) only, so a saved view naming any other class is refused, never run."""

    handlers: Table
    unsaved: ClassVar[tuple[str, ...]] = ()
    state_classes: ClassVar[tuple[type, ...]] = ()

    def table(self) -> Table:
        raise NotImplementedError

    def dispatch(self, event: Any) -> None:
        handler = self.handlers.get(type(event))
        if handler is not None:
            handler(event)

    def __getstate__(self) -> dict[str, Any]:
        state = {k: v for k, v in self.__dict__.items() if k != "handlers"}
        for name in self.unsaved:
            state[name] = None
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self.handlers = self.table()


class DatedDispatching(Dispatching):
    """A dispatching fold that keeps ``last_at``, the newest event time it folded (the
    runner's time index and ``--at`` go by it)."""

    last_at: float | None = None

    def apply(self, event: Any) -> None:
        """Dispatch ``event`` after noting its time. Folds that need more per event
        override this."""
        at = getattr(event, "at", None)
        if at is not None and (self.last_at is None or at > self.last_at):
            self.last_at = at
        self.dispatch(event)
