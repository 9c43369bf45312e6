"""The registry API answers staff notes only to the community's staff and the
grid's workers; for residents and officers above the community the field is
absent (docs/PRIVACY.md, "Staff notes")."""

import pytest

from backend.extensions import db
from backend.registry import services

HOUSEHOLD_NOTE = "独居老人，子女不常来"
RESIDENT_NOTE = "有精神疾病史"


@pytest.fixture
def noted(world):
    services.update_household(world.staff1, world.H1, {"notes": HOUSEHOLD_NOTE})
    services.update_resident(world.staff1, world.R1b, {"notes": RESIDENT_NOTE})
    db.session.commit()
    return world


@pytest.mark.parametrize("username", ["resident1", "street1", "district1"])
def test_the_household_answer_leaves_out_notes(noted, client, auth, username):
    body = client.get(f"/api/v1/registry/households/{noted.H1.id}", headers=auth.headers(username)).get_json()
    assert body["id"] == noted.H1.id
    assert "notes" not in body
    assert all("notes" not in resident for resident in body["residents"])
    assert HOUSEHOLD_NOTE not in str(body) and RESIDENT_NOTE not in str(body)


@pytest.mark.parametrize("username", ["street1", "district1"])
def test_officers_lists_and_residents_leave_out_notes(noted, client, auth, username):
    headers = auth.headers(username)
    listed = client.get("/api/v1/registry/households", headers=headers).get_json()["items"]
    assert listed and all("notes" not in item for item in listed)
    resident = client.get(f"/api/v1/registry/residents/{noted.R1b.id}", headers=headers).get_json()
    assert resident["id"] == noted.R1b.id and "notes" not in resident


def test_a_resident_listing_their_household_sees_no_notes(noted, client, auth):
    listed = client.get("/api/v1/registry/households", headers=auth.headers("resident1")).get_json()["items"]
    assert [item["id"] for item in listed] == [noted.H1.id]
    assert "notes" not in listed[0]


@pytest.mark.parametrize("username", ["staff1", "worker1"])
def test_staff_and_the_grids_workers_read_them(noted, client, auth, username):
    body = client.get(f"/api/v1/registry/households/{noted.H1.id}", headers=auth.headers(username)).get_json()
    assert body["notes"] == HOUSEHOLD_NOTE
    assert {r["id"]: r.get("notes") for r in body["residents"]}[noted.R1b.id] == RESIDENT_NOTE


def test_nobody_without_the_right_writes_notes_through_the_service(noted, ctx):
    """A resident or an officer cannot change the registry at all; the notes
    rule holds even where a write is let through (it is ignored)."""
    from backend.registry.services import _without_staff_notes

    assert _without_staff_notes(noted.resident1, {"notes": "", "address": "x"}, noted.H1) == {"address": "x"}
    assert _without_staff_notes(noted.street1, {"notes": ""}, noted.H1) == {}
    assert _without_staff_notes(noted.staff1, {"notes": ""}, noted.H1) == {"notes": ""}
