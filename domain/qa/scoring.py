"""An evaluation form's content and the pure score of a set of answers.

A form has sections of questions. Each question has a weight (its points), an answer
scale ordered worst to best (``["no", "yes"]``, ``["poor", "fair", "good"]``), and flags:

- ``na_allowed``: ``"n/a"`` is a valid answer; an N/A question leaves the denominator.
- ``mandatory``: a script point the agent must always say (業務必講點). It cannot be N/A;
  answered below the best option it is listed in ``missed_script_points`` and, when the
  form sets ``missed_script_cap``, the score is capped at that value.
- ``fatal``: a fault that fails the call outright (e.g. activating a service the customer
  did not agree to, misquoting fees). Answered with the scale's *lowest* option, the score
  is 0 whatever else was answered; ``raw_score`` keeps the score before that. A fatal
  question may weigh 0 (it only gates).

An answer earns the credit ``index / (len(scale) - 1)``: ``yes`` of ``[no, yes]`` is 1,
``fair`` of ``[poor, fair, good]`` is 0.5. The score is a percentage::

    score = 100 * sum(weight * credit) / sum(weight)     over the questions not N/A

Example, with the form ``greet`` (w 10, [no, yes]), ``name`` (w 5, [no, yes], N/A
allowed), ``needs`` (w 20, [poor, fair, good, excellent]) and ``consent`` (w 0, fatal,
[no, yes]):

    >>> answers = {"greet": "yes", "name": "n/a", "needs": "good", "consent": "yes"}
    >>> score(EXAMPLE, answers).score          # (10*1 + 20*2/3) / (10 + 20)
    77.78
    >>> score(EXAMPLE, {**answers, "name": "no"}).score   # (10 + 0 + 13.33) / 35
    66.67
    >>> result = score(EXAMPLE, {**answers, "consent": "no"})
    >>> result.score, result.raw_score, result.fatal
    (0.0, 77.78, ['consent'])

Sections group questions and get their own subtotal (the same formula over their
questions; ``None`` when none of them is answered with a weight above 0, e.g. a section
of fatal gates only).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from domain.errors import InvalidAnswers, InvalidForm

__all__ = ["EXAMPLE", "NA", "FormDefinition", "Question", "ScoreResult", "Section", "score"]

NA = "n/a"
_KEY = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
_QUESTION_FIELDS = {"key", "text", "weight", "scale", "na_allowed", "mandatory", "fatal"}


@dataclass(frozen=True)
class Question:
    key: str
    text: str
    weight: float
    scale: tuple[str, ...]
    na_allowed: bool = False
    mandatory: bool = False
    fatal: bool = False

    def credit(self, answer: str) -> float | None:
        """The credit of a valid answer (None for N/A)."""
        if answer == NA:
            return None
        return self.scale.index(answer) / (len(self.scale) - 1)

    def check_answer(self, answer: object) -> None:
        if answer == NA and not self.na_allowed:
            raise InvalidAnswers(f"question {self.key!r} may not be answered N/A")
        if answer != NA and answer not in self.scale:
            raise InvalidAnswers(f"{answer!r} is not an answer to question {self.key!r}: use "
                                 f"one of {', '.join(self.scale)}"
                                 + (" or n/a" if self.na_allowed else ""))


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    questions: tuple[Question, ...]


@dataclass(frozen=True)
class ScoreResult:
    score: float
    raw_score: float
    fatal: list[str]
    missed_script_points: list[str]
    sections: dict[str, float | None]
    credits: dict[str, float | None]
    not_applicable: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _text(data: Mapping[str, Any], name: str, where: str) -> str:
    value = data.get(name)
    if not isinstance(value, str) or not value.strip():
        raise InvalidForm(f"{where}: {name!r} must be a non-empty text")
    return value


def _flag(data: Mapping[str, Any], name: str, where: str) -> bool:
    value = data.get(name, False)
    if not isinstance(value, bool):
        raise InvalidForm(f"{where}: {name!r} must be true or false")
    return value


def _question(data: Any, where: str) -> Question:
    if not isinstance(data, Mapping):
        raise InvalidForm(f"{where}: a question must be an object")
    unknown = set(data) - _QUESTION_FIELDS
    if unknown:
        raise InvalidForm(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
    key = _text(data, "key", where)
    if not _KEY.match(key):
        raise InvalidForm(f"{where}: key {key!r} must be 1-64 letters, digits or _.-")
    where = f"question {key!r}"
    weight = data.get("weight")
    if isinstance(weight, bool) or not isinstance(weight, int | float) or not (
            math.isfinite(weight) and weight >= 0):
        raise InvalidForm(f"{where}: weight must be a number >= 0")
    scale = data.get("scale")
    if (not isinstance(scale, list | tuple) or not 2 <= len(scale) <= 10
            or not all(isinstance(s, str) and s.strip() for s in scale)
            or len(set(scale)) != len(scale) or NA in scale):
        raise InvalidForm(f"{where}: scale must list 2 to 10 distinct answers, worst first "
                          f"(not {NA!r})")
    question = Question(key, _text(data, "text", where), float(weight), tuple(scale),
                        _flag(data, "na_allowed", where), _flag(data, "mandatory", where),
                        _flag(data, "fatal", where))
    if question.mandatory and question.na_allowed:
        raise InvalidForm(f"{where}: a mandatory script point cannot be N/A")
    if question.weight == 0 and not question.fatal:
        raise InvalidForm(f"{where}: only a fatal question may weigh 0")
    return question


@dataclass(frozen=True)
class FormDefinition:
    """What a form version asks; built from (and back to) the plain dict events store."""

    title: str
    sections: tuple[Section, ...]
    missed_script_cap: float | None = None

    @classmethod
    def from_dict(cls, data: Any) -> FormDefinition:
        """Validated; raises ``InvalidForm`` naming the first problem."""
        if not isinstance(data, Mapping):
            raise InvalidForm("a form definition must be an object")
        unknown = set(data) - {"title", "sections", "missed_script_cap"}
        if unknown:
            raise InvalidForm(f"unknown form field(s) {', '.join(sorted(unknown))}")
        raw_sections = data.get("sections")
        if not isinstance(raw_sections, list | tuple) or not raw_sections:
            raise InvalidForm("a form needs at least one section")
        sections, keys = [], set()
        for n, raw in enumerate(raw_sections, 1):
            if not isinstance(raw, Mapping):
                raise InvalidForm(f"section {n}: must be an object")
            key = _text(raw, "key", f"section {n}")
            questions = raw.get("questions")
            if not isinstance(questions, list | tuple) or not questions:
                raise InvalidForm(f"section {key!r}: needs at least one question")
            parsed = tuple(_question(q, f"section {key!r} question {i}")
                           for i, q in enumerate(questions, 1))
            sections.append(Section(key, _text(raw, "title", f"section {key!r}"), parsed))
            for q in parsed:
                if q.key in keys:
                    raise InvalidForm(f"question key {q.key!r} is used twice")
                keys.add(q.key)
        cap = data.get("missed_script_cap")
        if cap is not None and (isinstance(cap, bool) or not isinstance(cap, int | float)
                                or not 0 <= cap <= 100):
            raise InvalidForm("missed_script_cap must be a number from 0 to 100, or null")
        form = cls(_text(data, "title", "form"), tuple(sections),
                   None if cap is None else float(cap))
        if not any(q.weight > 0 for q in form.questions.values()):
            raise InvalidForm("a form needs at least one question that weighs more than 0")
        return form

    def as_dict(self) -> dict[str, Any]:
        return {"title": self.title, "missed_script_cap": self.missed_script_cap,
                "sections": [{"key": s.key, "title": s.title,
                              "questions": [{**asdict(q), "scale": list(q.scale)}
                                            for q in s.questions]}
                             for s in self.sections]}

    @property
    def questions(self) -> dict[str, Question]:
        return {q.key: q for s in self.sections for q in s.questions}

    def check_answers(self, answers: Mapping[str, Any], *, complete: bool) -> None:
        """Every answer fits its question; with ``complete``, every question is answered."""
        questions = self.questions
        for key, answer in answers.items():
            if key not in questions:
                raise InvalidAnswers(f"the form has no question {key!r}")
            questions[key].check_answer(answer)
        missing = [k for k in questions if k not in answers]
        if complete and missing:
            raise InvalidAnswers(f"unanswered: {', '.join(missing)} (answer n/a where that "
                                 "is allowed)")


def _percent(pairs: list[tuple[float, float]]) -> float | None:
    total = sum(w for w, _ in pairs)
    return None if total == 0 else round(100 * sum(w * c for w, c in pairs) / total, 2)


def score(form: FormDefinition, answers: Mapping[str, str]) -> ScoreResult:
    """The score of complete ``answers`` under ``form`` (see the module docstring)."""
    form.check_answers(answers, complete=True)
    credits = {k: q.credit(answers[k]) for k, q in form.questions.items()}
    applicable = [(q.weight, c) for k, q in form.questions.items()
                  if (c := credits[k]) is not None]
    raw = _percent(applicable)
    if raw is None:
        raise InvalidAnswers("nothing to score: every question that weighs is N/A")
    sections = {s.key: _percent([(q.weight, c) for q in s.questions
                                 if (c := credits[q.key]) is not None]) for s in form.sections}
    fatal = [k for k, q in form.questions.items() if q.fatal and answers[k] == q.scale[0]]
    missed = [k for k, q in form.questions.items()
              if q.mandatory and (credits[k] or 0.0) < 1.0]
    final = raw
    if missed and form.missed_script_cap is not None:
        final = min(final, form.missed_script_cap)
    if fatal:
        final = 0.0
    return ScoreResult(final, raw, fatal, missed, sections, credits,
                       [k for k, c in credits.items() if c is None])


EXAMPLE = FormDefinition.from_dict({"title": "Example", "sections": [
    {"key": "opening", "title": "Opening", "questions": [
        {"key": "greet", "text": "Greets and names the company", "weight": 10,
         "scale": ["no", "yes"]},
        {"key": "name", "text": "Uses the customer's name", "weight": 5,
         "scale": ["no", "yes"], "na_allowed": True}]},
    {"key": "sales", "title": "Sales technique", "questions": [
        {"key": "needs", "text": "Explores the customer's needs", "weight": 20,
         "scale": ["poor", "fair", "good", "excellent"]}]},
    {"key": "compliance", "title": "Compliance", "questions": [
        {"key": "consent", "text": "Activates nothing without the customer's consent",
         "weight": 0, "scale": ["no", "yes"], "fatal": True}]},
]})
