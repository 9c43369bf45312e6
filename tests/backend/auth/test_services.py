"""Sign-in, throttling, device tokens and passwords (backend/auth/services.py),
on the test clock: failures count per account and per address within the
window, and the wait is told from the oldest of them; a device token lives
DEVICE_TOKEN_DAYS, is replaced by a new one of the same device, stops at
revocation, expiry or deactivation, and slides on at most once an hour;
changing a password or signing out everywhere ends every session."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from backend import clock
from backend.audit.models import AuditEntry
from backend.auth import services
from backend.auth.models import Device, SignInAttempt
from backend.auth.passwords import needs_rehash, verify_password
from backend.errors import Invalid, Refused
from backend.extensions import db
from tests.factories import PASSWORD, UserFactory
from tests.timing import EPOCH

WINDOW = timedelta(minutes=15)  # SIGNIN_WINDOW_SECONDS
DAYS = timedelta(days=90)  # DEVICE_TOKEN_DAYS


def near(moment, expected) -> bool:
    """The clock runs on from EPOCH at the real pace: a moment read a little later."""
    return timedelta(0) <= moment - expected < timedelta(minutes=1)


def fail(username, address="10.0.0.1", times=1):
    for _ in range(times):
        assert services.authenticate(username, "wrong", address).user is None


def attempts(**where) -> int:
    query = select(func.count()).select_from(SignInAttempt)
    for column, value in where.items():
        query = query.where(getattr(SignInAttempt, column) == value)
    return db.session.scalar(query)


# --- authenticate ------------------------------------------------------------------

def test_the_right_password_signs_in_whatever_the_case_and_spaces_of_the_name(world):
    clock.run_from(EPOCH + timedelta(hours=5))
    result = services.authenticate("  Worker1 ", PASSWORD, "10.0.0.1")
    assert result.user is world.worker1 and result.reason is None
    assert near(world.worker1.last_sign_in_at, EPOCH + timedelta(hours=5))


def test_a_wrong_password_or_unknown_name_is_recorded_as_a_failure(world):
    assert services.authenticate("worker1", "wrong", "10.0.0.1") == services.SignIn(None, "credentials")
    assert services.authenticate("Nobody", PASSWORD, "10.0.0.2") == services.SignIn(None, "credentials")
    assert attempts(username="worker1", address="10.0.0.1") == 1
    assert attempts(username="nobody", address="10.0.0.2") == 1
    assert world.worker1.last_sign_in_at is None


def test_an_account_without_a_password_hash_cannot_be_signed_into(world):
    """Unknown accounts are verified against a dummy hash: an empty hash must not match its password."""
    world.worker1.password_hash = ""
    assert services.authenticate("worker1", "linli-timing-equaliser", "10.0.0.1").user is None


def test_a_disabled_or_rejected_account_is_told_inactive_only_with_the_right_password(world):
    world.worker1.is_active_flag = False
    rejected = UserFactory(username="gone", role="resident", status="rejected")
    assert services.authenticate("worker1", PASSWORD, "a") == services.SignIn(None, "inactive")
    assert services.authenticate("gone", PASSWORD, "a") == services.SignIn(None, "inactive")
    assert services.authenticate("worker1", "wrong", "a").reason == "credentials"
    assert rejected.last_sign_in_at is None


def test_a_pending_resident_may_sign_in(world):
    newcomer = UserFactory(username="newcomer", role="resident", status="pending", community=world.C1)
    assert services.authenticate("newcomer", PASSWORD, "a").user is newcomer


def test_a_hash_of_weaker_parameters_is_replaced_at_sign_in(world):
    from argon2 import PasswordHasher

    weak = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1).hash(PASSWORD)
    world.worker1.password_hash = weak
    services.authenticate("worker1", PASSWORD, "a")
    assert world.worker1.password_hash != weak and "m=8192" not in world.worker1.password_hash
    assert not needs_rehash(world.worker1.password_hash)  # the current profile's parameters
    assert verify_password(world.worker1.password_hash, PASSWORD)


def test_a_success_clears_the_accounts_failures_but_not_the_addresss_others(world):
    fail("worker1", "10.0.0.1", times=3)
    fail("worker2", "10.0.0.1")
    assert services.authenticate("worker1", PASSWORD, "10.0.0.9").user is world.worker1
    assert attempts(username="worker1") == 0
    assert attempts(username="worker2") == 1


# --- throttling ------------------------------------------------------------------

def test_the_sixth_try_on_an_account_is_throttled_from_any_address(world):
    for number in range(5):
        fail("worker1", f"10.0.0.{number}")
    with pytest.raises(services.Throttled) as raised:
        services.authenticate("WORKER1", PASSWORD, "10.0.0.99")
    assert 15 * 60 - 60 < raised.value.retry_after <= 15 * 60
    assert attempts(username="worker1") == 5  # a throttled try is not counted
    assert services.authenticate("worker2", PASSWORD, "10.0.0.99").user is world.worker2


def test_twenty_failures_from_an_address_throttle_every_account_there(world):
    for number in range(20):
        fail(f"guess{number}", "10.9.9.9")
    with pytest.raises(services.Throttled):
        services.authenticate("worker1", PASSWORD, "10.9.9.9")
    assert services.authenticate("worker1", PASSWORD, "10.9.9.10").user is world.worker1


def test_the_wait_is_counted_from_the_oldest_failure_in_the_window(world):
    fail("worker1")
    clock.run_from(oldest_failure() + timedelta(minutes=10))
    fail("worker1", times=4)
    with pytest.raises(services.Throttled) as raised:
        services.check_throttle("worker1", "10.0.0.1")
    assert 4 * 60 < raised.value.retry_after <= 5 * 60  # the first failure leaves the window in five minutes


def oldest_failure():
    return db.session.scalar(select(func.min(SignInAttempt.at)))


def test_failures_older_than_the_window_do_not_count(world):
    fail("worker1", times=5)
    clock.run_from(oldest_failure() + WINDOW - timedelta(seconds=5))
    with pytest.raises(services.Throttled) as raised:
        services.check_throttle("worker1", "10.0.0.1")
    assert raised.value.retry_after == 5
    clock.run_from(oldest_failure() + WINDOW)
    services.check_throttle("worker1", "10.0.0.1")  # four failures left in the window
    assert services.authenticate("worker1", PASSWORD, "10.0.0.1").user is world.worker1


def test_a_wait_of_less_than_a_second_is_told_as_one_second(world):
    fail("worker1", times=5)
    clock.run_from(oldest_failure() + WINDOW - timedelta(milliseconds=300))
    with pytest.raises(services.Throttled) as raised:
        services.check_throttle("worker1", "x")
    assert raised.value.retry_after == 1


def test_the_limits_come_from_the_configuration(world, app, monkeypatch):
    monkeypatch.setitem(app.config, "SIGNIN_MAX_FAILURES_PER_ACCOUNT", 2)
    fail("worker1", times=2)
    with pytest.raises(services.Throttled):
        services.check_throttle("worker1", "other")


# --- device tokens -------------------------------------------------------------------

def test_a_token_is_issued_for_ninety_days_and_stored_only_as_a_hash(world):
    clock.run_from(EPOCH + timedelta(days=2))
    token, device = services.issue_device_token(world.worker1, "d-1", "  我的手机  ", "10.0.0.1")
    assert len(token) >= 32 and token not in (device.token_hash, device.id)
    assert (device.user_id, device.device_id, device.name, device.last_address) == (
        world.worker1.id, "d-1", "我的手机", "10.0.0.1")
    assert near(device.expires_at, EPOCH + timedelta(days=2) + DAYS)
    assert services.device_for_token(token) is device


def test_a_device_without_a_name_is_named_by_its_id(world):
    _token, device = services.issue_device_token(world.worker1, "0123456789abcdef", "   ", None)
    assert device.name == "01234567"


def test_a_new_token_for_the_same_device_replaces_the_old_and_lifts_a_revocation(world):
    old, device = services.issue_device_token(world.worker1, "d-1", "phone", None)
    services.revoke_device(world.worker1, device)
    new, again = services.issue_device_token(world.worker1, "d-1", "phone", None)
    assert again is device and again.revoked_at is None and again.revoked_by_id is None
    assert services.device_for_token(old) is None and services.device_for_token(new) is device
    assert db.session.scalar(select(func.count()).select_from(Device)) == 1


def test_a_token_of_the_same_device_id_on_another_account_is_another_device(world):
    _a, mine = services.issue_device_token(world.worker1, "shared", "phone", None)
    _b, theirs = services.issue_device_token(world.worker2, "shared", "phone", None)
    assert mine is not theirs and mine.revoked_at is None


@pytest.mark.parametrize("token", ["", "not-a-token", "x" * 201])
def test_an_unknown_empty_or_overlong_token_finds_nothing(world, token):
    services.issue_device_token(world.worker1, "d-1", "phone", None)
    assert services.device_for_token(token) is None


def test_a_token_stops_at_its_expiry(world):
    token, device = services.issue_device_token(world.worker1, "d-1", "phone", None)
    device.expires_at = EPOCH + timedelta(days=1)
    clock.run_from(EPOCH + timedelta(days=1) - timedelta(seconds=2))
    assert services.device_for_token(token) is device
    clock.run_from(EPOCH + timedelta(days=1))
    assert services.device_for_token(token) is None


def test_a_token_stops_with_its_account(world):
    token, _device = services.issue_device_token(world.worker1, "d-1", "phone", None)
    world.worker1.is_active_flag = False
    assert services.device_for_token(token) is None


def test_the_expiry_slides_at_most_once_an_hour(world):
    token, device = services.issue_device_token(world.worker1, "d-1", "phone", "10.0.0.1")
    clock.run_from(EPOCH + timedelta(minutes=59))
    assert not services.slide_due(device)
    clock.run_from(EPOCH + timedelta(hours=1, seconds=1))
    assert services.slide_due(device)
    clock.run_from(EPOCH + timedelta(days=30))
    services.slide(device, "10.0.0.2")
    assert near(device.last_seen_at, EPOCH + timedelta(days=30))
    assert near(device.expires_at, EPOCH + timedelta(days=30) + DAYS)
    assert device.last_address == "10.0.0.2" and not services.slide_due(device)
    assert services.device_for_token(token) is device


def test_reading_a_token_does_not_slide_it(world):
    token, device = services.issue_device_token(world.worker1, "d-1", "phone", None)
    expires = device.expires_at
    clock.run_from(EPOCH + timedelta(days=10))
    assert services.device_for_token(token) is device and device.expires_at == expires


def test_one_revokes_ones_own_devices_and_those_of_accounts_one_manages(world):
    token, device = services.issue_device_token(world.worker1, "d-1", "phone", None)
    with pytest.raises(Refused):
        services.revoke_device(world.staff2, device)
    with pytest.raises(Refused):
        services.revoke_device(world.worker2, device)
    assert device.revoked_at is None
    clock.run_from(EPOCH + timedelta(hours=3))
    services.revoke_device(world.staff1, device, "10.1.1.1")
    assert near(device.revoked_at, EPOCH + timedelta(hours=3)) and device.revoked_by_id == world.staff1.id
    assert services.device_for_token(token) is None
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "revoke_device"))
    assert (entry.actor_id, entry.target_id, entry.detail, entry.address) == (
        world.staff1.id, device.id, {"user_id": world.worker1.id}, "10.1.1.1")


def test_revoking_twice_keeps_the_first_revocation(world):
    _token, device = services.issue_device_token(world.worker1, "d-1", "phone", None)
    services.revoke_device(world.worker1, device)
    first = device.revoked_at
    clock.run_from(EPOCH + timedelta(hours=1))
    services.revoke_device(world.staff1, device)
    assert (device.revoked_at, device.revoked_by_id) == (first, world.worker1.id)
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)
                             .where(AuditEntry.action == "revoke_device")) == 1


def test_devices_are_listed_most_recently_seen_first_and_only_the_accounts(world):
    _a, older = services.issue_device_token(world.worker1, "d-1", "old phone", None)
    clock.run_from(EPOCH + timedelta(days=1))
    _b, newer = services.issue_device_token(world.worker1, "d-2", "new phone", None)
    services.issue_device_token(world.worker2, "d-3", "not mine", None)
    assert services.devices_of(world.worker1) == [newer, older]
    clock.run_from(EPOCH + timedelta(days=2))
    services.slide(older)
    assert services.devices_of(world.worker1) == [older, newer]


def test_signing_out_everywhere_revokes_every_live_device_and_ends_sessions(world):
    token_a, first = services.issue_device_token(world.worker1, "d-1", "phone", None)
    token_b, second = services.issue_device_token(world.worker1, "d-2", "tablet", None)
    _c, others = services.issue_device_token(world.worker2, "d-3", "phone", None)
    services.revoke_device(world.worker1, first)
    earlier = first.revoked_at
    clock.run_from(EPOCH + timedelta(hours=2))
    services.sign_out_everywhere(world.staff1, world.worker1)
    assert world.worker1.session_epoch == 1
    assert first.revoked_at == earlier and first.revoked_by_id == world.worker1.id  # kept as it was
    assert near(second.revoked_at, EPOCH + timedelta(hours=2)) and second.revoked_by_id == world.staff1.id
    assert services.device_for_token(token_a) is None and services.device_for_token(token_b) is None
    assert others.revoked_at is None


# --- passwords ---------------------------------------------------------------------------

def test_a_password_needs_eight_characters():
    assert services.check_password_strength("1234567") and services.check_password_strength(None)
    assert services.check_password_strength("12345678") == []


def test_changing_ones_own_password_needs_the_current_one(world):
    with pytest.raises(Invalid) as raised:
        services.change_password(world.worker1, world.worker1, "a-new-pass-2026", "wrong")
    assert set(raised.value.errors) == {"current_password"}
    with pytest.raises(Invalid) as raised:
        services.change_password(world.worker1, world.worker1, "short", PASSWORD)
    assert set(raised.value.errors) == {"password"}
    assert world.worker1.session_epoch == 0 and verify_password(world.worker1.password_hash, PASSWORD)
    services.change_password(world.worker1, world.worker1, "a-new-pass-2026", PASSWORD)
    assert verify_password(world.worker1.password_hash, "a-new-pass-2026")
    assert world.worker1.session_epoch == 1


def test_no_one_chooses_another_accounts_password(world):
    """Staff reset a password to a temporary one (backend/accounts `reset_password`); nobody
    sets another account's password of their choosing."""
    for actor in (world.staff1, world.admin, world.worker2):
        with pytest.raises(Refused):
            services.change_password(actor, world.worker1, "a-new-pass-2026")
    assert verify_password(world.worker1.password_hash, PASSWORD) and world.worker1.session_epoch == 0


def test_changing_ones_password_revokes_every_device_token(world):
    """Issue 12: a password change left device tokens working for up to 90 days."""
    token_a, phone = services.issue_device_token(world.worker1, "d-1", "phone", None)
    token_b, _tablet = services.issue_device_token(world.worker1, "d-2", "tablet", None)
    token_c, _other = services.issue_device_token(world.worker2, "d-3", "phone", None)
    services.change_password(world.worker1, world.worker1, "a-new-pass-2026", PASSWORD, "10.0.0.9")
    assert services.device_for_token(token_a) is None and services.device_for_token(token_b) is None
    assert phone.revoked_by_id == world.worker1.id
    assert services.device_for_token(token_c) is not None
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "sign_out_everywhere"))
    assert entry.target_id == world.worker1.id and len(entry.detail["devices"]) == 2
    assert entry.address == "10.0.0.9"


def test_the_new_password_differs_from_the_current_one(world):
    with pytest.raises(Invalid) as raised:
        services.change_password(world.worker1, world.worker1, PASSWORD, PASSWORD)
    assert set(raised.value.errors) == {"password"}


def test_a_temporary_password_must_be_replaced_and_expires(world):
    token, _device = services.issue_device_token(world.worker1, "d-1", "phone", None)
    services.set_temporary_password(world.staff1, world.worker1, "temp-pass-2026", clock.now() + timedelta(hours=72))
    assert world.worker1.session_epoch == 1 and services.device_for_token(token) is None
    assert services.must_change_password(world.worker1)
    signed_in = services.authenticate("worker1", "temp-pass-2026", "10.0.0.1")
    assert signed_in.user is world.worker1
    # A token issued anyway (the API refuses to) would not work until the password is the person's own.
    token, _device = services.issue_device_token(world.worker1, "d-1", "phone", None)
    assert services.device_for_token(token) is None
    services.change_password(world.worker1, world.worker1, "my-own-pass-2026", "temp-pass-2026")
    assert not services.must_change_password(world.worker1)
    services.set_temporary_password(world.staff1, world.worker1, "temp-pass-2027", clock.now() + timedelta(hours=72))
    clock.run_from(clock.now() + timedelta(hours=73))
    assert services.authenticate("worker1", "temp-pass-2027", "10.0.0.1").reason == "expired"


def test_a_pending_registration_holds_no_working_token(world):
    pending = UserFactory(role="resident", status="pending", community=world.C1)
    token, _device = services.issue_device_token(pending, "d-9", "phone", None)
    assert services.device_for_token(token) is None
    pending.status = "active"
    assert services.device_for_token(token) is not None
