"""Sign-in, throttling, passwords and device tokens: who a person is, and the proof of it.
Account administration (creating, scoping, registering) is backend/accounts.

Services flush, never commit: the caller (page, API, command) commits once."""

import hashlib
import math
import secrets
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, func, select
from sqlalchemy.orm import joinedload

from backend.audit import services as audit
from backend.auth import policy
from backend.auth.models import Device, SignInAttempt, User
from backend.auth.passwords import MIN_LENGTH, hash_password, needs_rehash, verify_password
from backend.common import utcnow
from backend.errors import Invalid, Refused
from backend.extensions import db


class Throttled(Exception):
    def __init__(self, retry_after: int):
        super().__init__("too many failed sign-ins")
        self.retry_after = retry_after


@dataclass
class SignIn:
    user: User | None
    reason: str | None = None  # "credentials" | "inactive" | "expired" (a temporary password)


def _normalise(username: str) -> str:
    return (username or "").strip().lower()[:50]


def throttle(model, window: int, checks) -> None:
    """Raise Throttled when, among the rows of `model` (an attempts table with an
    `at` column) of the last `window` seconds, any (column, value, limit) of
    `checks` counts `limit` rows or more."""
    since = utcnow() - timedelta(seconds=window)
    for column, value, limit in checks:
        count, oldest = db.session.execute(
            select(func.count(), func.min(model.at)).where(column == value, model.at > since)
        ).one()
        if count >= limit:
            retry = (oldest + timedelta(seconds=window) - utcnow()).total_seconds()
            raise Throttled(max(1, math.ceil(retry)))


def check_throttle(username: str, address: str) -> None:
    """Raise Throttled when this account or this address failed too often lately."""
    cfg = current_app.config
    throttle(SignInAttempt, cfg["SIGNIN_WINDOW_SECONDS"], (
        (SignInAttempt.username, _normalise(username), cfg["SIGNIN_MAX_FAILURES_PER_ACCOUNT"]),
        (SignInAttempt.address, address or "", cfg["SIGNIN_MAX_FAILURES_PER_ADDRESS"]),
    ))


def authenticate(username: str, password: str, address: str) -> SignIn:
    """Check credentials, throttled per account and per address. Writes the failure
    record (or the successful sign-in time): the caller commits whatever the result."""
    check_throttle(username, address)
    name = _normalise(username)
    user = db.session.scalar(select(User).where(func.lower(User.username) == name))
    if not verify_password(user.password_hash if user else None, password or ""):
        db.session.add(SignInAttempt(username=name, address=address or ""))
        db.session.flush()
        return SignIn(None, "credentials")
    if not user.is_active:
        return SignIn(None, "inactive")
    if user.password_temporary_until is not None and user.password_temporary_until <= utcnow():
        return SignIn(None, "expired")
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_sign_in_at = utcnow()
    db.session.execute(delete(SignInAttempt).where(SignInAttempt.username == name))
    db.session.flush()
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
    if device.wiped_at is not None:
        # It erased its data when it was lost, and was found: a fresh start. A device still
        # waiting to erase stays lost whoever signs in on it.
        device.lost_at = device.lost_by_id = device.wiped_at = None
    db.session.flush()
    return token, device


def device_for_token(token: str, address: str | None = None) -> Device | None:
    """The live device of a bearer token (read only: `slide` moves its expiry on)."""
    if not token or len(token) > 200:
        return None
    # The account comes in the same query: every API call reads it next.
    device = db.session.scalar(select(Device).options(joinedload(Device.user))
                               .where(Device.token_hash == _token_hash(token)))
    now = utcnow()
    if device is None or device.revoked_at is not None or device.expires_at <= now:
        return None
    # A pending registration never holds a working token, nor an account that
    # must first replace a temporary password.
    if not policy.active(device.user) or must_change_password(device.user):
        return None
    return device


def slide_due(device: Device) -> bool:
    """Whether a device's expiry should move on: at most once an hour, so that reads
    do not turn into writes."""
    return utcnow() - device.last_seen_at > timedelta(hours=1)


def slide(device: Device, address: str | None = None) -> None:
    """Seen now: the token lives DEVICE_TOKEN_DAYS from now."""
    now = utcnow()
    device.last_seen_at = now
    device.last_address = address
    device.expires_at = now + timedelta(days=current_app.config["DEVICE_TOKEN_DAYS"])
    db.session.flush()


def revoke_device(actor: User, device: Device, address: str | None = None) -> None:
    if not policy.can(actor, policy.MANAGE, device):
        raise Refused()
    if device.revoked_at is None:
        device.revoked_at = utcnow()
        device.revoked_by_id = actor.id
        audit.record(actor, "revoke_device", "device", device.id, {"user_id": device.user_id}, address)
        db.session.flush()


def mark_lost(actor: User, device: Device, address: str | None = None) -> None:
    """Staff mark a device lost: from its next contact the app pushes what it has not sent,
    erases its data and confirms (`confirm_wiped`); until then its token may only push."""
    if not policy.can(actor, policy.MANAGE, device):
        raise Refused()
    if device.revoked_at is not None or device.lost_at is not None:
        return  # signed out already (nothing to reach), or marked already
    device.lost_at = utcnow()
    device.lost_by_id = actor.id
    audit.record(actor, "mark_device_lost", "device", device.id, {"user_id": device.user_id}, address)
    db.session.flush()


def confirm_wiped(device: Device, address: str | None = None) -> None:
    """The app of a lost device erased its data: its token stops working."""
    if not device.wipe_pending:
        return
    now = utcnow()
    device.wiped_at = now
    device.revoked_at = now
    device.revoked_by_id = device.lost_by_id
    audit.record(device.user, "device_wiped", "device", device.id, {"user_id": device.user_id}, address)
    db.session.flush()


def devices_of(user: User) -> list[Device]:
    return list(
        db.session.scalars(select(Device).where(Device.user_id == user.id).order_by(Device.last_seen_at.desc()))
    )


# --- passwords ---------------------------------------------------------------

def check_password_strength(password: str) -> list[str]:
    from flask_babel import lazy_gettext as _l

    problems = []
    if len(password or "") < MIN_LENGTH:
        problems.append(_l("At least %(n)s characters.", n=MIN_LENGTH))
    return problems


def must_change_password(user: User) -> bool:
    """The account signed in with a temporary password (set by staff): it may do
    nothing but choose its own, on the pages and the API."""
    return user.password_temporary_until is not None


def change_password(actor: User, user: User, new_password: str, current_password: str | None = None,
                    address: str | None = None) -> None:
    """The account holder changes their own password (the current one, temporary or
    not, proves it). Every session and device token of the account ends: the caller
    signs the current browser session in again. Staff reset others' passwords with
    backend/accounts `reset_password`, which never lets them choose it."""
    from flask_babel import lazy_gettext as _l

    if actor.id != user.id:
        raise Refused()
    if not verify_password(user.password_hash, current_password or ""):
        raise Invalid({"current_password": [_l("The current password is wrong.")]})
    problems = check_password_strength(new_password)
    if not problems and verify_password(user.password_hash, new_password):
        problems = [_l("Choose a password different from the current one.")]
    if problems:
        raise Invalid({"password": problems})
    user.password_hash = hash_password(new_password)
    user.password_temporary_until = None
    audit.record(actor, "change_password", "user", user.id, None, address)
    sign_out_everywhere(actor, user, address)


def set_temporary_password(actor: User | None, user: User, password: str, until, address: str | None = None) -> None:
    """Give the account a temporary password valid until `until`, good only to choose
    a new one at the next sign-in; every session and device token of the account
    ends. The rules on who may do it are backend/accounts' (`reset_password`)."""
    user.password_hash = hash_password(password)
    user.password_temporary_until = until
    sign_out_everywhere(actor, user, address)


def sign_out_everywhere(actor: User | None, user: User, address: str | None = None) -> None:
    """End every session of the account and revoke every device token it holds (audited)."""
    user.session_epoch = (user.session_epoch or 0) + 1
    now = utcnow()
    revoked = []
    for device in devices_of(user):
        if device.revoked_at is None:
            device.revoked_at = now
            device.revoked_by_id = getattr(actor, "id", None)
            revoked.append(device.id)
    audit.record(actor, "sign_out_everywhere", "user", user.id, {"devices": revoked}, address)
    db.session.flush()
