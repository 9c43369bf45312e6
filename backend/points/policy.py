"""Who may see and move points. A resident (or volunteer) sees their own ledger, their
redemptions and donations, and their community's rewards; the staff of a community (community staff,
street and district officers over it, admins) see its pool, flows and top helpers, manage its
rewards and rules, fulfil redemptions and reverse entries. Hours are recorded by staff and by the
grid workers of the community (there is no "organisation coordinator" role yet).

Asked through the one `policy.can` (RULES); list queries use `community_filter`, written to the
same rule."""

from sqlalchemy import select

from backend.auth.policy import CHANGE, MANAGE, READ, area_paths, path_condition, within
from backend.extensions import db
from backend.org.models import Node
from backend.points.models import Donation, PointsEntry, PointsTransaction, Redemption, Reward, VolunteerHours

MANAGERS = {"admin", "district_officer", "street_officer", "community_staff"}
HOURS_RECORDERS = MANAGERS | {"grid_worker"}
MEMBERS = {"resident", "volunteer"}


def home_community(user) -> str | None:
    """The community whose ledger, rewards and pool a resident or volunteer uses."""
    if user is None:
        return None
    if user.household is not None:
        return user.household.community_id
    return user.community_id


def _community_path(community_id: str) -> str | None:
    node = db.session.get(Node, community_id) if community_id else None
    return node.path if node is not None and node.kind == "community" else None


def manages(user, community_id: str) -> bool:
    """Staff of this community (or over it)."""
    if user is None or user.role not in MANAGERS:
        return False
    path = _community_path(community_id)
    return path is not None and within(path, area_paths(user))


def records_hours(user, community_id: str) -> bool:
    if user is None or user.role not in HOURS_RECORDERS:
        return False
    if user.role != "grid_worker":
        return manages(user, community_id)
    return any(node.parent_id == community_id and node.retired_at is None for node in user.scope_nodes)


def managed_communities(session, user) -> list[Node]:
    if user is None or user.role not in MANAGERS:
        return []
    query = select(Node).where(Node.kind == "community", Node.retired_at.is_(None),
                               path_condition(Node.path, area_paths(user))).order_by(Node.path)
    return list(session.scalars(query))


def _own_or_staff(user, verb, owner_ids, community_id) -> bool:
    if verb != READ:
        return False
    return user.id in owner_ids or manages(user, community_id)


def can_entry(user, verb, entry: PointsEntry) -> bool:
    return _own_or_staff(user, verb, {entry.owner_id}, entry.community_id)


def can_transaction(user, verb, transaction: PointsTransaction) -> bool:
    if verb == CHANGE:  # reverse it
        return manages(user, transaction.community_id)
    return verb == READ and manages(user, transaction.community_id)


def can_reward(user, verb, reward: Reward) -> bool:
    if verb == READ:
        if user.role in MEMBERS:
            return reward.active and home_community(user) == reward.community_id
        return manages(user, reward.community_id) or (
            user.role == "grid_worker" and records_hours(user, reward.community_id))
    return verb in (CHANGE, MANAGE) and manages(user, reward.community_id)


def can_redemption(user, verb, redemption: Redemption) -> bool:
    if verb == READ:
        return redemption.user_id == user.id or manages(user, redemption.community_id)
    if verb == CHANGE:  # cancel: the resident who reserved it, or staff; fulfil: staff (services decide)
        return redemption.user_id == user.id or manages(user, redemption.community_id)
    return False


def can_donation(user, verb, donation: Donation) -> bool:
    return _own_or_staff(user, verb, {donation.from_user_id, donation.to_user_id}, donation.community_id)


def can_hours(user, verb, hours: VolunteerHours) -> bool:
    return _own_or_staff(user, verb, {hours.user_id}, hours.community_id)


RULES = {PointsEntry: can_entry, PointsTransaction: can_transaction, Reward: can_reward,
         Redemption: can_redemption, Donation: can_donation, VolunteerHours: can_hours}
