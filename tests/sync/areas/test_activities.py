"""Activities over the sync protocol: a resident's pull holds their community's published activities
and their own household's sign-ups only; sign-ups made offline are decided by the server (the last
place to one, the others waitlisted); the door's check-ins uploaded twice from two phones land once;
every pull agrees with the policy."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from backend.activities.models import Activity, Checkin, Signup
from backend.auth import policy
from backend.extensions import db
from tests.backend.activities.conftest import START, make_activity, sign
from tests.factories import UserFactory
from tests.timing import aware


@pytest.fixture
def neighbours(world):
    made = {name: UserFactory(username=name, display_name=name, role="resident", home=home)
            for name, home in (("resident2", world.H2), ("resident2b", world.H2), ("resident5", world.H5))}
    db.session.commit()
    return made


def _push_one(phone, *args, **kwargs):
    mutation = phone.record(*args, **kwargs)
    return mutation, phone.push()[mutation["id"]]


def test_a_residents_pull_has_the_published_menu_and_their_own_signups_only(world, device, neighbours):
    published = make_activity(world, title="夏至馄饨")
    draft = make_activity(world, title="七夕", publish=False)
    mine = sign(published, world.resident1, resident_id=world.R1b.id)
    theirs = sign(published, neighbours["resident2"])
    resident = device("resident1")
    resident.pull()
    assert published.id in resident.ids("activities") and draft.id not in resident.ids("activities")
    assert resident.ids("signups") == {mine.id}
    record = resident.get("signups", mine.id)
    assert record["name"] == "张秀英" and record["code"] == mine.code and "birth_date" not in record
    assert resident.ids("checkins") == set()
    other = device("resident5")
    other.pull()
    assert other.ids("activities") == set() and other.ids("signups") == set()
    staff, worker = device("staff1"), device("worker2")
    staff.pull()
    worker.pull()
    assert {published.id, draft.id} <= staff.ids("activities")
    # the door's list: the whole community's sign-ups reach every grid worker of it
    assert worker.ids("signups") == {mine.id, theirs.id}


def test_pulls_agree_with_the_policy(world, device, neighbours):
    activity = make_activity(world)
    make_activity(world, publish=False)
    sign(activity, world.resident1)
    sign(activity, neighbours["resident2"])
    for name in ("resident1", "resident2", "resident5", "worker1", "staff1", "staff2", "volunteer1", "street1"):
        phone = device(name)
        phone.pull()
        user = world.users.get(name) or neighbours[name]
        for collection, model in (("activities", Activity), ("signups", Signup), ("checkins", Checkin)):
            readable = {r.id for r in db.session.scalars(select(model)) if policy.can(user, policy.READ, r)}
            assert phone.ids(collection) == readable, (name, collection)


def test_offline_signups_for_the_last_place_one_wins_the_others_wait(world, device, neighbours):
    activity = make_activity(world, capacity=1)
    phones = [device(name) for name in ("resident1", "resident2", "resident2b")]
    for phone in phones:
        phone.pull()
    mutations = [phone.record("signups", "create", data={"activity_id": activity.id}) for phone in phones]
    results = [phone.push()[m["id"]] for phone, m in zip(phones, mutations, strict=True)]
    assert [r["status"] for r in results] == ["applied"] * 3
    db.session.expire_all()
    statuses = [db.session.get(Signup, m["record_id"]).status for m in mutations]
    assert statuses == ["confirmed", "waitlisted", "waitlisted"]
    phones[1].pull()
    assert phones[1].get("signups", mutations[1]["record_id"])["position"] == 1
    # a cancel offline offers the place to the first in line
    _m, result = _push_one(phones[0], "signups", "action", mutations[0]["record_id"], {}, action="cancel")
    assert result["status"] == "applied", result
    phones[1].pull()
    assert phones[1].get("signups", mutations[1]["record_id"])["status"] == "offered"
    _m, result = _push_one(phones[1], "signups", "action", mutations[1]["record_id"], {}, action="confirm")
    assert result["status"] == "applied", result


def test_no_waitlist_the_loser_is_told(world, device, neighbours):
    activity = make_activity(world, capacity=1, waitlist=False)
    sign(activity, world.resident1)
    _m, result = _push_one(device("resident2"), "signups", "create", data={"activity_id": activity.id})
    assert result["status"] == "rejected" and result["error"]["status"] == 409


def test_the_doors_checkins_uploaded_twice_land_once(world, device, neighbours):
    activity = make_activity(world, capacity=5)
    signups = [sign(activity, u) for u in (world.resident1, neighbours["resident2"])]
    door_a, door_b = device("worker1"), device("worker2")
    for phone in (door_a, door_b):
        phone.pull()
        assert {s.id for s in signups} <= phone.ids("signups")
    at = aware(START + timedelta(minutes=3)).isoformat()
    for phone in (door_a, door_b):
        for signup in signups:
            phone.record("checkins", "create", data={"activity_id": activity.id, "signup_id": signup.id, "at": at,
                                                     "offline": True})
        phone.record("checkins", "create", data={"activity_id": activity.id, "name": "王阿姨", "at": at,
                                                 "offline": True})
    first = door_a.push()
    second = door_b.push()
    assert all(r["status"] == "applied" and "same_as" not in r for r in first.values())
    assert all(r["status"] == "applied" and r["same_as"] for r in second.values())
    count = db.session.scalar(select(func.count()).select_from(Checkin).where(Checkin.activity_id == activity.id))
    assert count == 3
    door_b.pull()
    assert {r.id for r in db.session.scalars(select(Checkin))} <= door_b.ids("checkins")
    db.session.expire_all()
    assert db.session.get(Signup, signups[0].id).status == "attended"


def test_activities_are_edited_by_staff_and_never_deleted(world, device):
    activity = make_activity(world)
    staff = device("staff1")
    staff.pull()
    version = staff.get("activities", activity.id)["version"]
    _m, result = _push_one(staff, "activities", "update", activity.id, {"capacity": 30}, base_version=version)
    assert result["status"] == "applied", result
    _m, refused = _push_one(device("resident1"), "activities", "update", activity.id, {"capacity": 1},
                            base_version=version)
    assert refused["status"] == "rejected"
    _m, refused = _push_one(staff, "activities", "delete", activity.id, {})
    assert refused["status"] == "rejected"
    db.session.expire_all()
    assert db.session.get(Activity, activity.id).capacity == 30


def test_the_reminder_and_a_cancellation_reach_the_residents_devices(world, device, neighbours):
    from backend.activities import menu, signups

    soon = make_activity(world, title="一碗腊八粥")
    other = make_activity(world, title="夏至馄饨", starts_at=aware(START + timedelta(days=2)).isoformat(),
                          ends_at=aware(START + timedelta(days=2, hours=2)).isoformat())
    reminded = sign(soon, world.resident1)
    told = sign(other, neighbours["resident2"])
    mine, theirs = device("resident1"), device("resident2")
    mine.pull()
    theirs.pull()
    assert mine.get("signups", reminded.id)["reminded_at"] is None
    # the day before: the reminder, on the sign-up record of the user (and the household) partition
    assert signups.remind(db.session, now=START - timedelta(hours=20)) == 1
    menu.cancel(db.session, world.staff1, other, {"reason": "天气原因"}, now=START - timedelta(hours=20))
    db.session.commit()
    mine.pull()
    theirs.pull()
    record = mine.get("signups", reminded.id)
    assert record["reminded_at"] and "一碗腊八粥" in record["notice"]
    cancelled = theirs.get("signups", told.id)
    assert cancelled["status"] == "cancelled" and "天气原因" in cancelled["notice"]
    assert theirs.get("activities", other.id)["status"] == "cancelled"
    assert told.id not in mine.ids("signups") and reminded.id not in theirs.ids("signups")
