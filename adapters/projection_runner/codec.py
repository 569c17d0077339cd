"""A fold's saved state as tagged JSON: plain data and objects of allowlisted classes, and
nothing that can run code when it is read back.

We chose this over pickle because pickle's loader calls whatever callable the bytes name
(``__reduce__``): whoever could write a projection's SQLite file or its ``<name>_view``
table ran code as the server. Decoding here builds plain values only (None, bool, int,
float with inf and nan, str, bytes, list, dict, tuple, set, frozenset, Counter, deque,
UUID, time), defaultdicts whose factory is one of ``FACTORIES``, and instances of the
classes the codec was given (``allowlist``), made with ``cls.__new__(cls)`` and their
``__setstate__`` or ``__dict__``: a name in the data is looked up in those tables, never
imported, and nothing it names is called. Nothing decoded is callable.

The format. JSON scalars stand for themselves (a finite float, an int of 64 bits, str,
bool, null); a JSON list is a list; anything else is an object of one key, its tag:
``d`` dict of str keys, ``D`` dict of other keys (flat key, value, ...), ``c`` Counter,
``dd`` [factory, flat pairs], ``q`` [maxlen, items] deque, ``s`` set, ``S`` frozenset,
``t`` tuple, ``b`` base64 bytes, ``u`` UUID hex, ``tm`` ISO time, ``f`` inf/-inf/nan,
``i`` a larger int as text, ``r`` reference, ``o`` [layout, value, ...]: an object, its
attribute values in the order of its layout. The document is ``{"classes": [[class name,
[attribute, ...]], ...], "state": value}``: each layout (a class and its attribute names)
is written once, not per object, which halves the size of a fold of many small records.

Shared references are kept, as pickle keeps them, because folds rely on them: a visit sits
in the list of visits and among the open visits and is completed through either. Every
mutable value (list, dict, set, Counter, defaultdict, deque, object) takes the next number
when first met, in document order, and is written as ``{"r": n}`` when met again; the
decoder numbers what it builds in the same order, so cycles come back too.
"""

from __future__ import annotations

import base64
import gc
import math
from collections import Counter, defaultdict, deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import time
from typing import Any
from uuid import UUID

import orjson

from adapters.projection_runner.allowlist import class_name

__all__ = ["FACTORIES", "StateCodec", "ViewRefused"]

FACTORIES: dict[str, Callable[[], Any]] = {
    "list": list, "dict": dict, "set": set, "int": int, "float": float, "str": str,
    "Counter": Counter}
_FACTORY_NAMES = {factory: name for name, factory in FACTORIES.items()}
_PLAIN = frozenset({str, int, float, bool, type(None)})  # JSON scalars: themselves
_SAFE = frozenset({str, bool, type(None)})  # written as they are, no check needed
_MUTABLE = frozenset({list, dict, set, Counter, defaultdict, deque})
_INT_MIN, _INT_MAX = -(2**63), 2**64 - 1  # what orjson writes as a number
_FLOATS = {"inf": math.inf, "-inf": -math.inf, "nan": math.nan}


class ViewRefused(Exception):
    """A saved view not used (another format, tampered with, a class not allowed,
    malformed): a view is derived data, so the runner rebuilds it from the log."""


class StateCodec:
    """Encodes and decodes the state of objects of ``classes`` (and the plain data in it)."""

    def __init__(self, classes: Iterable[type]) -> None:
        self.names = {cls: class_name(cls) for cls in classes}
        self.classes = {name: cls for cls, name in self.names.items()}

    def encode(self, value: Any) -> bytes:
        """JSON bytes; TypeError for what the format cannot hold (an object of a class not
        allowed, a defaultdict of another factory), found by the fold round-trip test."""
        encoder = _Encoder(self.names)
        with _collector_paused():
            state = encoder.value(value)
        classes = [[self.names[cls], list(keys)] for cls, keys in encoder.layouts]
        return orjson.dumps({"classes": classes, "state": state})

    def decode(self, data: bytes) -> Any:
        """The value ``encode`` wrote; ``ViewRefused`` for anything else."""
        try:
            with _collector_paused():
                document = orjson.loads(data)
                if type(document) is not dict or document.keys() != {"classes", "state"}:
                    raise ViewRefused("malformed view state (not a document of this format)")
                return _Decoder(self.classes, document["classes"]).value(document["state"])
        except ViewRefused:
            raise
        except Exception as error:  # bad data of any shape: refused, never half-trusted
            raise ViewRefused(f"malformed view state ({type(error).__name__})") from None


class _Encoder:
    def __init__(self, names: dict[type, str]) -> None:
        self.names = names
        self.numbers: dict[int, int] = {}
        self.kept: list[Any] = []  # numbered values stay alive, so their ids stay theirs
        self.layouts: dict[tuple[type, tuple[str, ...]], int] = {}
        self.table: dict[type, Callable[[Any], Any]] = {
            list: self._list, dict: self._dict, Counter: self._counter,
            defaultdict: self._defaultdict, deque: self._deque,
            set: lambda v: {"s": self._list(v)}, frozenset: lambda v: {"S": self._list(v)},
            tuple: lambda v: {"t": self._list(v)}, UUID: lambda v: {"u": v.hex},
            bytes: lambda v: {"b": base64.b64encode(v).decode()}, time: self._time}

    def value(self, value: Any) -> Any:
        kind = type(value)
        if kind is str or kind is bool or value is None:
            return value
        if kind is int:
            return value if _INT_MIN <= value <= _INT_MAX else {"i": str(value)}
        if kind is float:
            return value if math.isfinite(value) else {"f": repr(value)}
        if kind in _MUTABLE or kind in self.names:
            number = self.numbers.get(id(value))
            if number is not None:
                return {"r": number}
            self.numbers[id(value)] = len(self.kept)
            self.kept.append(value)
        encode = self.table.get(kind)
        return self._object(value) if encode is None else encode(value)

    def _list(self, values: Iterable[Any]) -> list[Any]:
        encode = self.value
        return [encode(v) for v in values]

    def _pairs(self, mapping: dict[Any, Any]) -> list[Any]:
        flat: list[Any] = []
        for key, value in mapping.items():
            flat.append(self.value(key))
            flat.append(self.value(value))
        return flat

    def _dict(self, mapping: dict[Any, Any]) -> dict[str, Any]:
        if all(type(key) is str for key in mapping):
            encode = self.value
            return {"d": {key: v if type(v) is str else encode(v) for key, v in mapping.items()}}
        return {"D": self._pairs(mapping)}

    def _counter(self, counter: Counter[Any]) -> dict[str, Any]:
        return {"c": self._pairs(counter)}

    def _defaultdict(self, mapping: defaultdict[Any, Any]) -> dict[str, Any]:
        factory = _FACTORY_NAMES.get(mapping.default_factory)  # type: ignore[arg-type]
        if factory is None:
            raise TypeError(f"a defaultdict of {mapping.default_factory!r} cannot be saved in "
                            f"a view: use one of {', '.join(FACTORIES)}")
        return {"dd": [factory, self._pairs(mapping)]}

    def _deque(self, values: deque[Any]) -> dict[str, Any]:
        return {"q": [values.maxlen, self._list(values)]}

    def _time(self, value: time) -> dict[str, Any]:
        if value.tzinfo is not None:
            raise TypeError("a time with a zone cannot be saved in a view: keep the zone "
                            "name beside a naive time")
        return {"tm": value.isoformat()}

    def _object(self, value: Any) -> dict[str, Any]:
        if type(value) not in self.names:
            raise TypeError(f"a {class_name(type(value))} cannot be saved in a view: name its "
                            "class in the state_classes of the class that holds it")
        state = value.__getstate__()
        key = (type(value), tuple(state) if type(state) is dict else ())
        layout = self.layouts.get(key)
        if layout is None:  # a new layout: its attribute names are checked once
            if type(state) is not dict or not all(type(name) is str for name in state):
                raise TypeError(f"a {class_name(type(value))}'s state is not a dict")
            layout = self.layouts[key] = len(self.layouts)
        encode = self.value
        return {"o": [layout, *[v if type(v) in _SAFE else encode(v) for v in state.values()]]}


class _Decoder:
    def __init__(self, classes: dict[str, type], layouts: Any) -> None:
        self.layouts = [_layout(classes, layout) for layout in _list(layouts)]
        self.built: list[Any] = []  # mutable values in the order they were numbered
        self.tags: dict[str, Callable[[Any], Any]] = {
            "d": self._dict, "D": lambda p: self._pairs(p, {}), "s": self._set, "q": self._deque,
            "c": lambda p: self._pairs(p, Counter()), "dd": self._defaultdict,
            "S": lambda p: frozenset(self._items(p)), "t": lambda p: tuple(self._items(p)),
            "u": lambda p: UUID(hex=_text(p)), "tm": lambda p: time.fromisoformat(_text(p)),
            "b": lambda p: base64.b64decode(_text(p), validate=True),
            "f": lambda p: _FLOATS[p], "i": lambda p: int(_text(p)), "r": self._reference,
            "o": self._object}

    def value(self, data: Any) -> Any:
        kind = type(data)
        if kind is list:
            out: list[Any] = self._keep([])
            out.extend(self._items(data))
            return out
        if kind is dict:
            if len(data) != 1:
                raise ViewRefused("malformed view state (an object is not one tag)")
            ((tag, payload),) = data.items()
            decode = self.tags.get(tag)
            if decode is None:
                raise ViewRefused(f"malformed view state (unknown tag {tag[:20]!r})")
            return decode(payload)
        return data

    def _items(self, data: list[Any]) -> list[Any]:
        decode = self.value
        return [item if type(item) in _PLAIN else decode(item) for item in _list(data)]

    def _keep(self, value: Any) -> Any:
        self.built.append(value)
        return value

    def _pairs(self, data: list[Any], out: dict[Any, Any]) -> dict[Any, Any]:
        self.built.append(out)
        if len(_list(data)) % 2:
            raise ViewRefused("malformed view state (pairs are not a flat list)")
        decode = self.value
        for i in range(0, len(data), 2):
            key = decode(data[i])
            out[key] = decode(data[i + 1])
        return out

    def _dict(self, data: dict[str, Any]) -> dict[str, Any]:
        out = self._keep({})
        decode = self.value
        for key, item in data.items():
            out[key] = item if type(item) in _PLAIN else decode(item)
        return out  # type: ignore[no-any-return]

    def _defaultdict(self, data: list[Any]) -> defaultdict[Any, Any]:
        factory, pairs = data
        if factory not in FACTORIES:
            raise ViewRefused(f"a defaultdict of a factory not allowed ({str(factory)[:40]!r})")
        return self._pairs(pairs, defaultdict(FACTORIES[factory]))  # type: ignore[return-value]

    def _deque(self, data: list[Any]) -> deque[Any]:
        maxlen, items = data
        out: deque[Any] = self._keep(deque(maxlen=maxlen))
        out.extend(self._items(items))
        return out

    def _set(self, data: list[Any]) -> set[Any]:
        out: set[Any] = self._keep(set())
        out.update(self._items(data))
        return out

    def _reference(self, number: Any) -> Any:
        if type(number) is not int or not 0 <= number < len(self.built):
            raise ViewRefused("malformed view state (a reference to nothing)")
        return self.built[number]

    def _object(self, data: list[Any]) -> Any:
        index = data[0]
        if type(index) is not int or not 0 <= index < len(self.layouts):
            raise ViewRefused("malformed view state (an object of no layout)")
        cls, keys = self.layouts[index]
        made = self._keep(cls.__new__(cls))
        decode = self.value
        attributes = dict(zip(keys, [v if type(v) in _PLAIN else decode(v) for v in data[1:]],
                              strict=True))  # an object that does not fit: ValueError
        if hasattr(cls, "__setstate__"):
            made.__setstate__(attributes)
        else:
            made.__dict__.update(attributes)
        return made


def _layout(classes: dict[str, type], layout: Any) -> tuple[Any, list[str]]:
    """A class of the allowlist and its attribute names, or ``ViewRefused``."""
    name, keys = _list(layout)
    cls = classes.get(name) if type(name) is str else None
    if cls is None:
        raise ViewRefused(f"a class that is not allowed here ({str(name)[:80]!r})")
    if not all(type(key) is str for key in _list(keys)):
        raise ViewRefused("malformed view state (attribute names are not text)")
    return cls, keys


def _list(payload: Any) -> list[Any]:
    if type(payload) is not list:
        raise ViewRefused("malformed view state (not a list where one belongs)")
    return payload


def _text(payload: Any) -> str:
    if type(payload) is not str:
        raise ViewRefused("malformed view state (a tagged value is not text)")
    return payload


@contextmanager
def _collector_paused() -> Iterator[None]:
    """The cyclic collector paused while a state is built or taken apart: each container
    made would otherwise add to scans of the whole fold (half the time of a decode)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
