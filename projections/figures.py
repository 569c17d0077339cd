"""How figures are rounded and turned into ratios: one rule for every board and report."""

from __future__ import annotations

__all__ = ["pct", "round2"]


def pct(part: float, whole: float) -> float | None:
    """``part`` of ``whole`` in percent, 2 decimals; None of nothing."""
    return round(100.0 * part / whole, 2) if whole else None


def round2(value: float | None) -> float | None:
    return None if value is None else round(value, 2)
