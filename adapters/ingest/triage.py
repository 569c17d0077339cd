"""Which received frames are worth parsing, decided on the bytes before any parsing.

Most frames of an unfiltered feed are noise that is only stored (``Newexten``, ``VarSet``
of other variables, ...): parsing them would cost more than all the rest of ingestion.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from adapters.ami.translation import KEPT_EVENTS, KEPT_VARIABLES

__all__ = ["worth_parsing"]

_EVENT = b"Event: "
_VARSET = b"VarSet"
_KEPT_NAMES = frozenset(name.encode() for name in KEPT_EVENTS if name != "VarSet")
_KEPT_VARSET = re.compile(b"\r\nVariable: (?:%s)\r\n" % b"|".join(
    re.escape(v.encode()) for v in sorted(KEPT_VARIABLES))).search


def worth_parsing(raws: Sequence[bytes]) -> list[int]:
    """Indexes of the frames to parse: the events translation reads (of ``VarSet`` only
    the variables we keep) and whatever is not an ``Event: Name`` frame (responses, the
    banner, garbage: parsing tells which)."""
    chosen: list[int] = []
    choose, event, kept, varset, kept_varset = (
        chosen.append, _EVENT, _KEPT_NAMES, _VARSET, _KEPT_VARSET)  # locals: once a frame
    for i, raw in enumerate(raws):
        if raw.startswith(event):
            end = raw.find(b"\r\n", 7)
            if end > 0:
                name = raw[7:end]
                if name in kept or (name == varset and kept_varset(raw)):
                    choose(i)
                continue
        choose(i)
    return chosen
