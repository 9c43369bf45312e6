"""The points bank (积分银行): a double-entry, hash-chained ledger; earning rules, rewards,
redemptions and donations."""

from flask_babel import lazy_gettext as _l

from backend.areas import MANAGERS, Area, FieldApp, NavEntry, Store

AREA = Area(
    name="points",
    models=("backend.points.models",),
    policy="backend.points.policy",
    api=("backend.points.api:bp",),
    pages=("frontend.points.views:bp",),
    cli=("backend.points.cli:points_command",),
    schemas=("backend.points.schemas",),
    nav=(NavEntry(_l("Points"), "points_pages.index", MANAGERS, order=40, id="nav-points"),),
    sync="sync.areas.points",
    # The residents' balance, history, rewards, redemptions and donations (static/app/points.js).
    field_app=FieldApp(module="points.js",
                       stores=(Store("points_entries", "owner_id", since=3), Store("rewards", "community_id", since=3),
                               Store("redemptions", "user_id", since=3), Store("donations", "from_user_id", since=3))),
    seed="backend.points.demo:seed",
)
