"""A tiny synced area, "notices" (a grid's notice board), built the way
docs/ARCHITECTURE.md says an area is added, to prove it: its own package and
one registration line. Here the line is the test app's LINLI_AREAS (the
supported hook: the app factory reads the list from the config, defaulting
to backend/areas.py); a real area adds "backend.<area>" to AREAS instead.

In a real area the parts live in backend/<area>/ (models, schemas, services,
policy, api), frontend/<area>/views.py (pages), sync/areas/<area>.py (sync)
and static/app/<area>.js; here they sit in one package of the tests."""

from flask_babel import lazy_gettext as _l

from backend.areas import OFFICE, Area, FieldApp, NavEntry, Store

AREA = Area(
    name="notices",
    models=("tests.area_example.models",),
    api=("tests.area_example.api:bp",),
    pages=("tests.area_example.pages:bp",),
    cli=("tests.area_example.cli:count_command",),
    schemas=("tests.area_example.schemas",),
    nav=(NavEntry(_l("Notices"), "notice_pages.index", OFFICE, order=55, id="nav-notices"),),
    policy="tests.area_example.policy",
    sync="tests.area_example.sync",
    field_app=FieldApp(stores=(Store("notices", "grid_id", since=5),)),  # past the app's 4
)
