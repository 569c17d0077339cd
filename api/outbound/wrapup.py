"""The wrap-up service: an agent's disposition and notes on a call (an agent only on a call
they took or dialled; a supervisor on any, for the call's agent), the DND request that a
``dnd-request`` disposition files, and a customer's classification."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from eventsourcing.persistence import IntegrityError

from adapters.store.application import CallCenter, read_events
from adapters.store.call_facts import CallFacts, call_facts
from api.outbound.dnd import DndService
from api.runtime import find
from domain.errors import InvalidChoice, NotYourCall
from domain.outbound.dnd import normalise_number
from domain.outbound.wrapup import Wrapup, classify, wrapup_id

__all__ = ["WrapupService", "wrapup_dict"]

SET_TOPIC = "domain.outbound.wrapup:Wrapup.DispositionSet"


def wrapup_dict(wrapup: Wrapup | None, facts: CallFacts) -> dict[str, Any]:
    return {"call_id": facts.call_id, "linkedid": facts.linkedid,
            "direction": facts.direction, "customer_number": facts.customer_number,
            "agents": [ext for ext, _ in facts.agents],
            "code": wrapup.code if wrapup else None, "agent": wrapup.agent if wrapup else None,
            "notes": wrapup.notes if wrapup else "",
            "callback_at": wrapup.callback_at if wrapup else None,
            "version": wrapup.version if wrapup else 0}


class WrapupService:
    def __init__(self, app: CallCenter, clock: Callable[[], float], dnd: DndService) -> None:
        self.app, self.clock, self.dnd = app, clock, dnd

    def find(self, facts: CallFacts) -> Wrapup | None:
        return find(self.app, Wrapup, wrapup_id(facts.call_id))

    def get(self, call: str) -> dict[str, Any]:
        facts = call_facts(self.app, call)
        return wrapup_dict(self.find(facts), facts)

    @staticmethod
    def whose(facts: CallFacts, by_agent: str | None, agent: str | None) -> str:
        """The extension the wrap-up is for: the acting agent's own call, or (a
        supervisor) the agent named, else the call's last agent."""
        if by_agent is not None:
            if not by_agent or by_agent not in facts.extensions:
                raise NotYourCall(f"call {facts.linkedid} was not taken or dialled by "
                                  f"extension {by_agent or '(unknown)'}")
            return by_agent
        if agent:
            if agent not in facts.extensions:
                raise InvalidChoice(f"agent {agent} did not take or dial call "
                                    f"{facts.linkedid} (its agents: "
                                    f"{', '.join(facts.extensions) or 'none'})")
            return agent
        if not facts.extensions:
            raise InvalidChoice(f"call {facts.linkedid} has no agent to wrap it up for")
        return facts.extensions[-1]

    def _save(self, facts: CallFacts, step: Callable[[Wrapup, float], None],
              dnd_request: tuple[str, str] | None = None
              ) -> tuple[Wrapup, dict[str, Any] | None]:
        """Apply ``step`` to the call's wrap-up and save it; with ``dnd_request`` (by whom,
        note), put the customer's number on the DND list in the same transaction. Again on
        a conflict."""
        for attempt in range(3):
            at = self.clock()
            wrapup = self.find(facts) or Wrapup(facts.call_id, facts.linkedid, at)
            step(wrapup, at)
            changed: list[Any] = [wrapup]
            dnd = None
            if dnd_request is not None:
                registry = self.dnd.registry()
                added = registry.add(at, dnd_request[0], facts.customer_number, "wrap-up",
                                     call_id=facts.call_id, note=dnd_request[1])
                changed.append(registry)
                dnd = {"added": added, "version": registry.version}
            try:
                self.app.save(*changed)
            except IntegrityError:
                if attempt == 2:
                    raise
                continue
            return wrapup, dnd
        raise AssertionError("unreachable")

    def set(self, call: str, by: str, code: str, notes: str = "",
            callback_at: float | None = None, *, by_agent: str | None = None,
            agent: str | None = None) -> dict[str, Any]:
        """``by_agent``: the acting agent's extension when an agent sets it (None for a
        supervisor, who may name ``agent``). A ``dnd-request`` lists the customer's number
        (source ``wrap-up``, by the agent, from this call) in the same transaction."""
        facts = call_facts(self.app, call)
        facts.customer_number = "".join(ch for ch in facts.customer_number if ch.isdigit())
        ext = self.whose(facts, by_agent, agent)
        Wrapup.check_code(code, self.clock(), callback_at)
        if code == "dnd-request" and not facts.customer_number:
            raise InvalidChoice(f"call {facts.linkedid} has no customer number for the DND "
                                "list")
        wrapup, dnd = self._save(facts, lambda w, at: w.set_disposition(
            at, by, ext, code, notes, facts.customer_number, facts.started_at, callback_at),
            (by, notes) if code == "dnd-request" else None)
        return {**wrapup_dict(wrapup, facts), **({"dnd": dnd} if dnd else {})}

    def add_note(self, call: str, by: str, text: str, *, by_agent: str | None = None
                 ) -> dict[str, Any]:
        facts = call_facts(self.app, call)
        self.whose(facts, by_agent, None)
        return wrapup_dict(self._save(facts, lambda w, at: w.add_note(at, by, text))[0], facts)

    def customer(self, number: str) -> dict[str, Any]:
        """A customer's class from the latest disposition of each of their calls."""
        digits = normalise_number(number)
        latest: dict[str, Any] = {}
        for e in read_events(self.app, (SET_TOPIC,)):
            if e.customer_number == digits:
                latest[e.call_id] = e
        rows = sorted(latest.values(), key=lambda e: e.at)
        return {"number": digits, "class": classify(e.code for e in rows),
                "dispositions": [{"call_id": e.call_id, "linkedid": e.linkedid,
                                  "code": e.code, "agent": e.agent, "at": e.at,
                                  "callback_at": e.callback_at, "notes": e.notes}
                                 for e in rows]}
