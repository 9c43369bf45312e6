"""Sign-in, throttling, device tokens, accounts and resident registration."""

import hashlib
import math
import secrets
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, func, select
from sqlalchemy.orm import joinedload

from backend.audit import services as audit
from backend.auth import accounts, policy
from backend.auth.models import ROLES, Device, SignInAttempt, User
from backend.auth.passwords import MIN_LENGTH, hash_password, needs_rehash, verify_password
from backend.common import utcnow
from backend.errors import Invalid, Refused
from backend.extensions import db
from backend.org.models import Node
from backend.registry.models import Household


class Throttled(Exception):
    def __init__(self, retry_after: int):
        super().__init__("too many failed sign-ins")
        self.retry_after = retry_after


@dataclass
class SignIn:
    user: User | None
    reason: str | None = None  # "credentials" | "inactive"


def _normalise(username: str) -> str:
    return (username or "").strip().lower()[:50]


def check_throttle(username: str, address: str) -> None:
    """Raise Throttled when this account or this address failed too often lately."""
    cfg = current_app.config
    window = cfg["SIGNIN_WINDOW_SECONDS"]
    since = utcnow() - timedelta(seconds=window)
    for column, value, limit in (
        (SignInAttempt.username, _normalise(username), cfg["SIGNIN_MAX_FAILURES_PER_ACCOUNT"]),
        (SignInAttempt.address, address or "", cfg["SIGNIN_MAX_FAILURES_PER_ADDRESS"]),
    ):
        count, oldest = db.session.execute(
            select(func.count(), func.min(SignInAttempt.at)).where(column == value, SignInAttempt.at > since)
        ).one()
        if count >= limit:
            retry = (oldest + timedelta(seconds=window) - utcnow()).total_seconds()
            raise Throttled(max(1, math.ceil(retry)))


def authenticate(username: str, password: str, address: str) -> SignIn:
    """Check credentials, throttled per account and per address. Commits the
    failure record (or the successful sign-in time)."""
    check_throttle(username, address)
    name = _normalise(username)
    user = db.session.scalar(select(User).where(func.lower(User.username) == name))
    if not verify_password(user.password_hash if user else None, password or ""):
        db.session.add(SignInAttempt(username=name, address=address or ""))
        db.session.commit()
        return SignIn(None, "credentials")
    if not user.is_active:
        return SignIn(None, "inactive")
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_sign_in_at = utcnow()
    db.session.execute(delete(SignInAttempt).where(SignInAttempt.username == name))
    db.session.commit()
    return SignIn(user)


# --- device tokens ---------------------------------------------------------

def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_device_token(user: User, device_id: str, device_name: str, address: str | None) -> tuple[str, Device]:
    """A new token for this user on this device; an older token of the same
    device stops working."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    expires = now + timedelta(days=current_app.config["DEVICE_TOKEN_DAYS"])
    device = db.session.scalar(select(Device).where(Device.user_id == user.id, Device.device_id == device_id))
    if device is None:
        device = Device(user_id=user.id, device_id=device_id)
        db.session.add(device)
    device.name = (device_name or "").strip()[:100] or device_id[:8]
    device.token_hash = _token_hash(token)
    device.created_at = now
    device.last_seen_at = now
    device.last_address = address
    device.expires_at = expires
    device.revoked_at = None
    device.revoked_by_id = None
    db.session.commit()
    return token, device


def device_for_token(token: str, address: str | None = None) -> Device | None:
    """The live device of a bearer token, sliding its expiry forward."""
    if not token or len(token) > 200:
        return None
    # The account comes in the same query: every API call reads it next.
    device = db.session.scalar(select(Device).options(joinedload(Device.user))
                               .where(Device.token_hash == _token_hash(token)))
    now = utcnow()
    if device is None or device.revoked_at is not None or device.expires_at <= now:
        return None
    if not device.user.is_active:
        return None
    # Slide at most once an hour so reads do not turn into writes; end the
    # read first so the write starts a transaction of its own.
    if now - device.last_seen_at > timedelta(hours=1):
        db.session.commit()
        device.last_seen_at = now
        device.last_address = address
        device.expires_at = now + timedelta(days=current_app.config["DEVICE_TOKEN_DAYS"])
        db.session.commit()
    return device


def revoke_device(actor: User, device: Device, address: str | None = None) -> None:
    if not policy.can(actor, policy.MANAGE, device):
        raise Refused()
    if device.revoked_at is None:
        device.revoked_at = utcnow()
        device.revoked_by_id = actor.id
        audit.record(actor, "revoke_device", "device", device.id, {"user_id": device.user_id}, address)
        db.session.commit()


def devices_of(user: User) -> list[Device]:
    return list(
        db.session.scalars(select(Device).where(Device.user_id == user.id).order_by(Device.last_seen_at.desc()))
    )


# --- accounts ----------------------------------------------------------------

def check_password_strength(password: str) -> list[str]:
    from flask_babel import lazy_gettext as _l

    problems = []
    if len(password or "") < MIN_LENGTH:
        problems.append(_l("At least %(n)s characters.", n=MIN_LENGTH))
    return problems


def _validate_account(username: str, display_name: str, password: str, errors: dict) -> str:
    """Checks every new account shares; returns the cleaned username."""
    from flask_babel import lazy_gettext as _l

    username = (username or "").strip()
    if not username or len(username) > 50 or not username.replace("_", "").replace("-", "").replace(".", "").isalnum():
        errors.setdefault("username", []).append(_l("Letters, digits, '.', '-' and '_' only, up to 50."))
    elif db.session.scalar(select(User.id).where(func.lower(User.username) == username.lower())):
        errors.setdefault("username", []).append(_l("This username is taken."))
    if not (display_name or "").strip():
        errors.setdefault("display_name", []).append(_l("Required."))
    elif len(display_name.strip()) > 50:
        errors.setdefault("display_name", []).append(_l("At most %(n)s characters.", n=50))
    problems = check_password_strength(password)
    if problems:
        errors["password"] = problems
    return username


def create_user(actor: User | None, *, username: str, display_name: str, password: str, role: str,
                scope_ids: list[str] | None = None, household_id: str | None = None,
                phone: str | None = None) -> User:
    """Create an account. `actor` None is the command line (trusted)."""
    from flask_babel import lazy_gettext as _l

    errors: dict[str, list] = {}
    username = _validate_account(username, display_name, password, errors)
    if role not in ROLES:
        errors.setdefault("role", []).append(_l("Unknown role."))
    elif actor is not None and role not in policy.ROLES_CREATED_BY.get(actor.role, set()):
        errors.setdefault("role", []).append(_l("You may not create this kind of account."))
    nodes = _scope_nodes_for(actor, role, scope_ids or [], errors)
    household = None
    if role == "resident":
        household = db.session.get(Household, household_id) if household_id else None
        if household is None:
            errors.setdefault("household_id", []).append(_l("Choose the resident's household."))
        elif actor is not None and not policy.can(actor, policy.CHANGE, household):
            errors.setdefault("household_id", []).append(_l("Outside your area."))
    if errors:
        raise Invalid(errors)
    user = User(username=username, display_name=display_name.strip(), password_hash=hash_password(password),
                role=role, status="active", phone=(phone or None))
    user.scope_nodes = nodes
    if household is not None:
        user.household_id = household.id
        user.community_id = household.community_id
    elif role == "volunteer" and nodes:
        user.community_id = nodes[0].id
    db.session.add(user)
    db.session.flush()
    audit.record(actor, "create_user", "user", user.id, {"role": role, "username": username})
    db.session.commit()
    return user


def _scope_nodes_for(actor, role, scope_ids, errors) -> list[Node]:
    from flask_babel import lazy_gettext as _l

    kinds = policy.SCOPE_KINDS_FOR_ROLE.get(role, set())
    if not kinds:
        return []
    nodes = [db.session.get(Node, node_id) for node_id in dict.fromkeys(scope_ids)]
    if not nodes or any(node is None for node in nodes):
        errors.setdefault("scope_ids", []).append(_l("Choose where this account works."))
        return []
    if role != "grid_worker" and len(nodes) > 1:
        errors.setdefault("scope_ids", []).append(_l("Only grid workers may have several grids."))
    for node in nodes:
        if node.kind not in kinds or node.retired_at is not None:
            errors.setdefault("scope_ids", []).append(
                _l("%(name)s is not a valid place for this role.", name=node.name))
        elif actor is not None and not policy.within(node.path, policy.area_paths(actor)):
            errors.setdefault("scope_ids", []).append(_l("%(name)s is outside your area.", name=node.name))
    return nodes


def set_scopes(actor: User, user: User, scope_ids: list[str]) -> None:
    if not policy.can(actor, policy.MANAGE, user):
        raise Refused()
    errors: dict[str, list] = {}
    nodes = _scope_nodes_for(actor, user.role, scope_ids, errors)
    if errors:
        raise Invalid(errors)
    before = [node.id for node in user.scope_nodes]
    user.scope_nodes = nodes
    audit.record(actor, "set_scopes", "user", user.id, {"before": before, "after": [n.id for n in nodes]})
    db.session.commit()


def set_active(actor: User, user: User, active: bool) -> None:
    if not policy.can(actor, policy.MANAGE, user):
        raise Refused()
    user.is_active_flag = active
    if not active:
        user.session_epoch += 1
        for device in devices_of(user):
            if device.revoked_at is None:
                device.revoked_at = utcnow()
                device.revoked_by_id = actor.id
    audit.record(actor, "activate_user" if active else "deactivate_user", "user", user.id)
    db.session.commit()


def change_password(actor: User, user: User, new_password: str, current_password: str | None = None) -> None:
    from flask_babel import lazy_gettext as _l

    if actor.id == user.id:
        if not verify_password(user.password_hash, current_password or ""):
            raise Invalid({"current_password": [_l("The current password is wrong.")]})
    elif not policy.can(actor, policy.MANAGE, user):
        raise Refused()
    problems = check_password_strength(new_password)
    if problems:
        raise Invalid({"password": problems})
    user.password_hash = hash_password(new_password)
    user.session_epoch += 1
    audit.record(actor, "change_password", "user", user.id)
    db.session.commit()


# --- resident self-registration -------------------------------------------

def register_resident(*, invite_code: str, username: str, display_name: str, password: str,
                      phone: str | None, claimed_address: str) -> User:
    """A resident registers with their community's invitation code; the
    account is pending until staff link it to a household."""
    from flask_babel import lazy_gettext as _l

    errors: dict[str, list] = {}
    community = db.session.scalar(
        select(Node).where(Node.invite_code == (invite_code or "").strip().upper(), Node.kind == "community",
                           Node.retired_at.is_(None))
    )
    if community is None:
        errors["invite_code"] = [_l("This invitation code is not valid.")]
    if not (claimed_address or "").strip():
        errors["claimed_address"] = [_l("Tell us your address so staff can find your household.")]
    phone = (phone or "").strip()
    if len(phone) > 20:
        errors["phone"] = [_l("At most %(n)s characters.", n=20)]
    username = _validate_account(username, display_name, password, errors)
    if errors:
        raise Invalid(errors)
    user = User(username=username, display_name=display_name.strip(), password_hash=hash_password(password),
                role="resident", status="pending", community_id=community.id,
                claimed_address=claimed_address.strip()[:200], phone=phone or None)
    db.session.add(user)
    db.session.flush()
    audit.record(user, "register_resident", "user", user.id, {"community_id": community.id})
    db.session.commit()
    return user


def confirm_resident(actor: User, user: User, household: Household) -> None:
    from flask_babel import lazy_gettext as _l

    if user.role != "resident" or user.status != "pending":
        raise Invalid({"user": [_l("This registration is not waiting for confirmation.")]})
    if not policy.can(actor, policy.MANAGE, user) or not policy.can(actor, policy.CHANGE, household):
        raise Refused()
    if household.community_id != user.community_id:
        raise Invalid({"household_id": [_l("The household must be in the community the resident registered with.")]})
    user.household_id = household.id
    user.status = "active"
    audit.record(actor, "confirm_resident", "user", user.id, {"household_id": household.id})
    db.session.commit()


def reject_resident(actor: User, user: User) -> None:
    if user.role != "resident" or user.status != "pending" or not policy.can(actor, policy.MANAGE, user):
        raise Refused()
    user.status = "rejected"
    audit.record(actor, "reject_resident", "user", user.id)
    db.session.commit()


def pending_registrations(actor: User) -> list[User]:
    query = select(User).where(User.role == "resident", User.status == "pending", accounts.user_filter(actor))
    return list(db.session.scalars(query.order_by(User.created_at)))
