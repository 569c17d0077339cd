"""Log redaction: no customer number or name in Callboard's log lines or uvicorn's.

``Redacting`` is a ``logging.Filter`` that rewrites a record before any handler formats it:
the message and each argument get the known customers masked (``KnownCustomers``, the
same rule as responses), and every URL or path in them loses its query string's values
(``/api/dnd?number=…``) and has its long digit runs masked (``/api/customers/919***0115``).
A query string is never logged whole because it is where people put what they look for:
numbers, names, tokens. An exception's traceback is formatted and masked here too.

``install`` puts one filter on Callboard's loggers (``callboard``, and the ``adapters``,
``api``, ``projections``, ``domain`` module loggers) and uvicorn's (``uvicorn``,
``uvicorn.error``, ``uvicorn.access``), and on every existing logger below them: a filter
on a logger does not see its children's records, so each one gets it. Installing again
(another app in the same process, as tests do) replaces the masker, never stacks filters;
the app installs it when it starts and ``uninstall``s it when it stops, so a process that
served an app leaves no filter behind on loggers that other code shares.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

__all__ = ["LOGGERS", "Redacting", "install", "redact_urls", "uninstall"]

LOGGERS = ("callboard", "uvicorn", "uvicorn.error", "uvicorn.access", "adapters", "api",
           "projections", "domain", "fastapi")
_URL = re.compile(r"(?:\b[a-z][a-z0-9+.-]*://|(?<![\w/.])/)[^\s'\"<>]*", re.IGNORECASE)
_QUERY_VALUE = re.compile(r"=[^&#]*")
_DIGITS = re.compile(r"(?<![0-9A-Fa-f-])\d{5,}(?![0-9A-Fa-f-])")  # not in an id
_TRACEBACKS = logging.Formatter()


def _redact_url(match: re.Match[str]) -> str:
    url = match.group(0)
    path, mark, query = url.partition("?")
    path = _DIGITS.sub(lambda m: "*" * (len(m.group()) - 4) + m.group()[-4:], path)
    return path + mark + _QUERY_VALUE.sub("=…", query) if mark else path


def redact_urls(text: str) -> str:
    """Every URL and absolute path in ``text`` without its query values, and with digit
    runs of 5 or more (not inside an id) masked but their last four digits."""
    return _URL.sub(_redact_url, text)


class Redacting(logging.Filter):
    """Masks every record it sees; never drops one."""

    def __init__(self, mask: Callable[[str], str]) -> None:
        super().__init__()
        self.mask = mask

    def _clean(self, value: Any) -> Any:
        if isinstance(value, int | float | bool) or value is None:
            return value
        return self.mask(redact_urls(value if isinstance(value, str) else str(value)))

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            if isinstance(record.msg, str):  # a format string: its "?x=%s" must stay
                record.msg = self.mask(record.msg if record.args else redact_urls(record.msg))
            if isinstance(record.args, dict):
                record.args = {k: self._clean(v) for k, v in record.args.items()}
            elif record.args:
                record.args = tuple(self._clean(a) for a in record.args)
            if record.exc_info and not record.exc_text:
                record.exc_text = self._clean(_TRACEBACKS.formatException(record.exc_info))
            if record.stack_info:
                record.stack_info = self._clean(record.stack_info)
        except Exception:  # a log line must never fail the code that logs it
            record.msg, record.args = "(a log line that could not be redacted)", ()
        return True


def _loggers() -> list[logging.Logger]:
    roots = {n.split(".")[0] for n in LOGGERS}
    names = set(LOGGERS) | {name for name in logging.root.manager.loggerDict
                            if name.split(".")[0] in roots}
    return [logging.getLogger(name) for name in sorted(names)]


def install(mask: Callable[[str], str]) -> Redacting:
    """One ``Redacting`` filter with ``mask`` on each of ``LOGGERS`` and their existing
    descendants (a filter already there is replaced)."""
    installed = Redacting(mask)
    for logger in _loggers():
        for old in [f for f in logger.filters if isinstance(f, Redacting)]:
            logger.removeFilter(old)
        logger.addFilter(installed)
    return installed


def uninstall(installed: Redacting) -> None:
    """Take ``installed`` off every logger (a newer one installed since stays)."""
    for logger in _loggers():
        logger.removeFilter(installed)
