"""The household and care registry."""

from flask_babel import lazy_gettext as _l

from backend.areas import STAFF, Area, FieldApp, NavEntry, Store

AREA = Area(
    name="registry",
    models=("backend.registry.models",),
    policy="backend.registry.policy",
    api=("backend.registry.api:bp",),
    pages=("frontend.registry.views:bp",),
    schemas=("backend.registry.schemas",),
    nav=(NavEntry(_l("Households"), "registry_pages.households", STAFF, order=30),
         NavEntry(_l("Residents"), "registry_pages.residents", STAFF, order=40)),
    occupants=("backend.registry.services:occupants",),
    sync="sync.areas.registry",
    field_app=FieldApp(module="households.js", stores=(Store("households"), Store("residents", "household_id"))),
)
