"""Deterministic IDs of the QA aggregates (uuid5 in the namespace of ``domain.ids``)."""

from __future__ import annotations

from uuid import UUID, uuid5

from domain.ids import NAMESPACE

__all__ = ["evaluation_id", "form_id", "policy_id", "sample_id"]


def form_id(name: str) -> UUID:
    """One EvaluationForm per form name; its versions live inside it."""
    return uuid5(NAMESPACE, f"qa-form:{name}")


def policy_id(name: str) -> UUID:
    """One SamplingPolicy per policy name; its versions live inside it."""
    return uuid5(NAMESPACE, f"qa-policy:{name}")


def sample_id(policy: str, policy_version: int, period_start: float, seed: int,
              population_digest: str) -> UUID:
    """The same draw (policy version, period, seed, population) is the same sample."""
    return uuid5(NAMESPACE, f"qa-sample:{policy}:{policy_version}:{period_start!r}:{seed}:"
                            f"{population_digest}")


def evaluation_id(call_id: str, analyst: str, context: str) -> UUID:
    """One evaluation of a call by an analyst in a context (a sample id, a calibration
    session, or ``adhoc``)."""
    return uuid5(NAMESPACE, f"qa-evaluation:{call_id}:{analyst}:{context}")
