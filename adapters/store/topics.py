"""The stored topic of an aggregate's event, named by the aggregate class and the event's
name, so that no module path is written down next to the class it names.

eventsourcing creates ``Call.Started`` and its siblings at run time from the ``@event``
decorators, so a type checker cannot see them as attributes: :func:`event_topic` looks
them up and fails at import time on a misspelt name (a topic string that names no event
would silently match nothing in the log).
"""

from __future__ import annotations

from eventsourcing.domain import DomainEvent
from eventsourcing.utils import get_topic

__all__ = ["event_topic"]


def event_topic(aggregate: type, name: str) -> str:
    """``event_topic(Call, "Started")`` is ``get_topic(Call.Started)``."""
    found = vars(aggregate).get(name)
    if not (isinstance(found, type) and issubclass(found, DomainEvent)):
        raise LookupError(f"{aggregate.__qualname__} has no event {name!r}: use a name of an "
                          f"@event decorator in {aggregate.__module__}")
    return get_topic(found)
