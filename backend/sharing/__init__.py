"""The sharing community (共享社区): neighbours lend, give, teach and help."""

from flask_babel import lazy_gettext as _l

from backend.areas import OFFICE, Area, FieldApp, NavEntry, Store

AREA = Area(
    name="sharing",
    models=("backend.sharing.models",),
    policy="backend.sharing.policy",
    api=("backend.sharing.api:bp",),
    pages=("frontend.sharing.views:bp",),
    cli=("backend.sharing.cli:sweep_command",),
    schemas=("backend.sharing.schemas",),
    nav=(NavEntry(_l("Sharing"), "sharing_pages.index", OFFICE, order=25, id="nav-sharing",
                  badge="frontend.sharing.views:overdue_badge", badge_title=_l("%(n)s loans overdue")),),
    sync="sync.areas.sharing",
    field_app=FieldApp(module="sharing.js",
                       stores=(Store("posts", "community_id", since=3), Store("post_responses", "post_id", since=3),
                               Store("share_categories", "community_id", since=3)),
                       capabilities="backend.sharing.machine:capabilities"),
    seed="backend.sharing.demo:seed",
)
