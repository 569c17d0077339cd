"""Which classes a fold's saved state may hold: the codec's allowlist.

Each class of a fold's state names the classes of the objects it keeps in a class
attribute ``state_classes`` (a fold its records and inner folds; they, in turn, theirs),
next to the code that makes them, so a new record class is named where it is used. The
runner collects them from the fold its factory makes. We chose this over one list in the
composition root because adapters must not import projections, and a list kept apart
from the folds would drift from them; a class nobody names is refused when read back.
"""

from __future__ import annotations

__all__ = ["class_name", "state_classes"]


def class_name(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def state_classes(root: type) -> tuple[type, ...]:
    """``root`` and, transitively, the classes each of them names in ``state_classes``."""
    found: dict[type, None] = {}
    todo = [root]
    while todo:
        cls = todo.pop()
        if cls not in found:
            found[cls] = None
            todo.extend(getattr(cls, "state_classes", ()))
    return tuple(found)
