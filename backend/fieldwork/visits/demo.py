"""Field work for the demo city: the weeks before today replayed day by day —
each morning the tasks are generated from the visit rules, and grid workers
(or, in grids without one, the community staff) visit some of what is due;
workers also file patrol reports. A few households are never visited, so the
overdue list is not empty. Written through the services (and so stamped for
sync); deterministic for a seed and a date."""

import random
import uuid
from datetime import datetime, time, timedelta

from sqlalchemy import func, select

from backend.auth.models import User, user_scopes
from backend.extensions import db
from backend.fieldwork.patrols import services as patrols
from backend.fieldwork.patrols.models import CATEGORIES, PatrolReport
from backend.fieldwork.visits import services
from backend.fieldwork.visits.models import Visit, VisitTask
from backend.org.models import Node

NEGLECTED = 0.08        # households nobody gets round to
WORKER_DILIGENCE = 0.6  # chance a worker visits a due household on a given day
STAFF_DILIGENCE = 0.2   # grids without a worker: the office visits now and then
PATROL_RATE = 0.12      # patrol reports per worker grid per day

NOTES = {
    "all_well": ["老人身体状况良好，精神不错。", "家中一切正常，叮嘱注意防寒保暖。", "孩子学习正常，监护人在家。",
                 "按时领取低保金，生活稳定。", "家属在场，情况良好。"],
    "health_concern": ["血压偏高，已提醒按时服药并到社区卫生站复诊。", "近期腿脚不便，建议家属陪同就医。",
                       "咳嗽多日，已联系家庭医生上门。"],
    "living_difficulty": ["冬季取暖费用有困难，已登记临时救助。", "行动不便，买菜困难，建议申请助餐服务。"],
    "housing_safety": ["燃气软管老化，已建议更换。", "楼道堆放杂物，已提醒清理。", "屋顶漏雨，需要维修。"],
    "needs_assistance": ["需要帮助预约社区医生上门。", "申请残疾人补贴材料不全，约下次协助办理。"],
    "low_mood": ["独居情绪低落，已联系子女多打电话。", "孩子想念外出务工的父母，已安排志愿者陪伴。"],
    "dispute": ["与邻居因噪音有矛盾，已约双方调解。"],
}
OTHER_FINDINGS = [code for code in NOTES if code != "all_well"]
PATROL_NOTES = {
    "illegal_construction": ["一楼住户院内私自搭建彩钢棚。", "楼顶违规加盖。"],
    "street_stall": ["小区门口早市占道经营。", "流动摊贩在人行道摆摊。"],
    "illegal_parking": ["消防通道被私家车占用。", "电动车在楼道内停放充电。"],
    "repair": ["路灯损坏，夜间照明不足。", "单元门禁损坏。", "井盖松动。"],
    "safety_hazard": ["飞线充电，存在火灾隐患。", "楼道堆放易燃杂物。"],
    "dispute": ["两户因漏水发生纠纷。", "停车位争执。"],
    "environment": ["垃圾桶满溢，未及时清运。", "绿地有建筑垃圾。"],
    "other": ["发现流浪犬，已联系相关部门。"],
}


def _authors(community) -> dict[str, tuple[User, bool]]:
    """grid id -> (who visits there, is it the grid's own worker)."""
    grids = list(db.session.scalars(select(Node).where(Node.parent_id == community.id, Node.kind == "grid",
                                                       Node.retired_at.is_(None)).order_by(Node.path)))
    workers = services.grid_workers([g.id for g in grids])
    staff = db.session.scalar(select(User).join(user_scopes, user_scopes.c.user_id == User.id)
                              .where(user_scopes.c.node_id == community.id, User.role == "community_staff",
                                     User.status == "active").order_by(User.username))
    out = {}
    for grid in grids:
        if grid.id in workers:
            out[grid.id] = (db.session.get(User, workers[grid.id]), True)
        elif staff is not None:
            out[grid.id] = (staff, False)
    return out


def _iso(day, rng) -> str:
    moment = datetime.combine(day, time(rng.randint(9, 17), rng.randint(0, 59)), services._zone())
    return moment.isoformat()


def _neglected(rng, needs: dict, authors: dict) -> set[str]:
    """Households nobody visits in the replay: a few at random, and one of each worker's."""
    households = sorted(needs)
    neglected = {h for h in households if rng.random() < NEGLECTED}
    # Each worker lets one household slip, so every worker has something overdue to explain.
    for grid_id, (_user, own_worker) in sorted(authors.items()):
        mine = [h for h in households if needs[h].grid_id == grid_id]
        if own_worker and len(mine) >= 3:
            neglected.add(rng.choice(mine))
    return neglected


def _visit_data(rng, task, day) -> dict:
    finding = "all_well" if rng.random() < 0.7 else rng.choice(OTHER_FINDINGS)
    data = {"household_id": task.household_id, "task_id": task.id, "visited_at": _iso(day, rng),
            "notes": rng.choice(NOTES[finding]), "findings": [finding],
            "follow_up": finding != "all_well" and rng.random() < 0.5}
    if rng.random() < 0.7:
        data["location"] = {"lat": round(39.90 + rng.uniform(-0.02, 0.02), 6),
                            "lng": round(116.40 + rng.uniform(-0.02, 0.02), 6),
                            "accuracy": rng.choice([8, 12, 20, 35])}
    return data


def _replay_day(rng, new_id, community, authors: dict, neglected: set, day) -> None:
    """One day's field work: the morning's tasks, the visits done (not all), a few patrols."""
    morning = services.local_midnight_utc(day) + timedelta(hours=7)
    services.generate_tasks(community, day, now=morning)
    due = db.session.scalars(select(VisitTask).where(
        VisitTask.community_id == community.id, VisitTask.status == "open", VisitTask.due_date <= day)
        .order_by(VisitTask.due_date, VisitTask.household_id)).all()
    for task in due:
        author = authors.get(task.grid_id)
        if task.household_id in neglected or author is None:
            continue
        user, own_worker = author
        if rng.random() >= (WORKER_DILIGENCE if own_worker else STAFF_DILIGENCE):
            continue
        data = _visit_data(rng, task, day)
        services.record_visit(user, new_id(), data)
    for grid_id, (user, own_worker) in sorted(authors.items()):
        if own_worker and rng.random() < PATROL_RATE:
            category = rng.choice(CATEGORIES)
            patrols.report(user, new_id(), {"grid_id": grid_id, "category": category,
                                            "description": rng.choice(PATROL_NOTES[category]),
                                            "reported_at": _iso(day, rng)})


# Field work is replayed for this many weeks before today; a city of more
# households than the limit only gets today's tasks.
HISTORY_WEEKS = 8
HISTORY_LIMIT = 5000  # households


def seed(plan, echo=None, checkpoint=None) -> dict:
    """The area's seed-demo hook (backend/areas.py): field work in the demo city just built."""
    return populate(plan.seed, weeks=HISTORY_WEEKS if plan.households <= HISTORY_LIMIT else 0, echo=echo,
                    checkpoint=checkpoint)


def populate(seed: int, today=None, weeks: int = 8, echo=None, checkpoint=None) -> dict:
    """Replay `weeks` of field work before `today` in every community, then
    generate today's tasks. Returns counts. Never commits: `checkpoint` (the
    seed command's commit) is called after each community."""
    today = today or services.local_today()
    rng = random.Random(f"fieldwork:{seed}:{today.isoformat()}")

    def new_id():
        return str(uuid.UUID(int=rng.getrandbits(128), version=4))

    for community in services.communities():
        authors = _authors(community)
        needs = services.needs(community)
        neglected = _neglected(rng, needs, authors)
        for offset in range(weeks * 7, 0, -1):
            _replay_day(rng, new_id, community, authors, neglected, today - timedelta(days=offset))
        services.generate_tasks(community, today)
        if checkpoint:
            checkpoint()
        if echo:
            echo(f"  field work in {community.name}: {len(needs)} households to visit")
    count = db.session.scalar
    return {
        "visits": count(select(func.count()).select_from(Visit)),
        "patrol_reports": count(select(func.count()).select_from(PatrolReport)),
        "open_tasks": count(select(func.count()).select_from(VisitTask).where(VisitTask.status == "open")),
        "overdue_tasks": count(select(func.count()).select_from(VisitTask).where(
            VisitTask.status == "open", VisitTask.due_date < today)),
        "weeks": weeks,
    }
