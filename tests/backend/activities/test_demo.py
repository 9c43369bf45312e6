"""The demo city's activities: a year's menu per community through the services, with sign-ups, a
waitlist, check-ins, ratings and closed attendance; run again, nothing is added."""

from sqlalchemy import func, select

from backend.activities import demo
from backend.activities.models import Activity, Checkin, Signup
from backend.extensions import db
from tests.factories import UserFactory


def test_a_years_menu_per_community_once(world):
    for _ in range(4):
        UserFactory(role="resident", home=world.H2)
    db.session.commit()
    counts = demo.populate(seed=1)
    db.session.commit()
    per_community = dict(db.session.execute(select(Activity.community_id, func.count()).group_by(
        Activity.community_id)).all())
    assert per_community[world.C1.id] == 12 and per_community[world.C2.id] == 12
    assert counts["activities"] == db.session.scalar(select(func.count()).select_from(Activity))
    statuses = set(db.session.scalars(select(Signup.status)))
    assert {"confirmed", "waitlisted"} <= statuses or {"attended"} <= statuses
    assert db.session.scalar(select(func.count()).select_from(Checkin)) == counts["checkins"]
    assert demo.populate(seed=1)["activities"] == 0
