"""Marking a device lost from the pages (frontend/auth/views.py mark_device_lost):
the account page of a managed user and one's own devices page offer it; the
device's state reads "Lost" until the app confirms it erased its data."""

import re

from backend.auth import services
from backend.auth.models import Device
from backend.extensions import db
from tests.factories import DeviceFactory


def test_staff_mark_a_workers_phone_lost_from_the_account_page(world, english, auth):
    phone = DeviceFactory(user=world.worker1, name="网格员手机")
    db.session.commit()
    device_id = phone.id
    auth.login("staff1")
    html = english.get(f"/accounts/{world.worker1.id}").get_data(as_text=True)
    assert f"/devices/{device_id}/lost" in html and "Mark lost and erase" in html
    token = auth.csrf_token(f"/accounts/{world.worker1.id}")
    response = english.post(f"/devices/{device_id}/lost", data={"csrf_token": token},
                            headers={"HX-Request": "true", "X-CSRFToken": token})
    fragment = response.get_data(as_text=True)
    assert response.status_code == 200 and fragment.lstrip().startswith('<div id="devices"')
    assert re.search(r"Lost: erases its data on its next contact \(marked \d", fragment)
    assert f"/devices/{device_id}/lost" not in fragment
    db.session.rollback()
    device = db.session.get(Device, device_id)
    assert device.lost_by_id == world.staff1.id
    services.confirm_wiped(device)
    db.session.commit()
    html = english.get(f"/accounts/{world.worker1.id}").get_data(as_text=True)
    assert re.search(r"Data erased \d", html)


def test_a_device_one_may_not_manage_is_not_found(world, english, auth):
    other = DeviceFactory(user=world.worker1, name="别人的手机")
    db.session.commit()
    other_id = other.id
    for username in ("worker2", "staff2"):
        auth.login(username)
        token = auth.csrf_token("/account/devices")
        assert english.post(f"/devices/{other_id}/lost", data={"csrf_token": token}).status_code == 404
        auth.logout()
    db.session.rollback()
    assert db.session.get(Device, other_id).lost_at is None


def test_without_the_csrf_token_nothing_changes(world, english, auth):
    mine = DeviceFactory(user=world.staff1, name="办公室电脑")
    db.session.commit()
    device_id = mine.id
    auth.login("staff1")
    assert english.post(f"/devices/{device_id}/lost").status_code in (400, 403)
    db.session.rollback()
    assert db.session.get(Device, device_id).lost_at is None
