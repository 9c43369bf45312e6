"""Requests for the demo city: partner departments for every street, and about twenty
requests in the first communities in every state of their life, written through the
services (so stamped for sync and with their events), then one sweep so the overdue
ones are flagged and escalated. Deterministic for a seed."""

import random
import uuid
from datetime import timedelta

from sqlalchemy import select

from backend.auth.models import User, user_scopes
from backend.common import utcnow
from backend.extensions import db
from backend.org.models import Node
from backend.ratings import services as ratings
from backend.registry.models import Household
from backend.requests import services, sweep
from backend.requests.models import CatalogueEntry, Department, ReplyTemplate, Request

DEPARTMENTS = (("城管执法中队", "值班电话 010-6000 1101"), ("市政设施维修所", "报修电话 010-6000 1102"),
               ("派出所社区警务室", "值班电话 010-6000 1110"))
DISTRICT_DEPARTMENTS = (("区住房和城乡建设委员会", "热线 010-6000 2201"), ("区民政局", "热线 010-6000 2202"))
# Every community's dispatch catalogue: category -> its street's department of that name.
CATALOGUE = {"environment": "城管执法中队", "facilities": "市政设施维修所", "safety": "派出所社区警务室"}

# category, description, hours ago, the steps after submission (who: resident/staff/worker/street)
STORIES = [
    ("environment", "楼下垃圾桶满溢三天没人清运，气味很大。", 1, []),
    ("facilities", "3号楼单元门禁坏了，陌生人随便进出。", 30, []),  # the sweep flags and escalates it
    ("neighbours", "楼上住户深夜装修噪音，协商无果。", 20, [("staff", "accept", {})]),
    ("facilities", "楼道声控灯不亮，老人晚上下楼不安全。", 50,
     [("staff", "accept", {}), ("staff", "dispatch", {"assignee": "worker"})]),
    ("environment", "绿化带里堆了建筑垃圾。", 70,
     [("staff", "accept", {}), ("staff", "dispatch", {"assignee": "worker"}),
      ("worker", "start", {"message": "已到现场查看，联系物业清运。"})]),
    ("elderly_care", "独居老人想申请助餐服务，不会在手机上办。", 120,
     [("staff", "accept", {}), ("staff", "dispatch", {"assignee": "worker"}), ("worker", "start", {}),
      ("worker", "resolve", {"message": "已协助老人办理助餐卡，每天中午送餐上门。"})]),
    ("safety", "电动车在楼道里充电，有火灾隐患。", 200,
     [("staff", "accept", {}), ("staff", "dispatch", {"assignee": "worker"}), ("worker", "start", {}),
      ("worker", "resolve", {"message": "已劝导住户将电动车移至充电棚，张贴了安全提示。"}),
      ("resident", "rate", {"score": 5, "comment": "处理很快，谢谢网格员！"})]),
    ("public_services", "小区门口公交站牌被撞歪了。", 90,
     [("staff", "accept", {}), ("staff", "dispatch", {"assignee": "worker"}),
      ("worker", "return", {"message": "公交站牌归公交公司管理，网格无法处理，请社区协调。"})]),
    ("facilities", "小区主路路面塌陷，雨后积水严重。", 100,
     [("staff", "accept", {}), ("staff", "escalate", {"message": "需要市政部门维修路面，社区无法处理。"}),
      ("street", "respond", {"message": "街道已转市政设施维修所，三个工作日内修复。", "department": True})]),
    ("environment", "小区东门外下水道堵塞反味。", 160,
     [("staff", "accept", {}), ("staff", "dispatch", {"assignee": "worker"}), ("worker", "start", {}),
      ("worker", "resolve", {"message": "已疏通。"}),
      ("resident", "reopen", {"message": "疏通后第二天又堵了，还是反味。"})]),
    ("other", "想咨询老旧小区加装电梯的政策。", 10,
     [("resident", "withdraw", {"message": "已在社区公众号看到政策，不用了。"})]),
]


# Reply templates every community starts with (staff edit them on /requests/reply-templates).
REPLY_TEMPLATES = (
    ("已受理", "您好，您反映的问题已收到并受理，我们会尽快安排人员处理，请保持电话畅通。"),
    ("已派单", "您好，您的诉求已派给网格员，预计一个工作日内上门查看，届时会与您联系。"),
    ("转部门", "您好，该问题属于相关职能部门职责，社区已协调转交，部门处理后会及时答复您。"),
    ("已办结", "您好，您反映的问题已处理完毕，如仍有问题可在七天内申请重新办理，欢迎对我们的工作进行评价。"),
)


def _reply_templates(now) -> int:
    rows = []
    for community_id in db.session.scalars(select(Node.id).where(Node.kind == "community", Node.retired_at.is_(None))):
        rows += [{"id": str(uuid.uuid4()), "community_id": community_id, "title": title, "body": body,
                  "sort_order": (index + 1) * 10, "created_by_id": None, "created_at": now}
                 for index, (title, body) in enumerate(REPLY_TEMPLATES)]
    if rows:
        db.session.execute(ReplyTemplate.__table__.insert(), rows)
    return len(rows)


def _user(username):
    return db.session.scalar(select(User).where(User.username == username))


def _departments(now) -> int:
    count = 0
    for node in db.session.scalars(select(Node).where(Node.kind.in_(("street", "district")),
                                                      Node.retired_at.is_(None)).order_by(Node.path)):
        rows = DEPARTMENTS if node.kind == "street" else DISTRICT_DEPARTMENTS
        for name, contact in rows:
            prefix = node.name if node.kind == "street" else ""
            db.session.add(Department(id=str(uuid.uuid4()), node_id=node.id, name=f"{prefix}{name}", contact=contact,
                                      active=True, created_at=now))
            count += 1
    db.session.flush()
    return count


def _catalogue() -> int:
    streets = {}
    for department in db.session.scalars(select(Department).join(Node, Node.id == Department.node_id)
                                         .where(Node.kind == "street")):
        streets.setdefault(department.node_id, {})[department.name.removeprefix(department.node.name)] = department.id
    rows = [{"id": str(uuid.uuid4()), "community_id": community_id, "category_code": code,
             "department_id": streets[street_id][name]}
            for community_id, street_id in db.session.execute(
                select(Node.id, Node.parent_id).where(Node.kind == "community", Node.retired_at.is_(None)))
            if street_id in streets
            for code, name in CATALOGUE.items() if name in streets[street_id]]
    if rows:
        db.session.execute(CatalogueEntry.__table__.insert(), rows)
    return len(rows)


def _staff_of(node_id, role):
    return db.session.scalar(select(User).join(user_scopes, user_scopes.c.user_id == User.id)
                             .where(user_scopes.c.node_id == node_id, User.role == role, User.status == "active")
                             .order_by(User.username))


def seed(plan, echo=None, checkpoint=None) -> dict:
    """The area's seed-demo hook (backend/areas.py): departments and request stories in the demo city."""
    return populate(plan.seed)


def populate(seed: int, now=None, communities: int = 3) -> dict:
    """Departments everywhere; the stories in the first `communities` communities. Flushes; the caller commits."""
    now = now or utcnow()
    rng = random.Random(f"requests:{seed}")
    departments = _departments(now)
    _reply_templates(now)
    _catalogue()
    resident1 = _user("resident1")
    made = 0
    places = list(db.session.scalars(select(Node).where(Node.kind == "community").order_by(Node.code)))[:communities]
    for index, community in enumerate(places):
        staff = _staff_of(community.id, "community_staff")
        street = _staff_of(community.parent_id, "street_officer")
        grids = list(db.session.scalars(select(Node).where(Node.parent_id == community.id, Node.kind == "grid")
                                         .order_by(Node.code)))
        if staff is None or not grids:
            continue
        stories = STORIES if index == 0 else rng.sample(STORIES, 5)
        for number, (category, text, hours, steps) in enumerate(stories):
            mine = index == 0 and resident1 is not None and resident1.household is not None \
                and resident1.household.community_id == community.id and number in (5, 6, 9, 10)
            grid = resident1.household.grid if mine else grids[number % len(grids)]
            worker = _staff_of(grid.id, "grid_worker") or staff
            households = list(db.session.scalars(select(Household).where(Household.grid_id == grid.id)
                                                 .order_by(Household.address).limit(40)))
            if not households:
                continue
            household = resident1.household if mine else rng.choice(households)
            created = now - timedelta(hours=hours)
            location = {"lat": round(39.90 + rng.uniform(-0.01, 0.01), 6),
                        "lng": round(116.40 + rng.uniform(-0.01, 0.01), 6), "accuracy": 15.0}
            data = {"id": str(uuid.UUID(int=rng.getrandbits(128), version=4)), "category": category,
                    "description": text, "location": location}
            if mine:
                request = services.create_request(db.session, resident1, data, now=created)
            else:
                request = services.create_request(db.session, worker if worker.role == "grid_worker" else staff,
                                                  data | {"household_id": household.id, "on_behalf": True,
                                                          "consent": True}, now=created)
            actors = {"staff": staff, "worker": worker, "street": street}
            moment = created
            for who, action, extra in steps:
                moment += timedelta(minutes=rng.randint(20, 90) if hours < 48 else rng.randint(60, 600))
                moment = min(moment, now)
                actor = actors.get(who) or (resident1 if mine else None)
                if actor is None:
                    break
                payload = dict(extra)
                if payload.pop("assignee", None):
                    payload["assignee_id"] = worker.id
                if payload.pop("department", None):
                    payload["department_id"] = db.session.scalar(
                        select(Department.id).where(Department.node_id == community.parent_id)
                        .order_by(Department.name).limit(1))
                if action == "rate":
                    ratings.rate(db.session, actor, "request", request.id, payload["score"], payload.get("comment"),
                                 now=moment)
                else:
                    services.transition(db.session, actor, request, action, payload, now=moment)
            made += 1
    sweep.sweep(db.session, now)
    db.session.flush()
    total = db.session.scalar(select(db.func.count()).select_from(Request))
    return {"requests": total, "departments": departments, "made": made}
