"""The composition root: the one place that builds Callboard's parts and wires them.

``build`` opens the store, the tracked projections with their hooks (the complaints fold
tells the monitoring board which numbers have an open complaint), the runtime, the AMI
client (feed source and sender of PBX actions), the services with their policies and
hooks (QA evaluations on complaint timelines, the DND guard in front of click-to-dial),
and the user directory. Nothing is patched onto a part after it is built and nothing is
built on first use: ``create_app`` and the CLI commands take what ``build`` returns.
"""

from __future__ import annotations

import queue
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from adapters.ami.client import AmiFeedClient
from adapters.ami.feed_items import FeedItem
from adapters.ami.limits import MAX_FRAME_BYTES
from adapters.projection_runner.runner import TrackedProjection
from adapters.store.application import CallCenter, open_app
from api.auth import UserDirectory
from api.complaints.service import ComplaintService
from api.outbound.dnd import DndService
from api.outbound.wrapup import WrapupService
from api.pbx.service import PbxActions, PbxClient, PbxPlan
from api.qa.evaluating import EvaluationService
from api.qa.service import QaService
from api.qa.timeline import qa_timeline_entries
from api.qa.views import QaViews
from api.runtime import NAMES, FeedSource, Hooks, Runtime, open_projection
from api.settings import Configuration
from api.workforce.service import WorkforceService

__all__ = ["AmiEndpoint", "Callboard", "build"]


@dataclass(frozen=True)
class AmiEndpoint:
    """Where the AMI client connects (the live PBX, a demo or a test replay)."""

    host: str
    port: int
    user: str
    secret: str
    ping_interval_s: float = 1.0
    max_frame_bytes: int = MAX_FRAME_BYTES  # CALLBOARD_AMI_MAX_FRAME_BYTES


@dataclass
class Callboard:
    """Everything ``build`` made, for ``create_app`` and the CLI commands."""

    config: Configuration
    runtime: Runtime
    users: UserDirectory
    services: dict[str, Any]
    sources: list[FeedSource] = field(default_factory=list)
    ami: AmiFeedClient | None = None

    def start(self) -> Callboard:
        self.runtime.start(*self.sources)
        return self

    def stop(self) -> Any:
        return self.runtime.stop()

    def close(self) -> None:
        """For a CLI command that never started: checkpoint and close the store."""
        self.runtime.close()


def _projections(app: CallCenter, store_url: str, config: Configuration,
                 names: tuple[str, ...], read_only: bool) -> dict[str, TrackedProjection]:
    """The tracked projections, the complaints fold first: the monitoring board's
    ``open_numbers`` hook reads it."""
    key = config.store.key()
    opened: dict[str, TrackedProjection] = {}

    def open_numbers() -> set[str]:
        complaints = opened.get("complaints")
        if complaints is None:
            return set()
        with complaints.lock:
            found: set[str] = complaints.fold.open_numbers()  # type: ignore[attr-defined]
            return found

    hooks = Hooks(open_numbers=open_numbers)
    for name in sorted(names, key=lambda n: n != "complaints"):
        opened[name] = open_projection(app, store_url, name, config.boards, cipher_key=key,
                                       hooks=hooks, read_only=read_only)
    return {name: opened[name] for name in names}


def _services(app: CallCenter, runtime: Runtime, config: Configuration,
              clock: Callable[[], float], pbx: PbxClient | None,
              plan: PbxPlan | None) -> dict[str, Any]:
    views = QaViews(runtime)
    qa = QaService(app, clock, views, config.store.recordings_dir, config.boards.timezone,
                   config.qa.dispute_window_h * 3600)
    dnd = DndService(app, clock)
    return {
        "qa": qa, "evaluations": EvaluationService(qa), "dnd": dnd,
        "complaints": ComplaintService(app, clock, config.complaints.deadline_policy(),
                                       qa_timeline_entries(views)),
        "wrapup": WrapupService(app, clock, dnd),
        "pbx": PbxActions(app, clock, pbx, dnd, plan or PbxPlan(
            dial_context=config.originate.context, dial_caller_id=config.originate.caller_id,
            dial_variables=config.originate.dial_variables())),
        "workforce": WorkforceService(runtime, config.kpi.policy(),
                                      config.attendance.policy(config.boards.timezone)),
    }


def build(config: Configuration, store_url: str, *, clock: Callable[[], float] = time.time,
          poll_s: float = 0.5, ami: AmiEndpoint | None = None, pbx_actions: bool = True,
          pbx_plan: PbxPlan | None = None, names: tuple[str, ...] = NAMES,
          read_only: bool = False) -> Callboard:
    """Callboard over ``store_url``. With ``ami`` the AMI client is the feed source and,
    unless ``pbx_actions`` is False, sends the PBX actions (without it they answer 503).
    ``names``: the tracked projections (all of them, unless a CLI command needs fewer);
    ``read_only``: they never save their state (a CLI command beside a running server)."""
    store = config.store
    app = open_app(store_url, compress=store.compress, cipher_key=store.key(),
                   audit_key=store.signing_key())
    items: queue.Queue[FeedItem] = queue.Queue()
    runtime = Runtime(app, _projections(app, store_url, config, names, read_only), items,
                      boards=config.boards, clock=clock, poll_s=poll_s,
                      batch_size=store.batch_size, batch_delay_ms=store.batch_delay_ms)
    client = None if ami is None else AmiFeedClient(
        ami.host, ami.port, ami.user, ami.secret, items, ping_interval=ami.ping_interval_s,
        max_frame=ami.max_frame_bytes)
    services = _services(app, runtime, config, clock, client if pbx_actions else None,
                         pbx_plan)
    users = UserDirectory(app, policy=config.auth.policy())  # wall time, even in a demo
    return Callboard(config, runtime, users, services,
                     [client] if client is not None else [], client)
