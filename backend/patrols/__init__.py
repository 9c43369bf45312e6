"""Patrol reports: problems a grid worker finds and photographs on patrol."""

from backend.areas import Area, FieldApp, Store

AREA = Area(
    name="patrols",
    models=("backend.patrols.models",),
    policy="backend.patrols.policy",
    api=("backend.patrols.api:bp",),
    schemas=("backend.patrols.schemas", "backend.patrols.api"),
    sync="sync.areas.patrols",
    field_app=FieldApp(module="patrols.js", stores=(Store("patrol_reports"),)),
)
