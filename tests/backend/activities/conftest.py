"""Helpers of the activities tests: an activity of C1 (幸福社区) made and published by staff1, sign-ups
through the services, the clock at EPOCH."""

from datetime import timedelta

import pytest

from backend.activities import menu, signups
from backend.extensions import db
from tests.factories import UserFactory
from tests.timing import EPOCH, aware

NOW = EPOCH
START = EPOCH + timedelta(days=3)


def make_activity(world, now=NOW, publish=True, staff=None, **data):
    values = {"community_id": world.C1.id, "title": "一碗腊八粥", "description": "社区食堂一起熬粥",
              "starts_at": aware(START).isoformat(), "ends_at": aware(START + timedelta(hours=2)).isoformat(),
              "capacity": 2} | data
    staff = staff or world.staff1
    activity = menu.create_activity(db.session, staff, values, now=now)
    if publish:
        menu.publish(db.session, staff, activity, now=now)
    db.session.commit()
    return activity


def sign(activity, user, now=NOW, **data):
    signup = signups.sign_up(db.session, user, {"activity_id": activity.id} | data, now=now)
    db.session.commit()
    return signup


def step(signup, actor, action, now=NOW, **data):
    signups.transition(db.session, actor, signup, action, data, now=now)
    db.session.commit()
    return signup


@pytest.fixture
def residents(world):
    """Four more residents of C1 (households H1 and H2 of C1)."""
    made = [UserFactory(role="resident", home=world.H1 if i % 2 else world.H2) for i in range(4)]
    db.session.commit()
    return made


@pytest.fixture
def helper(world):
    """A volunteer of C1 who belongs to household H2 (a volunteer takes part as a neighbour)."""
    made = UserFactory(username="helper1", display_name="志愿者小周", role="volunteer", home=world.H2)
    db.session.commit()
    return made
