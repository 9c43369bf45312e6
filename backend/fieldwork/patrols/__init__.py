"""Patrol reports: problems a grid worker finds and photographs on patrol."""

from backend.areas import Area, FieldApp, Store

AREA = Area(
    name="patrols",
    models=("backend.fieldwork.patrols.models",),
    policy="backend.fieldwork.patrols.policy",
    api=("backend.fieldwork.patrols.api:bp",),
    schemas=("backend.fieldwork.patrols.schemas", "backend.fieldwork.patrols.api"),
    sync="sync.areas.patrols",
    field_app=FieldApp(module="patrols.js", stores=(Store("patrol_reports"),)),
)
