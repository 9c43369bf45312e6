"""Ratings of requests (and later activities, services, projects)."""

from backend.areas import Area, FieldApp, Store

AREA = Area(
    name="ratings",
    models=("backend.ratings.models",),
    policy="backend.ratings.policy",
    sync="sync.areas.ratings",
    field_app=FieldApp(stores=(Store("ratings", "target_id", since=2),)),
)
