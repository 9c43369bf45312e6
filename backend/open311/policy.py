"""Who issues, sees and revokes Open311 API keys, and where a key's requests
may go. Asked through the one `policy.can` (backend/auth/policy.py), which loads RULES."""

from sqlalchemy import false, select

from backend.auth.policy import MANAGE, READ, active, area_paths, path_condition, within
from backend.open311.models import Open311Key
from backend.org.models import Node

# Who issues and revokes Open311 API keys, for the areas they serve.
OPEN311_KEY_MANAGERS = {"admin", "district_officer", "street_officer", "community_staff"}
# A key files requests into a community, or a street or district (naming a community inside).
OPEN311_KEY_NODE_KINDS = ("district", "street", "community")


def can_open311_key(user, verb, key: Open311Key) -> bool:
    return verb in (READ, MANAGE) and user.role in OPEN311_KEY_MANAGERS and key.node is not None \
        and within(key.node.path, area_paths(user))


def can_issue_open311_key(user, node: Node | None) -> bool:
    if user is None or not active(user) or user.role not in OPEN311_KEY_MANAGERS:
        return False
    if node is None or node.kind not in OPEN311_KEY_NODE_KINDS or node.retired_at is not None:
        return False
    return within(node.path, area_paths(user))


def can_file_open311_request(issuer, community: Node | None) -> bool:
    """May a request relayed by a key this user issued go to this community?
    While the issuer is active and the community lies in their area."""
    return community is not None and community.kind == "community" and can_issue_open311_key(issuer, community)


def open311_key_filter(user):
    """Condition on Open311Key for the keys a user may see and revoke."""
    if user is None or not active(user) or user.role not in OPEN311_KEY_MANAGERS:
        return false()
    nodes = select(Node.id).where(path_condition(Node.path, area_paths(user)))
    return Open311Key.node_id.in_(nodes)


def open311_key_covers(key: Open311Key, community: Node | None) -> bool:
    """May requests of this key go to (and be read from) this community? A
    live community inside the key's area."""
    return (community is not None and community.kind == "community" and community.retired_at is None
            and key.node is not None and community.path.startswith(key.node.path))


RULES = {Open311Key: can_open311_key}
