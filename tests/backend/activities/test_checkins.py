"""Check-ins at the door: the phone's real time and offline flag kept, idempotent per person and kind
(a second phone adds nothing), by code, walk-ins, volunteers' check-out giving hours, refusals."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from backend.activities import checkins
from backend.activities.models import Checkin
from backend.errors import Invalid, NotAllowedNow, Refused
from backend.extensions import db
from tests.backend.activities.conftest import START, make_activity, sign
from tests.timing import aware


def tick(actor, activity, now=START, **data):
    data = {"activity_id": activity.id, "at": aware(now).isoformat()} | data
    result = checkins.record(db.session, actor, data, now=now + timedelta(hours=3))
    db.session.commit()
    return result


def _rows(activity):
    return db.session.scalar(select(func.count()).select_from(Checkin).where(Checkin.activity_id == activity.id))


def test_a_checkin_keeps_the_phones_time_and_moves_the_signup(world, residents):
    activity = make_activity(world)
    signup = sign(activity, residents[0])
    at = START + timedelta(minutes=7)
    checkin, duplicate = tick(world.worker1, activity, now=at, signup_id=signup.id, offline=True)
    assert not duplicate and checkin.at == at and checkin.offline and checkin.recorded_by == world.worker1.id
    db.session.refresh(signup)
    assert signup.status == "attended" and signup.checked_in_at == at


def test_a_second_phone_adds_nothing(world, residents):
    activity = make_activity(world)
    signup = sign(activity, residents[0])
    first, _dup = tick(world.worker1, activity, signup_id=signup.id)
    again, duplicate = tick(world.worker2, activity, now=START + timedelta(minutes=2), signup_id=signup.id)
    by_code, duplicate2 = tick(world.staff1, activity, code=signup.code.lower())
    assert duplicate and duplicate2 and again.id == first.id == by_code.id
    assert _rows(activity) == 1


def test_walk_ins_by_resident_or_name_once_each(world, residents):
    activity = make_activity(world)
    tick(world.worker1, activity, resident_id=world.R2.id)
    tick(world.worker1, activity, name="王阿姨")
    assert tick(world.worker2, activity, name=" 王阿姨 ")[1]
    assert tick(world.worker2, activity, resident_id=world.R2.id)[1]
    assert _rows(activity) == 2
    with pytest.raises(Invalid) as caught:
        tick(world.worker1, activity)
    assert "name" in caught.value.errors
    db.session.rollback()
    with pytest.raises(Invalid) as caught:
        tick(world.worker1, activity, resident_id=world.R5.id)  # another community's
    assert "resident_id" in caught.value.errors


def test_volunteer_checks_out_and_has_hours(world, helper):
    activity = make_activity(world, volunteer_roles=[{"role": "签到", "count": 2}])
    volunteer = sign(activity, helper, role="volunteer", volunteer_role="签到")
    tick(world.worker1, activity, now=START - timedelta(minutes=30), signup_id=volunteer.id)
    tick(world.worker1, activity, now=START + timedelta(hours=2), signup_id=volunteer.id, kind="check_out")
    db.session.refresh(volunteer)
    assert volunteer.hours == 2.5


def test_refusals(world, residents):
    activity = make_activity(world, capacity=1)
    confirmed, waiting = sign(activity, residents[0]), sign(activity, residents[1])
    with pytest.raises(NotAllowedNow):
        tick(world.worker1, activity, signup_id=waiting.id)
    db.session.rollback()
    with pytest.raises(Invalid) as caught:
        tick(world.worker1, activity, signup_id=confirmed.id, kind="check_out")
    assert "kind" in caught.value.errors
    db.session.rollback()
    with pytest.raises(Invalid):  # a resident is not the door, and does not see the activity's list
        tick(residents[0], activity, signup_id=confirmed.id)
    db.session.rollback()
    with pytest.raises(Invalid):  # a worker of another community
        tick(world.staff2, activity, signup_id=confirmed.id)
    db.session.rollback()
    with pytest.raises(Invalid) as caught:
        tick(world.worker1, activity, code="ZZZZZZ")
    assert "code" in caught.value.errors
    db.session.rollback()
    with pytest.raises(Invalid) as caught:
        checkins.record(db.session, world.worker1, {"activity_id": activity.id})
    assert "at" in caught.value.errors
    assert Refused  # the door check is is_door (tested in test_policy)


def _checkin_awards():
    from backend.points.models import PointsTransaction

    return list(db.session.scalars(select(PointsTransaction).where(
        PointsTransaction.reference.like("activity-checkin:%"))))


def test_a_participants_checkin_earns_its_points_once_however_many_phones(world, residents):
    from backend.points import services as points_services

    points_services.grant(db.session, world.staff1, world.C1.id, 1000, now=START)
    db.session.commit()
    activity = make_activity(world)
    signup = sign(activity, residents[0])
    tick(world.worker1, activity, signup_id=signup.id, offline=True)
    tick(world.worker2, activity, signup_id=signup.id, offline=True)
    tick(world.staff1, activity, code=signup.code)
    tick(world.worker1, activity, name="王阿姨")  # a walk-in: no account to pay
    tick(world.worker1, activity, resident_id=world.R2.id)  # a registry entry is no account either
    awards = _checkin_awards()
    assert [a.reference for a in awards] == [f"activity-checkin:{signup.id}"]
    assert awards[0].kind == "checkin"


def test_no_checkin_points_where_the_rules_give_none(world, residents):
    from backend.points import rules as point_rules
    from backend.points import services as points_services

    points_services.grant(db.session, world.staff1, world.C1.id, 1000, now=START)
    point_rules.set_rules(db.session, world.staff1, world.C1.id, {"checkin_points": 0})
    db.session.commit()
    activity = make_activity(world)
    signup = sign(activity, residents[0])
    tick(world.worker1, activity, signup_id=signup.id)
    assert _checkin_awards() == []


def test_an_empty_pool_leaves_the_checkin_standing(world, residents):
    activity = make_activity(world)
    signup = sign(activity, residents[0])
    _checkin, duplicate = tick(world.worker1, activity, signup_id=signup.id)
    db.session.refresh(signup)
    assert not duplicate and signup.status == "attended" and _checkin_awards() == []


def test_a_signup_staff_made_for_a_resident_pays_nobody_and_a_familys_pays_the_signer(world, residents):
    from backend.points import services as points_services

    points_services.grant(db.session, world.staff1, world.C1.id, 1000, now=START)
    db.session.commit()
    activity = make_activity(world)
    for_them = sign(activity, world.staff1, resident_id=world.R1.id)  # on a resident's behalf
    assert residents[0].household_id == world.H2.id
    family = sign(activity, residents[0], resident_id=world.R2.id)  # a member of the signer's household
    tick(world.worker1, activity, signup_id=for_them.id)
    tick(world.worker1, activity, signup_id=family.id)
    awards = _checkin_awards()
    assert [a.reference for a in awards] == [f"activity-checkin:{family.id}"]
    paid = {entry.owner_id for entry in awards[0].entries if entry.amount > 0}
    assert paid == {residents[0].id}
