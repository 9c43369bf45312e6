"""Resident self-registration (/register) and its confirmation by staff."""

from sqlalchemy import select

from backend.auth.models import User
from backend.extensions import db
from tests.frontend.accounts.conftest import error_for


def _register(browser, world, username="newcomer", code=None):
    resident = browser()
    token = resident.csrf_token("/register")
    response = resident.client.post("/register", data={
        "csrf_token": token, "invite_code": (code or world.C1.invite_code).lower(), "display_name": "周新",
        "claimed_address": "幸福小区2号楼2单元202", "phone": "13700000007", "username": username,
        "password": "resident-pass-1", "password_again": "resident-pass-1"})
    assert response.status_code == 302, response.get_data(as_text=True)[:800]
    db.session.rollback()
    account = db.session.scalar(select(User).where(User.username == username))
    return resident, account


def test_registration_is_confirmed_with_a_household(world, browser, fresh):
    resident, account = _register(browser, world)
    assert account.role == "resident" and account.status == "pending" and account.community_id == world.C1.id
    home = resident.get("/").get_data(as_text=True)
    assert "waiting for your community office" in home

    staff1 = browser("staff1")
    listing = staff1.get("/accounts/registrations").get_data(as_text=True)
    assert "周新" in listing and "幸福小区" in listing and "137****0007" in listing
    assert "2单元202" not in listing and "13700000007" not in listing  # masked: revealing is audited
    assert f"/accounts/registrations/{account.id}" in listing
    assert '>1</span>' in staff1.get("/accounts/").get_data(as_text=True)

    # Choosing the household: the community's households, searchable by address or head.
    page = staff1.get(f"/accounts/registrations/{account.id}").get_data(as_text=True)
    assert world.H1.address in page and world.H2.address in page and world.H5.address not in page
    found = staff1.get(f"/accounts/registrations/{account.id}?q=李娜", headers={"HX-Request": "true"})
    html = found.get_data(as_text=True)
    assert html.lstrip().startswith('<div id="household-choices"')
    assert world.H2.address in html and world.H1.address not in html
    assert world.H2.address in staff1.get(f"/accounts/registrations/{account.id}?q=2号楼").get_data(as_text=True)

    response = staff1.post(f"/accounts/registrations/{account.id}/confirm", {"household_id": world.H2.id})
    assert response.status_code == 302
    confirmed = fresh(User, account.id)
    assert confirmed.status == "active" and confirmed.household_id == world.H2.id
    after = staff1.get("/accounts/registrations").get_data(as_text=True)
    assert "周新 is confirmed as a resident of 幸福小区2号楼2单元202" in after  # the flash message
    assert "No registration is waiting." in after and f"/accounts/registrations/{account.id}" not in after
    # The resident's own session now shows the household.
    assert world.H2.address in resident.get("/").get_data(as_text=True)
    # Deciding twice is not possible.
    assert staff1.post(f"/accounts/registrations/{account.id}/confirm",
                       {"household_id": world.H2.id}).status_code == 404


def test_household_of_another_community_is_refused(world, browser, fresh):
    _resident, account = _register(browser, world)
    staff1 = browser("staff1")
    for household_id in (world.H5.id, "", "nope"):
        response = staff1.post(f"/accounts/registrations/{account.id}/confirm", {"household_id": household_id})
        assert response.status_code == 422
        assert error_for(response.get_data(as_text=True), "household_id")
    # Admin sees every household, but the household must be in the registration's community.
    response = browser("admin").post(f"/accounts/registrations/{account.id}/confirm", {"household_id": world.H5.id})
    assert response.status_code == 422
    assert "community" in error_for(response.get_data(as_text=True), "household_id")
    assert fresh(User, account.id).status == "pending"


def test_other_community_cannot_see_or_decide(world, browser, fresh):
    _resident, account = _register(browser, world)
    staff2 = browser("staff2")
    assert "周新" not in staff2.get("/accounts/registrations").get_data(as_text=True)
    assert staff2.get(f"/accounts/registrations/{account.id}").status_code == 404
    assert staff2.post(f"/accounts/registrations/{account.id}/confirm",
                       {"household_id": world.H2.id}).status_code == 404
    assert staff2.post(f"/accounts/registrations/{account.id}/reject").status_code == 404
    assert staff2.get(f"/accounts/{account.id}").status_code == 404
    assert fresh(User, account.id).status == "pending"


def test_registration_rejected(world, browser, fresh):
    resident, account = _register(browser, world)
    staff1 = browser("staff1")
    response = staff1.post(f"/accounts/registrations/{account.id}/reject")
    assert response.status_code == 302
    assert fresh(User, account.id).status == "rejected"
    assert staff1.get(f"/accounts/registrations/{account.id}").status_code == 404
    # The person is signed out and cannot sign in again.
    response = resident.get("/")
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]
    anonymous = browser()
    token = anonymous.csrf_token()
    response = anonymous.client.post("/sign-in", data={"username": "newcomer", "password": "resident-pass-1",
                                                       "csrf_token": token})
    assert response.status_code == 401
    # The record stays for the audit trail and shows in the list as rejected.
    assert "newcomer" in staff1.get("/accounts/?status=rejected").get_data(as_text=True)


def test_wrong_invitation_code(world, browser, fresh):
    resident = browser()
    token = resident.csrf_token("/register")
    response = resident.client.post("/register", data={
        "csrf_token": token, "invite_code": "NOPE1234", "display_name": "周新", "claimed_address": "x",
        "username": "newcomer", "password": "resident-pass-1", "password_again": "resident-pass-1"})
    assert response.status_code == 422
    assert error_for(response.get_data(as_text=True), "invite_code")
    db.session.rollback()
    assert db.session.scalar(select(User).where(User.username == "newcomer")) is None
