"""The complaint service ``api.bootstrap`` built, as a route dependency."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from api.complaints.service import ComplaintService
from api.deps import service

__all__ = ["ComplaintsDep"]

ComplaintsDep = Annotated[ComplaintService, Depends(service("complaints", ComplaintService))]
