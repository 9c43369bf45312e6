"""The tables: a sign-up's code is unique per activity; a check-in is unique per person and kind."""

import pytest
from sqlalchemy.exc import IntegrityError

from backend.activities.models import Checkin, Signup
from backend.extensions import db
from tests.backend.activities.conftest import START, make_activity, sign


def test_codes_and_checkins_are_unique(world, residents):
    activity = make_activity(world)
    first = sign(activity, residents[0])
    assert activity.household is None
    db.session.add(Signup(activity_id=activity.id, community_id=activity.community_id, code=first.code,
                          name="x"))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
    for _ in range(2):
        db.session.add(Checkin(activity_id=activity.id, community_id=activity.community_id, who="name:王阿姨",
                               kind="check_in", at=START))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
