"""Assembles the FastAPI application around what ``api.bootstrap`` built: each feature's
routers, the one access table, and the one answer to domain errors (``STATUS``)."""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import iter_route_contexts
from prometheus_client import CollectorRegistry, Gauge

from api.access import AccessTable
from api.boards.routes import router as boards_router
from api.calls.routes import router as calls_router
from api.complaints.routes import router as complaints_router
from api.outbound.routes import router as outbound_router
from api.pbx.routes import router as pbx_router
from api.push import Hub
from api.qa import routes_agent, routes_design, routes_evaluations, routes_sampling
from api.runtime import BOARDS, Runtime
from api.system.edge import Edge
from api.system.masking import KnownCustomers, MaskResponses
from api.system.redaction import install as install_log_redaction
from api.system.redaction import uninstall as uninstall_log_redaction
from api.system.routes import router as system_router
from api.workforce.routes import router as workforce_router
from domain.errors import (
    AlreadyExists,
    CallboardError,
    ChangedMeanwhile,
    DndNumberRefused,
    InvalidAnswers,
    InvalidChoice,
    InvalidForm,
    InvalidPolicy,
    InvalidTime,
    NoExtensionBound,
    NotOnDndList,
    NotTheAnalyst,
    NotYourCall,
    PbxTimeout,
    PbxUnavailable,
    UnknownAggregate,
)

if TYPE_CHECKING:
    from api.bootstrap import Callboard

__all__ = ["STATUS", "Metrics", "create_app", "status_of"]

log = logging.getLogger("callboard.api")

# Domain errors -> HTTP status: the first class the error is an instance of wins, so a
# subclass comes before its base. Any other rule an aggregate refuses is a conflict (409).
STATUS: tuple[tuple[type[CallboardError], int], ...] = (
    (UnknownAggregate, 404), (NotOnDndList, 404),
    (NotTheAnalyst, 403), (NotYourCall, 403),
    (InvalidForm, 422), (InvalidAnswers, 422), (InvalidPolicy, 422), (InvalidChoice, 422),
    (InvalidTime, 422),
    (AlreadyExists, 409), (ChangedMeanwhile, 409), (NoExtensionBound, 409),
    (DndNumberRefused, 409),
    (PbxUnavailable, 503), (PbxTimeout, 504),
    (CallboardError, 409),
)
ROUTERS = (boards_router, calls_router, routes_sampling.router, routes_design.router,
           routes_evaluations.router, routes_agent.router, complaints_router,
           outbound_router, workforce_router, pbx_router, system_router)


def status_of(error: CallboardError) -> int:
    return next(status for cls, status in STATUS if isinstance(error, cls))


class Metrics:
    """Gauges read from the runtime when /metrics is scraped. The feed's are per feed
    (label ``feed``: the PBX it reads); the old average rate since start and the "lag"
    (time since the wallboard's last event, large on a quiet but healthy link) are gone:
    they said nothing about whether the AMI link was up."""

    def __init__(self, runtime: Runtime, hubs: dict[str, Hub]) -> None:
        self.runtime, self.hubs = runtime, hubs
        self.registry = CollectorRegistry()
        self.frames = Gauge("callboard_frames_received", "AMI frames received by ingestion",
                            registry=self.registry)
        self.failed = Gauge("callboard_ingest_batches_failed_total", "batches that could not "
                            "be saved (stored alone, untranslated)", registry=self.registry)
        self.untranslated = Gauge("callboard_ingest_frames_untranslated_total", "frames of "
                                  "those batches", registry=self.registry)
        self.feeds = Gauge("callboard_feeds", "live AMI feeds this process reads (0: no "
                           "live feed, e.g. a server without AMI)", registry=self.registry)
        self.connected = self._per_feed("callboard_feed_connected",
                                        "1 while the AMI link is logged in, 0 while down")
        self.age = self._per_feed("callboard_feed_last_frame_age_seconds", "seconds since "
                                  "the last frame of any kind (Pings come every second)")
        self.rate = self._per_feed("callboard_feed_frames_per_second",
                                   "AMI frames per second over the last 10 s")
        self.gaps = self._per_feed("callboard_feed_gaps_total", "times the AMI link was lost")
        self.gap = self._per_feed("callboard_feed_last_gap_seconds",
                                  "the last gap's length (while down: so far)")
        self.head = Gauge("callboard_log_position", "last position in the event log",
                          registry=self.registry)
        self.positions = Gauge("callboard_projection_position", "position a projection "
                               "has folded", ["projection"], registry=self.registry)
        self.clients = Gauge("callboard_websocket_clients", "connected WebSocket clients",
                             ["board"], registry=self.registry)

    def _per_feed(self, name: str, text: str) -> Gauge:
        return Gauge(name, text, ["feed"], registry=self.registry)

    def refresh(self) -> None:
        stats = self.runtime.ingest_stats()
        self.frames.set(stats["frames"])
        self.failed.set(stats["batches_failed"])
        self.untranslated.set(stats["frames_untranslated"])
        now, feeds = time.time(), self.runtime.feeds()  # the AMI client's clock
        self.feeds.set(len(feeds))
        for feed in feeds:
            self.connected.labels(feed.name).set(1 if feed.connected else 0)
            age = None if feed.last_frame_at is None else max(0.0, now - feed.last_frame_at)
            self.age.labels(feed.name).set(float("nan") if age is None else age)
            self.rate.labels(feed.name).set(feed.frames_per_s)
            self.gaps.labels(feed.name).set(feed.gaps)
            self.gap.labels(feed.name).set(feed.last_gap_s or 0.0)
        self.head.set(self.runtime.head())
        for name, position in self.runtime.positions().items():
            self.positions.labels(name).set(position)
        for name, hub in self.hubs.items():
            self.clients.labels(name).set(len(hub.clients))


def _hubs(runtime: Runtime, known: KnownCustomers) -> dict[str, Hub]:
    return {board: Hub(board, lambda b=board: runtime.view(b),  # type: ignore[misc]
                       lambda b=board: runtime.positions()[b],  # type: ignore[misc]
                       mask=known.view)
            for board in BOARDS}


def create_app(callboard: Callboard) -> FastAPI:
    runtime = callboard.runtime
    known = KnownCustomers(runtime)
    hubs = _hubs(runtime, known)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        redacting = install_log_redaction(known.text)  # every log line masked, while up
        for hub in hubs.values():
            hub.start()
        yield
        for hub in hubs.values():
            await hub.stop()
        uninstall_log_redaction(redacting)

    app = FastAPI(title="Callboard", version="0.1.0", lifespan=lifespan,
                  description="Live call-center boards from the Asterisk AMI event log.")
    for router in ROUTERS:
        app.include_router(router)
    app.state.runtime, app.state.users, app.state.hubs = runtime, callboard.users, hubs
    app.state.services = callboard.services
    app.state.recordings_dir = callboard.config.store.recordings_dir
    app.state.metrics = Metrics(runtime, hubs)
    app.state.access = AccessTable.resolve(c for c in iter_route_contexts(app.routes))
    _answers(app)
    _masking(app, known)
    app.add_middleware(Edge, limits=callboard.config.limits)
    return app


def _masking(app: FastAPI, known: KnownCustomers) -> None:
    """Masking by value in one place per channel: every JSON response (the middleware,
    told the caller by ``require``); every pushed board (``_hubs``) and every log line
    (``lifespan``) go through the same ``known``."""
    app.add_middleware(MaskResponses, known=known)


def _answers(app: FastAPI) -> None:
    """Every error as ``{"detail", "status"}``."""

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> JSONResponse:
        return JSONResponse({"detail": exc.detail, "status": exc.status_code},
                            status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(CallboardError)
    async def domain_error(request: Request, exc: CallboardError) -> JSONResponse:
        status = status_of(exc)
        headers = ({"X-Dnd-Registry-Version": str(exc.version)}
                   if isinstance(exc, DndNumberRefused) else None)
        return JSONResponse({"detail": str(exc), "status": status}, status_code=status,
                            headers=headers)

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}"
                             for e in exc.errors())
        log.warning("bad request %s %s: %s", request.method, request.url, problems)
        return JSONResponse({"detail": f"bad request: {problems}", "status": 422},
                            status_code=422)
