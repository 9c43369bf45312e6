"""What the management pages show of field work: visits and patrol reports in
a user's scope, visit coverage per grid and per care tag, overdue tasks per
worker. Every query is scoped through backend.auth.policy."""

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select

from backend.auth import policy
from backend.auth.models import User
from backend.extensions import db
from backend.fieldwork.patrols.models import PatrolReport
from backend.fieldwork.visits import services
from backend.fieldwork.visits.models import Visit, VisitTask
from backend.org.models import Node
from backend.registry import policy as registry_policy
from backend.registry.models import CareTag, Household

# Who sees the field-work pages: the offices, community staff and station operators.
VIEWERS = ("admin", "district_officer", "street_officer", "community_staff", "station_operator")


def may_view(user) -> bool:
    return user is not None and getattr(user, "is_authenticated", False) and user.role in VIEWERS \
        and user.status == "active"


def communities_of(user) -> list[Node]:
    """Communities inside the user's area (whole communities only), by name."""
    return list(db.session.scalars(select(Node).where(Node.kind == "community", Node.retired_at.is_(None),
                                                      policy.area_condition(user, Node.path))
                                   .order_by(Node.name, Node.id).limit(1000)))


def grids_of(user, community: Node | None) -> list[Node]:
    query = select(Node).where(Node.kind == "grid", policy.area_condition(user, Node.path))
    if community is not None:
        query = query.where(Node.parent_id == community.id)
    return list(db.session.scalars(query.order_by(Node.code, Node.name, Node.id).limit(500)))


def _dates(query, column, since: date | None, until: date | None):
    if since:
        query = query.where(column >= services.local_midnight_utc(since))
    if until:
        query = query.where(column < services.local_midnight_utc(until + timedelta(days=1)))
    return query


def visits_query(user, *, community: Node | None = None, grid_id=None, author_id=None, follow_up=False,
                 since: date | None = None, until: date | None = None):
    query = select(Visit).where(registry_policy.grid_record_filter(user, Visit))
    if community is not None:
        query = query.where(Visit.community_id == community.id)
    if grid_id:
        query = query.where(Visit.grid_id == grid_id)
    if author_id:
        query = query.where(Visit.author_id == author_id)
    if follow_up:
        query = query.where(Visit.follow_up.is_(True))
    return _dates(query, Visit.visited_at, since, until).order_by(Visit.visited_at.desc(), Visit.id)


def patrols_query(user, *, community: Node | None = None, grid_id=None, category=None,
                  since: date | None = None, until: date | None = None):
    query = select(PatrolReport).where(registry_policy.grid_record_filter(user, PatrolReport))
    if community is not None:
        query = query.where(PatrolReport.community_id == community.id)
    if grid_id:
        query = query.where(PatrolReport.grid_id == grid_id)
    if category:
        query = query.where(PatrolReport.category == category)
    return _dates(query, PatrolReport.reported_at, since, until).order_by(PatrolReport.reported_at.desc(),
                                                                          PatrolReport.id)


def authors_of(user, community: Node | None) -> list[User]:
    """People who recorded visits in the user's scope (the worker filter)."""
    authors = select(Visit.author_id).where(registry_policy.grid_record_filter(user, Visit)).distinct()
    if community is not None:
        authors = authors.where(Visit.community_id == community.id)
    return list(db.session.scalars(select(User).where(User.id.in_(authors)).order_by(User.display_name).limit(500)))


def users_by_id(ids) -> dict[str, User]:
    ids = [i for i in set(ids) if i]
    if not ids:
        return {}
    return {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(ids)))}


# --- coverage -----------------------------------------------------------------------------

@dataclass
class Coverage:
    key: str
    label: str
    needing: int = 0
    visited: int = 0   # at least one visit in the period
    covered: int = 0   # last visit, as of the period's end, no older than the household's interval

    @property
    def percent(self) -> int | None:
        return round(100 * self.covered / self.needing) if self.needing else None


@dataclass
class CoverageReport:
    start: date
    end: date  # the period's end, or today when the period runs on
    total: Coverage
    grids: list
    tags: list


def coverage(user, community: Node, start: date, end: date, today: date, locale: str = "zh_Hans") -> CoverageReport:
    """Households needing visits by the community's active rules (as they are
    now), how many were visited in [start, end], and how many are covered: their
    last visit up to the period's end lies within their interval."""
    end = min(end, today)
    wanted = services.needs(community)
    allowed = set(db.session.scalars(select(Household.id).where(Household.community_id == community.id,
                                                                registry_policy.household_filter(user))))
    wanted = {hid: need for hid, need in wanted.items() if hid in allowed}
    latest = services.last_visits(wanted, until=end)
    in_period = set()
    ids = list(wanted)
    for offset in range(0, len(ids), 500):
        query = _dates(select(Visit.household_id).where(Visit.household_id.in_(ids[offset:offset + 500])).distinct(),
                       Visit.visited_at, start, end)
        in_period |= set(db.session.scalars(query))
    grids = {g.id: g for g in grids_of(user, community)}
    tags = {t.code: t for t in db.session.scalars(select(CareTag))}
    total = Coverage("all", "")
    by_grid = {gid: Coverage(gid, g.name) for gid, g in grids.items()}
    by_tag: dict[str, Coverage] = {}
    for hid, need in wanted.items():
        last = latest.get(hid)
        covered = last is not None and services.local_date(last) > end - timedelta(days=need.interval)
        visited = hid in in_period
        rows = [total, by_grid.setdefault(need.grid_id, Coverage(need.grid_id, need.grid_id))]
        for code in need.tags:
            tag = tags.get(code)
            rows.append(by_tag.setdefault(code, Coverage(code, tag.label(locale) if tag else code)))
        for row in rows:
            row.needing += 1
            row.visited += visited
            row.covered += covered
    return CoverageReport(start=start, end=end, total=total,
                          grids=list(by_grid.values()),  # in the grids' order (by code)
                          tags=sorted(by_tag.values(), key=lambda r: (-r.needing, r.key)))


# --- overdue tasks --------------------------------------------------------------------------

def overdue_query(user, today: date, *, community: Node | None = None, assignee=None, grid_id=None):
    """Open tasks due before today, in scope; `assignee` "none" for unassigned ones."""
    query = select(VisitTask).where(VisitTask.status == "open", VisitTask.due_date < today,
                                    registry_policy.grid_record_filter(user, VisitTask))
    if community is not None:
        query = query.where(VisitTask.community_id == community.id)
    if grid_id:
        query = query.where(VisitTask.grid_id == grid_id)
    if assignee == "none":
        query = query.where(VisitTask.assignee_id.is_(None))
    elif assignee:
        query = query.where(VisitTask.assignee_id == assignee)
    return query.order_by(VisitTask.due_date, VisitTask.id)


def overdue_per_worker(user, today: date, community: Node | None = None) -> list[tuple[User | None, int, date]]:
    """(worker or None for unassigned, how many overdue, the oldest due date), most overdue first."""
    base = overdue_query(user, today, community=community).order_by(None).subquery()
    rows = db.session.execute(select(base.c.assignee_id, func.count(), func.min(base.c.due_date))
                              .group_by(base.c.assignee_id)).all()
    people = users_by_id(r[0] for r in rows)
    out = [(people.get(assignee) if assignee else None, count, oldest) for assignee, count, oldest in rows]
    return sorted(out, key=lambda r: (-r[1], r[0].display_name if r[0] else ""))
