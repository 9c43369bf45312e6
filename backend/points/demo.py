"""The points bank in the demo city: every community with staff gets earning rules, a pool funded
by the street, and a rewards catalogue with stock; every urban community is paired with the first
village (seed 001); the resident and volunteer accounts earn through a year of help and volunteer
hours, redeem (reserved, fulfilled and cancelled), and donate to a neighbour, the pool and the
village. Written through the services, so every chain verifies. Deterministic for a seed."""

import random
from datetime import timedelta

from sqlalchemy import select

from backend.auth.models import User, user_scopes
from backend.common import utcnow
from backend.extensions import db
from backend.org.models import Node
from backend.points import donations, earning, rewards, rules, services
from backend.sharing import exchanges

# title, description, points, stock
CATALOGUE = (
    ("理发一次", "社区爱心理发室，周三、周六上午。", 50, 20),
    ("大米一袋（5公斤）", "在社区慈善超市兑换。", 120, 10),
    ("电饭煲", "在社区慈善超市兑换。", 200, 3),
    ("免费体检一次", "社区卫生服务站，需提前预约。", 80, 15),
    ("儿童绘本一套", "已兑完，等待补货。", 30, 0),
)
ACTIVITIES = ("社区清洁", "敬老院陪护", "文明交通劝导", "垃圾分类督导", "图书室值班")
POOL_GRANT = 50_000


def _staff_of(node_id):
    return db.session.scalar(select(User).join(user_scopes, user_scopes.c.user_id == User.id)
                             .where(user_scopes.c.node_id == node_id, User.role == "community_staff",
                                    User.status == "active").order_by(User.username))


def seed(plan, echo=None, checkpoint=None) -> dict:
    """The area's seed-demo hook (backend/areas.py)."""
    return populate(plan.seed)


def populate(seed: int, now=None) -> dict:
    """Flushes; the caller commits."""
    now = now or utcnow()
    rng = random.Random(f"points:{seed}")
    year_ago = now - timedelta(days=365)
    counts = {"points_rewards": 0, "points_transactions": 0}
    communities = list(db.session.scalars(select(Node).where(Node.kind == "community", Node.retired_at.is_(None))
                                          .order_by(Node.code, Node.name)))
    staffed = [(c, _staff_of(c.id)) for c in communities]
    staffed = [(c, s) for c, s in staffed if s is not None]
    made = {}
    for community, staff in staffed:
        village = community.community_kind == "village"
        rules.set_rules(db.session, staff, community.id, {"hours_rate": 8 if village else 10,
                                                           "help_points": 10, "help_daily_cap": 30})
        services.grant(db.session, staff, community.id, POOL_GRANT, "街道年度积分拨付", now=year_ago)
        made[community.id] = [rewards.create_reward(db.session, staff, community.id,
                                                    {"title": t, "description": d, "points": p, "stock": s},
                                                    now=year_ago) for t, d, p, s in CATALOGUE]
        counts["points_rewards"] += len(CATALOGUE)
    members = list(db.session.scalars(select(User).where(User.role.in_(("resident", "volunteer")),
                                                         User.status == "active").order_by(User.username)))
    urban = [(c, s) for c, s in staffed if c.community_kind != "village"]
    villages = [c for c in communities if c.community_kind == "village"]
    for community, staff in urban if villages else ():
        rules.pair(db.session, staff, community.id, villages[0].id)
    # The sharing demo confirmed its help exchanges before any pool was funded (sharing seeds
    # first): their helpers earn now, through the real award path (sharing's signal).
    counts["help_exchanges_paid"] = exchanges.resend_help_confirmed(db.session)
    for person in members:
        home = person.household.community_id if person.household is not None else person.community_id
        staff = dict((c.id, s) for c, s in staffed).get(home)
        if staff is None:
            continue
        _a_year(rng, person, home, staff, year_ago, counts)
    _spend(members, made, staffed, villages, now)
    counts["points_transactions"] = len(services.transactions(db.session, staffed[0][0].id, limit=100_000)) \
        if staffed else 0
    db.session.flush()
    return counts


def _a_year(rng, person, community_id, staff, start, counts) -> None:
    """Weekly: sometimes an hour or two of volunteering recorded by staff, sometimes a help exchange."""
    for week in range(52):
        moment = start + timedelta(days=7 * week + rng.randint(0, 6), hours=rng.randint(1, 10))
        if rng.random() < 0.5:
            earning.record_hours(db.session, staff, user_id=person.id, hours=rng.choice((1, 1.5, 2, 3)),
                                 activity=rng.choice(ACTIVITIES), worked_on=moment.date(), now=moment)
        if rng.random() < 0.4:
            earning.award(db.session, community_id=community_id, user_id=person.id, rule="help",
                          reference=f"demo:help:{person.id}:{week}", now=moment)


def _spend(members, made, staffed, villages, now) -> None:
    """Redemptions in every state and donations of every kind, for the first members with points."""
    staff_of = dict((c.id, s) for c, s in staffed)
    for index, person in enumerate(members):
        home = person.household.community_id if person.household is not None else person.community_id
        if home not in made:
            continue
        catalogue = made[home]
        staff = staff_of[home]
        first = rewards.reserve(db.session, person, catalogue[0].id, now=now - timedelta(days=40))
        rewards.fulfil(db.session, staff, first, now=now - timedelta(days=38))
        second = rewards.reserve(db.session, person, catalogue[3].id, now=now - timedelta(days=20))
        rewards.cancel(db.session, person, second, "时间冲突，改天再约", now=now - timedelta(days=19))
        rewards.reserve(db.session, person, catalogue[1].id, now=now - timedelta(days=2))
        donations.donate(db.session, person, {"to_kind": "community_pool", "amount": 20, "message": "回馈社区"},
                         now=now - timedelta(days=10))
        neighbours = [m for m in members if m.id != person.id and
                      (m.household.community_id if m.household is not None else m.community_id) == home]
        if neighbours:
            donations.donate(db.session, person, {"to_kind": "resident", "to_id": neighbours[0].id, "amount": 15,
                                                  "message": "谢谢你上次帮我修水管"}, now=now - timedelta(days=7))
        if villages and index == 0 and rules.is_paired(db.session, home, villages[0].id):
            donations.donate(db.session, person, {"to_kind": "paired_community", "to_id": villages[0].id,
                                                  "amount": 50, "message": "支持柳树村的孩子们"},
                             now=now - timedelta(days=5))
