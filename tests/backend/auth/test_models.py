"""Accounts, devices and sign-in failures (backend/auth/models.py): a username
and a token hash are taken once, a device once per account, an account's
devices go with it; defaults stamped by the one clock; the Flask-Login
protocol (active, the session epoch in the id) and who counts as staff."""

from datetime import timedelta

import pytest
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from backend import clock
from backend.auth.models import ROLES, Device, SignInAttempt, User
from backend.extensions import db
from tests.factories import DeviceFactory, UserFactory
from tests.timing import EPOCH


def _refused(make):
    with pytest.raises(IntegrityError):
        make()
        db.session.flush()
    db.session.rollback()


def test_a_username_is_taken_once(ctx):
    UserFactory(username="worker9")
    _refused(lambda: UserFactory(username="worker9"))


def test_a_device_is_signed_in_once_per_account(ctx):
    device = DeviceFactory()
    _refused(lambda: DeviceFactory(user=device.user, device_id=device.device_id))


def test_the_same_device_may_be_signed_in_to_two_accounts(ctx):
    device = DeviceFactory()
    other = DeviceFactory(device_id=device.device_id)
    assert other.user_id != device.user_id


def test_a_token_hash_belongs_to_one_device(ctx):
    device = DeviceFactory()
    _refused(lambda: DeviceFactory(token_hash=device.token_hash))


def test_a_device_needs_an_expiry(ctx):
    _refused(lambda: DeviceFactory(expires_at=None))


def test_an_accounts_devices_go_with_it(ctx):
    device = DeviceFactory()
    db.session.commit()
    db.session.execute(delete(User).where(User.id == device.user_id))
    db.session.expire_all()
    assert db.session.scalars(select(Device)).all() == []
    db.session.rollback()


def test_a_new_account_and_device_are_stamped_by_the_clock(ctx):
    clock.run_from(EPOCH + timedelta(days=3))
    account = User(username="new", display_name="新人", password_hash="x", role="grid_worker")
    db.session.add(account)
    db.session.flush()
    assert (account.status, account.is_active_flag, account.session_epoch) == ("active", True, 0)
    assert timedelta(0) <= account.created_at - (EPOCH + timedelta(days=3)) < timedelta(minutes=1)
    device = Device(user_id=account.id, device_id="d", name="n", token_hash="h", expires_at=clock.now())
    failure = SignInAttempt(username="new", address="10.0.0.1")
    db.session.add_all([device, failure])
    db.session.flush()
    for stamp in (device.created_at, device.last_seen_at, failure.at):
        assert timedelta(0) <= stamp - (EPOCH + timedelta(days=3)) < timedelta(minutes=1)
    assert device.revoked_at is None and not device.is_revoked


@pytest.mark.parametrize(("flag", "status", "active"), [
    (True, "active", True), (True, "pending", True), (True, "rejected", False), (False, "active", False),
])
def test_an_account_is_active_unless_switched_off_or_rejected(ctx, flag, status, active):
    assert UserFactory.build(is_active_flag=flag, status=status).is_active is active


def test_the_login_id_carries_the_session_epoch(ctx):
    account = UserFactory(session_epoch=3)
    assert account.get_id() == f"{account.id}:3"
    account.session_epoch += 1
    assert account.get_id() == f"{account.id}:4"
    assert account.is_authenticated and not account.is_anonymous


def test_residents_and_volunteers_are_not_staff():
    assert {role for role in ROLES if not User(role=role).is_staff} == {"resident", "volunteer"}


def test_a_revoked_device_says_so(ctx):
    assert DeviceFactory(revoked_at=clock.now()).is_revoked
