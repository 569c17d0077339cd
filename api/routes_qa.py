"""REST for the qa work (filled in by the qa issue)."""

from __future__ import annotations

from fastapi import APIRouter

__all__ = ["ACCESS", "router"]

router = APIRouter(prefix="/api/qa", tags=["qa"])
# resource name -> roles allowed (merged into api.deps.access)
ACCESS: dict[str, tuple[str, ...]] = {}
