"""Who may read, create, change and retire nodes of the tree. Asked through
the one `policy.can` (backend/auth/policy.py), which loads RULES."""

from sqlalchemy import false, or_

from backend.auth.policy import CHANGE, READ, RETIRE, active, area_paths, path_condition, within
from backend.org.models import Node

# Node kinds each role may create, edit, move and retire inside its area.
NODE_KINDS_CHANGED_BY = {
    "admin": {"district", "street", "community", "grid", "building", "station"},
    "district_officer": {"street", "community", "grid", "building", "station"},
    "street_officer": {"community", "grid", "building", "station"},
    "community_staff": {"grid", "building", "station"},
}


def _is_ancestor_of_area(node: Node, prefixes: list[str]) -> bool:
    return any(prefix.startswith(node.path) for prefix in prefixes)


def can_node(user, verb, node: Node) -> bool:
    prefixes = area_paths(user)
    if verb == READ:
        if user.role == "resident":
            return False
        # Ancestors are readable so people see where they stand in the tree.
        return within(node.path, prefixes) or _is_ancestor_of_area(node, prefixes)
    if verb in (CHANGE, RETIRE):
        kinds = NODE_KINDS_CHANGED_BY.get(user.role, set())
        return node.kind in kinds and within(node.path, prefixes)
    return False


def can_create_node(user, kind: str, parent: Node | None) -> bool:
    if user is None or not user.is_active:
        return False
    kinds = NODE_KINDS_CHANGED_BY.get(user.role, set())
    if kind not in kinds:
        return False
    if parent is None:
        return user.role == "admin"
    return within(parent.path, area_paths(user))


def node_filter(user):
    """Condition on Node for the nodes a user may read (area plus ancestors)."""
    if user is None or user.role == "resident" or not active(user):
        return false()
    prefixes = area_paths(user)
    ancestor_ids = {part for prefix in prefixes for part in prefix.strip("/").split("/") if part}
    condition = path_condition(Node.path, prefixes)
    if ancestor_ids:
        condition = or_(condition, Node.id.in_(ancestor_ids))
    return condition


RULES = {Node: can_node}
