"""Account administration: creating accounts within one's reach, their scopes, switching
them off, and residents' self-registration and its confirmation. Apart from backend/auth
(sign-in, passwords, devices, the policy core) because it reads the tree (staff work in
nodes) and the registry (residents belong to households).

Services flush, never commit: the caller (page, API, command) commits once."""

import hashlib
import hmac
import secrets
from datetime import timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from backend.accounts import rights
from backend.accounts.scope import user_filter
from backend.audit import services as audit
from backend.auth import policy
from backend.auth.models import ROLES, RegistrationAttempt, User
from backend.auth.passwords import hash_password
from backend.auth.services import check_password_strength, set_temporary_password, sign_out_everywhere, throttle
from backend.common import utcnow
from backend.errors import Invalid, Refused
from backend.extensions import db
from backend.org.models import Node
from backend.registry.models import Household


def _validate_account(username: str, display_name: str, password: str, errors: dict) -> str:
    """Checks every new account shares; returns the cleaned username."""
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
    errors: dict[str, list] = {}
    username = _validate_account(username, display_name, password, errors)
    if role not in ROLES:
        errors.setdefault("role", []).append(_l("Unknown role."))
    elif actor is not None and role not in rights.creatable_roles(actor):
        errors.setdefault("role", []).append(_l("You may not create this kind of account."))
    nodes = _scope_nodes_for(actor, role, scope_ids or [], errors)
    household = None
    if role == "resident":
        household = db.session.get(Household, household_id) if household_id else None
        if household is None or household.retired_at is not None:
            errors.setdefault("household_id", []).append(_l("Choose the resident's household."))
        elif actor is not None and not policy.can(actor, policy.CHANGE, household):
            errors.setdefault("household_id", []).append(_l("Outside your area."))
    if errors:
        raise Invalid(errors)
    user = User(username=username, display_name=display_name.strip(), password_hash=hash_password(password),
                role=role, status="active", phone=(phone or None))
    user.scope_nodes = nodes
    if actor is not None:
        # The creator knows this password: it only serves to choose one's own.
        user.password_temporary_until = temporary_until()
    if household is not None:
        user.household_id = household.id
        user.community_id = household.community_id
    elif role == "volunteer" and nodes:
        user.community_id = nodes[0].id
    db.session.add(user)
    db.session.flush()
    audit.record(actor, "create_user", "user", user.id, {"role": role, "username": username})
    db.session.flush()
    return user


def _scope_nodes_for(actor, role, scope_ids, errors) -> list[Node]:
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
    db.session.flush()


def set_active(actor: User, user: User, active: bool) -> None:
    if not policy.can(actor, policy.MANAGE, user):
        raise Refused()
    user.is_active_flag = active
    if not active:
        sign_out_everywhere(actor, user)
    audit.record(actor, "activate_user" if active else "deactivate_user", "user", user.id)
    db.session.flush()


# --- temporary passwords ---------------------------------------------------------

TEMPORARY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i


def temporary_until():
    return utcnow() + timedelta(hours=current_app.config["TEMPORARY_PASSWORD_HOURS"])


def new_temporary_password() -> str:
    groups = ("".join(secrets.choice(TEMPORARY_ALPHABET) for _ in range(4)) for _ in range(4))
    return "-".join(groups)


def reset_password(actor: User, user: User, address: str | None = None) -> str:
    """Reset `user`'s password to a new temporary one, returned once for the actor to
    hand over: it works until TEMPORARY_PASSWORD_HOURS from now, and only to choose a
    new password at the next sign-in. Every session and device token of the account
    ends. Only for accounts at or below the actor's rights (backend/accounts/rights.py)."""
    if not rights.may_reset(actor, user):
        raise Refused()
    password = new_temporary_password()
    set_temporary_password(actor, user, password, temporary_until(), address)
    audit.record(actor, "reset_password", "user", user.id, None, address)
    db.session.flush()
    return password


# --- resident self-registration -------------------------------------------

def _typed_code(invite_code: str | None) -> str:
    return (invite_code or "").strip().upper()[:100]


def note_registration(invite_code: str, address: str | None) -> None:
    """Count a posted registration, per address and per invitation code (as typed,
    kept as a hash), or raise `Throttled` when either is over its limit. The caller
    commits the count whatever the registration's outcome."""
    cfg = current_app.config
    code_hash = hashlib.sha256(_typed_code(invite_code).encode()).hexdigest()
    throttle(RegistrationAttempt, cfg["REGISTER_WINDOW_SECONDS"], (
        (RegistrationAttempt.address, address or "", cfg["REGISTER_MAX_PER_ADDRESS"]),
        (RegistrationAttempt.code_hash, code_hash, cfg["REGISTER_MAX_PER_CODE"]),
    ))
    db.session.add(RegistrationAttempt(address=address or "", code_hash=code_hash))
    db.session.flush()


def community_of_code(invite_code: str) -> Node | None:
    """The live community whose invitation code this is. Every code is compared, in
    constant time, so neither the answer's time nor an index walk tells how much of
    a guess was right."""
    typed = _typed_code(invite_code).encode()
    rows = db.session.execute(select(Node.id, Node.invite_code).where(
        Node.kind == "community", Node.retired_at.is_(None), Node.invite_code.is_not(None)))
    found = None
    for node_id, code in rows:
        if hmac.compare_digest(code.encode(), typed) and found is None:
            found = node_id
    return db.session.get(Node, found) if found else None


def register_resident(*, invite_code: str, username: str, display_name: str, password: str,
                      phone: str | None, claimed_address: str) -> User:
    """A resident registers with their community's invitation code; the
    account is pending until staff link it to a household (and until then
    gets no device token: backend/auth/services.py, `device_for_token`)."""
    errors: dict[str, list] = {}
    community = community_of_code(invite_code)
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
    db.session.flush()
    return user


def confirm_resident(actor: User, user: User, household: Household) -> None:
    if user.role != "resident" or user.status != "pending":
        raise Invalid({"user": [_l("This registration is not waiting for confirmation.")]})
    if not policy.can(actor, policy.MANAGE, user) or not policy.can(actor, policy.CHANGE, household):
        raise Refused()
    if household.retired_at is not None:
        raise Invalid({"household_id": [_l("Choose the resident's household.")]})
    if household.community_id != user.community_id:
        raise Invalid({"household_id": [_l("The household must be in the community the resident registered with.")]})
    user.household_id = household.id
    user.status = "active"
    audit.record(actor, "confirm_resident", "user", user.id, {"household_id": household.id})
    db.session.flush()


def reject_resident(actor: User, user: User) -> None:
    if user.role != "resident" or user.status != "pending" or not policy.can(actor, policy.MANAGE, user):
        raise Refused()
    user.status = "rejected"
    audit.record(actor, "reject_resident", "user", user.id)
    db.session.flush()


def pending_registrations(actor: User) -> list[User]:
    query = select(User).where(User.role == "resident", User.status == "pending", user_filter(actor))
    return list(db.session.scalars(query.order_by(User.created_at)))


CHUNK = 500  # household ids per IN (…)


def follow_households(session, households) -> None:
    """A resident's account belongs to the community of its household. When
    households move (the placement service calls this as Household's `after`
    hook), their residents' accounts follow, so the staff who now keep the
    household manage the account and the old community's staff no longer do."""
    community_of = {household.id: household.community_id for household in households}
    ids = list(community_of)
    for start in range(0, len(ids), CHUNK):
        accounts = session.scalars(select(User).where(User.household_id.in_(ids[start:start + CHUNK])))
        for account in accounts:
            if account.community_id != community_of[account.household_id]:
                account.community_id = community_of[account.household_id]
    session.flush()


# --- an account's contact details: sealed, masked, revealed with an audit -----------

CONTACT_FIELDS = ("phone", "claimed_address")


def masked_contact(user: User, field: str) -> str:
    """What lists and pages show of an account's phone or claimed address."""
    return user.masked_phone if field == "phone" else user.masked_address


def reveal_contact(actor: User, user: User, field: str, address: str | None = None) -> str:
    """An account's phone or claimed address in clear, for those who manage the
    account (policy MANAGE); the look is written to the audit trail. The caller commits."""
    if field not in CONTACT_FIELDS:
        raise Invalid({"field": [_l("Not a sensitive field.")]})
    if not policy.can(actor, policy.MANAGE, user):
        raise Refused()
    value = getattr(user, field) or ""
    audit.record(actor, "reveal", "user", user.id, {"field": field}, address)
    db.session.flush()
    return value
