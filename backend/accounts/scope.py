"""Which accounts a user may see in lists: the query twin of the account rule
in the policy core (backend/auth/policy.py, `can(user, READ, account)`). Apart
from the core because it reads the tree and the registry (staff by their scope
nodes, residents by their household's grid), which the core does not import."""

from sqlalchemy import false, or_, select, true

from backend.auth.models import User, user_scopes
from backend.auth.policy import ROLE_RANK, ROLES_CREATED_BY, active, area_paths, path_condition
from backend.org.models import Node
from backend.registry.models import Household


def user_filter(user):
    """Condition on User for accounts the user may see in the accounts list:
    exactly those `can(user, READ, account)` allows."""
    if user is None or not active(user):
        return false()
    if user.role not in ROLES_CREATED_BY:
        return User.id == user.id
    if user.role == "admin":
        return true()
    prefixes = area_paths(user)
    inside = path_condition(Node.path, prefixes)
    # Staff accounts: every scope node inside the area (and at least one).
    scoped_inside = select(user_scopes.c.user_id).join(Node, Node.id == user_scopes.c.node_id).where(inside)
    scoped_outside = select(user_scopes.c.user_id).join(Node, Node.id == user_scopes.c.node_id).where(~inside)
    staff = (User.role != "resident") & User.id.in_(scoped_inside) & User.id.not_in(scoped_outside)
    # Residents: by their household's grid once linked, else by the community they registered with.
    homes = select(Household.id).join(Node, Node.id == Household.grid_id).where(inside)
    residents = (User.role == "resident") & (
        User.household_id.in_(homes)
        | (User.household_id.is_(None) & User.community_id.in_(select(Node.id).where(inside)))
    )
    lower = [role for role, rank in ROLE_RANK.items() if rank > ROLE_RANK[user.role]]
    return or_(User.id == user.id, User.role.in_(lower) & (staff | residents))
