"""The hierarchy: district, street, community/village, grid, building, rural station."""

from flask_babel import lazy_gettext as _l

from backend.areas import STAFF, Area, NavEntry

AREA = Area(
    name="org",
    models=("backend.org.models",),
    policy="backend.org.policy",
    api=("backend.org.api:bp",),
    pages=("frontend.org.views:bp",),
    schemas=("backend.org.schemas",),
    nav=(NavEntry(_l("Organisation"), "org_pages.tree", STAFF, order=20),),
)
