"""Sign-in on the pages (with CSRF) and device tokens on the API
(SYNC_PROTOCOL.md §1): throttling, revocation, expiry, sessions."""

import re
import uuid
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select, update

from backend.accounts import services as accounts
from backend.auth import services
from backend.auth.models import Device, SignInAttempt, User
from backend.common import utcnow
from backend.extensions import db
from tests.backend.shared import is_problem
from tests.conftest import Auth
from tests.factories import PASSWORD, build_world

TOKEN_URL = "/api/v1/auth/token"


def _token_request(client, username, password=PASSWORD, device_id=None, address="127.0.0.1"):
    return client.post(TOKEN_URL, environ_base={"REMOTE_ADDR": address}, json={
        "username": username, "password": password, "device_id": device_id or str(uuid.uuid4()),
        "device_name": "测试手机"})


def _page_sign_in(client, username, password, address="127.0.0.1"):
    token = Auth(client).csrf_token()
    return client.post("/sign-in", environ_base={"REMOTE_ADDR": address},
                       data={"username": username, "password": password, "csrf_token": token})


def _bearer(token):
    return {"Authorization": f"Bearer {token}"}


def _device_row(token_owner: str, device_id: str) -> Device:
    db.session.expire_all()
    return db.session.scalar(select(Device).join(User, User.id == Device.user_id)
                             .where(User.username == token_owner, Device.device_id == device_id))


# --- pages -------------------------------------------------------------------

def test_page_sign_in_success_and_failure(world, client):
    response = client.get("/sign-in")
    assert response.status_code == 200
    assert 'name="csrf_token"' in response.get_data(as_text=True)

    response = _page_sign_in(client, "staff1", "wrong-password")
    assert response.status_code == 401
    assert "f-password" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302 and "/sign-in" in client.get("/").headers["Location"]

    response = _page_sign_in(client, "STAFF1", PASSWORD)  # usernames are case-insensitive
    assert response.status_code == 302
    assert "/sign-in" not in client.get("/").headers.get("Location", "")
    assert db.session.get(User, world.users["staff1"].id).last_sign_in_at is not None


def test_sign_in_post_needs_csrf(world, client):
    client.get("/sign-in")
    response = client.post("/sign-in", data={"username": "staff1", "password": PASSWORD})
    assert response.status_code == 400
    response = client.post("/sign-in", data={"username": "staff1", "password": PASSWORD, "csrf_token": "forged"})
    assert response.status_code == 400
    assert client.get("/").status_code == 302  # still signed out


def test_other_form_posts_need_csrf(world, auth, client):
    auth.login("staff1")
    assert client.post("/sign-out").status_code == 400
    assert client.post("/account/password", data={"current_password": PASSWORD, "password": "new-pass-2026!",
                                                  "password_again": "new-pass-2026!"}).status_code == 400
    assert "/sign-in" not in client.get("/").headers.get("Location", "")  # nothing happened
    response = client.post("/sign-out", data={"csrf_token": auth.csrf_token("/account/devices")})
    assert response.status_code == 302
    assert "/sign-in" in client.get("/").headers["Location"]


def test_htmx_requests_carry_csrf_in_a_header(world, auth, client):
    _token, first = services.issue_device_token(world.users["staff1"], str(uuid.uuid4()), "phone 1", None)
    _token, second = services.issue_device_token(world.users["staff1"], str(uuid.uuid4()), "phone 2", None)
    db.session.commit()
    first_id, second_id = first.id, second.id
    auth.login("staff1")
    token = auth.csrf_token("/account/devices")
    htmx = {"HX-Request": "true", "HX-Target": "devices"}

    response = client.post(f"/devices/{first_id}/revoke", headers=htmx)
    assert response.status_code == 400
    assert db.session.get(Device, first_id).revoked_at is None

    response = client.post(f"/devices/{first_id}/revoke", headers=htmx | {"X-CSRFToken": token})
    assert response.status_code == 200
    assert 'id="devices"' in response.get_data(as_text=True)
    assert "<html" not in response.get_data(as_text=True)  # the fragment, not the page
    db.session.expire_all()
    assert db.session.get(Device, first_id).revoked_at is not None
    assert db.session.get(Device, second_id).revoked_at is None


# --- the token endpoint -------------------------------------------------------

def test_token_per_sync_protocol(world, client):
    device_id = str(uuid.uuid4())
    response = _token_request(client, "worker1", device_id=device_id)
    assert response.status_code == 201
    body = response.get_json()
    assert set(body) >= {"token", "expires_at", "user"}
    assert len(body["token"]) >= 32
    expires = datetime.fromisoformat(body["expires_at"].replace("Z", "+00:00")).replace(tzinfo=None)
    assert timedelta(days=89) < expires - utcnow() <= timedelta(days=90)
    worker = world.users["worker1"]
    assert {k: body["user"][k] for k in ("id", "username", "display_name", "role")} == {
        "id": worker.id, "username": "worker1", "display_name": worker.display_name, "role": "grid_worker"}
    assert body["user"]["scope"] == [{"id": world.G1.id, "kind": "grid", "name": world.G1.name}]

    device = _device_row("worker1", device_id)
    assert device.name == "测试手机"
    assert body["token"] not in (device.token_hash, device.id)  # only a hash is stored
    assert client.get("/api/v1/auth/me", headers=_bearer(body["token"])).get_json()["username"] == "worker1"


def test_wrong_password_is_a_401_problem(world, client):
    body = is_problem(_token_request(client, "worker1", "not-the-password"), 401)
    assert "password" in body["errors"]
    is_problem(_token_request(client, "nobody-at-all"), 401)


def test_disabled_account_gets_no_token(world, client):
    db.session.execute(update(User).where(User.username == "worker1").values(is_active_flag=False))
    db.session.commit()
    is_problem(_token_request(client, "worker1"), 403)


# --- throttling ---------------------------------------------------------------

def test_sixth_failure_on_an_account_is_429_on_api_and_page(world, client):
    for attempt in range(5):  # from changing addresses: the account is what counts
        is_problem(_token_request(client, "worker1", "wrong", address=f"10.0.0.{attempt}"), 401)
    response = _token_request(client, "worker1", "wrong", address="10.0.0.9")
    is_problem(response, 429)
    retry = int(response.headers["Retry-After"])
    assert 0 < retry <= 15 * 60
    # Meanwhile even the right password is turned away, on the API and the page.
    response = _token_request(client, "worker1", address="10.0.0.10")
    is_problem(response, 429)
    assert int(response.headers["Retry-After"]) > 0
    response = _page_sign_in(client, "worker1", PASSWORD, address="10.0.0.11")
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 0
    # Other accounts are not affected.
    assert _token_request(client, "worker2", address="10.0.0.12").status_code == 201


def test_page_failures_throttle_the_page(world, client):
    for _ in range(5):
        assert _page_sign_in(client, "staff1", "wrong").status_code == 401
    response = _page_sign_in(client, "staff1", "wrong")
    assert response.status_code == 429 and int(response.headers["Retry-After"]) > 0
    response = _page_sign_in(client, "staff1", PASSWORD)
    assert response.status_code == 429
    assert client.get("/").status_code == 302 and "/sign-in" in client.get("/").headers["Location"]


def test_failures_across_many_accounts_throttle_the_address(world, client):
    for number in range(20):
        is_problem(_token_request(client, f"guess{number}", "wrong", address="10.9.9.9"), 401)
    response = _token_request(client, "worker1", address="10.9.9.9")
    is_problem(response, 429)
    assert int(response.headers["Retry-After"]) > 0
    assert _page_sign_in(client, "staff1", PASSWORD, address="10.9.9.9").status_code == 429
    assert _token_request(client, "worker1", address="10.9.9.10").status_code == 201


def test_failures_outside_the_window_do_not_count(world, client):
    for _ in range(5):
        _token_request(client, "worker1", "wrong")
    db.session.execute(update(SignInAttempt).values(at=utcnow() - timedelta(minutes=16)))
    db.session.commit()
    assert _token_request(client, "worker1").status_code == 201


def test_success_clears_the_account_counter(world, client):
    for _ in range(4):
        is_problem(_token_request(client, "worker1", "wrong"), 401)
    assert _token_request(client, "worker1").status_code == 201
    assert db.session.scalar(select(SignInAttempt).where(SignInAttempt.username == "worker1")) is None
    for _ in range(5):  # counting starts again from nothing
        is_problem(_token_request(client, "worker1", "wrong"), 401)
    is_problem(_token_request(client, "worker1", "wrong"), 429)


# --- device tokens ------------------------------------------------------------

def test_revoking_a_device_stops_its_token_at_once(world, client):
    token_a = _token_request(client, "worker1").get_json()["token"]
    token_b = _token_request(client, "worker1").get_json()["token"]
    devices = client.get("/api/v1/auth/devices", headers=_bearer(token_b)).get_json()["devices"]
    assert len(devices) == 2 and sum(d["current"] for d in devices) == 1
    other = next(d for d in devices if not d["current"])

    assert client.delete(f"/api/v1/auth/devices/{other['id']}", headers=_bearer(token_b)).status_code == 204
    is_problem(client.get("/api/v1/auth/me", headers=_bearer(token_a)), 401)
    assert client.get("/api/v1/auth/me", headers=_bearer(token_b)).status_code == 200
    revoked = next(d for d in client.get("/api/v1/auth/devices", headers=_bearer(token_b)).get_json()["devices"]
                   if d["id"] == other["id"])
    assert revoked["revoked_at"] is not None


def test_staff_revoke_devices_of_accounts_they_manage(world, client):
    worker_token = _token_request(client, "worker1").get_json()["token"]
    device = db.session.scalar(select(Device).where(Device.user_id == world.users["worker1"].id))
    staff2 = _bearer(_token_request(client, "staff2").get_json()["token"])
    is_problem(client.delete(f"/api/v1/auth/devices/{device.id}", headers=staff2), 404)
    assert client.get("/api/v1/auth/me", headers=_bearer(worker_token)).status_code == 200
    staff1 = _bearer(_token_request(client, "staff1").get_json()["token"])
    assert client.delete(f"/api/v1/auth/devices/{device.id}", headers=staff1).status_code == 204
    is_problem(client.get("/api/v1/auth/me", headers=_bearer(worker_token)), 401)


def test_a_new_token_for_the_same_device_replaces_the_old(world, client):
    device_id = str(uuid.uuid4())
    old = _token_request(client, "worker1", device_id=device_id).get_json()["token"]
    new = _token_request(client, "worker1", device_id=device_id).get_json()["token"]
    assert old != new
    is_problem(client.get("/api/v1/auth/me", headers=_bearer(old)), 401)
    assert client.get("/api/v1/auth/me", headers=_bearer(new)).status_code == 200
    assert db.session.scalar(select(db.func.count()).select_from(Device)
                             .where(Device.device_id == device_id)) == 1


def test_deactivated_users_token_is_refused(world, client):
    token = _token_request(client, "worker1").get_json()["token"]
    assert client.get("/api/v1/auth/me", headers=_bearer(token)).status_code == 200
    # The account flag alone is enough, even with the device row untouched.
    db.session.execute(update(User).where(User.username == "worker1").values(is_active_flag=False))
    db.session.commit()
    is_problem(client.get("/api/v1/auth/me", headers=_bearer(token)), 401)


def test_deactivating_through_the_service_revokes_devices(world, client):
    token = _token_request(client, "worker1").get_json()["token"]
    accounts.set_active(world.users["admin"], world.users["worker1"], False)
    db.session.commit()
    is_problem(client.get("/api/v1/auth/me", headers=_bearer(token)), 401)
    assert all(d.revoked_at is not None for d in services.devices_of(world.users["worker1"]))


def test_expired_token_is_refused(world, client):
    device_id = str(uuid.uuid4())
    token = _token_request(client, "worker1", device_id=device_id).get_json()["token"]
    device = _device_row("worker1", device_id)
    device.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    response = client.get("/api/v1/auth/me", headers=_bearer(token))
    is_problem(response, 401)
    assert "invalid_token" in response.headers["WWW-Authenticate"]


def test_expiry_slides_forward_after_an_hour(world, client):
    device_id = str(uuid.uuid4())
    token = _token_request(client, "worker1", device_id=device_id).get_json()["token"]

    device = _device_row("worker1", device_id)
    device.last_seen_at = utcnow() - timedelta(minutes=30)
    device.expires_at = soon = utcnow() + timedelta(days=1)
    db.session.commit()
    assert client.get("/api/v1/auth/me", headers=_bearer(token)).status_code == 200
    assert _device_row("worker1", device_id).expires_at == soon  # within the hour: no write

    device = _device_row("worker1", device_id)
    device.last_seen_at = utcnow() - timedelta(hours=2)
    db.session.commit()
    assert client.get("/api/v1/auth/me", headers=_bearer(token)).status_code == 200
    device = _device_row("worker1", device_id)
    assert device.expires_at > utcnow() + timedelta(days=89)
    assert utcnow() - device.last_seen_at < timedelta(minutes=1)


@pytest.fixture
def staff1_id(app):
    """The world built in an app context of its own that is closed again, so
    each request below has its own context (and Flask-Login its own `g`)."""
    with app.app_context():
        return build_world().users["staff1"].id


def test_password_change_ends_other_sessions(staff1_id, app):
    this, other = app.test_client(), app.test_client()
    Auth(this).login("staff1")
    Auth(other).login("staff1")
    assert "/sign-in" not in other.get("/").headers.get("Location", "")

    token = Auth(this).csrf_token("/account/password")
    response = this.post("/account/password", data={
        "current_password": PASSWORD, "password": "a-new-pass-2026", "password_again": "a-new-pass-2026",
        "csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    assert "/sign-in" in other.get("/").headers["Location"]  # the other browser is signed out
    assert "/sign-in" not in this.get("/").headers.get("Location", "")  # this one goes on
    with app.app_context():
        staff = db.session.get(User, staff1_id)
        assert staff.session_epoch == 1
        assert staff.password_hash.startswith("$argon2id$")
    assert _page_sign_in(app.test_client(), "staff1", PASSWORD).status_code == 401
    assert _page_sign_in(app.test_client(), "staff1", "a-new-pass-2026").status_code == 302


def test_deactivation_ends_sessions(staff1_id, app):
    client = app.test_client()
    Auth(client).login("staff1")
    with app.app_context():
        accounts.set_active(build_admin(), db.session.get(User, staff1_id), False)
        db.session.commit()
    assert "/sign-in" in client.get("/").headers["Location"]


def build_admin():
    return db.session.scalar(select(User).where(User.username == "admin"))


def test_wrong_current_password_changes_nothing(world, auth, client):
    auth.login("staff1")
    response = client.post("/account/password", data={
        "current_password": "wrong", "password": "a-new-pass-2026", "password_again": "a-new-pass-2026",
        "csrf_token": auth.csrf_token("/account/password")})
    assert response.status_code == 422
    assert re.search(r'id="e-current_password"', response.get_data(as_text=True))
    db.session.expire_all()
    assert db.session.get(User, world.users["staff1"].id).session_epoch == 0


def test_passwords_are_hashed_with_argon2id(world):
    created = accounts.create_user(world.users["staff1"], username="worker9", display_name="新网格员",
                                   password="long-enough-1", role="grid_worker", scope_ids=[world.G1.id])
    assert created.password_hash.startswith("$argon2id$")
    assert "long-enough-1" not in created.password_hash
    assert world.users["worker1"].password_hash.startswith("$argon2id$")
