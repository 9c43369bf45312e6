"""Activities in the demo city: a year's menu in every community (seed 003/004's 美湖社区: 1-12
月, 月月有节目), written through the services at moments in the past and future around now: past
activities with sign-ups, check-ins (some offline), walk-ins, ratings and a volunteer whose hours
are posted (when the community's pool is funded), closed by the sweep; coming ones with sign-ups
and a waitlist. Deterministic; flushes (seed-demo commits)."""

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from backend import clock
from backend.activities import attendance, checkins, menu, signups
from backend.activities.models import Activity
from backend.auth.models import User, user_scopes
from backend.common import utcnow
from backend.errors import DomainError
from backend.extensions import db
from backend.org.models import Node
from backend.registry.models import Household

# month, title, description, hour (Beijing), capacity, volunteer roles
MENU = (
    (1, "一碗腊八粥", "腊八节，社区食堂一起熬粥，给独居老人送上门。", 9, 30, [{"role": "送粥", "count": 2}]),
    (2, "元宵猜灯谜", "社区广场挂灯谜，猜中有小礼物。", 18, 60, [{"role": "维持秩序", "count": 2}]),
    (3, "学雷锋义诊", "社区卫生服务站医生义诊，量血压、测血糖。", 9, 40, [{"role": "引导", "count": 2}]),
    (4, "清明踏青", "组织居民到公园踏青，老年人优先。", 8, 25, []),
    (5, "端午包粽子", "邻里一起包粽子，包好的送给困难家庭。", 14, 30, [{"role": "掌勺", "count": 2}]),
    (6, "夏至馄饨那些事儿", "夏至吃馄饨，老居民讲讲拆迁前的老故事。", 16, 30, [{"role": "掌勺", "count": 1}]),
    (7, "暑期儿童托管", "暑期四点半课堂，志愿者辅导作业。", 16, 20, [{"role": "辅导", "count": 3}]),
    (8, "七夕送她一支玫瑰花", "七夕为社区夫妻拍合影、送玫瑰。", 19, 40, []),
    (9, "中秋邻里宴", "中秋百家宴，各家带一个菜。", 17, 80, [{"role": "摆桌", "count": 3}]),
    (10, "重阳敬老", "为八十岁以上老人过集体生日。", 9, 30, [{"role": "陪护", "count": 3}]),
    (11, "消防演练", "楼道消防演练，学用灭火器。", 15, 50, []),
    (12, "冬至包饺子", "冬至一起包饺子，送给独居老人。", 10, 30, [{"role": "送餐", "count": 2}]),
)


def seed(plan, echo=None, checkpoint=None) -> dict:
    """The area's seed-demo hook (backend/areas.py)."""
    return populate(getattr(plan, "seed", 1), checkpoint)


def _staff_of(community_id):
    return db.session.scalar(select(User).join(user_scopes, user_scopes.c.user_id == User.id).where(
        user_scopes.c.node_id == community_id, User.role == "community_staff", User.status == "active")
        .order_by(User.username)) or db.session.scalar(select(User).where(User.role == "admin",
                                                                         User.status == "active").limit(1))


def _worker_of(community_id):
    grids = select(Node.id).where(Node.parent_id == community_id, Node.kind == "grid")
    return db.session.scalar(select(User).join(user_scopes, user_scopes.c.user_id == User.id).where(
        user_scopes.c.node_id.in_(grids), User.role == "grid_worker", User.status == "active")
        .order_by(User.username))


def _residents_of(community_id):
    return list(db.session.scalars(select(User).join(Household, Household.id == User.household_id).where(
        Household.community_id == community_id, User.role.in_(("resident", "volunteer")), User.status == "active")
        .order_by(User.username).limit(12)))


def _try(action, *args, **kwargs):
    try:
        with db.session.begin_nested():
            return action(*args, **kwargs)
    except DomainError:
        return None


def populate(seed: int = 1, checkpoint=None) -> dict:
    now = utcnow()
    year = clock.today().year
    counts = {"activities": 0, "signups": 0, "checkins": 0}
    communities = db.session.scalars(select(Node).where(Node.kind == "community", Node.retired_at.is_(None))
                                     .order_by(Node.path)).all()
    for community in communities:
        staff = _staff_of(community.id)
        if staff is None:
            continue
        if db.session.scalar(select(Activity.id).where(Activity.community_id == community.id).limit(1)):
            continue  # seeded already
        door, people = _worker_of(community.id) or staff, _residents_of(community.id)
        for month, title, description, hour, capacity, roles in MENU:
            local = datetime(year, month, 8 + (seed + month) % 14, hour, 0, tzinfo=clock.SHANGHAI)
            starts = local.astimezone(UTC).replace(tzinfo=None)
            made_at = min(now, starts - timedelta(days=20))
            record_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"linli-demo-activity:{community.id}:{month}"))
            activity = _try(menu.create_activity, db.session, staff, {
                "id": record_id, "community_id": community.id, "title": title, "description": description,
                "address": f"{community.name}党群服务中心", "starts_at": starts.isoformat() + "Z",
                "ends_at": (starts + timedelta(hours=2)).isoformat() + "Z",
                "capacity": min(capacity, max(2, len(people) - 2)) if people else capacity,
                "volunteer_roles": roles}, now=made_at)
            if activity is None:
                continue
            menu.publish(db.session, staff, activity, now=made_at)
            counts["activities"] += 1
            counts.update(_life(activity, people, door, roles, starts, made_at, now, counts))
        if checkpoint is not None:
            checkpoint()
    db.session.flush()
    return counts


def _life(activity, people, door, roles, starts, made_at, now, counts) -> dict:
    """Sign-ups (the last ones waitlisted), and for a past activity its check-ins, a walk-in, ratings,
    a volunteer's hours and the close."""
    volunteer = people[0] if roles and people else None
    for index, person in enumerate(people):
        at = made_at + timedelta(hours=index + 1)
        data = {"activity_id": activity.id}
        if person is volunteer:
            data |= {"role": "volunteer", "volunteer_role": roles[0]["role"]}
        if _try(signups.sign_up, db.session, person, data, now=at) is not None:
            counts["signups"] += 1
    if starts > now:
        return counts
    listed = signups.for_activity(db.session, activity)
    for index, signup in enumerate(s for s in listed if s.status == "confirmed"):
        if index % 4 == 3:
            continue  # did not come
        at = starts - timedelta(minutes=10 - index)
        if _try(checkins.record, db.session, door, {"activity_id": activity.id, "signup_id": signup.id,
                                                    "at": at.isoformat() + "Z", "offline": index % 2 == 0},
                now=starts) is not None:
            counts["checkins"] += 1
        if signup.role == "volunteer":
            _try(checkins.record, db.session, door, {"activity_id": activity.id, "signup_id": signup.id,
                                                     "kind": "check_out",
                                                     "at": (starts + timedelta(hours=2)).isoformat() + "Z"},
                 now=starts + timedelta(hours=2))
    if _try(checkins.record, db.session, door, {"activity_id": activity.id, "name": "路过的王阿姨",
                                                "at": (starts + timedelta(minutes=15)).isoformat() + "Z"},
            now=starts) is not None:
        counts["checkins"] += 1
    attendance.close(db.session, activity, starts + timedelta(hours=3))
    for index, signup in enumerate(s for s in signups.for_activity(db.session, activity) if s.status == "attended"):
        if signup.role == "participant" and signup.user_id:
            _try(signups.transition, db.session, signup.user, signup, "rate",
                 {"score": 5 - index % 2, "comment": ("很热闹", "下次还来", "谢谢社工")[index % 3]},
                 now=starts + timedelta(days=1))
    return counts
