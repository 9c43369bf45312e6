"""Open311 GeoReport v2: other systems file and follow requests with an API key."""

from flask_babel import lazy_gettext as _l

from backend.areas import MANAGERS, Area, NavEntry

AREA = Area(
    name="open311",
    models=("backend.open311.models",),
    policy="backend.open311.policy",
    api=("backend.open311.api:bp",),
    pages=("frontend.open311.views:bp",),
    nav=(NavEntry(_l("Open311 keys"), "open311_pages.index", MANAGERS, order=80),),
)
