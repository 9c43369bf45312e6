"""One account: facts, places, deactivation, password reset and devices."""

import re

from backend.auth.models import Device, User
from backend.extensions import db
from tests.factories import user as make_user
from tests.frontend.accounts.conftest import error_for

ME = "/api/v1/auth/me"


def _bearer(token):
    return {"Authorization": f"Bearer {token}"}


def test_user_page_shows_facts_and_forms(world, browser):
    html = browser("staff1").get(f"/accounts/{world.worker1.id}").get_data(as_text=True)
    assert "worker1" in html and "Grid worker" in html and "第一网格" in html
    assert f'action="/accounts/{world.worker1.id}/scopes"' in html
    assert f'action="/accounts/{world.worker1.id}/active"' in html
    assert f'action="/accounts/{world.worker1.id}/password"' in html
    assert 'id="devices"' in html


def test_accounts_outside_the_area_are_not_found(world, browser):
    make_user("worker5", "grid_worker", [world.G5])
    db.session.commit()
    staff1 = browser("staff1")
    for other in ("staff2", "worker5", "street1", "admin", "station1"):
        account = db.session.scalar(db.select(User).where(User.username == other))
        assert staff1.get(f"/accounts/{account.id}").status_code == 404, other
        assert staff1.post(f"/accounts/{account.id}/active", {"active": "0"}).status_code == 404, other
    assert staff1.get("/accounts/no-such-id").status_code == 404


def test_own_account_is_readable_but_not_managed(world, browser, fresh):
    staff1 = browser("staff1")
    html = staff1.get(f"/accounts/{world.staff1.id}").get_data(as_text=True)
    assert "staff1" in html and "/active" not in html and "/scopes" not in html
    assert staff1.post(f"/accounts/{world.staff1.id}/active", {"active": "0"}).status_code == 403
    assert staff1.post(f"/accounts/{world.staff1.id}/password",
                       {"password": "x-new-password", "password_again": "x-new-password"}).status_code == 403
    assert fresh(User, world.staff1.id).is_active_flag is True


def test_reassign_grid_worker(world, browser, fresh):
    token = browser().token("worker2")
    household = f"/api/v1/registry/households/{world.H1.id}"
    assert browser().client.get(household, headers=_bearer(token)).status_code == 404
    staff1 = browser("staff1")
    response = staff1.post(f"/accounts/{world.worker2.id}/scopes", {"scope_ids": [world.G1.id, world.G2.id]})
    assert response.status_code == 302
    assert {node.id for node in fresh(User, world.worker2.id).scope_nodes} == {world.G1.id, world.G2.id}
    # worker2 now reads the household of G1 through the API.
    assert browser().client.get(household, headers=_bearer(token)).status_code == 200
    # Removing a grid.
    assert staff1.post(f"/accounts/{world.worker2.id}/scopes", {"scope_ids": [world.G1.id]}).status_code == 302
    assert [node.id for node in fresh(User, world.worker2.id).scope_nodes] == [world.G1.id]


def test_reassign_refuses_other_community_and_empty(world, browser, fresh):
    staff1 = browser("staff1")
    response = staff1.post(f"/accounts/{world.worker2.id}/scopes", {"scope_ids": [world.G2.id, world.G5.id]})
    assert response.status_code == 422
    assert "outside your area" in error_for(response.get_data(as_text=True), "scope_ids")
    response = staff1.post(f"/accounts/{world.worker2.id}/scopes", {})
    assert response.status_code == 422 and error_for(response.get_data(as_text=True), "scope_ids")
    assert [node.id for node in fresh(User, world.worker2.id).scope_nodes] == [world.G2.id]


def test_deactivation_ends_sessions_and_tokens(world, browser, fresh):
    worker = browser("worker1")
    assert worker.get("/account/devices").status_code == 200
    token = worker.token("worker1")
    assert worker.client.get(ME, headers=_bearer(token)).status_code == 200

    staff1 = browser("staff1")
    response = staff1.post(f"/accounts/{world.worker1.id}/active", {"active": "0"})
    assert response.status_code == 302
    assert "Deactivated" in staff1.get(f"/accounts/{world.worker1.id}").get_data(as_text=True)

    response = worker.get("/account/devices")
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]
    assert worker.client.get(ME, headers=_bearer(token)).status_code == 401
    account = fresh(User, world.worker1.id)
    assert account.is_active_flag is False
    assert all(device.revoked_at is not None for device in db.session.scalars(
        db.select(Device).where(Device.user_id == account.id)))
    # Signing in again is refused; activation lets the person back in.
    assert staff1.post(f"/accounts/{world.worker1.id}/active", {"active": "1"}).status_code == 302
    assert fresh(User, world.worker1.id).is_active_flag is True
    assert browser("worker1").get("/account/devices").status_code == 200


def test_deactivated_account_cannot_sign_in(world, browser):
    staff1 = browser("staff1")
    staff1.post(f"/accounts/{world.worker1.id}/active", {"active": "0"})
    anonymous = browser()
    token = anonymous.csrf_token()
    response = anonymous.client.post("/sign-in", data={"username": "worker1", "password": "demo-pass-2026",
                                                       "csrf_token": token})
    assert response.status_code == 401 and "disabled" in response.get_data(as_text=True)


def test_manager_resets_password(world, browser):
    worker = browser("worker1")
    staff1 = browser("staff1")
    response = staff1.post(f"/accounts/{world.worker1.id}/password",
                           {"password": "brand-new-pass", "password_again": "brand-new-pass"})
    assert response.status_code == 302
    # The old session is over, the old password fails, the new one works.
    assert worker.get("/account/devices").status_code == 302
    anonymous = browser()
    token = anonymous.csrf_token()
    response = anonymous.client.post("/sign-in", data={"username": "worker1", "password": "demo-pass-2026",
                                                       "csrf_token": token})
    assert response.status_code == 401
    assert browser("worker1", "brand-new-pass").get("/account/devices").status_code == 200


def test_password_reset_mistakes(world, browser):
    staff1 = browser("staff1")
    response = staff1.post(f"/accounts/{world.worker1.id}/password", {"password": "short", "password_again": "short"})
    assert response.status_code == 422 and error_for(response.get_data(as_text=True), "password")
    response = staff1.post(f"/accounts/{world.worker1.id}/password",
                           {"password": "brand-new-pass", "password_again": "brand-new-pasS"})
    assert response.status_code == 422 and error_for(response.get_data(as_text=True), "password_again")
    browser("worker1")  # the old password still works


def _device_id(user_id):
    db.session.rollback()
    return db.session.scalar(db.select(Device.id).where(Device.user_id == user_id))


def test_staff_revokes_a_device_from_the_user_page(world, browser, fresh):
    worker = browser()
    token = worker.token("worker1")
    staff1 = browser("staff1")
    html = staff1.get(f"/accounts/{world.worker1.id}").get_data(as_text=True)
    device_id = _device_id(world.worker1.id)
    assert "test phone" in html and f"/devices/{device_id}/revoke" in html
    response = staff1.post(f"/devices/{device_id}/revoke")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "<html" in page and "Set a new password" in page and re.search(r"Signed out \d", page)
    assert worker.client.get(ME, headers=_bearer(token)).status_code == 401
    assert fresh(Device, device_id).revoked_by_id == world.staff1.id


def test_revoke_from_the_user_page_with_htmx_returns_the_device_table(world, browser):
    token = browser().token("worker1")
    staff1 = browser("staff1")
    device_id = _device_id(world.worker1.id)
    response = staff1.post(f"/devices/{device_id}/revoke", headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert response.get_data(as_text=True).lstrip().startswith('<div id="devices"')
    assert browser().client.get(ME, headers=_bearer(token)).status_code == 401


def test_staff_of_another_community_cannot_revoke(world, browser):
    token = browser().token("worker1")
    device_id = _device_id(world.worker1.id)
    assert browser("staff2").post(f"/devices/{device_id}/revoke").status_code == 404
    assert browser().client.get(ME, headers=_bearer(token)).status_code == 200
