"""After the activity: attendance closes (no_show, expired), volunteers' hours post to the points
bank exactly once, whatever the number of closes and sweeps; staff close; the sweep."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from backend.activities import attendance, checkins
from backend.errors import NotAllowedNow, Refused
from backend.extensions import db
from backend.points import services as points_services
from backend.points.models import PointsEntry
from tests.backend.activities.conftest import NOW, START, make_activity, sign
from tests.timing import aware

END = START + timedelta(hours=2)


def _fund(world):
    points_services.grant(db.session, world.staff1, world.C1.id, 1000)
    db.session.commit()


def _entries(reference_prefix="activity-hours:"):
    from backend.points.models import PointsTransaction

    return db.session.scalar(select(func.count()).select_from(PointsTransaction).where(
        PointsTransaction.reference.like(reference_prefix + "%")))


def _tick(worker, activity, signup, at, kind="check_in"):
    checkins.record(db.session, worker, {"activity_id": activity.id, "signup_id": signup.id, "kind": kind,
                                          "at": aware(at).isoformat()}, now=at)
    db.session.commit()


def test_close_marks_the_absent_and_posts_hours_once(world, residents, helper):
    _fund(world)
    activity = make_activity(world, capacity=1, volunteer_roles=[{"role": "签到", "count": 1}])
    came, absent = sign(activity, residents[0]), sign(activity, residents[1])
    volunteer = sign(activity, helper, role="volunteer", volunteer_role="签到")
    _tick(world.worker1, activity, came, START)
    _tick(world.worker1, activity, volunteer, START - timedelta(hours=1))
    counts = attendance.close(db.session, activity, END)
    db.session.commit()
    assert counts == {"no_show": 0, "expired": 1, "hours_posted": 1}
    for signup in (came, absent, volunteer):
        db.session.refresh(signup)
    assert (came.status, absent.status, volunteer.status) == ("attended", "expired", "attended")
    assert volunteer.hours == 3.0 and volunteer.hours_posted  # no check-out: to the activity's end
    assert activity.status == "done"
    assert attendance.close(db.session, activity, END + timedelta(hours=1))["hours_posted"] == 0
    assert attendance.sweep(db.session, END + timedelta(days=1))["hours_posted"] == 0
    db.session.commit()
    assert _entries() == 1
    earned = db.session.scalars(select(PointsEntry).where(PointsEntry.kind == "hours", PointsEntry.amount > 0)).all()
    assert len(earned) == 1


def test_hours_wait_for_a_funded_pool(world, helper):
    activity = make_activity(world, volunteer_roles=[{"role": "签到", "count": 1}])
    volunteer = sign(activity, helper, role="volunteer", volunteer_role="签到")
    _tick(world.worker1, activity, volunteer, START)
    _tick(world.worker1, activity, volunteer, START + timedelta(hours=1), kind="check_out")
    assert attendance.close(db.session, activity, END)["hours_posted"] == 0
    db.session.commit()
    db.session.refresh(volunteer)
    assert not volunteer.hours_posted and volunteer.hours == 1.0
    _fund(world)
    assert attendance.sweep(db.session, END + timedelta(hours=1))["hours_posted"] == 1
    db.session.commit()
    assert _entries() == 1


def test_staff_close_once_begun(world, residents):
    activity = make_activity(world)
    signup = sign(activity, residents[0])
    with pytest.raises(NotAllowedNow):
        attendance.close_by_staff(db.session, world.staff1, activity, now=NOW)
    with pytest.raises(Refused):
        attendance.close_by_staff(db.session, world.worker1, activity, now=END)
    assert attendance.close_by_staff(db.session, world.staff1, activity, now=END)["no_show"] == 1
    db.session.commit()
    db.session.refresh(signup)
    assert signup.status == "no_show"


def test_the_sweep_is_idempotent(world, residents):
    activity = make_activity(world, capacity=1)
    first, second = sign(activity, residents[0]), sign(activity, residents[1])
    from backend.activities import signups

    signups.transition(db.session, residents[0], first, "cancel", {}, now=NOW)
    db.session.commit()
    later = NOW + timedelta(hours=25)
    assert attendance.sweep(db.session, later) == {"expired": 1, "reminded": 0, "closed": 0, "hours_posted": 0}
    db.session.commit()
    assert attendance.sweep(db.session, later) == {"expired": 0, "reminded": 0, "closed": 0, "hours_posted": 0}
    assert attendance.sweep(db.session, END)["closed"] == 1
    db.session.commit()
    assert attendance.sweep(db.session, END)["closed"] == 0
    db.session.refresh(second)
    assert second.status == "expired"
