"""The event-sourced application and the unit of work ingestion writes through."""

from __future__ import annotations

import heapq
import threading
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from typing import Any, TypeVar
from uuid import UUID, uuid4

from eventsourcing.application import AggregateNotFoundError, Application, ProcessingEvent
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError, Notification, Recording

from adapters.store.audit import Sealer
from adapters.store.log_pages import notifications
from adapters.store.url import store_env
from domain.events import event_topic
from domain.ids import agent_id, call_id, pbx_id, queue_id
from domain.telephony.agent import Agent
from domain.telephony.call import Call
from domain.telephony.pbx import Pbx
from domain.telephony.queue import Queue

__all__ = ["CallCenter", "StoreUnit", "open_app", "read_events"]

A = TypeVar("A", bound=Aggregate)

CALL_END_TOPICS = tuple(event_topic(Call, name) for name in
                        ("Ended", "ClosedByResync", "LostByRestart"))
CALL_START_TOPIC = event_topic(Call, "Started")
AGENT_TOPIC = event_topic(Agent, "Registered")


class CallCenter(Application[UUID]):
    """One ordered log for the PBX feed and every domain aggregate. Every save appends an
    ``AuditSeal`` of its events to the same transaction (``adapters.store.audit``); with
    ``AUDIT_KEY`` in the env the seals are signed."""

    name = "CallCenter"

    def __init__(self, env: dict[str, str] | None = None) -> None:
        super().__init__(env=env)
        key = self.env.get("AUDIT_KEY")
        self.audit_key = key.encode() if key else None
        self.sealer = Sealer(self.recorder, self.mapper, self.audit_key)
        self._save_lock = threading.Lock()  # one seal chain: saves in this process queue up

    def save(self, *objs: Any, **kwargs: Any) -> list[Recording[UUID]]:
        """Like ``Application.save``, plus the batch's seal, in one transaction."""
        batch: ProcessingEvent[UUID] = ProcessingEvent()
        batch.collect_events(*objs, **kwargs)
        if not batch.events:
            return []
        stored = [self.mapper.to_stored_event(e) for e in batch.events]
        with self._save_lock:
            return self._insert_sealed(batch, stored)

    def _insert_sealed(self, batch: ProcessingEvent[UUID], stored: list[Any]
                       ) -> list[Recording[UUID]]:
        for attempt in range(3):
            seal, sealed = self.sealer.seal(stored)
            try:
                ids = self.recorder.insert_events([*stored, sealed], tracking=batch.tracking,
                                                  **batch.saved_kwargs)
            except IntegrityError:
                # another process sealed first: chain on from its seal, unless the batch
                # itself conflicts (then the error is the caller's)
                before = self.sealer.previous
                self.sealer.reload()
                if self.sealer.previous == before or attempt == 2:
                    raise
                continue
            self.sealer.advance(seal)
            return [Recording(e, Notification(id=i, originator_id=s.originator_id,
                                              originator_version=s.originator_version,
                                              topic=s.topic, state=s.state))
                    for e, s, i in zip(batch.events, stored, ids or [], strict=False)]
        raise AssertionError("unreachable")


def open_app(store_url: str, *, compress: bool = True, cipher_key: str | None = None,
             audit_key: str | None = None) -> CallCenter:
    env = store_env(store_url, compress=compress, cipher_key=cipher_key)
    if audit_key:
        env["AUDIT_KEY"] = audit_key
    return CallCenter(env=env)


class StoreUnit:
    """Finds aggregates (memory first, then the store), remembers which were touched so
    one ``save`` writes all their new events in one transaction, and knows which calls are
    open and which agents exist. Only ingestion creates calls and agents, so an aggregate
    found missing stays missing until this unit adds it."""

    def __init__(self, app: CallCenter, *, ended_cache_size: int = 20_000) -> None:
        self.app = app
        self._touched: dict[UUID, Aggregate] = {}
        self._calls: OrderedDict[str, Call | None] = OrderedDict()
        self._open: dict[str, Call] = {}
        self._agents: dict[str, Agent | None] = {}
        self._queues: dict[str, Queue | None] = {}
        self._pbx: Pbx | None = None
        self._ended_cache_size = ended_cache_size
        self._started: set[UUID] = set()
        self._warm_up()

    # -- start-up ------------------------------------------------------------------------
    def _warm_up(self) -> None:
        """Load open calls and all agents (they take part in snapshot reconciliation)."""
        started: set[UUID] = set()
        ended: set[UUID] = set()
        agents: set[UUID] = set()
        for n in self._scan((CALL_START_TOPIC, *CALL_END_TOPICS, AGENT_TOPIC)):
            if n.topic == CALL_START_TOPIC:
                started.add(n.originator_id)
            elif n.topic == AGENT_TOPIC:
                agents.add(n.originator_id)
            else:
                ended.add(n.originator_id)
        self._started = started  # every call ever started: others need no store lookup
        for aggregate_id in started - ended:
            call = self.find(Call, aggregate_id)
            if call is not None:
                self._calls[call.linkedid] = call
                self._open[call.linkedid] = call
        for aggregate_id in agents:
            agent = self.find(Agent, aggregate_id)
            if agent is not None:
                self._agents[agent.interface] = agent

    def _scan(self, topics: tuple[str, ...]) -> Iterator[Any]:
        return notifications(self.app.recorder, topics, size=5000)

    # -- lookups -------------------------------------------------------------------------
    def find(self, cls: type[A], aggregate_id: UUID) -> A | None:
        try:
            aggregate: Aggregate = self.app.repository.get(aggregate_id)
        except AggregateNotFoundError:
            return None
        assert isinstance(aggregate, cls)
        return aggregate

    def _touch(self, aggregate: A | None) -> A | None:
        if aggregate is not None:
            self._touched[aggregate.id] = aggregate
        return aggregate

    def call(self, linkedid: str) -> Call | None:
        if linkedid in self._calls:
            self._calls.move_to_end(linkedid)
            return self._touch(self._calls[linkedid])
        key = call_id(linkedid)
        call = self.find(Call, key) if key in self._started else None
        self._remember_call(linkedid, call)
        return self._touch(call)

    def add_call(self, call: Call) -> None:
        self._started.add(call.id)
        self._remember_call(call.linkedid, call)
        self._touch(call)

    def _remember_call(self, linkedid: str, call: Call | None) -> None:
        self._calls[linkedid] = call
        if call is not None and not call.ended:
            self._open[linkedid] = call
        while len(self._calls) > self._ended_cache_size + len(self._open):
            oldest, old = next(iter(self._calls.items()))
            if old is not None and not old.ended:
                self._calls.move_to_end(oldest)
                continue
            del self._calls[oldest]

    def open_calls(self) -> Iterable[Call]:
        for linkedid, call in list(self._open.items()):
            if call.ended:
                del self._open[linkedid]
            else:
                self._touch(call)
                yield call

    def agent(self, interface: str) -> Agent | None:
        if interface not in self._agents:
            self._agents[interface] = self.find(Agent, agent_id(interface))
        return self._touch(self._agents[interface])

    def add_agent(self, agent: Agent) -> None:
        self._agents[agent.interface] = agent
        self._touch(agent)

    def all_agents(self) -> Iterable[Agent]:
        for agent in self._agents.values():
            if agent is not None:
                self._touch(agent)
                yield agent

    def queue(self, name: str) -> Queue | None:
        if name not in self._queues:
            self._queues[name] = self.find(Queue, queue_id(name))
        return self._touch(self._queues[name])

    def add_queue(self, queue: Queue) -> None:
        self._queues[queue.name] = queue
        self._touch(queue)

    def pbx(self) -> Pbx:
        if self._pbx is None:
            self._pbx = self.find(Pbx, pbx_id("default")) or Pbx("default")
        touched = self._touch(self._pbx)
        assert touched is not None
        return touched

    # -- writing -------------------------------------------------------------------------
    def save(self, *first: Aggregate) -> int:
        """Write ``first`` (the feed chunk), then the touched aggregates' new events in the
        order they were created (not grouped by aggregate), in one transaction: the log
        then reads in the order things happened, which projections that relate calls and
        agents depend on. Each aggregate's own events keep their order."""
        touched = list(self._touched.values())
        self._touched.clear()
        head = [e for aggregate in first for e in aggregate.collect_events()]
        merged = heapq.merge(*(a.collect_events() for a in touched),
                             key=lambda e: e.timestamp)
        recordings = self.app.save(_Batch([*head, *merged]))
        for linkedid in [k for k, v in self._open.items() if v.ended]:
            del self._open[linkedid]
        return len(recordings)

    def discard(self) -> None:
        """Forget unsaved changes (after a failed save): reload from the store next time."""
        self._touched.clear()
        self._calls.clear()
        self._open.clear()
        self._agents.clear()
        self._queues.clear()
        self._pbx = None
        self._warm_up()


class _Batch:
    """One batch's events, in the order to store them, handed to ``Application.save`` as
    one object that collects events (saving the events one by one would run the
    library's runtime protocol check on each)."""

    def __init__(self, events: list[Any]) -> None:
        self.id = uuid4()
        self.version = 0  # the aggregate protocol's; nothing reads it
        self._events = events

    def collect_events(self) -> list[Any]:
        return self._events


def read_events(app: CallCenter, topics: Iterable[str] = (), *, stop: int | None = None,
                page: int = 2000) -> Iterator[Any]:
    """Domain events from the log in order (only ``topics`` if given), up to position
    ``stop`` inclusive: a point-in-time replay."""
    for notification in notifications(app.recorder, topics, stop=stop, size=page):
        yield app.mapper.to_domain_event(notification)
