"""Deterministic aggregate IDs from telephony keys: replaying a feed yields the same IDs."""

from __future__ import annotations

from uuid import UUID, uuid5

__all__ = ["agent_id", "call_id", "chunk_id", "feed_id", "pbx_id", "queue_id", "user_id"]

NAMESPACE = UUID("6f1d8a52-3c1e-5b7a-9f0e-2d4c8b6a1e90")


def call_id(linkedid: str) -> UUID:
    """One Call per Asterisk Linkedid."""
    return uuid5(NAMESPACE, f"call:{linkedid}")


def agent_id(interface: str) -> UUID:
    """One Agent per queue-member interface (e.g. ``Local/1001@agents/n``)."""
    return uuid5(NAMESPACE, f"agent:{interface}")


def queue_id(name: str) -> UUID:
    return uuid5(NAMESPACE, f"queue:{name}")


def feed_id(connection_id: str) -> UUID:
    """One Feed per AMI connection (or capture file)."""
    return uuid5(NAMESPACE, f"feed:{connection_id}")


def chunk_id(connection_id: str, first_seq: int) -> UUID:
    return uuid5(NAMESPACE, f"chunk:{connection_id}:{first_seq}")


def pbx_id(name: str = "default") -> UUID:
    return uuid5(NAMESPACE, f"pbx:{name}")


def user_id(name: str) -> UUID:
    """One User per login name."""
    return uuid5(NAMESPACE, f"user:{name}")
