"""REST for the complaints work (filled in by the complaints issue)."""

from __future__ import annotations

from fastapi import APIRouter

__all__ = ["ACCESS", "router"]

router = APIRouter(prefix="/api/complaints", tags=["complaints"])
# resource name -> roles allowed (merged into api.deps.access)
ACCESS: dict[str, tuple[str, ...]] = {}
