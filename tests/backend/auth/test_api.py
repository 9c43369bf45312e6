"""/api/v1/auth (backend/auth/api.py, SYNC_PROTOCOL.md §1): a device token for
a username and password, refused as 401, 403, 422 or 429 problems; the
signed-in account; one's devices, and revoking them or those of accounts one
manages. (The bearer check itself: test_bearer.py; the rules behind sign-in
and tokens: test_services.py.)"""

import uuid
from datetime import datetime, timedelta

from sqlalchemy import func, select

from backend import clock
from backend.auth.models import Device, SignInAttempt, User
from backend.common import utcnow
from backend.extensions import db
from tests.backend.shared import is_problem
from tests.factories import PASSWORD

TOKEN_URL = "/api/v1/auth/token"


def token_request(client, username, password=PASSWORD, device_id=None, address="127.0.0.1"):
    return client.post(TOKEN_URL, environ_base={"REMOTE_ADDR": address}, json={
        "username": username, "password": password, "device_id": device_id or str(uuid.uuid4()),
        "device_name": "测试手机"})


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def device_row(username: str, device_id: str) -> Device:
    db.session.expire_all()
    return db.session.scalar(select(Device).join(User, User.id == Device.user_id)
                             .where(User.username == username, Device.device_id == device_id))


# --- the token endpoint -------------------------------------------------------

def test_token_per_sync_protocol(world, client):
    device_id = str(uuid.uuid4())
    response = token_request(client, "worker1", device_id=device_id)
    assert response.status_code == 201
    body = response.get_json()
    assert set(body) == {"token", "expires_at", "user"}
    assert len(body["token"]) >= 32
    assert body["expires_at"].endswith("Z")
    expires = datetime.fromisoformat(body["expires_at"].replace("Z", "+00:00")).replace(tzinfo=None)
    assert timedelta(days=89) < expires - utcnow() <= timedelta(days=90)
    worker = world.users["worker1"]
    assert body["user"] == {"id": worker.id, "username": "worker1", "display_name": worker.display_name,
                            "role": "grid_worker", "status": "active", "household_id": None,
                            "scope": [{"id": world.G1.id, "kind": "grid", "name": world.G1.name}]}

    device = device_row("worker1", device_id)
    assert device.name == "测试手机"
    assert body["token"] not in (device.token_hash, device.id)  # only a hash is stored
    assert client.get("/api/v1/auth/me", headers=bearer(body["token"])).get_json()["username"] == "worker1"


def test_a_malformed_request_names_the_field(world, client):
    body = is_problem(client.post(TOKEN_URL, json={"username": "worker1", "password": PASSWORD,
                                                   "device_id": "phone-1"}), 422)
    assert set(body["errors"]) == {"device_id"}
    assert db.session.scalar(select(func.count()).select_from(Device)) == 0


def test_wrong_password_is_a_401_problem_and_counts(world, client):
    body = is_problem(token_request(client, "worker1", "not-the-password"), 401)
    assert set(body["errors"]) == {"password"}
    is_problem(token_request(client, "nobody-at-all"), 401)
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(SignInAttempt)) == 2  # committed


def test_disabled_account_gets_no_token(world, client):
    world.worker1.is_active_flag = False
    db.session.commit()
    body = is_problem(token_request(client, "worker1"), 403)
    assert "disabled" in body["detail"]
    assert db.session.scalar(select(func.count()).select_from(Device)) == 0


def test_a_pending_registration_gets_no_token_and_is_told_why(world, client):
    """Issue 12: pending (unconfirmed) accounts got device tokens, then pushed and uploaded."""
    world.resident1.status = "pending"
    db.session.commit()
    body = is_problem(token_request(client, "resident1"), 403)
    assert "confirm" in body["errors"]["username"][0]
    assert db.session.scalar(select(func.count()).select_from(Device)) == 0


def test_a_temporary_password_gets_no_token_until_replaced(world, client):
    from backend.auth import services

    services.set_temporary_password(world.staff1, world.worker1, "temp-pass-2026", utcnow() + timedelta(hours=1))
    db.session.commit()
    body = is_problem(token_request(client, "worker1", "temp-pass-2026"), 403)
    assert "temporary" in body["errors"]["password"][0]
    assert db.session.scalar(select(func.count()).select_from(Device)) == 0
    clock.run_from(clock.now() + timedelta(hours=2))
    body = is_problem(token_request(client, "worker1", "temp-pass-2026"), 401)
    assert "expired" in body["errors"]["password"][0]


# --- throttling ---------------------------------------------------------------

def test_sixth_failure_on_an_account_is_429_with_retry_after(world, client):
    for attempt in range(5):  # from changing addresses: the account is what counts
        is_problem(token_request(client, "worker1", "wrong", address=f"10.0.0.{attempt}"), 401)
    response = token_request(client, "worker1", "wrong", address="10.0.0.9")
    is_problem(response, 429)
    assert 0 < int(response.headers["Retry-After"]) <= 15 * 60
    # Meanwhile even the right password is turned away.
    response = token_request(client, "worker1", address="10.0.0.10")
    is_problem(response, 429)
    assert int(response.headers["Retry-After"]) > 0
    # Other accounts are not affected.
    assert token_request(client, "worker2", address="10.0.0.12").status_code == 201


def test_failures_across_many_accounts_throttle_the_address(world, client):
    for number in range(20):
        is_problem(token_request(client, f"guess{number}", "wrong", address="10.9.9.9"), 401)
    response = token_request(client, "worker1", address="10.9.9.9")
    is_problem(response, 429)
    assert int(response.headers["Retry-After"]) > 0
    assert token_request(client, "worker1", address="10.9.9.10").status_code == 201


def test_failures_outside_the_window_do_not_count(world, client):
    for _ in range(5):
        token_request(client, "worker1", "wrong")
    clock.run_from(clock.now() + timedelta(minutes=15))
    assert token_request(client, "worker1").status_code == 201


def test_success_clears_the_account_counter(world, client):
    for _ in range(4):
        is_problem(token_request(client, "worker1", "wrong"), 401)
    assert token_request(client, "worker1").status_code == 201
    assert db.session.scalar(select(SignInAttempt).where(SignInAttempt.username == "worker1")) is None
    for _ in range(5):  # counting starts again from nothing
        is_problem(token_request(client, "worker1", "wrong"), 401)
    is_problem(token_request(client, "worker1", "wrong"), 429)


# --- me -----------------------------------------------------------------------------

def test_me_is_the_signed_in_account(world, client):
    staff = client.get("/api/v1/auth/me", headers=bearer(token_request(client, "staff1").get_json()["token"]))
    assert staff.get_json() == {"id": world.staff1.id, "username": "staff1", "display_name": "staff1",
                                "role": "community_staff", "status": "active", "household_id": None,
                                "scope": [{"id": world.C1.id, "kind": "community", "name": "幸福社区"}]}
    resident = client.get("/api/v1/auth/me", headers=bearer(token_request(client, "resident1").get_json()["token"]))
    assert (resident.get_json()["id"], resident.get_json()["household_id"], resident.get_json()["scope"]) == (
        world.resident1.id, world.H1.id, [])


# --- devices --------------------------------------------------------------------------

def test_revoking_a_device_stops_its_token_at_once(world, client):
    token_a = token_request(client, "worker1").get_json()["token"]
    token_b = token_request(client, "worker1").get_json()["token"]
    devices = client.get("/api/v1/auth/devices", headers=bearer(token_b)).get_json()["devices"]
    assert len(devices) == 2 and sum(d["current"] for d in devices) == 1
    assert set(devices[0]) == {"id", "device_id", "name", "created_at", "last_seen_at", "expires_at",
                               "revoked_at", "lost_at", "wiped_at", "current"}
    other = next(d for d in devices if not d["current"])

    assert client.delete(f"/api/v1/auth/devices/{other['id']}", headers=bearer(token_b)).status_code == 204
    is_problem(client.get("/api/v1/auth/me", headers=bearer(token_a)), 401)
    assert client.get("/api/v1/auth/me", headers=bearer(token_b)).status_code == 200
    revoked = next(d for d in client.get("/api/v1/auth/devices", headers=bearer(token_b)).get_json()["devices"]
                   if d["id"] == other["id"])
    assert revoked["revoked_at"] is not None


def test_the_device_list_holds_only_ones_own(world, client):
    token_request(client, "worker2")
    mine = client.get("/api/v1/auth/devices", headers=bearer(token_request(client, "worker1").get_json()["token"]))
    assert [d["current"] for d in mine.get_json()["devices"]] == [True]


def test_staff_revoke_devices_of_accounts_they_manage(world, client):
    worker_token = token_request(client, "worker1").get_json()["token"]
    device = db.session.scalar(select(Device).where(Device.user_id == world.users["worker1"].id))
    staff2 = bearer(token_request(client, "staff2").get_json()["token"])
    is_problem(client.delete(f"/api/v1/auth/devices/{device.id}", headers=staff2), 404)
    assert client.get("/api/v1/auth/me", headers=bearer(worker_token)).status_code == 200
    staff1 = bearer(token_request(client, "staff1").get_json()["token"])
    assert client.delete(f"/api/v1/auth/devices/{device.id}", headers=staff1).status_code == 204
    is_problem(client.get("/api/v1/auth/me", headers=bearer(worker_token)), 401)


def test_an_unknown_device_is_a_404_problem(world, client):
    admin = bearer(token_request(client, "admin").get_json()["token"])
    is_problem(client.delete("/api/v1/auth/devices/nope", headers=admin), 404)


def test_a_new_token_for_the_same_device_replaces_the_old(world, client):
    device_id = str(uuid.uuid4())
    old = token_request(client, "worker1", device_id=device_id).get_json()["token"]
    new = token_request(client, "worker1", device_id=device_id).get_json()["token"]
    assert old != new
    is_problem(client.get("/api/v1/auth/me", headers=bearer(old)), 401)
    assert client.get("/api/v1/auth/me", headers=bearer(new)).status_code == 200
    assert db.session.scalar(select(func.count()).select_from(Device).where(Device.device_id == device_id)) == 1
