"""The accounts list and creating accounts."""

from sqlalchemy import select

from backend.auth.models import User
from backend.extensions import db
from tests.factories import user as make_user
from tests.frontend.accounts.conftest import error_for, usernames_listed


def _by_username(fresh, username):
    db.session.rollback()
    return db.session.scalar(select(User).where(User.username == username))


def test_staff_sees_only_accounts_of_their_community(world, browser):
    make_user("worker5", "grid_worker", [world.G5])
    db.session.commit()
    staff1 = browser("staff1")
    response = staff1.get("/accounts/")
    assert response.status_code == 200
    names = usernames_listed(response.get_data(as_text=True))
    assert {"worker1", "worker2", "volunteer1", "resident1"} <= names
    assert not names & {"staff2", "street1", "worker5", "admin", "district1", "station1"}


def test_street_officer_sees_both_communities_but_not_the_other_street(world, browser):
    names = usernames_listed(browser("street1").get("/accounts/").get_data(as_text=True))
    assert {"staff1", "staff2", "worker1", "worker2"} <= names
    assert not names & {"street2", "station1", "district1", "admin"}


def test_search_and_filters(world, browser, fresh):
    world.worker1.display_name = "王网格"
    world.worker2.is_active_flag = False
    db.session.commit()
    staff1 = browser("staff1")
    assert usernames_listed(staff1.get("/accounts/?q=王网").get_data(as_text=True)) == {"worker1"}
    assert usernames_listed(staff1.get("/accounts/?q=VOLUNT").get_data(as_text=True)) == {"volunteer1"}
    assert usernames_listed(staff1.get("/accounts/?role=grid_worker").get_data(as_text=True)) == {
        "worker1", "worker2"}
    inactive = staff1.get("/accounts/?status=inactive").get_data(as_text=True)
    assert usernames_listed(inactive) == {"worker2"}
    assert "worker1" not in usernames_listed(staff1.get("/accounts/?status=inactive&role=grid_worker")
                                             .get_data(as_text=True))
    # Unknown filter values are ignored, not errors.
    assert staff1.get("/accounts/?role=emperor&status=zzz&page=abc").status_code == 200


def test_list_is_paginated_and_htmx_gets_the_fragment(world, browser):
    for n in range(30):
        make_user(f"helper{n:02d}", "volunteer", [world.C1], community=world.C1)
    db.session.commit()
    staff1 = browser("staff1")
    first = staff1.get("/accounts/").get_data(as_text=True)
    assert "Page 1 of 2" in first
    second = staff1.get("/accounts/?page=2").get_data(as_text=True)
    assert usernames_listed(first).isdisjoint(usernames_listed(second))
    fragment = staff1.get("/accounts/?role=volunteer", headers={"HX-Request": "true"})
    html = fragment.get_data(as_text=True)
    assert "<html" not in html and html.lstrip().startswith('<div id="users"')
    assert "HX-Request" in fragment.headers.get("Vary", "")


def test_only_managers_reach_the_account_pages(world, browser):
    for username in ("worker1", "station1", "volunteer1", "resident1"):
        session = browser(username)
        for path in ("/accounts/", "/accounts/new", "/accounts/registrations", f"/accounts/{world.worker2.id}"):
            assert session.get(path).status_code == 403, (username, path)
    anonymous = browser()
    response = anonymous.get("/accounts/")
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]


def test_pending_registrations_badge(world, browser):
    make_user("newcomer", "resident", community=world.C1, status="pending")
    db.session.commit()
    html = browser("staff1").get("/accounts/").get_data(as_text=True)
    assert 'id="pending-count"' in html
    assert '<span class="badge" id="pending-count"' in html and '>1</span>' in html
    assert "/accounts/registrations" in html
    assert '>0</span>' in browser("staff2").get("/accounts/").get_data(as_text=True)


# --- creating accounts --------------------------------------------------------------

def _new_worker(**overrides):
    data = {"role": "grid_worker", "display_name": "赵网格", "username": "worker9", "phone": "13900000009",
            "password": "a-long-password", "password_again": "a-long-password"}
    data.update(overrides)
    return data


def test_new_account_form_offers_only_what_the_actor_may_choose(world, browser):
    staff1 = browser("staff1")
    html = staff1.get("/accounts/new").get_data(as_text=True)
    assert world.G1.id in html and world.G2.id in html
    assert world.G5.id not in html and world.G3.id not in html
    assert 'value="grid_worker"' in html and 'value="volunteer"' in html
    assert 'value="community_staff"' not in html and 'value="street_officer"' not in html
    # Changing the role asks for the matching place field only.
    fragment = staff1.get("/accounts/new?role=volunteer", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert fragment.lstrip().startswith('<div id="scope-field"')
    assert '<select id="f-scope_ids"' in fragment and world.C1.id in fragment and world.C2.id not in fragment


def test_staff_creates_grid_worker_with_two_grids(world, browser, fresh):
    staff1 = browser("staff1")
    response = staff1.post("/accounts/new", {**_new_worker(), "scope_ids": [world.G1.id, world.G2.id]})
    assert response.status_code == 302, response.get_data(as_text=True)
    created = _by_username(fresh, "worker9")
    assert response.headers["Location"].endswith(f"/accounts/{created.id}")
    assert created.role == "grid_worker" and created.status == "active" and created.phone == "13900000009"
    assert {node.id for node in created.scope_nodes} == {world.G1.id, world.G2.id}
    page = staff1.get(f"/accounts/{created.id}").get_data(as_text=True)
    assert "赵网格" in page and "第一网格" in page and "第二网格" in page
    # The new account signs in with the password it was given, only to choose its own.
    response = browser("worker9", "a-long-password").get("/")  # Auth.login asserts the sign-in
    assert response.status_code == 303 and response.headers["Location"] == "/account/password"


def test_grid_outside_the_area_is_refused(world, browser, fresh):
    response = browser("staff1").post("/accounts/new", {**_new_worker(), "scope_ids": [world.G1.id, world.G5.id]})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "outside your area" in error_for(html, "scope_ids")
    assert 'value="worker9"' in html  # the form keeps what was typed
    assert _by_username(fresh, "worker9") is None


def test_no_grid_chosen(world, browser, fresh):
    response = browser("staff1").post("/accounts/new", _new_worker())
    assert response.status_code == 422
    assert error_for(response.get_data(as_text=True), "scope_ids")
    assert _by_username(fresh, "worker9") is None


def test_staff_cannot_create_community_staff(world, browser, fresh):
    response = browser("staff1").post("/accounts/new", {**_new_worker(role="community_staff"),
                                                        "scope_ids": [world.C1.id]})
    assert response.status_code == 422
    assert "may not create" in error_for(response.get_data(as_text=True), "role")
    assert _by_username(fresh, "worker9") is None


def test_read_only_officers_may_not_create_staff_with_reveal_rights(world, browser, fresh):
    """Issue 12: a street officer (reads the registry, reveals nothing) creating a
    community staff or grid worker account with a password they chose would reveal."""
    street1 = browser("street1")
    html = street1.get("/accounts/new").get_data(as_text=True)
    for role in ("community_staff", "grid_worker", "station_operator"):
        assert f'value="{role}"' not in html
        response = street1.post("/accounts/new", {**_new_worker(role=role, username="staff9"),
                                                  "scope_ids": [world.C1.id]})
        assert response.status_code == 422
        assert "may not create" in error_for(response.get_data(as_text=True), "role")
    assert _by_username(fresh, "staff9") is None
    # A volunteer (no rights over the registry) the officer may still create, in their area only.
    assert 'value="volunteer"' in html
    response = street1.post("/accounts/new", {**_new_worker(role="volunteer", username="helper9"),
                                              "scope_ids": [world.C1.id]})
    assert response.status_code == 302, response.get_data(as_text=True)
    response = street1.post("/accounts/new", {**_new_worker(role="volunteer", username="helper8"),
                                              "scope_ids": [world.V1.id]})
    assert response.status_code == 422 and "outside your area" in error_for(response.get_data(as_text=True),
                                                                             "scope_ids")


def test_duplicate_username_and_other_mistakes(world, browser, fresh):
    staff1 = browser("staff1")
    response = staff1.post("/accounts/new", {**_new_worker(username="Worker1", display_name=""),
                                             "scope_ids": [world.G1.id]})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "taken" in error_for(html, "username")
    assert error_for(html, "display_name")
    response = staff1.post("/accounts/new", {**_new_worker(password="short", password_again="short"),
                                             "scope_ids": [world.G1.id]})
    assert response.status_code == 422 and error_for(response.get_data(as_text=True), "password")
    response = staff1.post("/accounts/new", {**_new_worker(password_again="another-long-one"),
                                             "scope_ids": [world.G1.id]})
    assert response.status_code == 422 and error_for(response.get_data(as_text=True), "password_again")
    assert _by_username(fresh, "worker9") is None


def test_creating_needs_the_csrf_token(world, browser, fresh):
    staff1 = browser("staff1")
    response = staff1.client.post("/accounts/new", data={**_new_worker(), "scope_ids": [world.G1.id]})
    assert response.status_code == 400
    assert _by_username(fresh, "worker9") is None
