"""AMI header values as the domain may hold them: integers within what the event store
can encode, and caller ids without Asterisk's ``<unknown>``."""

from __future__ import annotations

__all__ = ["INT_MAX", "INT_MIN", "ami_int", "ami_number"]

# Integers the event store can hold (its JSON encoder refuses anything wider than 64 bits:
# one such value would fail the whole batch's transaction, at every retry).
INT_MIN, INT_MAX = -(2**63), 2**63 - 1


def ami_int(value: str, default: int = 0) -> int:
    """An AMI integer; ``default`` for anything else (``inf``, ``nan``, text, a number
    wider than 64 bits)."""
    try:
        number = int(value)
    except ValueError:  # "1.5", "1e3"; also more than 4,300 digits
        try:
            number = int(float(value))
        except (ValueError, OverflowError):  # text, nan; inf, 1e999
            return default
    return number if INT_MIN <= number <= INT_MAX else default


def ami_number(value: str) -> str:
    return "" if value in ("", "<unknown>") else value
