"""Account administration: the accounts list and pages, creating and scoping accounts,
residents' self-registration and its confirmation, and the create-user command."""

from flask_babel import lazy_gettext as _l

from backend.areas import MANAGERS, Area, NavEntry

AREA = Area(
    name="accounts",
    pages=("frontend.accounts.views:bp",),
    cli=("backend.accounts.cli:create_user_command",),
    nav=(NavEntry(_l("Accounts"), "accounts_pages.users", MANAGERS, order=70),),
)
