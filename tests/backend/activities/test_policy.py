"""Who reads and acts: residents their community's published menu and their own household's
sign-ups; the door (grid workers, staff) the list; check-ins the door only."""

from backend.activities import policy as act_policy
from backend.activities.models import Activity, Checkin, Signup
from backend.auth import policy
from backend.extensions import db
from tests.backend.activities.conftest import START, make_activity, sign
from tests.factories import UserFactory


def test_reading_and_acting(world, residents):
    published, draft = make_activity(world), make_activity(world, publish=False)
    signup = sign(published, world.resident1, resident_id=world.R1b.id)
    neighbour = sign(published, residents[0])  # of H2
    spouse = UserFactory(role="resident", home=world.H1)
    lone = UserFactory(role="volunteer", scopes=[world.C1])
    db.session.commit()
    assert policy.can(world.resident1, policy.READ, published) and not policy.can(world.resident1, policy.READ, draft)
    assert not policy.can(lone, policy.READ, published)
    assert policy.can(world.worker2, policy.READ, draft) and not policy.can(world.staff2, policy.READ, published)
    assert policy.can(spouse, policy.READ, signup) and not policy.can(world.resident1, policy.READ, neighbour)
    assert policy.can(world.worker2, policy.READ, signup)  # the door's list is the whole community's
    assert policy.can(world.staff1, policy.MANAGE, published) and not policy.can(world.worker1, policy.MANAGE,
                                                                                   published)
    assert act_policy.is_door(world.worker1, world.C1.id) and not act_policy.is_door(world.resident1, world.C1.id)
    checkin = Checkin(activity_id=published.id, community_id=world.C1.id, who="x", kind="check_in", at=START)
    assert policy.can(world.worker1, policy.READ, checkin) and not policy.can(world.resident1, policy.READ, checkin)
    for user in (world.resident1, spouse, world.worker1, world.staff1, world.street1, lone):
        visible = {a.id for a in db.session.scalars(db.select(Activity).where(act_policy.activity_filter(user)))}
        assert visible == {a.id for a in (published, draft) if policy.can(user, policy.READ, a)}
        mine = {s.id for s in db.session.scalars(db.select(Signup).where(act_policy.signup_filter(user)))}
        assert mine == {s.id for s in (signup, neighbour) if policy.can(user, policy.READ, s)}
