"""Which roles use which QA resources, and ``qa_role(resource)``: ``api.deps.require``
after ``ACCESS`` is registered (``require`` looks the roles up when a route is declared,
before ``create_app`` registers the feature routers' tables)."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import Request

from api.auth import Principal
from api.deps import register_access, require

__all__ = ["ACCESS", "qa_role"]

ACCESS: dict[str, tuple[str, ...]] = {
    "qa_catalogue": ("qa", "supervisor", "auditor"),    # the recording catalogue
    "qa_read": ("qa", "supervisor", "auditor"),         # forms, policies, samples, evaluations
    "qa_design": ("qa", "supervisor"),                  # create and publish forms, policies
    "qa_sample": ("qa", "supervisor"),                  # draw samples, assign evaluations
    "qa_work": ("qa",),                                 # the analyst's queue, score, submit
    "qa_review": ("supervisor",),                       # re-score or uphold
    "qa_mine": ("agent",),                              # own results, acknowledge, dispute
    "qa_reports": ("supervisor", "auditor"),            # QA reports
    "qa_calibration": ("qa", "supervisor", "auditor"),  # calibration report
}


def qa_role(resource: str) -> Callable[[Request], Principal]:
    register_access(ACCESS)
    return require(resource)
