"""Rules of the tree: what may hang where, moving subtrees, retiring. Services
flush, never commit: the caller (page, API, command) commits once."""

import secrets

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from backend import areas
from backend.audit import services as audit
from backend.auth import policy
from backend.common import new_id, utcnow
from backend.errors import Invalid, Refused
from backend.extensions import db
from backend.org import policy as org_policy
from backend.org.models import COMMUNITY_KINDS, KINDS, PARENT_KINDS, Node
from backend.org.placement import services as placement

EDITABLE = ("name", "code", "address", "notes", "community_kind")
INVITE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I


INVITE_LENGTH = 16  # 80 bits: not guessable by volume (and /register is throttled)


def new_invite_code() -> str:
    return "".join(secrets.choice(INVITE_ALPHABET) for _ in range(INVITE_LENGTH))


def _parent_error(kind: str, parent: Node | None):
    """Why `parent` cannot hold a node of `kind`, or None."""
    if kind == "station" and parent is not None and parent.kind == "community" and parent.community_kind != "village":
        return _l("A rural station belongs to a village or a street.")
    allowed = PARENT_KINDS[kind]
    if parent is None:
        return None if None in allowed else _l("Choose where this belongs.")
    if parent.kind not in allowed:
        return _l("A %(kind)s cannot be placed under a %(parent)s.", kind=kind, parent=parent.kind)
    if parent.retired_at is not None:
        return _l("The parent is retired.")
    return None


def _name_error(name: str):
    if not name:
        return _l("Required.")
    if len(name) > 100:
        return _l("At most %(n)s characters.", n=100)
    return None


def _community_kind_error(kind: str, data: dict):
    if kind == "community" and data.get("community_kind") not in COMMUNITY_KINDS:
        return _l("Choose urban community or village.")
    return None


def _length_error(data: dict, field: str, limit: int):
    if len((data.get(field) or "").strip()) > limit:
        return _l("At most %(n)s characters.", n=limit)
    return None


def _validate(kind: str, parent: Node | None, data: dict) -> dict:
    if kind not in KINDS:
        raise Invalid({"kind": [_l("Unknown kind.")]})
    name = (data.get("name") or "").strip()
    checks = (
        ("parent_id", _parent_error(kind, parent)),
        ("name", _name_error(name)),
        ("community_kind", _community_kind_error(kind, data)),
        ("code", _length_error(data, "code", 32)),
        ("address", _length_error(data, "address", 200)),
    )
    errors = {field: [message] for field, message in checks if message is not None}
    if errors:
        raise Invalid(errors)
    clean = {field: ((data.get(field) or "").strip() or None) for field in EDITABLE}
    clean["name"] = name
    if kind != "community":
        clean["community_kind"] = None
    return clean


def create_node(actor, *, kind: str, parent_id: str | None, **data) -> Node:
    parent = db.session.get(Node, parent_id) if parent_id else None
    if parent_id and parent is None:
        raise Invalid({"parent_id": [_l("Not found.")]})
    if actor is not None and not org_policy.can_create_node(actor, kind, parent):
        raise Refused()
    clean = _validate(kind, parent, data)
    node = Node(id=new_id(), kind=kind, parent_id=parent.id if parent else None, **clean)
    node.path = (parent.path if parent else "/") + node.id + "/"
    if kind == "community":
        node.invite_code = new_invite_code()
    db.session.add(node)
    db.session.flush()
    audit.record(actor, "create", "node", node.id, {"kind": kind, "name": node.name})
    db.session.flush()
    return node


def update_node(actor, node: Node, **data) -> Node:
    if actor is not None and not policy.can(actor, policy.CHANGE, node):
        raise Refused()
    merged = {field: getattr(node, field) for field in EDITABLE} | {k: v for k, v in data.items() if k in EDITABLE}
    clean = _validate(node.kind, node.parent, merged)
    changed = {k: v for k, v in clean.items() if getattr(node, k) != v}
    for field, value in changed.items():
        setattr(node, field, value)
    if changed:
        audit.record(actor, "update", "node", node.id, {"fields": sorted(changed)})
    db.session.flush()
    return node


def move_node(actor, node: Node, new_parent_id: str) -> Node:
    """Move a node with its whole subtree; households follow their grid."""
    parent = db.session.get(Node, new_parent_id) if new_parent_id else None
    if parent is None:
        raise Invalid({"parent_id": [_l("Choose where to move it.")]})
    if actor is not None and not (policy.can(actor, policy.CHANGE, node)
                                  and org_policy.can_create_node(actor, node.kind, parent)):
        raise Refused()
    if parent.path.startswith(node.path):
        raise Invalid({"parent_id": [_l("A node cannot move under itself.")]})
    _validate(node.kind, parent, {field: getattr(node, field) for field in EDITABLE})
    old_parent = node.parent_id
    # Everything placed under the node follows it, through the change feed.
    node = placement.move_node(db.session, node, parent)
    audit.record(actor, "move", "node", node.id, {"from": old_parent, "to": parent.id})
    db.session.flush()
    return node


def retire_node(actor, node: Node) -> Node:
    if actor is not None and not policy.can(actor, policy.RETIRE, node):
        raise Refused()
    live_children = db.session.scalar(
        select(func.count()).select_from(Node).where(Node.parent_id == node.id, Node.retired_at.is_(None))
    )
    held = occupants(node)
    if live_children or any(held.values()):
        raise Invalid({"node": [_l("Move or retire what is under it first (%(n)s nodes, %(h)s households).",
                                   n=live_children, h=held.get("households", 0))]})
    node.retired_at = utcnow()
    audit.record(actor, "retire", "node", node.id)
    db.session.flush()
    return node


def restore_node(actor, node: Node) -> Node:
    if actor is not None and not policy.can(actor, policy.RETIRE, node):
        raise Refused()
    if node.parent is not None and node.parent.retired_at is not None:
        raise Invalid({"node": [_l("Restore its parent first.")]})
    node.retired_at = None
    audit.record(actor, "restore", "node", node.id)
    db.session.flush()
    return node


def regenerate_invite_code(actor, node: Node) -> str:
    if node.kind != "community" or (actor is not None and not policy.can(actor, policy.CHANGE, node)
                                    and not _staff_of(actor, node)):
        raise Refused()
    node.invite_code = new_invite_code()
    audit.record(actor, "regenerate_invite_code", "node", node.id)
    db.session.flush()
    return node.invite_code


def _staff_of(actor, community: Node) -> bool:
    return actor.role == "community_staff" and any(n.id == community.id for n in actor.scope_nodes)


def children(actor, node: Node | None, include_retired: bool = False) -> list[Node]:
    query = select(Node).where(org_policy.node_filter(actor))
    query = query.where(Node.parent_id == node.id) if node else query.where(Node.parent_id.is_(None))
    if not include_retired:
        query = query.where(Node.retired_at.is_(None))
    return list(db.session.scalars(query.order_by(Node.kind, Node.code, Node.name)))


def search(actor, *, q: str = "", kind: str | None = None, under: Node | None = None,
           include_retired: bool = False, page: int = 1, per_page: int = 25):
    query = select(Node).where(org_policy.node_filter(actor))
    if kind:
        query = query.where(Node.kind == kind)
    if under is not None:
        query = query.where(Node.path.startswith(under.path, autoescape=True), Node.id != under.id)
    if q:
        like = f"%{q.strip()}%"
        query = query.where(Node.name.ilike(like) | Node.code.ilike(like))
    if not include_retired:
        query = query.where(Node.retired_at.is_(None))
    return db.paginate(query.order_by(Node.path), page=page, per_page=per_page, error_out=False)


def ancestors(node: Node) -> list[Node]:
    ids = node.ancestor_ids
    if not ids:
        return []
    found = {n.id: n for n in db.session.scalars(select(Node).where(Node.id.in_(ids)))}
    return [found[i] for i in ids if i in found]


def occupants(node: Node) -> dict:
    """What lives on a node or under it, counted by the areas that place records in the
    tree (each names its counter in Area.occupants: the registry counts households and
    residents), so the tree knows no area above it."""
    counts: dict = {}
    for count in areas.resolve_all(current_app.extensions["linli.areas"], "occupants"):
        counts.update(count(db.session, node))
    return counts


def visible_occupants(user, node: Node) -> dict:
    """`occupants` as the user may count them: everything under a node of the
    user's area; under an ancestor of the area (readable so people see where they
    stand), only the part of the user's own area beneath it. A grid worker looking
    at their community or district counts their grids' households, never the
    district's."""
    prefixes = policy.area_paths(user)
    if policy.within(node.path, prefixes):
        return occupants(node)
    inside = [p for p in prefixes if p.startswith(node.path)]
    outermost = [p for p in inside if not any(q != p and p.startswith(q) for q in inside)]
    counts: dict = {}
    if not outermost:
        return counts
    for part in db.session.scalars(select(Node).where(Node.path.in_(outermost))):
        for name, number in occupants(part).items():
            counts[name] = counts.get(name, 0) + number
    return counts
