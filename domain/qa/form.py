"""The EvaluationForm aggregate: one per form name, with a draft and published versions.

Publishing freezes the draft as version N+1; a published version never changes, and an
evaluation names the version it is scored with, so publishing a new version leaves
every earlier evaluation (and its score) as it was.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.errors import InvalidForm
from domain.qa.ids import form_id
from domain.qa.scoring import FormDefinition

__all__ = ["EvaluationForm"]


class EvaluationForm(Aggregate):
    @staticmethod
    def create_id(name: str) -> UUID:
        return form_id(name)

    @classmethod
    def create(cls, name: str, definition: dict[str, Any], at: float, by: str
               ) -> EvaluationForm:
        """A new form whose draft is ``definition`` (validated first)."""
        cls.check_name(name)
        return cls(name, FormDefinition.from_dict(definition).as_dict(), at, by)

    @event("Created")
    def __init__(self, name: str, draft: dict[str, Any], at: float, by: str) -> None:
        self.name = name
        self.draft: dict[str, Any] = draft
        self.versions: list[dict[str, Any]] = []  # version n is versions[n - 1]
        self.published_at: list[float] = []

    @staticmethod
    def check_name(name: str) -> None:
        if not name or len(name) > 64 or not all(c.isalnum() or c in "_.-" for c in name):
            raise InvalidForm(f"bad form name {name!r}: 1-64 letters, digits or _.-")

    def check_published(self) -> None:
        if not self.versions:
            raise InvalidForm(f"form {self.name!r} has no published version yet")

    # -- commands ------------------------------------------------------------------------
    def save_draft(self, definition: dict[str, Any], at: float, by: str) -> None:
        self._draft_saved(FormDefinition.from_dict(definition).as_dict(), at, by)

    @event("DraftSaved")
    def _draft_saved(self, draft: dict[str, Any], at: float, by: str) -> None:
        self.draft = draft

    def publish(self, at: float, by: str) -> int:
        """Freeze the draft as the next version; returns its number."""
        if self.versions and self.versions[-1] == self.draft:
            raise InvalidForm(f"the draft of {self.name!r} is version {len(self.versions)} "
                              "already: change it before publishing again")
        self._published(len(self.versions) + 1, self.draft, at, by)
        return len(self.versions)

    @event("Published")
    def _published(self, number: int, definition: dict[str, Any], at: float, by: str
                   ) -> None:
        self.versions.append(definition)
        self.published_at.append(at)

    # -- queries -------------------------------------------------------------------------
    @property
    def latest_version(self) -> int:
        self.check_published()
        return len(self.versions)

    def definition(self, number: int) -> FormDefinition:
        if not 1 <= number <= len(self.versions):
            raise InvalidForm(f"form {self.name!r} has no version {number}")
        return FormDefinition.from_dict(self.versions[number - 1])
