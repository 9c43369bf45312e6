"""Who reads a request and its events, who acts on it, who raises one, who may be
dispatched it, and who keeps the request office's settings and departments."""

import pytest
from sqlalchemy import select

from backend.auth import policy
from backend.extensions import db
from backend.requests import policy as request_policy
from backend.requests import services
from backend.requests.models import Request
from tests.backend.requests.conftest import NOW, in_state, raise_request

ALL = ["admin", "district", "street1", "street2", "staff1", "staff2", "worker1", "worker2", "station1", "resident1",
       "volunteer1"]


def test_each_role_sees_its_scope(world):
    mine = raise_request(world)
    g2 = raise_request(world, actor=world.worker2, household_id=world.H2.id)
    c2 = raise_request(world, actor=world.staff2, household_id=world.H5.id)
    village = raise_request(world, actor=world.station1, household_id=world.H3.id)
    expected = {
        "admin": {mine, g2, c2, village}, "district": {mine, g2, c2, village}, "street1": {mine, g2, c2},
        "street2": {village}, "staff1": {mine, g2}, "staff2": {c2}, "worker1": {mine}, "worker2": {g2},
        "station1": {village}, "resident1": {mine}, "volunteer1": set(),
    }
    everything = db.session.scalars(select(Request)).all()
    for username in ALL:
        user = world.users[username]
        listed = set(db.session.scalars(services.visible_requests(db.session, user)))
        assert listed == {r for r in everything if policy.can(user, policy.READ, r)} == expected[username], username


def test_residents_never_see_internal_events(world):
    request = raise_request(world)
    services.transition(db.session, world.staff1, request, "note", {"message": "内部"}, now=NOW)
    services.transition(db.session, world.staff1, request, "reply", {"message": "马上处理"}, now=NOW)
    events = request.events
    for event in events:
        assert policy.can(world.resident1, policy.READ, event) == event.public
        assert policy.can(world.staff1, policy.READ, event)
        assert not policy.can(world.staff2, policy.READ, event)
    assert [e.kind for e in services.timeline(db.session, world.resident1, request)] == ["submitted", "replied"]


def test_only_registry_keepers_reveal_the_phone(world):
    request = raise_request(world, requester_phone="13912345678")
    assert policy.can(world.staff1, policy.REVEAL, request) and policy.can(world.worker1, policy.REVEAL, request)
    assert not policy.can(world.street1, policy.REVEAL, request)
    assert not policy.can(world.resident1, policy.REVEAL, request)

def test_a_deactivated_account_reads_nothing_and_acts_on_nothing(world):
    request = in_state(world, "dispatched", assignee=world.worker1)
    assert request_policy.can_act_on_request(world.worker1, request, "start")
    world.worker1.is_active_flag = False
    db.session.commit()
    assert not policy.can(world.worker1, policy.READ, request)
    assert db.session.scalars(services.visible_requests(db.session, world.worker1)).all() == []
    assert not request_policy.can_act_on_request(world.worker1, request, "start")
    assert not request_policy.can_be_assigned(world.worker1, request)
    assert not request_policy.can_raise_request(world.worker1, household=world.H1)


def test_only_reading_and_revealing_are_rules_of_a_request(world):
    request = raise_request(world)
    for verb in (policy.CHANGE, policy.RETIRE, policy.MANAGE):
        assert not policy.can(world.admin, verb, request), verb
    assert policy.can(world.admin, policy.READ, request) and policy.can(world.admin, policy.REVEAL, request)


def test_a_resident_reads_what_staff_raised_for_their_household_and_acts_on_it_as_its_requester(world):
    request = raise_request(world, actor=world.staff1)
    assert request.on_behalf and request.requester_id == world.staff1.id
    assert policy.can(world.resident1, policy.READ, request)
    assert request in db.session.scalars(services.visible_requests(db.session, world.resident1)).all()
    assert request_policy.is_requester_side(world.resident1, request)
    assert not request_policy.is_requester_side(world.staff1, request)  # who raised it for them is not


def test_who_raised_a_request_on_behalf_may_withdraw_it_but_not_rate_it(world):
    request = raise_request(world, actor=world.worker1)
    assert request_policy.can_act_on_request(world.worker1, request, "withdraw")
    assert not request_policy.can_act_on_request(world.worker1, request, "rate")
    # The holder's staff did not raise it: they do not withdraw it for the resident.
    assert not request_policy.can_act_on_request(world.staff1, request, "withdraw")
    assert request_policy.can_act_on_request(world.resident1, request, "withdraw")


def test_the_work_is_started_by_the_assignee_or_for_a_department_by_the_holder(world, departments):
    assigned = in_state(world, "dispatched", assignee=world.worker1)
    assert request_policy.can_act_on_request(world.worker1, assigned, "start")
    assert not request_policy.can_act_on_request(world.staff1, assigned, "start")
    for_department = in_state(world, "dispatched", department=departments["S1"])
    assert request_policy.can_act_on_request(world.staff1, for_department, "start")
    assert not request_policy.can_act_on_request(world.worker1, for_department, "start")
    assert not request_policy.can_act_on_request(world.staff1, for_department, "fly")  # no such action


def test_the_holder_is_the_staff_of_the_level_holding_it(world):
    request = in_state(world, "escalated", level="street")
    assert request_policy.is_request_holder(world.street1, request)
    assert request_policy.is_request_holder(world.admin, request)
    assert not request_policy.is_request_holder(world.staff1, request)  # it left the community
    assert not request_policy.is_request_holder(world.street2, request)  # another street
    assert not request_policy.is_request_holder(world.district, request)  # not up to the district yet


def test_who_raises_a_request_where(world):
    can_raise = request_policy.can_raise_request
    assert can_raise(world.resident1, household=world.H1)
    assert not can_raise(world.resident1, household=world.H2)
    assert not can_raise(world.resident1, grid=world.G1)
    assert can_raise(world.worker1, household=world.H1) and not can_raise(world.worker1, household=world.H2)
    assert can_raise(world.station1, household=world.H3) and not can_raise(world.station1, household=world.H1)
    assert not can_raise(world.worker1, grid=world.G1)  # a grid of no household: staff only
    assert can_raise(world.staff1, grid=world.G2) and not can_raise(world.staff1, grid=world.G5)
    assert not can_raise(world.staff1, grid=world.C1)  # not a grid
    for username in ("street1", "district", "volunteer1"):
        assert not can_raise(world.users[username], household=world.H1), username
    world.G2.retired_at = NOW
    assert not can_raise(world.staff1, grid=world.G2)
    assert not can_raise(world.admin)  # nowhere named


def test_who_a_request_may_be_dispatched_to(world):
    request = raise_request(world)
    assert request_policy.can_be_assigned(world.worker1, request)
    assert request_policy.can_be_assigned(world.staff1, request)
    assert not request_policy.can_be_assigned(world.worker2, request)  # another grid
    assert not request_policy.can_be_assigned(world.staff2, request)  # another community
    assert not request_policy.can_be_assigned(world.street1, request)  # an officer, not a worker
    assert not request_policy.can_be_assigned(world.station1, request)
    assert not request_policy.can_be_assigned(None, request)


@pytest.mark.parametrize(("username", "office"), [
    ("admin", True), ("district", True), ("street1", True), ("staff1", True), ("station1", True),
    ("worker1", False), ("resident1", False), ("volunteer1", False)])
def test_the_request_office_serves_the_roles_that_read_whole_communities(world, username, office):
    assert request_policy.can_use_request_office(world.users[username]) is office


def test_a_communitys_settings_are_kept_by_its_staff_and_the_offices_above(world):
    keeps = request_policy.can_keep_request_settings
    assert keeps(world.staff1, world.C1) and not keeps(world.staff1, world.C2)
    assert keeps(world.street1, world.C1) and not keeps(world.street2, world.C1)
    assert keeps(world.district, world.V1) and keeps(world.admin, world.V1)
    for username in ("worker1", "station1", "resident1", "volunteer1"):
        assert not keeps(world.users[username], world.C1), username
    assert not keeps(world.admin, world.G1) and not keeps(world.admin, world.S1)  # communities only
    assert not keeps(world.admin, None)
    world.C1.retired_at = NOW
    assert not keeps(world.staff1, world.C1)


def test_departments_are_kept_by_the_officers_of_their_area(world):
    keeps = request_policy.can_keep_department
    assert keeps(world.street1, world.S1) and keeps(world.street1, world.C1)
    assert not keeps(world.street1, world.S2) and not keeps(world.street1, world.D)
    assert keeps(world.district, world.D) and keeps(world.admin, world.V1)
    assert not keeps(world.staff1, world.C1)  # community staff use departments, they do not keep them
    assert not keeps(world.admin, world.G1) and not keeps(world.admin, world.ST1)  # no grid's or station's
    world.S2.retired_at = NOW
    assert not keeps(world.admin, world.S2)
