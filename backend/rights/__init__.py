"""Residents' rights over what Linli holds about their household (PIPL Art. 45, 46): seeing it,
downloading a copy, and asking for a correction, which reaches the community's staff as a request
of the built-in category "correction"."""

from flask_babel import lazy_gettext as _l

from backend.areas import Area, NavEntry

AREA = Area(
    name="rights",
    api=("backend.rights.api:bp",),
    pages=("frontend.rights.views:bp",),
    schemas=("backend.rights.schemas",),
    nav=(NavEntry(_l("My data"), "rights_pages.index", frozenset({"resident"}), order=90, id="nav-my-data"),),
)
