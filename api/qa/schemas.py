"""Request bodies and response models of the QA API."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from api.schemas import Open

__all__ = ["AnswersIn", "AssignIn", "AssignSampleIn", "AssignedOut", "CalibrationOut",
           "CatalogueOut", "DraftIn", "EvaluationOut", "EvaluationsOut", "FormIn", "FormOut",
           "FormsOut", "PoliciesOut", "PolicyIn", "PolicyOut", "ReasonIn", "ReportOut",
           "RescoreIn", "SampleIn", "SampleOut", "SamplesOut", "SubmitIn"]

Name = Annotated[str, Field(pattern=r"^[A-Za-z0-9_.@-]{1,64}$")]
Text = Annotated[str, Field(max_length=4000)]
Answers = Annotated[dict[Annotated[str, Field(max_length=64)],
                         Annotated[str, Field(max_length=64)]], Field(max_length=500)]


class In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class FormIn(In):
    name: Name
    definition: dict[str, Any] = Field(description="title, sections[{key, title, questions"
                                       "[{key, text, weight, scale, na_allowed, mandatory, "
                                       "fatal}]}], missed_script_cap")


class DraftIn(In):
    definition: dict[str, Any]


class PolicyIn(In):
    name: Name
    rules: dict[str, Any] = Field(description="see domain.qa.policy.PolicyRules")


class SampleIn(In):
    policy: Name
    period: Annotated[str, Field(max_length=16, description="a date in the period "
                                 "(YYYY-MM-DD), or YYYY-Www / YYYY-MM")]
    seed: Annotated[int | None, Field(ge=0, lt=2**63)] = None
    complained_numbers: Annotated[list[Annotated[str, Field(max_length=32)]],
                                  Field(max_length=100_000)] = []


class AssignSampleIn(In):
    form: Name
    analysts: Annotated[list[Name], Field(max_length=100)] = Field(
        default_factory=list, description="round-robin; default: yourself")


class AssignIn(In):
    call_id: Annotated[str, Field(max_length=64)]
    form: Name
    analyst: Name | None = Field(default=None, description="default: yourself")
    calibration: Name | None = Field(default=None, description="a calibration session")
    reference: bool = False


class AnswersIn(In):
    answers: Answers


class SubmitIn(In):
    answers: Answers | None = Field(default=None, description="default: the saved ones")
    note: Text = ""


class ReasonIn(In):
    reason: Annotated[str, Field(min_length=1, max_length=4000)]


class RescoreIn(ReasonIn):
    answers: Answers



class CatalogueRow(Open):
    name: str
    call_id: str
    linkedid: str
    started_at: float
    duration_s: float | None
    direction: str
    queue: str | None
    agent: str
    agent_name: str
    number: str
    answered: bool
    disposition: str | None
    qa_status: str = Field(description="none | assigned | evaluated")
    evaluations: int
    size_bytes: int | None
    has_audio: bool


class CatalogueOut(Open):
    recordings: list[CatalogueRow]
    count: int
    total: int = Field(description="rows matching, before limit and offset")


class FormOut(Open):
    name: str
    draft: dict[str, Any]
    latest_version: int
    versions: list[dict[str, Any]]


class FormsOut(Open):
    forms: list[dict[str, Any]]


class PolicyOut(Open):
    name: str
    latest_version: int
    rules: dict[str, Any]
    versions: list[dict[str, Any]]


class PoliciesOut(Open):
    policies: list[dict[str, Any]]


class SampleOut(Open):
    id: str
    policy: str
    policy_version: int
    rules: dict[str, Any]
    seed: int
    period: dict[str, Any]
    algorithm: str
    drawn_at: float
    drawn_by: str
    population: list[dict[str, Any]]
    chosen: list[dict[str, Any]]
    rederived: list[dict[str, Any]]
    rederives: bool = Field(description="drawing again from the record gives the same calls")


class SamplesOut(Open):
    samples: list[dict[str, Any]]


class AssignedOut(Open):
    sample_id: str
    assigned: list[dict[str, Any]]
    already_assigned: list[str]


class EvaluationRow(Open):
    id: str
    call_id: str
    call: dict[str, Any]
    agent: str
    agent_name: str
    analyst: str
    form: str
    form_version: int
    status: str = Field(description="assigned | in-progress | submitted | acknowledged | "
                        "disputed | final")
    final: bool
    score: float | None
    fatal: list[str]
    scorings: list[dict[str, Any]] = Field(description="every version of the score")


class EvaluationsOut(Open):
    evaluations: list[EvaluationRow]
    count: int


class EvaluationOut(EvaluationRow):
    definition: dict[str, Any]
    history: list[dict[str, Any]]


class ReportOut(Open):
    by: str
    period: str
    groups: list[dict[str, Any]]


class CalibrationOut(Open):
    session: str | None
    call_id: str | None
    calls: list[dict[str, Any]]
