"""REST: evaluation forms (create, draft, publish) and sampling policies."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from api.deps import Who
from api.qa.deps import QaDep
from api.qa.schemas import DraftIn, FormIn, FormOut, FormsOut, PoliciesOut, PolicyIn, PolicyOut

__all__ = ["router"]

router = APIRouter(prefix="/api/qa", tags=["qa"])


@router.get("/forms", response_model=FormsOut, summary="Evaluation forms")
def forms(qa: QaDep, who: Who) -> dict[str, Any]:
    return {"forms": qa.forms()}


@router.post("/forms", response_model=FormOut, status_code=201,
             summary="Create a form (its definition is the first draft)")
def create_form(body: FormIn, qa: QaDep, who: Who) -> dict[str, Any]:
    return qa.create_form(body.name, body.definition, who.name)


@router.get("/forms/{name}", response_model=FormOut,
            summary="A form: its draft and every published version")
def form(name: str, qa: QaDep, who: Who) -> dict[str, Any]:
    return qa.form(name)


@router.put("/forms/{name}/draft", response_model=FormOut, summary="Replace the draft")
def save_draft(name: str, body: DraftIn, qa: QaDep, who: Who) -> dict[str, Any]:
    return qa.save_draft(name, body.definition, who.name)


@router.post("/forms/{name}/publish", response_model=FormOut,
             summary="Publish the draft as the next version (earlier evaluations keep theirs)")
def publish(name: str, qa: QaDep, who: Who) -> dict[str, Any]:
    return qa.publish(name, who.name)


@router.get("/policies", response_model=PoliciesOut, summary="Sampling policies")
def policies(qa: QaDep, who: Who) -> dict[str, Any]:
    return {"policies": qa.policies()}


@router.post("/policies", response_model=PolicyOut,
             summary="Define a sampling policy, or revise it (its next version)")
def define_policy(body: PolicyIn, qa: QaDep, who: Who) -> dict[str, Any]:
    return qa.define_policy(body.name, body.rules, who.name)


@router.get("/policies/{name}", response_model=PolicyOut,
            summary="A sampling policy with every version of its rules")
def policy(name: str, qa: QaDep, who: Who) -> dict[str, Any]:
    return qa.policy(name)
