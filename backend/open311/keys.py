"""Open311 API keys: issue (the plain key shown once), revoke, look up. These
flush, never commit: the caller (the keys page, the Open311 API) commits."""

import hashlib
import secrets
from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import select

from backend.audit import services as audit
from backend.auth import policy
from backend.common import utcnow
from backend.errors import Invalid, Refused
from backend.extensions import db
from backend.open311 import policy as open311_policy
from backend.open311.models import Open311Key
from backend.org.models import Node

KEY_PREFIX = "o311_"


def key_hash(plain: str) -> str:
    return hashlib.sha256(plain.encode("utf-8", "replace")).hexdigest()


def issue_key(actor, *, name: str, node_id: str, address: str | None = None) -> tuple[str, Open311Key]:
    """A new key for an application filing requests into `node_id`'s area.
    Returns the plain key (never stored) and the record."""
    errors = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = [_("Give the application a name.")]
    elif len(name) > 100:
        errors["name"] = [_("At most %(n)s characters.", n=100)]
    node = db.session.get(Node, node_id) if node_id else None
    if node is None or not open311_policy.can_issue_open311_key(actor, node):
        errors["node_id"] = [_("Choose a community, street or district in your area.")]
    if errors:
        raise Invalid(errors)
    plain = KEY_PREFIX + secrets.token_urlsafe(32)
    key = Open311Key(name=name, node_id=node.id, key_hash=key_hash(plain), created_by_id=actor.id)
    db.session.add(key)
    db.session.flush()
    audit.record(actor, "issue_open311_key", "open311_key", key.id, {"node_id": node.id, "name": name}, address)
    db.session.flush()
    return plain, key


def revoke_key(actor, key: Open311Key, address: str | None = None) -> None:
    if not policy.can(actor, policy.MANAGE, key):
        raise Refused()
    if key.revoked_at is None:
        key.revoked_at = utcnow()
        key.revoked_by_id = actor.id
        audit.record(actor, "revoke_open311_key", "open311_key", key.id, {"node_id": key.node_id}, address)
        db.session.flush()


def visible_keys(actor):
    return (select(Open311Key).where(open311_policy.open311_key_filter(actor))
            .order_by(Open311Key.revoked_at.is_not(None), Open311Key.created_at.desc()))


def key_nodes(actor) -> list[Node]:
    """The nodes a user may issue keys for, in tree order."""
    kinds = open311_policy.OPEN311_KEY_NODE_KINDS
    nodes = db.session.scalars(select(Node).where(Node.kind.in_(kinds), Node.retired_at.is_(None),
                                                  policy.area_condition(actor, Node.path))
                               .order_by(Node.path)).all()
    return [node for node in nodes if open311_policy.can_issue_open311_key(actor, node)]


def live_key(plain: str | None) -> Open311Key | None:
    """The key behind a plain api_key, if it is live: known, not revoked, and
    its issuer still an active account (a key never outlives the staff
    member's access: reissue when staff change)."""
    if not plain or len(plain) > 200:
        return None
    key = db.session.scalar(select(Open311Key).where(Open311Key.key_hash == key_hash(plain)))
    if key is None or key.revoked_at is not None:
        return None
    issuer = key.created_by
    if issuer is None or not issuer.is_active or issuer.status != "active":
        return None
    if key.node is None or key.node.retired_at is not None:
        return None
    return key


def touch(key: Open311Key) -> bool:
    """Note the key's use, at most once a minute (reads stay reads): True when
    it did, and the caller commits it."""
    now = utcnow()
    if key.last_used_at is None or now - key.last_used_at > timedelta(minutes=1):
        key.last_used_at = now
        db.session.flush()
        return True
    return False
