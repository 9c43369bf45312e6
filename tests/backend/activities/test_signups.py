"""Sign-ups: places, the waitlist in order of arrival, offers of a freed place (confirm, decline,
expiry), cancellation, a household member, eligibility, refusals."""

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from backend.activities import signups
from backend.activities.models import Activity, Signup
from backend.errors import Conflict, Invalid, NotAllowedNow, Refused
from backend.extensions import db
from tests.backend.activities.conftest import NOW, START, make_activity, sign, step
from tests.factories import ResidentFactory


def _counts(activity):
    db.session.refresh(activity)
    return activity.confirmed_count, activity.held_count, activity.waitlist_count


def test_places_then_the_waitlist_in_order(world, residents):
    activity = make_activity(world, capacity=2)
    a, b, c, d = (sign(activity, r) for r in residents)
    assert [s.status for s in (a, b, c, d)] == ["confirmed", "confirmed", "waitlisted", "waitlisted"]
    assert (c.position, d.position) == (1, 2)
    assert "1" in c.notice
    assert _counts(activity) == (2, 2, 2)
    assert len({s.code for s in (a, b, c, d)}) == 4


def test_a_freed_place_is_offered_to_the_first_then_the_next(world, residents):
    activity = make_activity(world, capacity=1)
    a, b, c = (sign(activity, r) for r in residents[:3])
    step(a, residents[0], "cancel")
    db.session.refresh(b)
    assert b.status == "offered" and b.offer_expires_at == NOW + timedelta(hours=24)
    assert _counts(activity) == (0, 1, 1)
    # a new sign-up does not jump the line
    late = sign(activity, residents[3])
    assert late.status == "waitlisted" and late.position == 3
    step(b, residents[1], "decline")
    db.session.refresh(c)
    assert c.status == "offered"
    step(c, residents[2], "confirm")
    assert c.status == "confirmed" and c.position is None
    assert _counts(activity) == (1, 1, 1)


def test_an_unanswered_offer_expires_and_goes_to_the_next(world, residents):
    activity = make_activity(world, capacity=1)
    a, b, c = (sign(activity, r) for r in residents[:3])
    step(a, residents[0], "cancel")
    later = NOW + timedelta(hours=25)
    with pytest.raises(NotAllowedNow):
        signups.transition(db.session, residents[1], db.session.get(Signup, b.id), "confirm", {}, now=later)
    db.session.rollback()
    assert signups.expire_offers(db.session, later) == 1
    db.session.commit()
    assert signups.expire_offers(db.session, later) == 0
    db.session.refresh(b)
    db.session.refresh(c)
    assert b.status == "expired" and c.status == "offered"
    assert c.offer_expires_at == later + timedelta(hours=24)


def test_an_offer_lasts_at_most_until_the_window_closes(world, residents):
    closes = NOW + timedelta(hours=5)
    activity = make_activity(world, capacity=1, signup_closes_at=closes.isoformat() + "Z")
    a, b = sign(activity, residents[0]), sign(activity, residents[1])
    step(a, residents[0], "cancel")
    db.session.refresh(b)
    assert b.offer_expires_at == closes


def test_no_waitlist_means_told_full(world, residents):
    activity = make_activity(world, capacity=1, waitlist=False)
    sign(activity, residents[0])
    with pytest.raises(Conflict) as caught:
        sign(activity, residents[1])
    assert "activity_id" in caught.value.errors


def test_cancelling_a_waitlisted_place_leaves_the_line_in_order(world, residents):
    activity = make_activity(world, capacity=1)
    a, b, c, d = (sign(activity, r) for r in residents)
    step(c, residents[2], "cancel")
    step(a, residents[0], "cancel")
    db.session.refresh(b)
    db.session.refresh(d)
    assert b.status == "offered" and d.status == "waitlisted"
    assert _counts(activity) == (0, 1, 1)


def test_the_window_and_the_status_are_checked(world, residents):
    activity = make_activity(world, publish=False)
    with pytest.raises(Invalid):  # a draft is not seen by residents
        sign(activity, residents[0])
    db.session.rollback()
    with pytest.raises(NotAllowedNow):  # staff see it, yet it takes no sign-ups
        sign(activity, world.staff1, resident_id=world.R2.id)
    db.session.rollback()
    opens = make_activity(world, signup_opens_at=(NOW + timedelta(days=1)).isoformat() + "Z")
    with pytest.raises(NotAllowedNow):
        sign(opens, residents[0])
    db.session.rollback()
    with pytest.raises(NotAllowedNow):
        sign(opens, residents[0], now=START)


def test_signing_up_twice_is_refused(world, residents):
    activity = make_activity(world)
    sign(activity, residents[0])
    with pytest.raises(Conflict):
        sign(activity, residents[0])


def test_a_household_member_is_signed_up_and_only_of_ones_household(world):
    activity = make_activity(world)
    signup = sign(activity, world.resident1, resident_id=world.R1b.id)
    assert signup.resident_id == world.R1b.id and signup.name == "张秀英" and signup.household_id == world.H1.id
    with pytest.raises(Invalid) as caught:
        sign(activity, world.resident1, resident_id=world.R2.id)
    assert "resident_id" in caught.value.errors


def test_another_communitys_resident_may_not_see_or_join(world):
    from tests.factories import UserFactory

    outsider = UserFactory(role="resident", home=world.H5)
    db.session.commit()
    activity = make_activity(world)
    with pytest.raises(Invalid) as caught:
        sign(activity, outsider)
    assert "activity_id" in caught.value.errors


def test_eligibility_care_tags_buildings_and_age_on_the_server(world):
    activity = make_activity(world, eligibility={"care_tags": ["elderly_alone"]})
    assert sign(activity, world.resident1, resident_id=world.R1.id).status == "confirmed"
    with pytest.raises(Invalid) as caught:
        sign(activity, world.resident1, resident_id=world.R1b.id)  # her own tags count
    assert "eligibility" in caught.value.errors
    db.session.rollback()
    activity = make_activity(world, eligibility={"buildings": [world.B1.id]})
    assert sign(activity, world.resident1).status == "confirmed"
    from tests.factories import UserFactory

    other = UserFactory(role="resident", home=world.H2)
    db.session.commit()
    with pytest.raises(Invalid) as caught:
        sign(activity, other)
    assert caught.value.errors == {"eligibility": caught.value.errors["eligibility"]}
    db.session.rollback()
    elder = ResidentFactory(home=world.H2, name="李大爷")
    elder.birth_date = date(1950, 1, 1)
    child = ResidentFactory(home=world.H2, name="李小朋")
    child.birth_date = date(2018, 6, 1)
    db.session.commit()
    activity = make_activity(world, eligibility={"age_min": 60})
    assert sign(activity, other, resident_id=elder.id).status == "confirmed"
    with pytest.raises(Invalid):
        sign(activity, other, resident_id=child.id)


def test_volunteers_sign_up_for_a_role_without_taking_places(world, residents, helper):
    activity = make_activity(world, capacity=1, volunteer_roles=[{"role": "签到", "count": 1}])
    volunteer = sign(activity, helper, role="volunteer", volunteer_role="签到")
    assert volunteer.status == "confirmed" and _counts(activity) == (0, 0, 0)
    with pytest.raises(Conflict):
        sign(activity, residents[0], role="volunteer", volunteer_role="签到")
    db.session.rollback()
    with pytest.raises(Invalid) as caught:
        sign(activity, residents[0], role="volunteer", volunteer_role="掌勺")
    assert "volunteer_role" in caught.value.errors


def test_actions_are_checked_against_the_machine_and_the_side(world, residents):
    activity = make_activity(world, capacity=1)
    a, b = sign(activity, residents[0]), sign(activity, residents[1])
    with pytest.raises(Refused):
        signups.transition(db.session, residents[1], a, "cancel", {}, now=NOW)
    with pytest.raises(NotAllowedNow):
        signups.transition(db.session, residents[1], b, "confirm", {}, now=NOW)
    with pytest.raises(NotAllowedNow):
        signups.transition(db.session, residents[0], a, "rate", {"score": 5}, now=NOW)
    with pytest.raises(Invalid) as caught:
        signups.transition(db.session, residents[0], a, "cancel", {"score": 5}, now=NOW)
    assert "score" in caught.value.errors
    with pytest.raises(Invalid):
        signups.transition(db.session, residents[0], a, "fly", {}, now=NOW)
    assert signups.actions_for(residents[0], a) == ["cancel"]
    assert "check_in" in signups.actions_for(world.worker1, a)
    step(a, residents[0], "cancel")
    with pytest.raises(NotAllowedNow):
        signups.transition(db.session, residents[0], a, "cancel", {}, now=NOW)


def test_the_household_sees_and_cancels_a_members_signup(world):
    from tests.factories import UserFactory

    spouse = UserFactory(role="resident", home=world.H1)
    db.session.commit()
    activity = make_activity(world)
    signup = sign(activity, world.resident1, resident_id=world.R1b.id)
    assert signups.actions_for(spouse, signup) == ["cancel"]
    step(signup, spouse, "cancel")
    assert signup.status == "cancelled"


def test_reminders_the_day_before_once(world, residents):
    activity = make_activity(world)
    signup = sign(activity, residents[0])
    assert signups.remind(db.session, NOW) == 0
    eve = START - timedelta(hours=20)
    assert signups.remind(db.session, eve) == 1
    db.session.commit()
    assert signups.remind(db.session, eve + timedelta(hours=1)) == 0
    db.session.refresh(signup)
    assert signup.reminded_at == eve and "一碗腊八粥" in signup.notice


def test_counts_never_pass_capacity_in_the_table(world, residents):
    activity = make_activity(world, capacity=2)
    for r in residents:
        sign(activity, r)
    confirmed = db.session.scalars(select(Signup).where(Signup.activity_id == activity.id,
                                                        Signup.status == "confirmed")).all()
    assert len(confirmed) == db.session.get(Activity, activity.id).confirmed_count == 2
