"""Staff notes (households' and residents' `notes`) reach the devices of the
community's staff and the grid's workers only: never a resident's, nor a
street or district officer's (docs/PRIVACY.md, "Staff notes"); devices that
hold them from before get a fresh pull that replaces their records."""

import pytest

from backend.extensions import db
from backend.registry import services
from sync import cursor as cursors

HOUSEHOLD_NOTE = "户主酗酒，上门注意"
RESIDENT_NOTE = "社区矫正对象，每周报到"


def _write_notes(world):
    services.update_household(world.staff1, world.H1, {"notes": HOUSEHOLD_NOTE})
    services.update_resident(world.staff1, world.R1b, {"notes": RESIDENT_NOTE})
    db.session.commit()


def _notes_on(phone):
    return [record for record in phone.records.values() if "notes" in record]


@pytest.mark.parametrize("username", ["resident1", "street1", "district1"])
def test_a_fresh_pull_carries_no_staff_notes_for_residents_and_officers(world, device, username):
    _write_notes(world)
    phone = device(username)
    phone.pull()
    assert phone.get("households", world.H1.id) is not None  # the records come, without the field
    assert phone.get("residents", world.R1b.id) is not None
    assert _notes_on(phone) == []
    assert HOUSEHOLD_NOTE not in str(phone.records) and RESIDENT_NOTE not in str(phone.records)


@pytest.mark.parametrize("username", ["resident1", "street1"])
def test_an_incremental_pull_carries_no_staff_notes(world, device, username):
    phone = device(username)
    phone.pull()
    _write_notes(world)
    page = phone.pull()
    assert not page["reset"]
    assert _notes_on(phone) == []
    assert HOUSEHOLD_NOTE not in str(phone.records)


@pytest.mark.parametrize("username", ["staff1", "worker1"])
def test_staff_and_the_grids_workers_receive_the_notes(world, device, username):
    _write_notes(world)
    phone = device(username)
    phone.pull()
    assert phone.get("households", world.H1.id)["notes"] == HOUSEHOLD_NOTE
    assert phone.get("residents", world.R1b.id)["notes"] == RESIDENT_NOTE


def test_a_residents_device_holding_notes_from_before_gets_a_fresh_pull(world, device, ctx):
    _write_notes(world)
    phone = device("resident1")
    phone.pull()
    # What the device held before the view changed: the notes, under a cursor of view 1
    # (a cursor as the server made them before, with no view in it).
    phone.records[("households", world.H1.id)]["notes"] = HOUSEHOLD_NOTE
    body = cursors._serializer().loads(phone.cursor)
    phone.cursor = cursors.encode(world.resident1.id, body["p"])
    page = phone.pull()
    assert page["reset"] is True
    assert _notes_on(phone) == []
    assert phone.get("households", world.H1.id) is not None
    assert not phone.pull()["reset"]  # the new cursor holds


def test_workers_cursors_stay_good(world, device):
    """Roles whose records did not change keep their cursors: no re-pull for them."""
    phone = device("worker1")
    phone.pull()
    _write_notes(world)
    assert phone.pull()["reset"] is False
    assert phone.get("households", world.H1.id)["notes"] == HOUSEHOLD_NOTE


def test_a_push_without_the_right_cannot_write_or_clear_notes(world, device, ctx):
    _write_notes(world)
    phone = device("resident1")
    phone.pull()
    base = phone.get("households", world.H1.id)["version"]
    response = phone.push_raw([
        phone.mutation("households", "update", world.H1.id, {"notes": ""}, base_version=base),
        phone.mutation("residents", "update", world.R1b.id, {"notes": "改掉"},
                       base_version=phone.get("residents", world.R1b.id)["version"]),
    ])
    assert [r["status"] for r in response.get_json()["results"]] == ["rejected", "rejected"]
    db.session.expire_all()
    assert world.H1.notes == HOUSEHOLD_NOTE and world.R1b.notes == RESIDENT_NOTE
    from sync.models import Conflict
    assert db.session.scalars(db.select(Conflict)).all() == []


VISIT_NOTE = "老人说儿子打他，需要跟进"


@pytest.mark.parametrize(("username", "sees"), [("street1", False), ("district1", False), ("staff1", True),
                                               ("worker1", True)])
def test_visit_notes_reach_only_staff_and_workers(world, device, username, sees):
    from tests.factories import VisitFactory

    visit = VisitFactory(household=world.H1, author=world.worker1, notes=VISIT_NOTE)
    db.session.commit()
    phone = device(username)
    phone.pull()
    record = phone.get("visits", visit.id)
    assert record is not None
    assert ("notes" in record) is sees
    assert (VISIT_NOTE in str(phone.records)) is sees
