"""Accounts, roles and scopes, sign-in, device tokens, and the one authorization policy."""

from flask_babel import lazy_gettext as _l

from backend.areas import EVERYONE, MANAGERS, Area, NavEntry

AREA = Area(
    name="auth",
    models=("backend.auth.models",),
    api=("backend.auth.api:bp",),
    pages=("frontend.auth.views:bp", "frontend.accounts.views:bp"),
    cli=("backend.cli:create_user_command",),
    schemas=("backend.auth.schemas",),
    nav=(NavEntry(_l("Accounts"), "accounts_pages.users", MANAGERS, order=70),
         NavEntry(_l("My devices"), "auth_pages.devices", EVERYONE, order=100)),
)
