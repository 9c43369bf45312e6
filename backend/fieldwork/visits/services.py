"""Rules of visits: who may record one, and how a visit completes its task.
Services flush, never commit: the caller (page, API, sync push, command) commits."""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import msgspec
from flask import current_app
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError
from sqlalchemy import bindparam, func, select

from backend import clock
from backend.audit import services as audit
from backend.auth import policy
from backend.auth.models import User, user_scopes
from backend.common import utcnow
from backend.errors import Invalid, Refused
from backend.extensions import db
from backend.fieldwork.records import MAX_PHOTOS, check_photos
from backend.fieldwork.visits.models import Visit, VisitRule, VisitTask
from backend.fieldwork.visits.schemas import PlainVisit, visit_create
from backend.org.models import Node
from backend.registry import policy as registry_policy
from backend.registry.models import CareTag, Household, Resident, household_care_tags, resident_care_tags


def _moment(text: str, horizon: datetime) -> datetime | None:
    """What the schema's AwareDateTime gives for a plain spelling (PlainVisit
    checked it): naive UTC. None when the schema should decide."""
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)
    except (ValueError, OverflowError):
        return None
    moment = datetime.combine(moment.date(), moment.time())  # naive; replace(tzinfo=None) costs twice as much
    if moment.year < 2000 or moment > horizon:
        return None
    return moment


def _clean(plain: PlainVisit, horizon: datetime) -> dict | None:
    """`visit_create.load` of what PlainVisit accepted; None when the schema should decide."""
    photos = plain.photos
    if photos:
        photos = list(dict.fromkeys(photos))
        if len(photos) > MAX_PHOTOS:
            return None
    times = plain.photo_times
    if times:
        if not times.keys() <= set(plain.photos):
            return None
        for text in times.values():
            if _moment(text, datetime.max) is None:
                return None
    visited_at = _moment(plain.visited_at, horizon)
    if visited_at is None:
        return None
    location = plain.location
    if location is not None:
        location = {"lat": location.lat, "lng": location.lng, "accuracy": location.accuracy}
    return {"household_id": plain.household_id, "visited_at": visited_at, "notes": plain.notes,
            "findings": plain.findings, "follow_up": plain.follow_up, "photos": photos, "photo_times": times,
            "location": location, "task_id": plain.task_id}


def _horizon() -> datetime:
    return clock.now() + timedelta(days=1)


def _quick_load(data) -> dict | None:
    """`visit_create.load(data)` for the plain, valid input a device sends, at
    a fraction of its cost; None at the first doubt, and the schema decides
    (and words the errors)."""
    try:
        plain = msgspec.convert(data, PlainVisit)
    except msgspec.ValidationError:
        return None
    return _clean(plain, _horizon())


def _quick_load_many(datas: list) -> list:
    """`_quick_load` of each, checked in one call when all are plain."""
    try:
        plains = msgspec.convert(datas, list[PlainVisit])
    except msgspec.ValidationError:
        return [_quick_load(data) for data in datas]
    horizon = _horizon()
    return [_clean(plain, horizon) for plain in plains]


def validate_many(actor, entries: list[tuple]) -> dict:
    """`validate_new` for a batch of (key, record_id, data), in a few queries:
    {key: row} for each one that is plainly valid, with a household in the
    actor's reach. The others are left out, for `validate_new` to word why."""
    cleans = _quick_load_many([data for _key, _record_id, data in entries])
    wanted = {clean["household_id"] for clean in cleans if clean is not None}
    if not wanted:
        return {}
    # Live households only: a retired one is left to validate_new, which says so.
    places = {row[0]: tuple(row) for row in db.session.execute(
        select(Household.id, Household.grid_id, Household.community_id)
        .where(Household.id.in_(bindparam("ids", expanding=True)), Household.retired_at.is_(None)),
        {"ids": list(wanted)})}
    grid_ids = list({grid_id for _id, grid_id, _community in places.values() if grid_id})
    paths = dict(db.session.execute(select(Node.id, Node.path).where(Node.id.in_(grid_ids))).all()) if grid_ids else {}
    live = [(household_id, paths.get(grid_id)) for household_id, grid_id, _community in places.values()]
    allowed = registry_policy.households_allowed(actor, policy.READ, live) & \
        registry_policy.households_allowed(actor, policy.CHANGE, live)
    actor_id, now = actor.id, utcnow()
    rows = {}
    for (key, record_id, _data), clean in zip(entries, cleans, strict=True):
        if clean is None or clean["household_id"] not in allowed:
            continue
        household_id, grid_id, community_id = places[clean["household_id"]]
        clean.update(id=record_id, household_id=household_id, grid_id=grid_id, community_id=community_id,
                     author_id=actor_id, created_at=now)
        rows[key] = clean
    return rows


def validate_new(actor, record_id: str, data: dict, households: dict | None = None) -> dict:
    """The row of a new visit, checked: fields, the household in the actor's
    reach, the task (if named) of that household. `households` caches look-ups
    (and the policy's answers) for a batch."""
    clean = _quick_load(data) if type(data) is dict else None
    if clean is None:
        try:
            clean = visit_create.load(data)
        except ValidationError as exc:
            raise Invalid(exc.messages) from None
    household = None
    if households is not None:
        household = households.get(clean["household_id"])
    if household is None:
        household = db.session.get(Household, clean["household_id"])
        if households is not None and household is not None:
            households[household.id] = household
    if household is None:
        raise Invalid({"household_id": [_l("No such household in your area.")]})
    household_id, grid_id, community_id, retired_at = _placement(household)
    actor_id = actor.__dict__.get("id") or actor.id
    # The policy's answer depends on the actor and the household's grid: kept
    # for the batch under that key (a household moved in the batch is asked again).
    key = ("policy", actor_id, household_id, grid_id)
    decision = households.get(key) if households is not None else None
    if decision is None:
        readable = policy.can(actor, policy.READ, household)
        decision = (readable, readable and policy.can(actor, policy.CHANGE, household))
        if households is not None:
            households[key] = decision
    if not decision[0]:
        raise Invalid({"household_id": [_l("No such household in your area.")]})
    if not decision[1]:
        raise Refused()
    if retired_at is not None:
        raise Invalid({"household_id": [_l("This household is retired.")]})
    return {
        "id": record_id, "household_id": household_id, "grid_id": grid_id,
        "community_id": community_id, "author_id": actor_id, "task_id": clean["task_id"],
        "visited_at": clean["visited_at"], "notes": clean["notes"], "findings": clean["findings"],
        "follow_up": clean["follow_up"], "photos": clean["photos"], "photo_times": clean.get("photo_times"),
        "location": clean["location"],
        "created_at": utcnow(),
    }


_PLACEMENT = ("id", "grid_id", "community_id", "retired_at")


def _placement(household) -> tuple:
    """The household's id, grid, community and retirement, read from its loaded
    state where all are there (hundreds of visits a push ask), else through
    the ORM (expired after a rolled-back savepoint, say)."""
    state = household.__dict__
    if all(name in state for name in _PLACEMENT):
        return tuple(state[name] for name in _PLACEMENT)
    return tuple(getattr(household, name) for name in _PLACEMENT)


def complete_tasks(rows: list[dict]) -> None:
    """Open tasks named by these visits (of the same household) are done."""
    named = {row["task_id"]: row for row in rows if row.get("task_id")}
    if not named:
        return
    tasks = db.session.scalars(select(VisitTask).where(VisitTask.id.in_(list(named)), VisitTask.status == "open"))
    for task in tasks:
        visit = named[task.id]
        if task.household_id == visit["household_id"]:
            task.status = "done"
            task.visit_id = visit["id"]
            task.completed_at = utcnow()


def record_visit(actor, record_id: str, data: dict) -> Visit:
    row = validate_new(actor, record_id, data)
    check_photos(db.session, actor, row["photos"])
    visit = Visit(**row)
    db.session.add(visit)
    complete_tasks([row])
    db.session.flush()
    return visit


# --- visit rules -------------------------------------------------------------------

# Product defaults (days between visits), from the seeds: elderly living alone
# weekly, left-behind children, women and elders every two weeks, disabled and
# minimum-livelihood (低保) households monthly. A community follows these until
# its staff save their own.
DEFAULT_INTERVALS = {
    "elderly_alone": 7,
    "left_behind_child": 14,
    "left_behind_woman": 14,
    "left_behind_elder": 14,
    "disabled": 30,
    "dibao": 30,
}
MIN_INTERVAL, MAX_INTERVAL = 1, 366
# Who may set a community's rules: its staff and the offices above it.
RULE_KEEPERS = ("admin", "district_officer", "street_officer", "community_staff")


@dataclass(frozen=True)
class Rule:
    tag: CareTag
    interval_days: int | None
    active: bool
    default_days: int | None
    custom: bool  # the community saved its own row

    @property
    def code(self) -> str:
        return self.tag.code


def rule_tags() -> list[CareTag]:
    """Tags a rule may name: every tag but the sensitive ones (a task's reason
    travels to devices and pages that must not learn a sensitive tag)."""
    tags = db.session.scalars(select(CareTag).where(CareTag.sensitive.is_(False)))
    order = {code: i for i, code in enumerate(DEFAULT_INTERVALS)}
    return sorted(tags, key=lambda t: (order.get(t.code, len(order)), not t.builtin, t.code))


def rules_for(community: Node) -> list[Rule]:
    """Every rule-able tag with the community's rule: its own row, else the
    product default (a tag without a default has no active rule)."""
    rows = {r.tag_code: r for r in db.session.scalars(select(VisitRule).where(VisitRule.community_id == community.id))}
    rules = []
    for tag in rule_tags():
        default = DEFAULT_INTERVALS.get(tag.code)
        row = rows.get(tag.code)
        if row is not None:
            rules.append(Rule(tag, row.interval_days, row.active, default, True))
        else:
            rules.append(Rule(tag, default, default is not None, default, False))
    return rules


def active_intervals(community: Node) -> dict[str, int]:
    """tag code -> days between visits, for the community's active rules."""
    return {r.code: r.interval_days for r in rules_for(community) if r.active and r.interval_days}


def may_set_rules(actor, community: Node) -> bool:
    if actor is None or community is None or community.kind != "community" or actor.role not in RULE_KEEPERS:
        return False
    return community.retired_at is None and policy.can(actor, policy.READ, community) and any(
        community.path.startswith(prefix) for prefix in policy.area_paths(actor))


def save_rules(actor, community: Node, form: dict, today: date | None = None) -> "Generated":
    """Save the rules from `form` ({"interval-<code>": "7", "active-<code>": "on"})
    and regenerate the community's tasks. Raises Invalid with messages keyed
    like the form fields."""
    if not may_set_rules(actor, community):
        raise Refused()
    rules = rules_for(community)
    errors: dict[str, list] = {}
    wanted = {}
    for rule in rules:
        raw = (form.get(f"interval-{rule.code}") or "").strip()
        active = form.get(f"active-{rule.code}") in ("on", "1", "true", "y")
        days = None
        if raw:
            try:
                days = int(raw)
            except ValueError:
                errors[f"interval-{rule.code}"] = [_l("Enter a whole number of days.")]
                continue
            if not MIN_INTERVAL <= days <= MAX_INTERVAL:
                errors[f"interval-{rule.code}"] = [
                    _l("Between %(low)s and %(high)s days.", low=MIN_INTERVAL, high=MAX_INTERVAL)]
                continue
        elif active:
            errors[f"interval-{rule.code}"] = [_l("An active rule needs the days between visits.")]
            continue
        wanted[rule.code] = (days, active)
    if errors:
        raise Invalid(errors)
    rows = {r.tag_code: r for r in db.session.scalars(select(VisitRule).where(VisitRule.community_id == community.id))}
    changes = {}
    for rule in rules:
        days, active = wanted[rule.code]
        if (days, active) == (rule.interval_days, rule.active) or (not active and not rule.active and days is None):
            continue
        row = rows.get(rule.code)
        if row is None:
            row = VisitRule(community_id=community.id, tag_code=rule.code)
            db.session.add(row)
        # An inactive rule keeps its last interval so switching it back on is one click.
        row.interval_days = days if days is not None else (rule.interval_days or rule.default_days or 30)
        row.active = active
        row.updated_by_id = actor.id
        changes[rule.code] = {"interval_days": row.interval_days, "active": active}
    if changes:
        audit.record(actor, "visit_rules.update", "node", community.id, changes)
    db.session.flush()
    return generate_tasks(community, today or local_today())


# --- task generation -----------------------------------------------------------------

def local_today() -> date:
    return clock.today(_zone())


def _zone():
    return ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE") or "Asia/Shanghai")


def local_date(moment: datetime) -> date:
    """The local calendar date of a naive UTC moment."""
    return moment.replace(tzinfo=UTC).astimezone(_zone()).date()


def local_midnight_utc(day: date) -> datetime:
    """The naive UTC moment local `day` begins."""
    return datetime.combine(day, time.min, _zone()).astimezone(UTC).replace(tzinfo=None)


def interval_phrase(days: int) -> str:
    """Chinese, as stored in the task: tasks are data that devices show as they are."""
    return {7: "每周走访", 14: "每两周走访", 30: "每月走访", 1: "每天走访"}.get(days, f"每{days}天走访")


@dataclass
class Need:
    household_id: str
    grid_id: str
    tags: set = field(default_factory=set)
    interval: int = 0
    reason: str = ""


def needs(community: Node, intervals: dict[str, int] | None = None) -> dict[str, Need]:
    """Live households of the community that need visits by an active rule:
    a care tag on the household or on any live resident. Each gets the
    shortest interval of its tags and a reason naming them."""
    intervals = active_intervals(community) if intervals is None else intervals
    if not intervals:
        return {}
    codes = list(intervals)
    by_household = (select(Household.id, Household.grid_id, household_care_tags.c.tag_code)
                    .join(household_care_tags, household_care_tags.c.household_id == Household.id)
                    .where(Household.community_id == community.id, Household.retired_at.is_(None),
                           household_care_tags.c.tag_code.in_(codes)))
    by_resident = (select(Household.id, Household.grid_id, resident_care_tags.c.tag_code)
                   .join(Resident, Resident.household_id == Household.id)
                   .join(resident_care_tags, resident_care_tags.c.resident_id == Resident.id)
                   .where(Household.community_id == community.id, Household.retired_at.is_(None),
                          Resident.retired_at.is_(None), resident_care_tags.c.tag_code.in_(codes)))
    found: dict[str, Need] = {}
    for household_id, grid_id, code in [*db.session.execute(by_household), *db.session.execute(by_resident)]:
        need = found.setdefault(household_id, Need(household_id, grid_id))
        need.tags.add(code)
    if not found:
        return found
    names = dict(db.session.execute(select(CareTag.code, CareTag.name_zh_hans).where(CareTag.code.in_(codes))).all())
    order = {code: i for i, code in enumerate(DEFAULT_INTERVALS)}
    for need in found.values():
        tags = sorted(need.tags, key=lambda c: (intervals[c], order.get(c, 99), c))
        need.interval = intervals[tags[0]]
        need.reason = f"{'、'.join(names.get(c, c) for c in tags)} {interval_phrase(need.interval)}"[:200]
    return found


def last_visits(household_ids, until: date | None = None) -> dict[str, datetime]:
    """household id -> its latest visit (naive UTC), optionally up to the end of local day `until`."""
    ids = list(household_ids)
    result = {}
    for start in range(0, len(ids), 500):
        query = (select(Visit.household_id, func.max(Visit.visited_at))
                 .where(Visit.household_id.in_(ids[start:start + 500])).group_by(Visit.household_id))
        if until is not None:
            query = query.where(Visit.visited_at < local_midnight_utc(until + timedelta(days=1)))
        result.update(dict(db.session.execute(query).all()))
    return result


def grid_workers(grid_ids) -> dict[str, str]:
    """grid id -> the one active grid worker scoped to it (grids with none or several are left out)."""
    ids = list(grid_ids)
    if not ids:
        return {}
    rows = db.session.execute(
        select(user_scopes.c.node_id, User.id)
        .join(User, User.id == user_scopes.c.user_id)
        .where(user_scopes.c.node_id.in_(ids), User.role == "grid_worker", User.status == "active",
               User.is_active_flag.is_(True))).all()
    workers: dict[str, list] = {}
    for grid_id, user_id in rows:
        workers.setdefault(grid_id, []).append(user_id)
    return {grid_id: users[0] for grid_id, users in workers.items() if len(users) == 1}


@dataclass
class Generated:
    created: int = 0
    updated: int = 0
    cancelled: int = 0
    completed: int = 0

    def __bool__(self) -> bool:
        return bool(self.created or self.updated or self.cancelled or self.completed)


def generate_tasks(community: Node, today: date, now: datetime | None = None) -> Generated:
    """Bring the community's open visit tasks in line with its rules, as of local date `today`:

    - a household that needs visits and has no open task gets one, due its
      last visit's date plus its interval, or today when never visited or
      already overdue; assigned to its grid's worker when there is exactly one;
    - an open task whose household was visited since the task was made is
      done (the visit completes it, as a visit naming the task would);
    - an open task whose reason changed (rules, tags) gets the new reason and
      due date; one whose household no longer needs visits (tag removed,
      household retired or moved away) is cancelled.

    Idempotent: a second run the same day changes nothing. Tasks are written
    through the ORM, so the change feed stamps them and devices receive them.
    Flushes; the caller commits (the command once per community)."""
    now = now or utcnow()
    result = Generated()
    wanted = needs(community)
    open_tasks = list(db.session.scalars(
        select(VisitTask).where(VisitTask.community_id == community.id, VisitTask.status == "open")
        .order_by(VisitTask.due_date, VisitTask.created_at, VisitTask.id)))
    households = set(wanted) | {t.household_id for t in open_tasks}
    latest = last_visits(households, until=today)
    latest_visit_ids = {}
    if open_tasks:
        latest_visit_ids = _visit_ids(latest)
    workers = grid_workers({n.grid_id for n in wanted.values()} | {t.grid_id for t in open_tasks})
    held: dict[str, VisitTask] = {}
    for task in open_tasks:
        need = wanted.get(task.household_id)
        visited = latest.get(task.household_id)
        if visited is not None and _satisfies(visited, task, need):
            task.status, task.visit_id, task.completed_at = "done", latest_visit_ids.get(task.household_id), now
            result.completed += 1
            continue
        if need is None or task.household_id in held or task.grid_id != need.grid_id:
            task.status, task.completed_at = "cancelled", now
            result.cancelled += 1
            continue
        held[task.household_id] = task
        changed = False
        if task.reason != need.reason:
            target = local_date(visited) + timedelta(days=need.interval) if visited else None
            due = task.due_date if target is None else max(target, min(task.due_date, today))
            task.reason, task.due_date = need.reason, due
            changed = True
        assignee = workers.get(task.grid_id)
        if task.assignee_id != assignee:
            task.assignee_id = assignee
            changed = True
        result.updated += changed
    for household_id, need in wanted.items():
        if household_id in held:
            continue
        visited = latest.get(household_id)
        due = today if visited is None else max(today, local_date(visited) + timedelta(days=need.interval))
        db.session.add(VisitTask(household_id=household_id, grid_id=need.grid_id, community_id=community.id,
                                 assignee_id=workers.get(need.grid_id), due_date=due, status="open",
                                 reason=need.reason, created_at=now))
        result.created += 1
    db.session.flush()
    return result


def _satisfies(visited: datetime, task: VisitTask, need: Need | None) -> bool:
    """Does the household's latest visit do this task? A visit made after the
    task, or one inside the interval the task is for (a visit recorded offline
    that arrived after the task was made)."""
    if visited >= task.created_at:
        return True
    return need is not None and local_date(visited) > task.due_date - timedelta(days=need.interval)


def _visit_ids(latest: dict[str, datetime]) -> dict[str, str]:
    """household id -> id of its visit at that latest moment."""
    if not latest:
        return {}
    out = {}
    ids = list(latest)
    for start in range(0, len(ids), 500):
        rows = db.session.execute(select(Visit.household_id, Visit.visited_at, Visit.id)
                                  .where(Visit.household_id.in_(ids[start:start + 500]))).all()
        for household_id, visited_at, visit_id in rows:
            if visited_at == latest.get(household_id):
                out[household_id] = visit_id
    return out


def communities(ids=None) -> list[Node]:
    query = select(Node).where(Node.kind == "community", Node.retired_at.is_(None)).order_by(Node.path)
    if ids:
        query = query.where(Node.id.in_(list(ids)))
    return list(db.session.scalars(query))
