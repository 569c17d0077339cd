"""Who may use what: ONE static table, endpoint -> roles, read by ``api.deps.require``.

Every route of the app is in it (``METHOD /path`` as declared, ``WS /path`` for sockets),
or in ``PUBLIC`` (no token needed): ``resolve`` refuses to build an app with a route in
neither, and tests/unit/test_access_table.py walks the routes too. One table, not one per
feature, so an auditor reads who may do what in one place.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from domain.access.user import ROLES

__all__ = ["ACCESS", "BOARD_SOCKETS", "PUBLIC", "AccessTable", "Roles", "route_key"]

Roles = tuple[str, ...]
ALL: Roles = ROLES
FLOOR: Roles = ("supervisor", "qa", "auditor", "admin")  # the agent board
MONITORING: Roles = ("supervisor", "qa", "auditor", "admin", "complaints")
TIMELINE: Roles = ("supervisor", "qa", "auditor", "complaints")
RECORDINGS: Roles = ("qa", "supervisor", "auditor")
AUDIT: Roles = ("auditor", "admin")
QA_READ: Roles = ("qa", "supervisor", "auditor")  # catalogue, forms, samples, evaluations
QA_DESIGN: Roles = ("qa", "supervisor")  # forms, policies, samples, assignments
QA_WORK: Roles = ("qa",)  # the analyst's queue, score, submit
QA_REVIEW: Roles = ("supervisor",)  # re-score or uphold
QA_MINE: Roles = ("agent",)  # own results, acknowledge, dispute
COMPLAINTS: Roles = ("complaints",)  # open and work tickets, run the deadline check
COMPLAINTS_READ: Roles = ("complaints", "supervisor")
DND: Roles = ("admin", "supervisor", "complaints")
WRAPUP: Roles = ("agent", "supervisor")  # agents on their own calls (incl. DND requests)
CUSTOMERS: Roles = ("supervisor", "complaints")
PEOPLE: Roles = ("supervisor", "admin")  # KPIs and attendance
PBX_SUPERVISE: Roles = ("supervisor",)  # listen / whisper / barge on a live call
PBX_AGENT: Roles = ("agent", "supervisor")  # queue login / logout / pause / unpause, dial
PBX_READ: Roles = ("supervisor", "auditor", "admin")  # a recorded action

_STEPS = ("assign", "notes", "customer-updates", "escalate", "severity", "resolve",
          "follow-up", "close", "reopen")

ACCESS: dict[str, Roles] = {
    # boards and calls
    "GET /api/wallboard": ALL, "GET /api/queues": ALL, "GET /api/queues/{name}": ALL,
    "GET /api/agents": FLOOR, "GET /api/calls/live": MONITORING,
    "GET /api/calls/{call_id}/timeline": TIMELINE, "GET /api/recordings": RECORDINGS,
    "GET /api/recordings/{name}/audio": RECORDINGS, "GET /api/events": AUDIT,
    "GET /metrics": ("admin",), "GET /api/me": ALL,
    # pages and the board sockets (a socket then checks its board: BOARD_SOCKETS)
    "GET /wallboard": ALL, "GET /agents": FLOOR, "GET /calls": MONITORING,
    "GET /qa": QA_WORK, "GET /my-evaluations": QA_MINE, "GET /complaints": COMPLAINTS,
    "WS /ws/{board}": ALL,
    # QA
    "GET /api/qa/catalogue": QA_READ, "GET /api/qa/samples": QA_READ,
    "GET /api/qa/samples/{sample_id}": QA_READ, "POST /api/qa/samples": QA_DESIGN,
    "POST /api/qa/samples/{sample_id}/assign": QA_DESIGN,
    "GET /api/qa/forms": QA_READ, "GET /api/qa/forms/{name}": QA_READ,
    "POST /api/qa/forms": QA_DESIGN, "PUT /api/qa/forms/{name}/draft": QA_DESIGN,
    "POST /api/qa/forms/{name}/publish": QA_DESIGN,
    "GET /api/qa/policies": QA_READ, "GET /api/qa/policies/{name}": QA_READ,
    "POST /api/qa/policies": QA_DESIGN,
    "POST /api/qa/evaluations": QA_DESIGN, "GET /api/qa/evaluations": QA_READ,
    "GET /api/qa/evaluations/{evaluation_id}": QA_READ, "GET /api/qa/work": QA_WORK,
    "POST /api/qa/evaluations/{evaluation_id}/start": QA_WORK,
    "PUT /api/qa/evaluations/{evaluation_id}/answers": QA_WORK,
    "POST /api/qa/evaluations/{evaluation_id}/submit": QA_WORK,
    "POST /api/qa/evaluations/{evaluation_id}/rescore": QA_REVIEW,
    "POST /api/qa/evaluations/{evaluation_id}/uphold": QA_REVIEW,
    "GET /api/qa/reports": ("supervisor", "auditor"),
    "GET /api/qa/calibration": QA_READ,
    "GET /api/qa/my-evaluations": QA_MINE,
    "POST /api/qa/my-evaluations/{evaluation_id}/acknowledge": QA_MINE,
    "POST /api/qa/my-evaluations/{evaluation_id}/dispute": QA_MINE,
    # complaints
    "POST /api/complaints": COMPLAINTS, "GET /api/complaints": COMPLAINTS_READ,
    "GET /api/complaints/report": COMPLAINTS_READ,
    "POST /api/complaints/check-deadlines": COMPLAINTS,
    "GET /api/complaints/{reference}": COMPLAINTS_READ,
    "GET /api/complaints/{reference}/timeline": COMPLAINTS_READ,
    "POST /api/complaints/{reference}/calls": COMPLAINTS,
    "POST /api/complaints/{reference}/agents": COMPLAINTS,
    **{f"POST /api/complaints/{{reference}}/{step}": COMPLAINTS for step in _STEPS},
    # DND, wrap-up, customers
    "GET /api/dnd": DND, "POST /api/dnd": DND, "POST /api/dnd/import": DND,
    "GET /api/dnd/{number}": DND, "DELETE /api/dnd/{number}": DND,
    "GET /api/calls/{call}/wrapup": WRAPUP, "PUT /api/calls/{call}/wrapup": WRAPUP,
    "POST /api/calls/{call}/wrapup/notes": WRAPUP,
    "GET /api/customers/{number}": CUSTOMERS,
    # KPIs and attendance
    "GET /api/kpis": PEOPLE, "GET /api/attendance": PEOPLE,
    # PBX actions
    "POST /api/pbx/calls/{call}/{mode}": PBX_SUPERVISE,
    **{f"POST /api/pbx/agents/{{extension}}/{kind}": PBX_AGENT
       for kind in ("login", "logout", "pause", "unpause")},
    "POST /api/pbx/dial": PBX_AGENT, "GET /api/pbx/actions/{action_id}": PBX_READ,
}
# No token needed: logging in and out, health, readiness, the login page, static files,
# and FastAPI's own API documentation.
PUBLIC = frozenset({
    "POST /api/login", "POST /api/logout", "GET /api/health", "GET /api/ready", "GET /",
    "GET /login", "GET /static/{name}", "GET /openapi.json", "GET /docs",
    "GET /docs/oauth2-redirect", "GET /redoc"})
# A board's socket admits whom the board's REST endpoint admits.
BOARD_SOCKETS = {"wallboard": "GET /api/wallboard", "agents": "GET /api/agents",
                 "monitoring": "GET /api/calls/live"}


def route_key(route: Any) -> list[str]:
    """The table keys of a route: ``METHOD /path`` per method, or ``WS /path``."""
    methods = sorted(getattr(route, "methods", None) or ()) or ["WS"]
    return [f"{method} {route.path}" for method in methods if method != "HEAD"]


@dataclass(frozen=True)
class AccessTable:
    """The table resolved against an app's routes: endpoint function -> key."""

    keys: dict[Callable[..., Any], str]

    @classmethod
    def resolve(cls, routes: Iterable[Any]) -> AccessTable:
        """``routes``: an app's routes, flattened (``fastapi.routing.iter_route_contexts``).
        Refuses a route that is in neither ``ACCESS`` nor ``PUBLIC``."""
        keys: dict[Callable[..., Any], str] = {}
        missing: list[str] = []
        for route in routes:
            for key in route_key(route):
                if key not in ACCESS and key not in PUBLIC:
                    missing.append(key)
                keys[route.endpoint] = key
        if missing:
            raise LookupError(f"routes missing from api.access.ACCESS (add their roles, or "
                              f"list them in PUBLIC): {', '.join(sorted(missing))}")
        return cls(keys)

    def key_of(self, endpoint: Callable[..., Any]) -> str:
        return self.keys[endpoint]

    @staticmethod
    def roles(key: str) -> Roles:
        return ACCESS[key]
