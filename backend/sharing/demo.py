"""The sharing community in the demo city: a catalogue in every community, three neighbours'
accounts beside resident1 in the first community (neighbour1-3, the demo password), and the
stories of posts and exchanges in every state, written through the services at moments in
the past, then one sweep (overdue loans flagged, old exchanges closed). Deterministic."""

import uuid
from datetime import timedelta

from sqlalchemy import func, select

from backend.auth.models import User, user_scopes
from backend.common import utcnow
from backend.extensions import db
from backend.org.models import Node
from backend.registry.models import Household, Resident
from backend.sharing import exchanges, moderation, posts
from backend.sharing.models import Post, PostResponse, ShareCategory

CATEGORIES = ("工具", "书籍", "儿童用品", "家电", "生活技能", "维修帮忙", "其他")
NEIGHBOURS = (("neighbour1", "陈阿姨"), ("neighbour2", "刘老师"), ("neighbour3", "小赵"))

# author, kind, category, title, body, hours ago, extra post fields, the answers:
# (responder, message, [(who, action, data)]) where who is "author" or "responder".
DUE_SOON, DUE_PAST = "due_soon", "due_past"
STORIES = [
    ("resident1", "lend", "工具", "电钻出借", "家里有一把电钻，周末可以借用，用完请还。", 6,
     {"availability": "周末全天"},
     [("neighbour1", "想借来装个挂架，周六用半天。", [])]),
    ("neighbour1", "lend", "工具", "人字梯出借", "两米的人字梯，换灯泡够用。", 200, {},
     [("resident1", "想借梯子换吸顶灯。", [("author", "accept", {}), ("author", "hand_over", {"due_at": DUE_PAST})])]),
    ("neighbour2", "lend", "生活技能", "帐篷出借", "四人帐篷，周末露营可以借。", 48, {"reach": "street"},
     [("neighbour3", "下周末带孩子去露营，想借一下。",
       [("author", "accept", {}), ("author", "hand_over", {"due_at": DUE_SOON})])]),
    ("neighbour3", "lend", "儿童用品", "儿童自行车", "孩子长大了骑不了，可以借给邻居家小朋友学车。", 400, {},
     [("resident1", "孩子想学骑车，借两周。",
       [("author", "accept", {}), ("author", "hand_over", {"due_at": DUE_SOON}), ("author", "return", {}),
        ("responder", "confirm", {}), ("author", "confirm", {}),
        ("responder", "rate", {"score": 5, "comment": "车况很好"}),
        ("author", "rate", {"score": 5, "comment": "按时归还"})])]),
    ("resident1", "give", "儿童用品", "婴儿推车送人", "九成新，孩子大了用不上，免费送给需要的邻居。", 100, {},
     [("neighbour3", "如果还在的话我也想要。", [("author", "decline", {})]),
      ("neighbour2", "我家刚添了宝宝，正需要，谢谢！",
       [("author", "accept", {}), ("responder", "done", {}), ("responder", "rate", {"score": 5, "comment": "很新"})])]),
    ("neighbour2", "skill", "生活技能", "周六书法课", "退休语文老师，周六上午在社区活动室教毛笔字，欢迎大人孩子。", 300,
     {"capacity": 5, "availability": "周六 9:00-11:00"},
     [("resident1", "想带孩子来学。",
       [("author", "accept", {}), ("author", "done", {}), ("author", "confirm", {}), ("responder", "confirm", {}),
        ("responder", "rate", {"score": 5, "comment": "老师耐心"})]),
      ("neighbour3", "我也报名。", [("author", "accept", {})]),
      ("neighbour1", "我想学，但周六不一定有空。", [("responder", "withdraw", {})])]),
    ("resident1", "help", "维修帮忙", "水龙头漏水", "厨房水龙头一直滴水，有懂行的邻居能帮忙看看吗？", 72, {},
     [("neighbour3", "我也可以帮忙。", [("author", "decline", {})]),
      ("neighbour1", "我可以帮助你，我以前做过水暖。",
       [("author", "accept", {}), ("responder", "done", {}), ("author", "confirm", {}), ("responder", "confirm", {}),
        ("author", "rate", {"score": 5, "comment": "修得很好"}),
        ("responder", "rate", {"score": 5, "comment": "客气"})])]),
    ("neighbour3", "help", "维修帮忙", "帮忙搬书柜", "书柜太重一个人搬不动，需要一位邻居搭把手。", 24 * 12, {},
     [("resident1", "我晚上有空，可以来帮忙。",
       [("author", "accept", {}), ("responder", "done", {}), ("author", "confirm", {})])]),  # closed by the sweep
    ("neighbour1", "give", "家电", "旧电风扇", "还能用，放着占地方。", 30, {},
     [("resident1", "想要，谢谢。", [("author", "accept", {}), ("responder", "cancel", {})])]),
    ("neighbour2", "lend", "书籍", "儿童绘本一箱", "孩子看过的绘本，可以整箱借阅。", 12, {}, []),
]
HIDDEN = ("neighbour3", "give", "其他", "低价代办证件", "各类证件加急代办，联系微信。", "商业广告，违反社区公约")
WITHDRAWN = ("neighbour1", "lend", "工具", "电动螺丝刀", "借用请提前一天说。")
ON_BEHALF = ("help", "维修帮忙", "帮忙取药", "腿脚不便，想请邻居每周帮忙从社区医院取一次药。")


def seed(plan, echo=None, checkpoint=None) -> dict:
    """The area's seed-demo hook (backend/areas.py)."""
    return populate(plan.seed)


def _user(username):
    return db.session.scalar(select(User).where(User.username == username))


def _community(resident1):
    if resident1 is not None and resident1.household is not None:
        return resident1.household.community
    return db.session.scalar(select(Node).where(Node.kind == "community").order_by(Node.code, Node.id).limit(1))


def _neighbours(community, resident1, now, seed) -> dict:
    """The neighbours' accounts, each in a household of the community (made once)."""
    people = {}
    taken = {resident1.household_id} if resident1 is not None else set()
    homes = [h for h in db.session.scalars(select(Household).where(Household.community_id == community.id,
                                                                   Household.retired_at.is_(None))
                                           .order_by(Household.address, Household.id).limit(50))
             if h.id not in taken]
    password = resident1.password_hash if resident1 is not None else None
    for index, (username, name) in enumerate(NEIGHBOURS):
        user = _user(username)
        if user is None and password is not None and homes:
            home = homes[(index * 7 + seed) % len(homes)]
            user = User(id=str(uuid.UUID(int=(seed * 1000 + index) or 1, version=4)), username=username,
                        display_name=name, password_hash=password, role="resident", status="active",
                        household_id=home.id, community_id=community.id, created_at=now)
            db.session.add(user)
        if user is not None:
            people[username] = user
    db.session.flush()
    return people


def _staff_of(node_id, role):
    return db.session.scalar(select(User).join(user_scopes, user_scopes.c.user_id == User.id)
                             .where(user_scopes.c.node_id == node_id, User.role == role, User.status == "active")
                             .order_by(User.username))


def _catalogues(now) -> dict:
    made = {}
    for community_id in db.session.scalars(select(Node.id).where(Node.kind == "community", Node.retired_at.is_(None))
                                           .order_by(Node.path)):
        names = {}
        for order, name in enumerate(CATEGORIES):
            category = ShareCategory(id=str(uuid.uuid4()), community_id=community_id, name=name,
                                     sort_order=(order + 1) * 10, created_at=now)
            db.session.add(category)
            names[name] = category.id
        made[community_id] = names
    db.session.flush()
    return made


def populate(seed: int, now=None) -> dict:
    """Catalogues everywhere; the stories in resident1's community. Flushes; the caller commits."""
    now = now or utcnow()
    catalogues = _catalogues(now)
    resident1 = _user("resident1")
    community = _community(resident1)
    if community is None or resident1 is None:
        return {"share_categories": sum(map(len, catalogues.values())), "posts": 0, "exchanges": 0}
    people = {"resident1": resident1, **_neighbours(community, resident1, now, seed)}
    names = catalogues.get(community.id, {})
    for author, kind, category, title, body, hours, extra, answers in STORIES:
        if author not in people:
            continue
        start = now - timedelta(hours=hours)
        post = posts.create_post(db.session, people[author], {"kind": kind, "category": names.get(category),
                                                              "title": title, "body": body, **extra}, now=start)
        for offset, (responder, message, steps) in enumerate(answers):
            if responder not in people:
                continue
            moment = start + timedelta(minutes=30 + offset * 20)
            answer = exchanges.respond(db.session, people[responder], {"post_id": post.id, "message": message},
                                       now=moment)
            for who, action, data in steps:
                moment += timedelta(hours=max(1, hours // 12))
                moment = min(moment, now - timedelta(minutes=1))
                payload = dict(data)
                if payload.get("due_at") == DUE_SOON:
                    payload["due_at"] = (now + timedelta(hours=12)).isoformat() + "Z"
                elif payload.get("due_at") == DUE_PAST:
                    payload["due_at"] = (moment + timedelta(days=2)).isoformat() + "Z"
                actor = people[author] if who == "author" else people[responder]
                exchanges.transition(db.session, actor, answer, action, payload, now=moment)
    staff = _staff_of(community.id, "community_staff")
    if staff is not None and "neighbour3" in people:
        author, kind, category, title, body, reason = HIDDEN
        hidden = posts.create_post(db.session, people[author], {"kind": kind, "category": names.get(category),
                                                                "title": title, "body": body},
                                   now=now - timedelta(hours=20))
        moderation.report(db.session, resident1, hidden, {"reason": "像是广告"}, now=now - timedelta(hours=19))
        moderation.hide(db.session, staff, hidden, {"reason": reason}, now=now - timedelta(hours=18))
        withdrawn = posts.create_post(db.session, people[WITHDRAWN[0]], {"kind": WITHDRAWN[1],
                                                                         "category": names.get(WITHDRAWN[2]),
                                                                         "title": WITHDRAWN[3], "body": WITHDRAWN[4]},
                                      now=now - timedelta(hours=50))
        posts.withdraw_post(db.session, people[WITHDRAWN[0]], withdrawn, now=now - timedelta(hours=40))
        elder = db.session.scalar(select(Resident).where(Resident.community_id == community.id,
                                                         Resident.retired_at.is_(None))
                                  .order_by(Resident.name, Resident.id).limit(1))
        if elder is not None:
            kind, category, title, body = ON_BEHALF
            asked = posts.create_post(db.session, staff, {"kind": kind, "category": names.get(category), "title": title,
                                                          "body": body, "resident_id": elder.id, "on_behalf": True,
                                                          "consent": True, "consent_basis": "verbal"},
                                      now=now - timedelta(hours=8))
            if "neighbour2" in people:
                exchanges.respond(db.session, people["neighbour2"], {"post_id": asked.id,
                                                                     "message": "我每周三去社区医院，可以顺路帮您取。"},
                                  now=now - timedelta(hours=7))
    exchanges.sweep(db.session, now)
    db.session.flush()
    return {"share_categories": sum(map(len, catalogues.values())),
            "posts": db.session.scalar(select(func.count()).select_from(Post)),
            "exchanges": db.session.scalar(select(func.count()).select_from(PostResponse))}
