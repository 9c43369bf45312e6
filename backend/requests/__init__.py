"""Requests answered fast (接诉即办): residents raise them, staff handle them against time limits."""

from flask_babel import lazy_gettext as _l

from backend.areas import OFFICE, Area, FieldApp, NavEntry, Store

AREA = Area(
    name="requests",
    models=("backend.requests.models",),
    policy="backend.requests.policy",
    api=("backend.requests.api:bp",),
    pages=("frontend.requests.views:bp",),
    cli=("backend.requests.cli:sweep_command",),
    schemas=("backend.requests.schemas", "backend.requests.api"),
    nav=(NavEntry(_l("Requests"), "request_pages.index", OFFICE, order=10, id="nav-requests",
                  badge="frontend.requests.views:overdue_badge"),),
    sync="sync.areas.requests",
    field_app=FieldApp(module="requests.js", stores=(Store("requests", "household_id", since=2),
                                                     Store("request_events", "request_id", since=2)),
                       capabilities="backend.requests.machine:capabilities"),
    seed="backend.requests.demo:seed",
)
