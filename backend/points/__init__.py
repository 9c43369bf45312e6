"""The points bank (积分银行): a double-entry, hash-chained ledger; earning rules, rewards,
redemptions and donations."""

from flask_babel import lazy_gettext as _l

from backend.areas import MANAGERS, Area, NavEntry

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
    seed="backend.points.demo:seed",
)
