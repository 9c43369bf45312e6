"""Who may read and act on function rooms. Asked through the one `policy.can`
(backend/auth/policy.py), which loads RULES. docs/PRIVACY.md, "Function rooms", says it field by field.

Rooms: a resident (or a volunteer with a household) reads the active rooms of their own community;
staff, officers and station operators of the area every room of its communities, grid workers those
of their grids' communities (their devices hold them); admin all.
Managing rooms, approving, refusing and blocking: the managers of the community (community staff,
street and district officers, admin).
Bookings: a resident reads only their own; others' bookings reach them only as busy time ranges
(services.free_ranges), never a purpose or a name. The area readers and the communities' grid workers
read all of their communities'."""

from sqlalchemy import false, select, true

from backend.auth.policy import CHANGE, MANAGE, READ, RETIRE, active, area_paths, path_condition, within
from backend.org.models import Node
from backend.rooms import machine
from backend.rooms.models import Booking, Room

AREA_READERS = {"community_staff", "street_officer", "district_officer", "station_operator"}
MANAGERS = {"admin", "community_staff", "street_officer", "district_officer"}
OFFICE_ROLES = ("admin", "district_officer", "street_officer", "community_staff", "station_operator")
NEIGHBOUR_ROLES = ("resident", "volunteer")


def is_neighbour(user) -> bool:
    return user.role == "resident" or (user.role == "volunteer" and user.household_id is not None)


def home_community(user) -> Node | None:
    household = user.household if user.household_id else None
    return household.community if household is not None and household.retired_at is None else None


def sees_community(user, community_id: str | None) -> bool:
    """Does the user see everything of this community's rooms (its staff, officers, admin)?"""
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


def _worker_communities(user) -> set[str]:
    """A grid worker's communities: the parents of their grids (their devices hold its rooms and bookings)."""
    return {n.parent_id for n in user.scope_nodes if n.kind == "grid" and n.retired_at is None}


def manages(user, community_id: str | None) -> bool:
    return active(user) and user.role in MANAGERS and sees_community(user, community_id)


def can_read_room(user, room: Room) -> bool:
    if room is None or not active(user):
        return False
    if is_neighbour(user):
        home = home_community(user)
        return room.active and home is not None and room.community_id == home.id
    return sees_community(user, room.community_id)


def can_read_booking(user, booking: Booking) -> bool:
    if booking is None or not active(user):
        return False
    if booking.user_id == user.id:
        return True
    return sees_community(user, booking.community_id)


def can_act(user, booking: Booking, action: str) -> bool:
    who = machine.ACTORS.get(action)
    if who is None or not can_read_booking(user, booking):
        return False
    if who == machine.STAFF:
        return manages(user, booking.community_id)
    return booking.user_id == user.id or manages(user, booking.community_id)


def room_rule(user, verb, room: Room) -> bool:
    if verb == READ:
        return can_read_room(user, room)
    return verb in (CHANGE, RETIRE, MANAGE) and manages(user, room.community_id)


def booking_rule(user, verb, booking: Booking) -> bool:
    if verb == READ:
        return can_read_booking(user, booking)
    return verb == MANAGE and manages(user, booking.community_id)


def can_use_office(user) -> bool:
    return active(user) and user.role in OFFICE_ROLES


def communities_in_area(user):
    """A query of the ids of the communities whose rooms the user sees in full."""
    if not active(user):
        return select(Node.id).where(false())
    if user.role == "admin":
        return select(Node.id).where(Node.kind == "community", true())
    if user.role == "grid_worker":
        return select(Node.id).where(Node.id.in_(_worker_communities(user) or {""}))
    if user.role not in AREA_READERS:
        return select(Node.id).where(false())
    return select(Node.id).where(Node.kind == "community", path_condition(Node.path, area_paths(user)))


def room_filter(user):
    """Condition on Room for the rooms the user may read (the same rule as `can_read_room`)."""
    if user is None or not active(user):
        return false()
    if is_neighbour(user):
        home = home_community(user)
        return (Room.community_id == home.id) & Room.active.is_(True) if home is not None else false()
    return Room.community_id.in_(communities_in_area(user))


def booking_filter(user):
    if user is None or not active(user):
        return false()
    return (Booking.user_id == user.id) | Booking.community_id.in_(communities_in_area(user))


RULES = {Room: room_rule, Booking: booking_rule}
