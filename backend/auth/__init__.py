"""Accounts and roles (the tables), sign-in, passwords, device tokens, and the one
authorization policy. Account administration is backend/accounts."""

from flask_babel import lazy_gettext as _l

from backend.areas import EVERYONE, Area, NavEntry

AREA = Area(
    name="auth",
    models=("backend.auth.models",),
    api=("backend.auth.api:bp",),
    pages=("frontend.auth.views:bp",),
    schemas=("backend.auth.schemas",),
    nav=(NavEntry(_l("My devices"), "auth_pages.devices", EVERYONE, order=100),),
)
