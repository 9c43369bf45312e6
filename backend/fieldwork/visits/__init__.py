"""Door-to-door visits and the visit tasks that plan them."""

from flask_babel import lazy_gettext as _l

from backend.areas import OFFICE, Area, FieldApp, NavEntry, Store

AREA = Area(
    name="visits",
    models=("backend.fieldwork.visits.models",),
    policy="backend.fieldwork.visits.policy",
    api=("backend.fieldwork.visits.api:bp",),
    pages=("frontend.fieldwork.views:bp",),
    cli=("backend.fieldwork.visits.cli:generate_visit_tasks_command",),
    schemas=("backend.fieldwork.visits.schemas", "backend.fieldwork.visits.api"),
    nav=(NavEntry(_l("Field work"), "fieldwork_pages.visits", OFFICE, order=60),),
    sync="sync.areas.visits",
    field_app=FieldApp(module="fieldwork.js", stores=(Store("visit_tasks", "household_id"),
                                                      Store("visits", "household_id"))),
    seed="backend.fieldwork.visits.demo:seed",
)
