"""What the office pages of requests read: the inbox with its filters and counts,
the people a request may be dispatched to, the departments serving it. The scope
is services.visible_requests (request_policy.request_filter); nothing here decides who may
act (policy and the state machine in services do)."""

from dataclasses import dataclass

from sqlalchemy import and_, case, func, or_, select

from backend.auth.models import User, user_scopes
from backend.org.models import Node
from backend.requests import deadlines, services
from backend.requests import policy as request_policy
from backend.requests.models import LEVELS, OPEN_STATES, STATUSES, Department, Request

OFFICER_LEVEL = {"street_officer": "street", "district_officer": "district", "community_staff": "community"}
ASSIGNABLE_LIMIT = 300


NO_GRID = "none"  # the grid filter's value for requests in no grid (from Open311), waiting to be placed


@dataclass
class Filters:
    status: str = "open"  # "", "open" or a status
    category: str | None = None
    grid_id: str | None = None  # a grid's id, or NO_GRID
    overdue: bool = False
    mine: bool = False
    level: str | None = None

    @classmethod
    def from_args(cls, args, category_codes) -> "Filters":
        """Unknown values are ignored (a bookmark with an old filter still opens)."""
        status = args.get("status", "open")
        status = status if status in ("", "open", *STATUSES) else "open"
        category = args.get("category") or None
        level = args.get("level") or None
        return cls(status=status, category=category if category in category_codes else None,
                   grid_id=args.get("grid") or None, overdue=args.get("overdue") == "1",
                   mine=args.get("mine") == "1", level=level if level in LEVELS else None)


def late_condition(now):
    """Past the time limit of its current stage (the sweep flags it on its next run)."""
    return or_(and_(Request.status.in_(deadlines.ACCEPT_STAGE), Request.accept_due_at < now),
               and_(Request.status.in_(deadlines.RESOLVE_STAGE), Request.resolve_due_at < now))


def overdue_condition(now):
    """Open and missed a time limit: flagged by the sweep, or late now."""
    return and_(Request.status.in_(OPEN_STATES), or_(Request.overdue.is_(True), late_condition(now)))


def is_overdue(request, now) -> bool:
    return request.is_open and (bool(request.overdue) or deadlines.is_late(request, now))


def inbox_query(session, user, filters: Filters, now):
    """The inbox: the user's scope, filtered; officers see what is escalated to their
    level first, then the overdue, then the newest."""
    query = services.visible_requests(session, user)
    if filters.status == "open":
        query = query.where(Request.status.in_(OPEN_STATES))
    elif filters.status:
        query = query.where(Request.status == filters.status)
    if filters.category:
        query = query.where(Request.category == filters.category)
    if filters.grid_id == NO_GRID:
        query = query.where(Request.grid_id.is_(None))
    elif filters.grid_id:
        query = query.where(Request.grid_id == filters.grid_id)
    if filters.level:
        query = query.where(Request.level == filters.level)
    if filters.overdue:
        query = query.where(overdue_condition(now))
    if filters.mine:
        query = query.where(Request.assignee_id == user.id)
    order = []
    level = OFFICER_LEVEL.get(user.role)
    if level in ("street", "district"):
        order.append(case((and_(Request.level == level, Request.status.in_(OPEN_STATES)), 0), else_=1))
    order.append(case((overdue_condition(now), 0), else_=1))
    return query.order_by(*order, Request.created_at.desc(), Request.id)


def status_counts(session, user) -> dict[str, int]:
    """How many requests the user sees in each status (and "open", all open ones)."""
    scope = services.visible_requests(session, user).subquery()
    rows = session.execute(select(scope.c.status, func.count()).group_by(scope.c.status)).all()
    counts = {status: 0 for status in STATUSES}
    counts.update({status: number for status, number in rows})
    counts["open"] = sum(counts[s] for s in OPEN_STATES)
    counts["all"] = sum(counts[s] for s in STATUSES)
    return counts


def overdue_count(session, user, now) -> int:
    query = services.visible_requests(session, user).where(overdue_condition(now))
    return session.scalar(select(func.count()).select_from(query.subquery())) or 0


def assignable(session, request) -> list[User]:
    """Grid workers and community staff a request may be dispatched to (request_policy.can_be_assigned)."""
    community = request.community
    if community is None:
        return []
    query = (select(User).join(user_scopes, user_scopes.c.user_id == User.id)
             .join(Node, Node.id == user_scopes.c.node_id)
             .where(User.role.in_(request_policy.ASSIGNEE_ROLES), User.status == "active",
                    Node.path.startswith(community.path, autoescape=True))
             .distinct().order_by(User.role, User.display_name, User.id).limit(ASSIGNABLE_LIMIT))
    return [user for user in session.scalars(query) if request_policy.can_be_assigned(user, request)]


def departments_for(session, request) -> list[Department]:
    """Active departments serving the request's holder or a node above it (nearest first)."""
    return services.departments_serving(session, request.holder)
