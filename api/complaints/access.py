"""Which roles use the complaints, DND, wrap-up, KPI and attendance resources, and
``role(resource)``: ``api.deps.require`` after ``ACCESS`` is registered (``require`` looks
the roles up when a route is declared, before ``create_app`` registers the feature
routers' tables)."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import Request

from api.auth import Principal
from api.deps import register_access, require

__all__ = ["ACCESS", "role"]

ACCESS: dict[str, tuple[str, ...]] = {
    "complaints": ("complaints",),  # open and work tickets, run the deadline check
    "complaints-read": ("complaints", "supervisor"),  # list, view, timeline, report
    "dnd": ("admin", "supervisor", "complaints"),  # list, look up, add, remove, import
    "wrapup": ("agent", "supervisor"),  # agents on their own calls (incl. DND requests)
    "customers": ("supervisor", "complaints"),  # a customer's classification
    "kpis": ("supervisor", "admin"),
    "attendance": ("supervisor", "admin"),
}


def role(resource: str) -> Callable[[Request], Principal]:
    register_access(ACCESS)
    return require(resource)
