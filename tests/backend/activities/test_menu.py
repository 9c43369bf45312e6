"""The menu: create, edit, publish, cancel; times checked; capacity never below the places held;
eligibility decided on the server; a month's menu."""

from datetime import date, timedelta

import pytest

from backend.activities import menu
from backend.errors import Invalid, NotAllowedNow, Refused
from backend.extensions import db
from tests.backend.activities.conftest import NOW, START, make_activity, sign
from tests.timing import aware


def test_edit_publish_and_the_states(world, residents):
    activity = make_activity(world, publish=False, eligibility={"age_min": None, "care_tags": []})
    assert activity.status == "draft" and activity.eligibility == {}
    menu.update_activity(db.session, world.staff1, activity, {"title": "夏至馄饨", "address": None}, now=NOW)
    assert activity.title == "夏至馄饨" and activity.address == ""
    menu.publish(db.session, world.staff1, activity, now=NOW)
    with pytest.raises(NotAllowedNow):
        menu.publish(db.session, world.staff1, activity, now=NOW)
    with pytest.raises(Refused):
        menu.update_activity(db.session, world.worker1, activity, {"title": "x"}, now=NOW)
    with pytest.raises(Refused):
        menu.update_activity(db.session, world.staff2, activity, {"title": "x"}, now=NOW)
    menu.cancel(db.session, world.staff1, activity, {"reason": "天气原因"}, now=NOW)
    with pytest.raises(NotAllowedNow):
        menu.update_activity(db.session, world.staff1, activity, {"title": "x"}, now=NOW)


def test_times_and_capacity_are_checked(world, residents):
    with pytest.raises(Invalid) as caught:
        make_activity(world, signup_closes_at=aware(START + timedelta(hours=1)).isoformat())
    assert "signup_closes_at" in caught.value.errors
    db.session.rollback()
    with pytest.raises(Invalid) as caught:
        make_activity(world, eligibility={"age_min": 70, "age_max": 60})
    assert "eligibility.age_max" in caught.value.errors
    db.session.rollback()
    activity = make_activity(world, capacity=2)
    sign(activity, residents[0])
    sign(activity, residents[1])
    with pytest.raises(Invalid) as caught:
        menu.update_activity(db.session, world.staff1, activity, {"capacity": 1}, now=NOW)
    assert "capacity" in caught.value.errors
    db.session.rollback()
    waiting = sign(activity, residents[2])
    menu.update_activity(db.session, world.staff1, activity, {"capacity": 3}, now=NOW)
    db.session.commit()
    db.session.refresh(waiting)
    assert waiting.status == "offered"


def test_cancel_tells_everyone_open(world, residents):
    activity = make_activity(world, capacity=1)
    confirmed, waiting = sign(activity, residents[0]), sign(activity, residents[1])
    with pytest.raises(Invalid):
        menu.cancel(db.session, world.staff1, activity, {}, now=NOW)
    menu.cancel(db.session, world.staff1, activity, {"reason": "场地维修"}, now=NOW)
    db.session.commit()
    for signup in (confirmed, waiting):
        db.session.refresh(signup)
        assert signup.status == "cancelled" and "场地维修" in signup.notice and signup.noticed_at == NOW
    assert (activity.confirmed_count, activity.waitlist_count) == (0, 0)


def test_age_and_the_month(world):
    assert menu.age_on(date(1950, 6, 2), date(2026, 6, 1)) == 75
    assert menu.age_on(date(1950, 6, 1), date(2026, 6, 1)) == 76
    activity = make_activity(world)
    make_activity(world, starts_at=aware(START + timedelta(days=40)).isoformat(),
                  ends_at=aware(START + timedelta(days=40, hours=1)).isoformat())
    found = menu.month_menu(db.session, world.resident1, world.C1.id, START.year, START.month)
    assert [a.id for a in found] == [activity.id]
