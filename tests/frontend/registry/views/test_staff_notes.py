"""Registry pages show staff notes only to the community's staff and the
grid's workers: not to a resident looking at their own household, nor to
street and district officers (docs/PRIVACY.md, "Staff notes")."""

import pytest

from backend.extensions import db
from backend.registry import services

HOUSEHOLD_NOTE = "家暴风险，单独约谈"
RESIDENT_NOTE = "欠费多次，态度差"


@pytest.fixture
def noted(world):
    services.update_household(world.staff1, world.H1, {"notes": HOUSEHOLD_NOTE})
    services.update_resident(world.staff1, world.R1b, {"notes": RESIDENT_NOTE})
    db.session.commit()
    return world


def test_a_resident_sees_their_household_page_without_notes(noted, client, auth):
    auth.login("resident1")
    page = client.get(f"/registry/households/{noted.H1.id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and noted.H1.address in html
    assert HOUSEHOLD_NOTE not in html and RESIDENT_NOTE not in html


@pytest.mark.parametrize("username", ["street1", "district1"])
def test_officers_pages_leave_out_notes(noted, client, auth, username):
    auth.login(username)
    household = client.get(f"/registry/households/{noted.H1.id}").get_data(as_text=True)
    resident = client.get(f"/registry/residents/{noted.R1b.id}").get_data(as_text=True)
    assert noted.H1.address in household and noted.R1b.name in resident
    assert HOUSEHOLD_NOTE not in household and RESIDENT_NOTE not in resident


@pytest.mark.parametrize("username", ["staff1", "worker1"])
def test_staff_and_workers_see_them(noted, client, auth, username):
    auth.login(username)
    assert HOUSEHOLD_NOTE in client.get(f"/registry/households/{noted.H1.id}").get_data(as_text=True)
    assert RESIDENT_NOTE in client.get(f"/registry/residents/{noted.R1b.id}").get_data(as_text=True)
