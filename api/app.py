"""Assembles the FastAPI application around a ``Runtime``."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from prometheus_client import CollectorRegistry, Gauge

from api.auth import UserDirectory
from api.boards.routes import router as boards_router
from api.calls.routes import router as calls_router
from api.complaints import router as routes_complaints
from api.deps import register_access
from api.pbx import routes as routes_pbx
from api.push import Hub
from api.qa import router as routes_qa
from api.qa.timeline import qa_timeline_entries
from api.runtime import Runtime
from api.system.routes import BOARDS
from api.system.routes import router as system_router

__all__ = ["Metrics", "create_app"]

log = logging.getLogger("callboard.api")


class Metrics:
    """Gauges read from the runtime when /metrics is scraped."""

    def __init__(self, runtime: Runtime, hubs: dict[str, Hub]) -> None:
        self.runtime, self.hubs = runtime, hubs
        self.registry = CollectorRegistry()
        self.frames = Gauge("callboard_frames_received", "AMI frames received",
                            registry=self.registry)
        self.rate = Gauge("callboard_ingest_frames_per_second",
                          "AMI frames received per second since start", registry=self.registry)
        self.lag = Gauge("callboard_feed_lag_seconds",
                         "seconds since the last frame was received", registry=self.registry)
        self.head = Gauge("callboard_log_position", "last position in the event log",
                          registry=self.registry)
        self.positions = Gauge("callboard_projection_position", "position a projection "
                               "has folded", ["projection"], registry=self.registry)
        self.clients = Gauge("callboard_websocket_clients", "connected WebSocket clients",
                             ["board"], registry=self.registry)

    def refresh(self) -> None:
        stats = self.runtime.ingest_stats()
        self.frames.set(stats["frames"])
        self.rate.set(stats["frames_per_s"])
        self.lag.set(stats["feed_lag_s"])
        self.head.set(self.runtime.head())
        for name, position in self.runtime.positions().items():
            self.positions.labels(name).set(position)
        for name, hub in self.hubs.items():
            self.clients.labels(name).set(len(hub.clients))


def create_app(runtime: Runtime, users: UserDirectory) -> FastAPI:
    hubs = {board: Hub(board, lambda b=board: runtime.view(b),  # type: ignore[misc]
                       lambda b=board: runtime.positions()[b])  # type: ignore[misc]
            for board in BOARDS}

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        for hub in hubs.values():
            hub.start()
        yield
        for hub in hubs.values():
            await hub.stop()

    app = FastAPI(title="Callboard", version="0.1.0", lifespan=lifespan,
                  description="Live call-center boards from the Asterisk AMI event log.")
    app.state.runtime, app.state.users, app.state.hubs = runtime, users, hubs
    app.state.metrics = Metrics(runtime, hubs)
    app.state.qa_timeline_entries = qa_timeline_entries(runtime.app)  # complaints <- QA
    app.include_router(boards_router)
    app.include_router(calls_router)
    for feature in (routes_qa, routes_complaints, routes_pbx):
        register_access(feature.ACCESS)
        app.include_router(feature.router)
    app.include_router(system_router)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> JSONResponse:
        return JSONResponse({"detail": exc.detail, "status": exc.status_code},
                            status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}"
                             for e in exc.errors())
        log.warning("bad request %s %s: %s", request.method, request.url, problems)
        return JSONResponse({"detail": f"bad request: {problems}", "status": 422},
                            status_code=422)

    return app
