"""The areas Linli is made of. ONE line per area registers it: its package
declares everything else (an `AREA = Area(...)` in its `__init__.py`), and
the app factory, the OpenAPI document, the CLI, the navigation, the sync
registry and the field app all read this list.

Layering: the domain (backend/*) never imports `sync` or `frontend`, so an
area names its sync module, its pages and its field-app module by string;
only the composition root (backend/__init__.py, create_app) imports them.
See docs/ARCHITECTURE.md, "Adding an area"."""

from dataclasses import dataclass
from importlib import import_module

AREAS = (
    "backend.sensitive",
    "backend.org",
    "backend.auth",
    "backend.registry",
    "backend.accounts",
    "backend.fieldwork.visits",
    "backend.fieldwork.patrols",
    "backend.requests",
    "backend.ratings",
    "backend.sharing",
    "backend.rooms",
    "backend.activities",
    "backend.points",
    "backend.workdays",
    "backend.open311",
    "backend.rights",
    "backend.audit",
    "backend.oversight",
    "backend.seed",
    "sync",
)

# Who sees a navigation entry, by role (backend/auth/models.py ROLES).
EVERYONE = frozenset({"admin", "district_officer", "street_officer", "community_staff", "grid_worker",
                      "station_operator", "volunteer", "resident"})
STAFF = EVERYONE - {"resident", "volunteer"}
OFFICE = frozenset({"admin", "district_officer", "street_officer", "community_staff", "station_operator"})
MANAGERS = frozenset({"admin", "district_officer", "street_officer", "community_staff"})


@dataclass(frozen=True)
class NavEntry:
    """A link in the management pages' top navigation."""

    label: object  # a lazy_gettext string
    endpoint: str  # a page endpoint, e.g. "request_pages.index"
    roles: frozenset  # the roles that see it
    order: int = 100  # its place, left to right
    id: str | None = None  # the element id (tests and styles find it by it)
    badge: str | None = None  # "module:function(user)" giving a count of what is late, shown beside it
    badge_title: object = None  # what the count means, with %(n)s (a lazy_gettext string); default "n overdue"
    boost: bool = True  # False: a full page load (the field app)


@dataclass(frozen=True)
class Store:
    """An IndexedDB object store of the field app: one per synced collection."""

    name: str
    index: str | None = None  # the field the app looks records up by
    since: int = 1  # the field app's database version that adds it


@dataclass(frozen=True)
class FieldApp:
    """An area's part of the offline field app."""

    module: str | None = None  # a module under static/app/ exporting `routes` (see static/app/main.js)
    stores: tuple[Store, ...] = ()
    # "module:function" returning what the app must know of the server's rules (JSON), e.g. a state machine
    capabilities: str | None = None


@dataclass(frozen=True)
class Area:
    """Everything one area adds to the application, by dotted name ("module" or "module:attribute")."""

    name: str
    models: tuple[str, ...] = ()  # modules of SQLAlchemy models
    api: tuple[str, ...] = ()  # JSON API blueprints (bearer tokens or keys: exempt from CSRF)
    pages: tuple[str, ...] = ()  # page blueprints (frontend/<area>/views.py)
    cli: tuple[str, ...] = ()  # click commands
    schemas: tuple[str, ...] = ()  # modules whose marshmallow schemas the OpenAPI document publishes
    extra_schemas: tuple[str, ...] = ()  # functions returning {name: OpenAPI schema dict}
    nav: tuple[NavEntry, ...] = ()
    policy: str | None = None  # a module with RULES = {model: rule(user, verb, record)} for policy.can
    sync: str | None = None  # a module with COLLECTIONS, APPLIERS and RECORDS (sync/areas/<area>.py)
    field_app: FieldApp | None = None
    seed: str | None = None  # "module:function(plan, echo, checkpoint) -> dict of counts", run by seed-demo
    # "module:function(session, node) -> {name: count}" of the live records placed on a node or
    # under it: the tree page shows them, and a node holding any cannot be retired
    occupants: tuple[str, ...] = ()


def resolve(name: str):
    """The object a dotted name points at: "package.module" or "package.module:attribute"."""
    module, _, attribute = name.partition(":")
    loaded = import_module(module)
    return getattr(loaded, attribute) if attribute else loaded


def load(names=AREAS) -> list[Area]:
    """The declarations of these areas, in order."""
    return [import_module(name).AREA for name in names]


def resolve_all(areas: list[Area], attribute: str) -> list:
    """Every object the areas name in one of their tuple fields (models, api, pages, cli, …)."""
    return [resolve(name) for area in areas for name in getattr(area, attribute)]
