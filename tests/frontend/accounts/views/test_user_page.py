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


def _temporary_password(html: str) -> str:
    match = re.search(r'id="temporary-password".*?<code>([^<]+)</code>', html, re.S)
    assert match, html
    return match.group(1)


def test_manager_resets_password_to_a_temporary_one(world, browser, fresh):
    """Issue 12: the resetter does not choose the password, and the temporary one only
    serves to choose a new one, on pages and API; every session and token ends."""
    worker = browser("worker1")
    phone = browser()
    token = phone.token("worker1")
    staff1 = browser("staff1")
    response = staff1.post(f"/accounts/{world.worker1.id}/password",
                           {"password": "chosen-by-staff", "password_again": "chosen-by-staff"})
    assert response.status_code == 200
    temporary = _temporary_password(response.get_data(as_text=True))
    assert temporary != "chosen-by-staff"
    # The old session and the old device token are over; the old password and the one staff typed fail.
    assert worker.get("/account/devices").status_code == 302
    assert phone.client.get(ME, headers=_bearer(token)).status_code == 401
    for password in ("demo-pass-2026", "chosen-by-staff"):
        anonymous = browser()
        response = anonymous.client.post("/sign-in", data={"username": "worker1", "password": password,
                                                           "csrf_token": anonymous.csrf_token()})
        assert response.status_code == 401
    # The temporary password signs in only to choose one's own: every page leads there,
    # and the API gives it no token.
    response = browser().client.post("/api/v1/auth/token", json={
        "username": "worker1", "password": temporary, "device_id": "6f0c6a3e-1b1e-4c4b-9d43-0d5c7b9d1a01"})
    assert response.status_code == 403 and "password" in response.get_json()["errors"]
    person = browser("worker1", temporary)
    for path in ("/", "/accounts/", "/account/devices"):
        response = person.get(path)
        assert response.status_code == 303 and response.headers["Location"] == "/account/password"
    response = person.get("/account/devices", headers={"HX-Request": "true"})
    assert response.headers["HX-Redirect"] == "/account/password"
    assert "Choose your own password" in person.get("/account/password").get_data(as_text=True)
    response = person.post("/account/password", {"current_password": temporary, "password": "my-own-pass-2026",
                                                 "password_again": "my-own-pass-2026"})
    assert response.status_code == 302
    assert person.get("/account/devices").status_code == 200
    assert fresh(User, world.worker1.id).password_temporary_until is None


def test_a_read_only_officer_may_not_reset_staff_with_reveal_rights(world, browser, fresh):
    """Issue 12: a street officer (reads the registry, reveals nothing) resetting a
    community staff member's password would sign in as them and reveal."""
    street1 = browser("street1")
    for target in (world.staff1, world.worker1):
        page = street1.get(f"/accounts/{target.id}").get_data(as_text=True)
        assert "Reset the password" not in page
        response = street1.post(f"/accounts/{target.id}/password", {"password": "x" * 12, "password_again": "x" * 12})
        assert response.status_code == 403
    assert fresh(User, world.staff1.id).session_epoch == 0
    browser("staff1")  # the password still works


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
    assert "<html" in page and "Reset the password" in page and re.search(r"Signed out \d", page)
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
