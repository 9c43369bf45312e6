"""Activities (社区活动): the monthly menu, sign-up with a waitlist, offline check-in at the door,
volunteers' hours to the points bank."""

from flask_babel import lazy_gettext as _l

from backend.areas import OFFICE, Area, FieldApp, NavEntry, Store

AREA = Area(
    name="activities",
    models=("backend.activities.models",),
    policy="backend.activities.policy",
    api=("backend.activities.api:bp",),
    pages=("frontend.activities.views:bp",),
    cli=("backend.activities.cli:sweep_command",),
    schemas=("backend.activities.schemas",),
    nav=(NavEntry(_l("Activities"), "activity_pages.index", OFFICE, order=26, id="nav-activities"),),
    sync="sync.areas.activities",
    field_app=FieldApp(stores=(Store("activities", "community_id", since=4), Store("signups", "activity_id", since=4),
                               Store("checkins", "activity_id", since=4)),
                       capabilities="backend.activities.machine:capabilities"),
    seed="backend.activities.demo:seed",
)
