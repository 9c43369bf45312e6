"""Who may read and act on activities. Asked through the one `policy.can` (backend/auth/policy.py),
which loads RULES. docs/PRIVACY.md, "Activities", says it field by field.

Activities: residents (and volunteers of a household: they take part as neighbours; a volunteer
without one reads nothing, as their devices receive nothing) read the published, cancelled and done
activities of their own community; the community's staff, its grid workers, the officers above
it and station operators read all of them, drafts too; the community's managers edit them.
Sign-ups: a resident reads those they made and those of their own household; the door (the
community's grid workers and staff) reads the activity's whole list (names only: no dates of
birth, no phone, no ID number ever reach a sign-up). Check-ins: the door only."""

from sqlalchemy import false, or_, select, true

from backend.activities.models import PUBLIC_STATUSES, Activity, Checkin, Signup
from backend.auth.policy import CHANGE, MANAGE, READ, RETIRE, active, area_paths, path_condition, within
from backend.org.models import Node

AREA_READERS = {"community_staff", "street_officer", "district_officer", "station_operator"}
MANAGERS = {"admin", "community_staff", "street_officer", "district_officer"}
OFFICE_ROLES = ("admin", "district_officer", "street_officer", "community_staff", "station_operator")


def is_neighbour(user) -> bool:
    return user.role == "resident" or (user.role == "volunteer" and user.household_id is not None)


def home_community_id(user) -> str | None:
    household = user.household if user.household_id else None
    return household.community_id if household is not None and household.retired_at is None else None


def _worker_communities(user) -> set[str]:
    return {n.parent_id for n in user.scope_nodes if n.kind == "grid" and n.retired_at is None}


def sees_community(user, community_id: str | None) -> bool:
    """Everything of this community: admin, its staff and officers above, its grid workers."""
    if not active(user) or community_id is None:
        return False
    if user.role == "admin":
        return True
    if user.role == "grid_worker":
        return community_id in _worker_communities(user)
    if user.role in AREA_READERS:
        from backend.extensions import db

        node = db.session.get(Node, community_id)
        return node is not None and within(node.path, area_paths(user))
    return False


def can_manage(user, community_id: str | None) -> bool:
    return active(user) and user.role in MANAGERS and sees_community(user, community_id)


def is_door(user, community_id: str | None) -> bool:
    """Who checks people in at the door: the community's grid workers and staff."""
    return active(user) and user.role in (*MANAGERS, "grid_worker", "station_operator") \
        and sees_community(user, community_id)


def can_read_activity(user, activity: Activity) -> bool:
    if activity is None or not active(user) or activity.retired_at is not None:
        return False
    if sees_community(user, activity.community_id):
        return True
    if activity.status not in PUBLIC_STATUSES:
        return False
    if is_neighbour(user):
        return activity.community_id == home_community_id(user)
    return False


def owns_signup(user, signup: Signup) -> bool:
    """The one who signed up, or a member of the attendee's household."""
    if signup is None or not active(user):
        return False
    if signup.user_id == user.id:
        return True
    return is_neighbour(user) and signup.household_id is not None and signup.household_id == user.household_id \
        and user.role == "resident"


def can_read_signup(user, signup: Signup) -> bool:
    if signup is None or not active(user):
        return False
    return owns_signup(user, signup) or sees_community(user, signup.community_id)


def can_signup_rule(user, verb, signup: Signup) -> bool:
    if verb == READ:
        return can_read_signup(user, signup)
    if verb == MANAGE:
        return can_manage(user, signup.community_id)
    return False


def can_activity_rule(user, verb, activity: Activity) -> bool:
    if verb == READ:
        return can_read_activity(user, activity)
    if verb in (CHANGE, RETIRE, MANAGE):
        return activity.retired_at is None and can_manage(user, activity.community_id)
    return False


def can_checkin_rule(user, verb, checkin: Checkin) -> bool:
    return verb == READ and sees_community(user, checkin.community_id)


def _communities_in_area(user):
    return select(Node.id).where(Node.kind == "community", path_condition(Node.path, area_paths(user)))


def visible_communities(user):
    """A query of the ids of the communities whose every activity the user reads."""
    if user.role == "admin":
        return select(Node.id).where(Node.kind == "community")
    if user.role == "grid_worker":
        return select(Node.id).where(Node.id.in_(_worker_communities(user) or {""}))
    if user.role in AREA_READERS:
        return _communities_in_area(user)
    return select(Node.id).where(false())


def activity_filter(user):
    """Condition on Activity for those the user may read."""
    if user is None or not active(user):
        return false()
    live = Activity.retired_at.is_(None)
    if user.role == "admin":
        return live
    public = Activity.status.in_(PUBLIC_STATUSES)
    if is_neighbour(user):
        return live & public & (Activity.community_id == (home_community_id(user) or ""))
    return live & Activity.community_id.in_(visible_communities(user))


def signup_filter(user):
    """Condition on Signup for those the user may read."""
    if user is None or not active(user):
        return false()
    if user.role == "admin":
        return true()
    mine = Signup.user_id == user.id
    if user.role == "resident" and user.household_id:
        return or_(mine, Signup.household_id == user.household_id)
    if user.role in ("grid_worker", *AREA_READERS):
        return or_(mine, Signup.community_id.in_(visible_communities(user)))
    return mine


def can_use_office(user) -> bool:
    return active(user) and user.role in OFFICE_ROLES


RULES = {
    Activity: can_activity_rule,
    Signup: can_signup_rule,
    Checkin: can_checkin_rule,
}
