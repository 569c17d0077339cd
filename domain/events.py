"""Naming an aggregate's event classes and their stored topics, for every layer.

eventsourcing creates ``Call.Started`` and its siblings at run time from the ``@event``
decorators, so a type checker cannot see them as attributes: :func:`event_class` looks
them up and fails at once (at import, where it is used in a constant) on a misspelt name,
where a topic string that names no event would silently match nothing in the log. Topics
are eventsourcing's ``get_topic`` of the class, so no module path is written down twice.
"""

from __future__ import annotations

from typing import Any

from eventsourcing.domain import DomainEvent
from eventsourcing.utils import get_topic

__all__ = ["event_class", "event_topic"]


def event_class(aggregate: type, name: str) -> type[Any]:
    """``event_class(Call, "Started")`` is ``Call.Started``."""
    found = vars(aggregate).get(name)
    if not (isinstance(found, type) and issubclass(found, DomainEvent)):
        raise LookupError(f"{aggregate.__qualname__} has no event {name!r}: use a name of an "
                          f"@event decorator in {aggregate.__module__}")
    return found


def event_topic(aggregate: type, name: str) -> str:
    """``event_topic(Call, "Started")`` is ``get_topic(Call.Started)``."""
    return get_topic(event_class(aggregate, name))
