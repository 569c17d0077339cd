"""The one masking rule: customer numbers and names, masked by value.

Roles that may not see customers (every role but ``UNMASKED_ROLES``) get every string of
every response, push and log line through ``Masker``: each occurrence of a number or name
Callboard has seen as a customer's (``known``) is replaced by its masked form
(``138****5678``, ``N. T.``) wherever it stands: a field of its own, inside a channel name
(``Local/7185555713@callers-00000000;1``), in an AMI action's fields, in free text, in a
dictionary key. We mask by value rather than by field name because a rule by key leaks
with every new field that carries a number; the old key rule stays beside it
(``NUMBER_KEYS``, ``NAME_KEYS``) for values too short to be matched safely by value.

Choices, and why:

- Known numbers are matched as digit strings of at least ``MIN_KNOWN_DIGITS`` (7) digits,
  also inside longer digit runs (a trunk prefix ``9`` or a country code before the number
  still leaves the number masked). Shorter values are extensions and queue numbers
  (``1001``), which every role must see; masking them by value would blank the boards.
- A second net masks any *standalone* run of 7 or more digits (not touching a letter or
  another digit) even when it was never seen as a customer's: a number typed into a free
  text, or one that reached a response before its call was folded. It spares what is not
  a phone number and must stay usable: UUIDs (ids in links), dotted ``Uniqueid`` /
  ``Linkedid`` values and epoch seconds (``1795425541.20``), and dates in file names
  (``20261123`` and ``20261123091901`` in ``sales-20261123-091901-...wav``), and the
  8-digit sequence an Asterisk channel name ends with (``...@callers-00000000;1``). A customer
  number that looks like a date is still masked when it is known.
- Names are matched whole-word, ignoring case, and only when they have two parts or more
  (``Donna Perez``): a one-word caller id (``SALES``, ``Reception``) is too often a queue or
  a word of the interface to be blanked everywhere; it stays masked by key.
- A ``Masker`` is built once per known set, from sets (cheap to build, a look-up per digit
  run or word to use); whoever holds one rebuilds it only when the known set grew.

Pure: no clock, no I/O; what is known is given by the caller.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

__all__ = ["MIN_KNOWN_DIGITS", "NAME_KEYS", "NUMBER_KEYS", "UNMASKED_ROLES", "Masker",
           "customer_name", "customer_number", "mask_name", "mask_number"]

UNMASKED_ROLES = frozenset({"supervisor", "complaints", "auditor"})
NUMBER_KEYS = frozenset({"number", "caller_number", "customer_number", "dialed_number",
                         "complained_numbers"})
NAME_KEYS = frozenset({"customer_name", "caller_name"})
MIN_KNOWN_DIGITS = 7
CACHED = 100_000  # short strings whose masked form a Masker keeps

_UUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
_TOKENS = re.compile(rf"(?P<id>(?<![0-9A-Za-z]){_UUID}(?![0-9A-Za-z]))|(?P<digits>\d+)"
                     r"|(?P<word>[^\W\d_]+)")
_DATE = re.compile(r"(?:19|20)\d\d(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])"
                   r"(?:[0-2]\d[0-5]\d[0-5]\d)?")
_NOT_NAMES = frozenset({"unknown", "anonymous", "<unknown>", "restricted", "private"})


def mask_number(number: str) -> str:
    """``13812345678`` -> ``138****5678``; short numbers keep only their last two."""
    digits = number.strip()
    if len(digits) >= 8:
        return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]
    if len(digits) > 2:
        return "*" * (len(digits) - 2) + digits[-2:]
    return "*" * len(digits)


def mask_name(name: str) -> str:
    """``Nancy Taylor`` -> ``N. T.``"""
    return " ".join(f"{part[0]}." for part in name.split() if part)


def customer_number(value: str) -> str | None:
    """The digits of ``value`` if it is long enough to be matched by value, else None
    (``+1 718-555-5713`` -> ``17185555713``; ``1001`` -> None)."""
    digits = "".join(ch for ch in value if ch.isdigit())
    return digits if len(digits) >= MIN_KNOWN_DIGITS else None


def customer_name(value: str) -> str | None:
    """``value`` if it can be matched by value as a customer's name: two parts or more,
    a letter in it, not a placeholder (``unknown``, ``anonymous``)."""
    name = " ".join(value.split())
    if (len(name.split()) < 2 or name.lower() in _NOT_NAMES
            or not any(ch.isalpha() for ch in name)):
        return None
    return name


def _standalone(text: str, start: int, end: int) -> bool:
    """A digit run that may be a phone number: no letter or digit touching it, not a
    dotted id or epoch (``1795425541.20``), not a date, not a channel's sequence."""
    before = text[start - 1] if start else " "
    after = text[end] if end < len(text) else " "
    if before.isalnum() or after.isalnum():
        return False
    if (after == "." and text[end + 1:end + 2].isdigit()) or (
            before == "." and text[start - 2:start - 1].isdigit()):
        return False
    run = text[start:end]
    if _DATE.fullmatch(run):
        return False
    return not (before == "-" and len(run) == 8)  # Local/...@callers-00000000;1


class Masker:
    """Masks the known customer numbers and names (and standalone digit runs) in text and
    in JSON-like values. Build one per known set; what it masks never changes, and it is
    safe to share between threads (its cache of answers only ever holds right ones).

    It holds sets, not a compiled pattern: one fixed tokenizer finds digit runs and words,
    and each is looked up in the sets, so building a Masker for 100,000 customers costs a
    set copy (a regular expression of them took seconds to compile) and masking costs the
    same whatever the number of customers."""

    def __init__(self, numbers: Iterable[str] = (), names: Iterable[str] = ()) -> None:
        self.numbers = frozenset(n for n in map(customer_number, numbers) if n)
        self._lengths = sorted({len(n) for n in self.numbers}, reverse=True)
        by_first: dict[str, list[str]] = {}
        for name in {n.lower() for n in map(customer_name, names) if n}:
            by_first.setdefault(name.split()[0], []).append(name)
        self._names = {first: sorted(found, key=len, reverse=True)
                       for first, found in by_first.items()}
        self._cache: dict[str, str] = {}

    def _known(self, run: str) -> str | None:
        """``run`` with every known number inside it masked (the longest first), or None
        when it holds none."""
        out: list[str] = []
        done = i = 0
        while i <= len(run) - MIN_KNOWN_DIGITS:
            length = next((n for n in self._lengths if run[i:i + n] in self.numbers), 0)
            if length:
                out += [run[done:i], mask_number(run[i:i + length])]
                i = done = i + length
            else:
                i += 1
        return None if not out else "".join(out) + run[done:]

    def _name_end(self, text: str, start: int, word: str) -> int:
        """Where a known name starting at ``start`` (with ``word``) ends, or 0."""
        for name in self._names.get(word.lower(), ()):
            end = start + len(name)
            if (text[start:end].lower() == name
                    and not (end < len(text) and (text[end].isalnum() or text[end] == "_"))):
                return end
        return 0

    def text(self, text: str) -> str:
        """``text`` with every known number and name, and every standalone run of 7+
        digits, masked. Short strings repeat (event types, queue and agent names), so
        their answers are kept, up to ``CACHED`` of them."""
        if len(text) > 64:
            return self._text(text)
        found = self._cache.get(text)
        if found is None:
            if len(self._cache) >= CACHED:
                self._cache.clear()
            found = self._cache[text] = self._text(text)
        return found

    def _text(self, text: str) -> str:
        out: list[str] = []
        done = 0
        for token in _TOKENS.finditer(text):
            start, end = token.span()
            if start < done:
                continue  # inside a name already masked
            kind, found = token.lastgroup, token.group()
            masked: str | None = None
            if kind == "digits" and len(found) >= MIN_KNOWN_DIGITS:
                masked = self._known(found)
                if masked is None and _standalone(text, start, end):
                    masked = mask_number(found)
            elif kind == "word" and self._names:
                end = self._name_end(text, start, found)
                masked = mask_name(text[start:end]) if end else None
            if masked is not None:
                out += [text[done:start], masked]
                done = end
        return "".join(out) + text[done:] if out else text

    def value(self, value: Any, key: str = "") -> Any:
        """A copy of a JSON-like value (dicts, lists, strings) masked: dictionary keys and
        strings by value; a string under a key of ``NUMBER_KEYS`` / ``NAME_KEYS`` whole,
        whatever it holds (short numbers, one-word names)."""
        if isinstance(value, str):
            if value and key in NUMBER_KEYS:
                return mask_number(value)
            if value and key in NAME_KEYS:
                return mask_name(value)
            return self.text(value)
        if isinstance(value, dict):
            return {(self.text(k) if isinstance(k, str) else k): self.value(v, str(k))
                    for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self.value(v, key) for v in value]
        return value
