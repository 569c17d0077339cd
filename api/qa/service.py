"""QA application service: loads QA aggregates, runs a command with the time of the
injected clock and the caller's name, saves. Forms, sampling policies, samples and the
catalogue here; evaluations in ``api.qa.evaluating``. Used by the API and the CLI."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError

from adapters.store.application import CallCenter
from api.qa.views import QaViews
from api.runtime import load
from domain.errors import AlreadyExists, ChangedMeanwhile, UnknownAggregate
from domain.qa.form import EvaluationForm
from domain.qa.ids import form_id, policy_id
from domain.qa.policy import SamplingPolicy
from domain.qa.sample import Sample
from domain.qa.sampling import Candidate, period_bounds, population_digest
from projections.qa.catalogue import CallEntry

__all__ = ["QaService", "agent_owns", "call_facts", "parse_id"]

A = TypeVar("A", bound=Aggregate)


def agent_owns(extension: str, call: dict[str, Any]) -> bool:
    """The agent of a call is the one whose extension took it (``extension``: the user's
    bound extension, ``api.auth.own_extension``)."""
    return bool(extension) and call.get("agent") == extension


class QaService:
    def __init__(self, app: CallCenter, clock: Callable[[], float], views: QaViews,
                 recordings_dir: Path | None = None, timezone: str = "UTC",
                 dispute_window_s: float = 72 * 3600.0) -> None:
        self.app, self.clock, self.views = app, clock, views
        self.recordings_dir = recordings_dir
        self.timezone, self.dispute_window_s = timezone, dispute_window_s

    # -- aggregates ------------------------------------------------------------------------
    def load(self, cls: type[A], key: UUID, what: str) -> A:
        return load(self.app, cls, key, what)

    def exists(self, key: UUID) -> bool:
        return bool(self.app.recorder.select_events(key, limit=1))

    def save(self, *aggregates: Aggregate) -> None:
        try:
            self.app.save(*aggregates)
        except IntegrityError:
            raise ChangedMeanwhile("changed by someone else meanwhile: reload and try "
                                   "again") from None

    # -- catalogue -------------------------------------------------------------------------
    def audio(self, name: str) -> Path | None:
        if self.recordings_dir is None:
            return None
        path = self.recordings_dir / name
        return path if path.is_file() else None

    def catalogue(self, with_files: bool = True) -> list[dict[str, Any]]:
        """Every recording, newest first (with its file's size: ``with_files``)."""
        with self.views.reading() as (catalogue, _):
            rows: list[dict[str, Any]] = catalogue.view(float("inf"))["recordings"]
        return self.with_files(rows) if with_files else rows

    def with_files(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """``size_bytes`` and ``has_audio`` of each row's file in the recordings folder."""
        for row in rows:
            path = self.audio(row["name"])
            row["size_bytes"] = path.stat().st_size if path else None
            row["has_audio"] = path is not None
        return rows

    def call(self, call_id: str) -> dict[str, Any]:
        """A recorded call's facts, as an evaluation keeps them."""
        with self.views.reading() as (catalogue, _):
            entry = catalogue.calls.get(call_id)
            if entry is None or not entry.recordings:
                raise UnknownAggregate(f"no recorded call {call_id!r}")
            return call_facts(entry)

    def _candidate(self, entry: CallEntry) -> Candidate:
        return Candidate(entry.call_id, entry.agent, entry.queue, entry.direction,
                         entry.started_at, entry.duration_s, entry.number, entry.disposition,
                         entry.answered, any(self.audio(n) for n, _, _ in entry.recordings),
                         entry.qa_status != "none")

    # -- forms -----------------------------------------------------------------------------
    def create_form(self, name: str, definition: dict[str, Any], by: str) -> dict[str, Any]:
        if self.exists(form_id(name)):
            raise AlreadyExists(f"form {name!r} exists already: save a draft and publish it")
        form = EvaluationForm.create(name, definition, self.clock(), by)
        self.save(form)
        return form_dict(form)

    def save_draft(self, name: str, definition: dict[str, Any], by: str) -> dict[str, Any]:
        form = self.load(EvaluationForm, form_id(name), f"form {name!r}")
        form.save_draft(definition, self.clock(), by)
        self.save(form)
        return form_dict(form)

    def publish(self, name: str, by: str) -> dict[str, Any]:
        form = self.load(EvaluationForm, form_id(name), f"form {name!r}")
        form.publish(self.clock(), by)
        self.save(form)
        return form_dict(form)

    def form(self, name: str) -> dict[str, Any]:
        return form_dict(self.load(EvaluationForm, form_id(name), f"form {name!r}"))

    def forms(self) -> list[dict[str, Any]]:
        with self.views.reading() as (_, records):
            return sorted((dict(f) for f in records.forms.values()), key=lambda f: f["name"])

    # -- sampling policies -----------------------------------------------------------------
    def define_policy(self, name: str, rules: dict[str, Any], by: str) -> dict[str, Any]:
        """A new policy, or the next version of an existing one."""
        if self.exists(policy_id(name)):
            policy = self.load(SamplingPolicy, policy_id(name), f"policy {name!r}")
            policy.revise(rules, self.clock(), by)
        else:
            policy = SamplingPolicy.define(name, rules, self.clock(), by)
        self.save(policy)
        return policy_dict(policy)

    def policy(self, name: str) -> dict[str, Any]:
        return policy_dict(self.load(SamplingPolicy, policy_id(name), f"policy {name!r}"))

    def policies(self) -> list[dict[str, Any]]:
        with self.views.reading() as (_, records):
            return sorted((dict(p) for p in records.policies.values()),
                          key=lambda p: p["name"])

    # -- samples ---------------------------------------------------------------------------
    def draw_sample(self, policy_name: str, period: str, seed: int | None,
                    complained: list[str], by: str) -> dict[str, Any]:
        """Draw (or, for the same policy version, period, seed and population, return the
        sample drawn before: ``new`` is False)."""
        policy = self.load(SamplingPolicy, policy_id(policy_name), f"policy {policy_name!r}")
        rules = policy.rules()
        start, end, label = period_bounds(rules.period, period, self.timezone)
        with self.views.reading() as (catalogue, _):
            population = [self._candidate(c) for c in catalogue.recorded_calls()
                          if start <= c.started_at < end]
        seed = secrets.randbelow(2**31) if seed is None else seed
        key = Sample.create_id(policy_name, policy.latest_version, start, seed,
                               population_digest(population, complained))
        new = not self.exists(key)
        if new:
            self.save(Sample.draw(policy_name, policy.latest_version, rules, seed,
                                  {"kind": rules.period, "label": label, "start": start,
                                   "end": end, "timezone": self.timezone},
                                  population, complained, self.clock(), by))
        return {**self.sample(str(key)), "new": new}

    def sample(self, key: str) -> dict[str, Any]:
        sample = self.load(Sample, parse_id(key, "sample"), f"sample {key}")
        again = sample.rederive()
        return {"id": str(sample.id), "policy": sample.policy,
                "policy_version": sample.policy_version, "rules": sample.rules,
                "seed": sample.seed, "period": sample.period, "algorithm": sample.algorithm,
                "drawn_at": sample.drawn_at, "drawn_by": sample.drawn_by,
                "digest": sample.digest, "population": sample.population,
                "complained_numbers": sample.complained, "chosen": sample.chosen,
                "rederived": again, "rederives": again == sample.chosen}

    def samples(self) -> list[dict[str, Any]]:
        with self.views.reading() as (_, records):
            return sorted((dict(s) for s in records.samples.values()),
                          key=lambda s: s["drawn_at"], reverse=True)


def parse_id(text: str, what: str) -> UUID:
    try:
        return UUID(text)
    except ValueError:
        raise UnknownAggregate(f"no {what} {text!r} (not a UUID)") from None


def call_facts(entry: CallEntry) -> dict[str, Any]:
    return {"call_id": entry.call_id, "linkedid": entry.linkedid, "agent": entry.agent,
            "agent_name": entry.agent_name, "queue": entry.queue,
            "direction": entry.direction, "started_at": entry.started_at,
            "duration_s": entry.duration_s, "number": entry.number,
            "recordings": [name for name, _, _ in entry.recordings]}


def form_dict(form: EvaluationForm) -> dict[str, Any]:
    return {"name": form.name, "draft": form.draft, "latest_version": len(form.versions),
            "versions": [{"version": n, "published_at": at, "definition": d}
                         for n, (d, at) in enumerate(zip(form.versions, form.published_at,
                                                         strict=True), 1)]}


def policy_dict(policy: SamplingPolicy) -> dict[str, Any]:
    return {"name": policy.name, "latest_version": policy.latest_version,
            "rules": policy.versions[-1],
            "versions": [{"version": n, "rules": r} for n, r in enumerate(policy.versions, 1)]}
