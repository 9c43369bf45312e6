"""A lost phone (issue 12): staff who manage an account mark one of its devices
lost (backend/auth/services.py mark_lost, POST /api/v1/auth/devices/<id>/lost);
from then its token may still push and upload photos, so unsent work lands once,
but every other call and every pull is a 401 with the device-wipe problem type;
the push answer says `wipe: true`; the app confirms (POST /api/v1/auth/wiped) and
the token stops working. A client that does not know the new fields sees a plain 401."""

import uuid

from sqlalchemy import func, select

from backend.audit.models import AuditEntry
from backend.auth import services
from backend.auth.bearer import WIPE_PROBLEM
from backend.auth.models import Device, User
from backend.extensions import db
from backend.fieldwork.visits.models import Visit
from tests.backend.shared import is_problem
from tests.sync.conftest import Device as Phone


def lost_url(device_id):
    return f"/api/v1/auth/devices/{device_id}/lost"


def row(phone) -> Device:
    db.session.expire_all()
    return db.session.scalar(select(Device).where(Device.device_id == phone.device_id))


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def visit(phone, world, notes):
    return phone.record("visits", "create", data={"household_id": world.H1.id,
                                                   "visited_at": "2026-11-20T09:14:00+08:00", "notes": notes})


def test_staff_mark_a_device_lost_it_pushes_once_then_every_other_call_says_wipe(world, client, auth):
    phone = Phone(client, "worker1")
    staff_token = auth.token("staff1")
    mutation = visit(phone, world, "丢失前记录的走访")
    device_id = row(phone).id

    response = client.post(lost_url(device_id), headers=bearer(staff_token))
    assert response.status_code == 200
    assert response.get_json()["lost_at"] and response.get_json()["wiped_at"] is None

    # Every other call, and every pull, tells the app to wipe; a plain client sees a 401.
    for path in ("/api/v1/sync/pull", "/api/v1/auth/me", "/api/v1/sync/status", "/api/v1/auth/devices"):
        answer = client.get(path, headers=phone.headers)
        assert answer.status_code == 401 and is_problem(answer)
        assert answer.get_json()["type"] == WIPE_PROBLEM
    # The push still lands, once, and says to wipe.
    first = phone.push_raw([mutation])
    assert first.status_code == 200
    assert first.get_json()["results"][0]["status"] == "applied" and first.get_json()["wipe"] is True
    again = phone.push_raw([mutation])
    assert again.get_json()["results"][0]["status"] == "applied"
    assert db.session.scalar(select(func.count()).select_from(Visit).where(Visit.notes == "丢失前记录的走访")) == 1

    assert client.post("/api/v1/auth/wiped", headers=phone.headers).status_code == 204
    device = row(phone)
    assert device.wiped_at is not None and device.revoked_at is not None
    assert device.revoked_by_id == world.staff1.id
    answer = client.post("/api/v1/sync/push", headers=phone.headers, json={})
    assert answer.status_code == 401 and answer.get_json()["type"] == "about:blank"
    actions = set(db.session.scalars(select(AuditEntry.action).where(AuditEntry.target_id == device_id)))
    assert {"mark_device_lost", "device_wiped"} <= actions


def test_a_device_not_lost_pushes_without_the_wipe_field(world, client):
    phone = Phone(client, "worker1")
    visit(phone, world, "平常的走访")
    body = phone.push_raw(phone.outbox).get_json()
    assert "wipe" not in body
    assert client.post("/api/v1/auth/wiped", headers=phone.headers).status_code == 204
    assert row(phone).revoked_at is None and row(phone).wiped_at is None


def test_photos_may_still_be_uploaded_but_not_read(world, client):
    phone = Phone(client, "worker1")
    services.mark_lost(world.staff1, row(phone))
    db.session.commit()
    sha = "0" * 64
    assert client.head(f"/api/v1/attachments/{sha}", headers=phone.headers).status_code == 404
    answer = client.get(f"/api/v1/attachments/{sha}", headers=phone.headers)
    assert answer.status_code == 401 and answer.get_json()["type"] == WIPE_PROBLEM


def test_signing_in_again_on_a_lost_device_keeps_it_lost_until_it_has_wiped(world, client):
    device_id = str(uuid.uuid4())
    first = client.post("/api/v1/auth/token", json={"username": "worker1", "password": "demo-pass-2026",
                                                    "device_id": device_id, "device_name": "phone"})
    device = db.session.scalar(select(Device).where(Device.device_id == device_id))
    services.mark_lost(world.staff1, device)
    db.session.commit()
    again = client.post("/api/v1/auth/token", json={"username": "worker1", "password": "demo-pass-2026",
                                                    "device_id": device_id, "device_name": "phone"})
    token = again.get_json()["token"]
    assert first.status_code == again.status_code == 201
    assert client.get("/api/v1/auth/me", headers=bearer(token)).get_json()["type"] == WIPE_PROBLEM
    assert client.post("/api/v1/auth/wiped", headers=bearer(token)).status_code == 204
    fresh = client.post("/api/v1/auth/token", json={"username": "worker1", "password": "demo-pass-2026",
                                                    "device_id": device_id, "device_name": "phone"})
    me = client.get("/api/v1/auth/me", headers=bearer(fresh.get_json()["token"]))
    assert me.status_code == 200 and me.get_json()["username"] == "worker1"
    db.session.expire_all()
    assert db.session.get(Device, device.id).lost_at is None


def test_only_those_who_manage_the_account_may_mark_its_device_lost(world, client, auth):
    phone = Phone(client, "worker1")
    device_id = row(phone).id
    for username in ("worker2", "staff2", "resident1"):
        answer = client.post(lost_url(device_id), headers=bearer(auth.token(username)))
        assert answer.status_code == 404 and is_problem(answer)
    assert client.post(lost_url("no-such-device"), headers=bearer(auth.token("staff1"))).status_code == 404
    assert row(phone).lost_at is None
    # One's own device: yes (reported from another device).
    answer = client.post(lost_url(device_id), headers=bearer(auth.token("worker1")))
    assert answer.status_code == 200 and row(phone).lost_at is not None


def test_marking_twice_or_a_signed_out_device_changes_nothing(world, client):
    phone, other = Phone(client, "worker1"), Phone(client, "worker1")
    device, gone = row(phone), row(other)
    staff = db.session.get(User, world.staff1.id)
    services.mark_lost(staff, device)
    first = device.lost_at
    services.mark_lost(staff, device)
    assert device.lost_at == first
    services.revoke_device(staff, gone)
    services.mark_lost(staff, gone)
    assert gone.lost_at is None
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)
                             .where(AuditEntry.action == "mark_device_lost")) == 1
