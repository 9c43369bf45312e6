"""The sign-in, sign-out, registration, devices and password pages
(frontend/auth/views.py). The credentials, throttling and token rules behind
them are tested with the services (tests/backend/auth/)."""

import re
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from backend import clock
from backend.accounts import services as accounts
from backend.auth import services
from backend.auth.models import Device, User
from backend.extensions import db
from tests.conftest import Auth
from tests.factories import PASSWORD, DeviceFactory, build_world


def error_for(html: str, field: str) -> str:
    match = re.search(rf'id="e-{field}"[^>]*>([^<]*)<', html)
    return match.group(1) if match else ""


def sign_in(client, auth, username, password=PASSWORD, next_url=None):
    return client.post("/sign-in", query_string={"next": next_url} if next_url else None,
                       data={"username": username, "password": password, "csrf_token": auth.csrf_token()})


def signed_in(client) -> bool:
    return "/sign-in" not in client.get("/").headers.get("Location", "")


def page_sign_in(client, username, password, address="127.0.0.1"):
    token = Auth(client).csrf_token()
    return client.post("/sign-in", environ_base={"REMOTE_ADDR": address},
                       data={"username": username, "password": password, "csrf_token": token})


def token_request(client, username, password=PASSWORD, address="127.0.0.1"):
    return client.post("/api/v1/auth/token", environ_base={"REMOTE_ADDR": address}, json={
        "username": username, "password": password, "device_id": str(uuid.uuid4()), "device_name": "测试手机"})


# --- sign-in and sign-out ------------------------------------------------------------------

def test_page_sign_in_success_and_failure(world, client):
    response = client.get("/sign-in")
    assert response.status_code == 200
    assert 'name="csrf_token"' in response.get_data(as_text=True)

    response = page_sign_in(client, "staff1", "wrong-password")
    assert response.status_code == 401
    assert "f-password" in response.get_data(as_text=True)
    assert not signed_in(client)

    response = page_sign_in(client, "STAFF1", PASSWORD)  # usernames are case-insensitive
    assert response.status_code == 302
    assert signed_in(client)
    assert db.session.get(User, world.users["staff1"].id).last_sign_in_at is not None


def test_sign_in_post_needs_csrf(world, client):
    client.get("/sign-in")
    response = client.post("/sign-in", data={"username": "staff1", "password": PASSWORD})
    assert response.status_code == 400
    response = client.post("/sign-in", data={"username": "staff1", "password": PASSWORD, "csrf_token": "forged"})
    assert response.status_code == 400
    assert not signed_in(client)


def test_other_form_posts_need_csrf(world, auth, client):
    auth.login("staff1")
    assert client.post("/sign-out").status_code == 400
    assert client.post("/account/password", data={"current_password": PASSWORD, "password": "new-pass-2026!",
                                                  "password_again": "new-pass-2026!"}).status_code == 400
    assert signed_in(client)  # nothing happened
    response = client.post("/sign-out", data={"csrf_token": auth.csrf_token("/account/devices")})
    assert response.status_code == 302
    assert not signed_in(client)


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


def test_page_failures_throttle_the_page(world, client):
    for _ in range(5):
        assert page_sign_in(client, "staff1", "wrong").status_code == 401
    response = page_sign_in(client, "staff1", "wrong")
    assert response.status_code == 429 and int(response.headers["Retry-After"]) > 0
    response = page_sign_in(client, "staff1", PASSWORD)
    assert response.status_code == 429
    assert not signed_in(client)


def test_failures_on_the_api_throttle_the_page_too(world, client):
    for attempt in range(5):  # the account is throttled, from whichever address
        assert token_request(client, "worker1", "wrong", address=f"10.0.0.{attempt}").status_code == 401
    response = page_sign_in(client, "worker1", PASSWORD, address="10.0.0.11")
    assert response.status_code == 429 and int(response.headers["Retry-After"]) > 0
    for number in range(20):  # and so is an address, for every account
        token_request(client, f"guess{number}", "wrong", address="10.9.9.9")
    assert page_sign_in(client, "staff1", PASSWORD, address="10.9.9.9").status_code == 429
    assert page_sign_in(client, "staff1", PASSWORD, address="10.9.9.10").status_code == 302


def test_a_signed_in_person_opening_sign_in_goes_home(world, english, auth):
    auth.login("staff1")
    response = english.get("/sign-in")
    assert response.status_code == 302 and response.headers["Location"] == "/"


@pytest.mark.parametrize(("next_url", "lands_on"), [
    ("/registry/households?q=1", "/registry/households?q=1"),  # a page of this site: followed
    ("//evil.example/x", "/"),  # another host, scheme-relative
    ("https://evil.example/", "/"),  # another host
    ("/\\evil.example", "/"),  # browsers read a backslash as a slash
    ("registry", "/"),  # not a path
    ("/registry/households?q=%E4%B8%AD", "/registry/households?q=%E4%B8%AD"),  # encoded query: followed
    # Issue 12: browsers drop tabs and newlines, so "/<tab>/evil" is "//evil".
    ("/\t/evil.example", "/"),
    ("/\n/evil.example", "/"),
    ("/\r\n/evil.example", "/"),
    ("/ /evil.example", "/"),
    ("/\u3000/evil.example", "/"),  # an ideographic space
    ("/\u200b/evil.example", "/"),  # a zero-width space
    ("//evil", "/"),
    ("\\\\evil", "/"),
    ("/\\evil", "/"),
    ("\\/evil.example", "/"),
    ("https:evil", "/"),
    ("https:/evil.example", "/"),
    ("javascript:alert(1)", "/"),
    (" //evil.example", "/"),
    # Encoded variants, as they arrive once the query string is decoded.
    ("/%09/evil.example", "/"),
    ("/%2F/evil.example", "/"),
    ("/%2f%2fevil.example", "/"),
    ("/%5Cevil.example", "/"),
    ("/%5C%5Cevil.example", "/"),
    ("/%252F%252Fevil.example", "/"),
    ("%2F%2Fevil.example", "/"),
    ("/x" * 1001, "/"),  # absurdly long
])
def test_sign_in_follows_next_only_within_the_site(world, english, auth, next_url, lands_on):
    response = sign_in(english, auth, "staff1", next_url=next_url)
    assert response.status_code == 302 and response.headers["Location"] == lands_on


@pytest.mark.parametrize("raw", ["/%09/evil.example", "//evil.example", "/%5Cevil.example", "/%0D%0A/evil.example",
                                 "%2F%2Fevil.example", "https%3A%2F%2Fevil.example", "/%2509/evil.example"])
def test_next_in_the_raw_query_string_stays_on_the_site(world, english, auth, raw):
    response = english.post(f"/sign-in?next={raw}", data={"username": "staff1", "password": PASSWORD,
                                                          "csrf_token": auth.csrf_token()})
    assert response.status_code == 302 and response.headers["Location"] == "/"


def test_signing_in_starts_a_fresh_session(world, english, auth):
    """Issue 12 (session fixation): nothing planted in the session before sign-in
    survives it, but the chosen language does."""
    english.get("/sign-in?lang=en")
    with english.session_transaction() as session:
        session["planted"] = "by someone else"
    sign_in(english, auth, "staff1")
    with english.session_transaction() as session:
        assert "planted" not in session and session["lang"] == "en"
        assert session["_user_id"].startswith(world.staff1.id)


def test_a_disabled_account_is_told_so_at_the_username(world, english, auth):
    db.session.execute(db.update(User).where(User.username == "worker1").values(is_active_flag=False))
    db.session.commit()
    response = sign_in(english, auth, "worker1")
    html = response.get_data(as_text=True)
    assert response.status_code == 401
    assert "This account is disabled" in error_for(html, "username") and not error_for(html, "password")
    assert 'value="worker1"' in html  # the username stays in the form
    assert not signed_in(english)


def test_wrong_password_is_told_at_the_password_and_keeps_the_username(world, english, auth):
    response = sign_in(english, auth, "staff1", "not-the-password")
    html = response.get_data(as_text=True)
    assert response.status_code == 401
    assert error_for(html, "password") == "Wrong username or password." and not error_for(html, "username")
    assert 'value="staff1"' in html


@pytest.mark.parametrize(("later", "minutes"), [(timedelta(0), 15), (timedelta(minutes=14, seconds=30), 1)])
def test_a_throttled_sign_in_says_in_how_many_minutes_to_try_again(world, english, auth, later, minutes):
    for _ in range(5):
        assert sign_in(english, auth, "staff1", "wrong").status_code == 401
    clock.run_from(clock.now() + later)
    response = sign_in(english, auth, "staff1")
    retry = int(response.headers["Retry-After"])
    assert response.status_code == 429 and 0 < retry <= 15 * 60
    message = error_for(response.get_data(as_text=True), "password")
    shown = int(re.search(r"Try again in (\d+) minutes", message).group(1))
    # Rounded down to whole minutes, never "0 minutes"; the clock has run on a moment since the failures.
    assert shown == max(1, retry // 60) and shown in (minutes - 1, minutes)
    assert not signed_in(english)


def test_sign_out_ends_the_session_and_says_so(world, english, auth):
    auth.login("staff1")
    response = english.post("/sign-out", data={"csrf_token": auth.csrf_token("/account/devices")})
    assert response.status_code == 302 and response.headers["Location"] == "/sign-in"
    assert "You are signed out." in english.get("/sign-in").get_data(as_text=True)
    assert not signed_in(english)


# --- registration ----------------------------------------------------------------------------

def _registration(world, **changes):
    form = {"invite_code": world.C1.invite_code, "display_name": "周新", "claimed_address": "幸福小区2号楼2单元202",
            "phone": "13700000007", "username": "newcomer", "password": "resident-pass-1",
            "password_again": "resident-pass-1"}
    return form | changes


def _account(username):
    db.session.rollback()
    return db.session.scalar(select(User).where(User.username == username))


def test_the_invitation_code_of_the_link_is_filled_in(world, english):
    html = english.get("/register", query_string={"code": "AB12CD34"}).get_data(as_text=True)
    assert re.search(r'id="f-invite_code" name="invite_code" type="text" value="AB12CD34"', html)


def test_differing_passwords_are_refused_with_the_form_kept(world, english, auth):
    form = _registration(world, password_again="resident-pass-2")
    response = english.post("/register", data=form | {"csrf_token": auth.csrf_token("/register")})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert error_for(html, "password_again") == "The two passwords differ."
    assert 'value="幸福小区2号楼2单元202"' in html and 'value="newcomer"' in html
    assert 'value="resident-pass-1"' not in html  # passwords are never sent back
    assert _account("newcomer") is None
    assert not signed_in(english)


def test_a_registration_signs_the_resident_in_as_pending(world, english, auth):
    response = english.post("/register", data=_registration(world) | {"csrf_token": auth.csrf_token("/register")})
    assert response.status_code == 302 and response.headers["Location"] == "/"
    home = english.get("/").get_data(as_text=True)
    assert "Thank you. Your community office will confirm your household soon." in home
    account = _account("newcomer")
    assert account.status == "pending" and account.role == "resident" and account.community_id == world.C1.id


def _register(client, auth, form, address="127.0.0.1"):
    return client.post("/register", environ_base={"REMOTE_ADDR": address},
                       data=form | {"csrf_token": auth.csrf_token("/register")})


def test_registrations_are_throttled_per_address(world, english, auth, app):
    """Issue 12: /register was not rate limited, so invitation codes could be guessed by volume."""
    limit = app.config["REGISTER_MAX_PER_ADDRESS"]
    for n in range(limit):
        response = _register(english, auth, _registration(world, invite_code=f"GUESS{n:04d}"), "10.9.9.9")
        assert response.status_code == 422
    response = _register(english, auth, _registration(world), "10.9.9.9")
    html = response.get_data(as_text=True)
    assert response.status_code == 429 and int(response.headers["Retry-After"]) > 0
    assert "Too many registrations" in error_for(html, "invite_code") and 'value="newcomer"' in html
    assert _account("newcomer") is None
    # Another address is not held back; the window passes.
    assert _register(english, auth, _registration(world, invite_code="WRONG"), "10.9.9.8").status_code == 422
    clock.run_from(clock.now() + timedelta(seconds=app.config["REGISTER_WINDOW_SECONDS"] + 1))
    assert _register(english, auth, _registration(world), "10.9.9.9").status_code == 302


def test_registrations_are_throttled_per_invitation_code(world, english, auth, app, monkeypatch):
    monkeypatch.setitem(app.config, "REGISTER_MAX_PER_CODE", 3)
    for n in range(3):
        form = _registration(world, username=f"newcomer{n}", invite_code=world.C1.invite_code.lower())
        _register(english, auth, form, f"10.8.0.{n}")
    response = _register(english, auth, _registration(world), "10.8.0.9")
    assert response.status_code == 429 and "Too many registrations" in error_for(response.get_data(as_text=True),
                                                                                  "invite_code")
    assert _account("newcomer") is None


def test_invitation_codes_are_long_and_random(world):
    from backend.org.services import new_invite_code

    codes = {new_invite_code() for _ in range(50)}
    assert len(codes) == 50 and all(len(code) == 16 for code in codes)
    assert accounts.community_of_code(" " + world.C1.invite_code.lower() + " ") == world.C1
    assert accounts.community_of_code(world.C1.invite_code[:-1]) is None
    assert accounts.community_of_code("") is None


def test_a_pending_registration_gets_no_device_token(world, english, auth):
    """Issue 12: a pending (unconfirmed) account got a device token, then pushed and uploaded."""
    assert _register(english, auth, _registration(world)).status_code == 302
    response = token_request(english, "newcomer", "resident-pass-1")
    assert response.status_code == 403
    assert response.mimetype == "application/problem+json"
    assert "confirm" in response.get_json()["errors"]["username"][0]
    assert db.session.scalar(select(Device).where(Device.user_id == _account("newcomer").id)) is None


# --- devices ---------------------------------------------------------------------------------

def test_my_devices_lists_mine_only(world, english, auth):
    DeviceFactory(user=world.staff1, name="办公室电脑")
    DeviceFactory(user=world.worker1, name="网格员手机")
    db.session.commit()
    auth.login("staff1")
    html = english.get("/account/devices").get_data(as_text=True)
    assert "办公室电脑" in html and "网格员手机" not in html
    fragment = english.get("/account/devices", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert fragment.lstrip().startswith('<div id="devices"') and "办公室电脑" in fragment


def test_revoking_my_own_device_shows_my_devices_with_a_message(world, english, auth):
    mine = DeviceFactory(user=world.staff1, name="办公室电脑")
    db.session.commit()
    device_id = mine.id
    auth.login("staff1")
    response = english.post(f"/devices/{device_id}/revoke", data={"csrf_token": auth.csrf_token("/account/devices")})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<h1>My devices</h1>" in html
    assert "The device is signed out. Its token no longer works." in html
    assert re.search(r"Signed out \d", html)
    db.session.rollback()
    assert db.session.get(Device, device_id).revoked_by_id == world.staff1.id


def test_devices_one_may_not_manage_are_not_found(world, english, auth):
    other = DeviceFactory(user=world.worker2, name="别人的手机")
    db.session.commit()
    other_id = other.id
    auth.login("worker1")  # a grid worker manages no one's devices but his own
    token = auth.csrf_token("/account/devices")
    assert english.post(f"/devices/{other_id}/revoke", data={"csrf_token": token}).status_code == 404
    assert english.post("/devices/no-such-device/revoke", data={"csrf_token": token}).status_code == 404
    db.session.rollback()
    assert db.session.get(Device, other_id).revoked_at is None


def test_the_account_pages_need_a_signed_in_person(world, english):
    for path in ("/account/devices", "/account/password"):
        response = english.get(path)
        assert response.status_code == 302 and response.headers["Location"].startswith("/sign-in")


# --- password ----------------------------------------------------------------------------------

def _change(client, auth, current=PASSWORD, new="a-new-pass-2026", again="a-new-pass-2026"):
    return client.post("/account/password", data={
        "current_password": current, "password": new, "password_again": again,
        "csrf_token": auth.csrf_token("/account/password")})


def test_differing_new_passwords_change_nothing(world, english, auth, app):
    auth.login("staff1")
    response = _change(english, auth, again="a-new-pass-2027")
    assert response.status_code == 422
    assert error_for(response.get_data(as_text=True), "password_again") == "The two passwords differ."
    assert _account("staff1").session_epoch == 0
    Auth(app.test_client()).login("staff1")  # the old password still works


def test_a_weak_new_password_is_refused_at_the_field(world, english, auth):
    auth.login("staff1")
    response = _change(english, auth, new="short", again="short")
    assert response.status_code == 422 and error_for(response.get_data(as_text=True), "password")
    assert _account("staff1").session_epoch == 0


def test_wrong_current_password_changes_nothing(world, auth, client):
    auth.login("staff1")
    response = client.post("/account/password", data={
        "current_password": "wrong", "password": "a-new-pass-2026", "password_again": "a-new-pass-2026",
        "csrf_token": auth.csrf_token("/account/password")})
    assert response.status_code == 422
    assert re.search(r'id="e-current_password"', response.get_data(as_text=True))
    assert _account("staff1").session_epoch == 0


def test_a_changed_password_keeps_this_session_and_says_so(world, english, auth):
    auth.login("staff1")
    response = _change(english, auth)
    assert response.status_code == 302 and response.headers["Location"] == "/account/devices"
    page = english.get("/account/devices").get_data(as_text=True)
    assert "Your password is changed. Other sessions and your devices are signed out." in page
    assert _account("staff1").session_epoch == 1


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
    assert signed_in(other)

    token = Auth(this).csrf_token("/account/password")
    response = this.post("/account/password", data={
        "current_password": PASSWORD, "password": "a-new-pass-2026", "password_again": "a-new-pass-2026",
        "csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    assert not signed_in(other)  # the other browser is signed out
    assert signed_in(this)  # this one goes on
    with app.app_context():
        staff = db.session.get(User, staff1_id)
        assert staff.session_epoch == 1
        assert staff.password_hash.startswith("$argon2id$")
    assert page_sign_in(app.test_client(), "staff1", PASSWORD).status_code == 401
    assert page_sign_in(app.test_client(), "staff1", "a-new-pass-2026").status_code == 302


def test_deactivation_ends_sessions(staff1_id, app):
    client = app.test_client()
    Auth(client).login("staff1")
    with app.app_context():
        admin = db.session.scalar(select(User).where(User.username == "admin"))
        accounts.set_active(admin, db.session.get(User, staff1_id), False)
        db.session.commit()
    assert not signed_in(client)
