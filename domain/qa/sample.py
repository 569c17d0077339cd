"""The Sample aggregate: one drawn QA sample, recorded whole in its ``Drawn`` event.

The event holds everything the draw used — the policy name, version and rules, the seed,
the period, the population (every call considered, with the facts the rules look at),
the complained numbers — and the chosen calls, so an auditor can draw it again
(``rederive``) and compare, without reading anything else.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.qa.ids import sample_id
from domain.qa.policy import PolicyRules
from domain.qa.sampling import Candidate, draw, population_digest

__all__ = ["ALGORITHM", "Sample"]

# How ``chosen`` follows from the rest (domain.qa.sampling.draw with CPython 3.11's
# random.Random(seed).sample); a different algorithm would get a new name.
ALGORITHM = "callboard-qa-draw-1"


class Sample(Aggregate):
    @staticmethod
    def create_id(policy: str, policy_version: int, period_start: float, seed: int,
                  digest: str) -> UUID:
        return sample_id(policy, policy_version, period_start, seed, digest)

    @classmethod
    def draw(cls, policy: str, policy_version: int, rules: PolicyRules, seed: int,
             period: dict[str, Any], population: list[Candidate], complained: list[str],
             at: float, by: str) -> Sample:
        """Draw now; ``period`` is ``{"kind", "label", "start", "end"}``."""
        chosen = draw(rules, seed, population, complained)
        return cls(policy, policy_version, rules.as_dict(), seed, period,
                   [c.as_dict() for c in sorted(population, key=lambda c: c.call_id)],
                   sorted(set(complained)), [c.as_dict() for c in chosen], ALGORITHM, at, by,
                   period["start"], population_digest(population, complained))

    @event("Drawn")
    def __init__(self, policy: str, policy_version: int, rules: dict[str, Any], seed: int,
                 period: dict[str, Any], population: list[dict[str, Any]],
                 complained: list[str], chosen: list[dict[str, Any]], algorithm: str,
                 at: float, by: str, period_start: float, digest: str) -> None:
        self.policy, self.policy_version, self.rules = policy, policy_version, rules
        self.seed, self.period, self.population = seed, period, population
        self.complained, self.chosen, self.algorithm = complained, chosen, algorithm
        self.drawn_at, self.drawn_by, self.digest = at, by, digest

    def rederive(self) -> list[dict[str, Any]]:
        """The chosen calls drawn again from this sample's own record."""
        population = [Candidate.from_dict(c) for c in self.population]
        chosen = draw(PolicyRules.from_dict(self.rules), self.seed, population,
                      self.complained)
        return [c.as_dict() for c in chosen]

    @property
    def chosen_ids(self) -> list[str]:
        return [c["call_id"] for c in self.chosen]
