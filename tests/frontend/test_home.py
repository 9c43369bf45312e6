"""The home page (frontend/home.py): residents and volunteers have one of their own,
everyone else starts at the organisation tree."""

import pytest

from backend.extensions import db
from tests.factories import user


def test_signed_out_goes_to_sign_in_and_back(world, english):
    response = english.get("/")
    assert response.status_code == 302 and response.headers["Location"] == "/sign-in?next=%2F"


@pytest.mark.parametrize("username", ["admin", "district1", "street1", "staff1", "worker1", "station1"])
def test_staff_start_at_the_organisation_tree(world, english, auth, username):
    auth.login(username)
    response = english.get("/")
    assert response.status_code == 302 and response.headers["Location"] == "/org/"


def test_a_resident_sees_their_household(world, english, auth):
    auth.login("resident1")
    response = english.get("/")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f"Welcome, {world.resident1.display_name}" in html
    assert f"Your household: {world.H1.address}" in html


def test_a_volunteer_of_no_household_is_welcomed(world, english, auth):
    auth.login("volunteer1")
    html = english.get("/").get_data(as_text=True)
    assert "Welcome, volunteer1" in html and "You are signed in." in html and "Your household" not in html


def test_a_pending_resident_is_told_to_wait(world, english, auth):
    user("newcomer", "resident", community=world.C1, status="pending")
    db.session.commit()
    auth.login("newcomer")
    html = english.get("/").get_data(as_text=True)
    assert "waiting for your community office to confirm your household" in html
