"""Every action from every state, and every action by every role."""

from datetime import timedelta

import pytest

from backend.errors import Invalid, NotAllowedNow, Refused
from backend.extensions import db
from backend.ratings import services as ratings
from backend.requests import services
from backend.requests.models import STATUSES, RequestEvent
from tests.backend.requests.conftest import NOW, in_state, raise_request

ALLOWED_FROM = {
    "accept": {"submitted", "reopened"},
    "dispatch": {"accepted", "returned", "reopened", "dispatched", "in_progress"},
    "start": {"dispatched"},
    "reply": {"submitted", "accepted", "dispatched", "in_progress", "returned", "escalated", "reopened",
              "resolved"},
    "note": set(STATUSES),
    "return": {"dispatched", "in_progress"},
    "escalate": {"accepted", "dispatched", "in_progress", "returned", "reopened", "escalated"},
    "respond": {"escalated"},
    "resolve": {"accepted", "dispatched", "in_progress"},
    "rate": {"resolved"},
    "reopen": {"resolved", "closed"},
    "merge": {"submitted", "accepted", "dispatched", "in_progress", "returned", "escalated", "reopened"},
    "withdraw": {"submitted", "accepted", "dispatched", "returned"},
    "place": {"submitted", "accepted", "returned", "reopened", "escalated"},
}
LEADS_TO = {"accept": "accepted", "dispatch": "dispatched", "start": "in_progress", "return": "returned",
            "escalate": "escalated", "respond": "in_progress", "resolve": "resolved", "rate": "closed",
            "reopen": "reopened", "merge": "merged", "withdraw": "withdrawn"}
KIND = {"accept": "accepted", "dispatch": "dispatched", "start": "started", "reply": "replied", "note": "noted",
        "return": "returned", "escalate": "escalated", "respond": "responded", "resolve": "resolved",
        "rate": "rated", "reopen": "reopened", "merge": "merged", "withdraw": "withdrawn", "place": "placed"}
# A request is placed in a grid only when it is about no household: staff raise one for a grid.
NO_HOUSEHOLD = {"place"}


def _data(world, action):
    other = raise_request(world, description="另一件") if action == "merge" else None
    return {"accept": {}, "dispatch": {"assignee_id": world.worker1.id}, "start": {}, "reply": {"message": "好的"},
            "note": {"message": "内部备注"}, "return": {"message": "不归网格管"}, "escalate": {"message": "需要街道"},
            "respond": {"message": "街道已安排"}, "resolve": {"message": "已处理"}, "rate": {"score": 4},
            "reopen": {"message": "又坏了"}, "merge": {"duplicate_of_id": other.id if other else None},
            "withdraw": {}, "place": {"grid_id": world.G2.id}}[action]


def _forced(world, status, *, level="community", assignee=None, **data):
    """A request put straight into `status` with `assignee`, whatever the steps: the tables below try
    every action from every state on requests of one shape (an assignee in every state), which the
    machine's own steps (in_state) never give a submitted or accepted request."""
    request = raise_request(world, **data)
    request.status = status
    request.level = level
    request.holder_node_id = {"community": world.C1.id, "street": world.S1.id, "district": world.D.id}[level]
    request.assignee_id = assignee.id if assignee else None
    if status in ("resolved", "closed"):
        request.resolved_at = NOW - timedelta(days=1)
    db.session.commit()
    db.session.refresh(request)
    return request


def _in_state(world, action, status, level, assignee):
    if action in NO_HOUSEHOLD:
        return _forced(world, status, level=level, assignee=assignee, actor=world.staff1, household_id=None,
                       grid_id=world.G1.id)
    return _forced(world, status, level=level, assignee=assignee)


def _actor(world, action, request):
    who = {"rate": "resident1", "reopen": "resident1", "withdraw": "resident1", "start": "worker1",
           "return": "worker1"}.get(action)
    if who:
        return world.users[who]
    return world.street1 if request.level == "street" else world.staff1


def test_the_table_covers_every_action():
    assert set(ALLOWED_FROM) == set(services.TRANSITIONS)
    assert {a: set(services.TRANSITIONS[a][0]) for a in services.TRANSITIONS} == ALLOWED_FROM


@pytest.mark.parametrize("action", sorted(ALLOWED_FROM))
@pytest.mark.parametrize("status", STATUSES)
def test_every_action_from_every_state(world, action, status):
    level = "street" if status == "escalated" else "community"
    request = _in_state(world, action, status, level, world.worker1)
    actor = _actor(world, action, request)
    data = _data(world, action)
    if status in ALLOWED_FROM[action]:
        assert action in services.ACTIONS_FOR(actor, request, now=NOW)
        event = services.transition(db.session, actor, request, action, data, now=NOW)
        db.session.commit()
        assert event.kind == KIND[action]
        assert request.status == LEADS_TO.get(action, status)
        assert event.data["from_status"] == status
    else:
        with pytest.raises(NotAllowedNow) as refused:
            services.transition(db.session, actor, request, action, data, now=NOW)
        assert refused.value.status == 409
        db.session.rollback()
        db.session.refresh(request)
        assert request.status == status
        assert action not in services.ACTIONS_FOR(actor, request, now=NOW)


USERS = ["admin", "district", "street1", "street2", "staff1", "staff2", "worker1", "worker2", "station1",
         "resident1", "volunteer1"]
# action -> (the state to try it from, level, who may)
WHO = {
    "accept": ("submitted", "community", {"admin", "staff1"}),
    "dispatch": ("accepted", "community", {"admin", "staff1"}),
    "start": ("dispatched", "community", {"worker1"}),
    "reply": ("accepted", "community", {"admin", "staff1", "worker1"}),
    "note": ("accepted", "community", {"admin", "staff1", "worker1"}),
    "return": ("in_progress", "community", {"worker1"}),
    "escalate": ("accepted", "community", {"admin", "staff1"}),
    "respond": ("escalated", "street", {"admin", "street1"}),
    "resolve": ("in_progress", "community", {"admin", "staff1", "worker1"}),
    "rate": ("resolved", "community", {"resident1"}),
    "reopen": ("resolved", "community", {"admin", "staff1", "resident1"}),
    "merge": ("accepted", "community", {"admin", "staff1"}),
    "withdraw": ("submitted", "community", {"resident1"}),
    "place": ("accepted", "community", {"admin", "staff1"}),
}


@pytest.mark.parametrize("action", sorted(WHO))
def test_every_action_by_every_role(world, action):
    status, level, allowed = WHO[action]
    for username in USERS:
        user = world.users[username]
        request = _in_state(world, action, status, level, world.worker1)
        data = _data(world, action)
        assert (action in services.ACTIONS_FOR(user, request, now=NOW)) == (username in allowed), username
        if username in allowed:
            services.transition(db.session, user, request, action, data, now=NOW)
            db.session.commit()
        else:
            # Rating names its target: one out of reach is "no such request" (nothing about it leaks).
            refusal = (Refused, Invalid) if action == "rate" else Refused
            with pytest.raises(refusal) as refused:
                services.transition(db.session, user, request, action, data, now=NOW)
            if isinstance(refused.value, Invalid):
                assert "target_id" in refused.value.errors
            db.session.rollback()


def test_a_department_request_is_started_and_returned_by_the_holder(world, departments):
    request = in_state(world, "accepted")
    services.transition(db.session, world.staff1, request, "dispatch", {"department_id": departments["S1"].id},
                        now=NOW)
    assert services.ACTIONS_FOR(world.worker1, request, now=NOW) == []
    services.transition(db.session, world.staff1, request, "start", {"message": "部门已接单"}, now=NOW)
    services.transition(db.session, world.staff1, request, "return", {"message": "部门退回"}, now=NOW)
    assert request.status == "returned" and request.department_id is None


def test_the_whole_life_of_a_request_and_what_the_resident_sees(world, departments):
    request = raise_request(world)
    steps = [(world.staff1, "accept", {}), (world.staff1, "dispatch", {"assignee_id": world.worker1.id}),
             (world.worker1, "start", {}), (world.worker1, "note", {"message": "内部：物业推诿"}),
             (world.worker1, "return", {"message": "需要街道协调"}),
             (world.staff1, "escalate", {"message": "请街道协调物业"}),
             (world.street1, "respond", {"message": "已转城管", "department_id": departments["S1"].id}),
             (world.street1, "resolve", {"message": "已清运"}), (world.resident1, "rate", {"score": 5})]
    for minute, (actor, action, data) in enumerate(steps, 1):
        services.transition(db.session, actor, request, action, data, now=NOW + timedelta(minutes=minute))
    db.session.commit()
    assert request.status == "closed" and request.level == "street" and request.holder_node_id == world.S1.id
    assert request.department_id == departments["S1"].id and request.escalations == 1
    staff_kinds = [e.kind for e in services.timeline(db.session, world.staff1, request)]
    assert staff_kinds == ["submitted", "accepted", "dispatched", "started", "noted", "returned", "escalated",
                           "responded", "resolved", "rated"]
    resident_kinds = [e.kind for e in services.timeline(db.session, world.resident1, request)]
    assert "noted" not in resident_kinds and "returned" not in resident_kinds and "rated" in resident_kinds


def test_data_faults_name_the_field(world, departments):
    request = in_state(world, "accepted")
    cases = [("dispatch", {}, "assignee_id"),
             ("dispatch", {"assignee_id": world.worker1.id, "department_id": departments["S1"].id}, "assignee_id"),
             ("dispatch", {"assignee_id": world.worker2.id}, "assignee_id"),  # another grid's worker
             ("dispatch", {"assignee_id": world.street1.id}, "assignee_id"),
             ("dispatch", {"department_id": departments["S2"].id}, "department_id"),  # another street's
             ("escalate", {"message": "  "}, "message"), ("resolve", {}, "message"),
             ("merge", {"duplicate_of_id": request.id}, "duplicate_of_id"),
             ("accept", {"score": 3}, "score"), ("reply", {"message": "x" * 2001}, "message")]
    for action, data, field in cases:
        with pytest.raises(Invalid) as invalid:
            services.transition(db.session, world.staff1, request, action, data, now=NOW)
        assert field in invalid.value.errors, (action, data)
    with pytest.raises(Invalid) as invalid:
        services.transition(db.session, world.staff1, request, "fly", {}, now=NOW)
    assert "action" in invalid.value.errors


def test_escalation_climbs_to_the_district_and_stops(world):
    request = in_state(world, "accepted")
    services.transition(db.session, world.staff1, request, "escalate", {"message": "上报"}, now=NOW)
    assert (request.level, request.holder_node_id) == ("street", world.S1.id)
    services.transition(db.session, world.street1, request, "escalate", {"message": "再上报"}, now=NOW)
    assert (request.level, request.holder_node_id) == ("district", world.D.id)
    assert "escalate" not in services.ACTIONS_FOR(world.district, request, now=NOW)
    services.transition(db.session, world.district, request, "respond", {"message": "区里牵头"}, now=NOW)
    with pytest.raises(NotAllowedNow) as refused:
        services.transition(db.session, world.district, request, "escalate", {"message": "还要上报"}, now=NOW)
    assert "区级" in refused.value.detail


def test_reopen_only_within_seven_days(world):
    late = in_state(world, "resolved", at=NOW - timedelta(days=8))
    with pytest.raises(NotAllowedNow) as refused:
        services.transition(db.session, world.resident1, late, "reopen", {"message": "又坏了"}, now=NOW)
    assert "7" in refused.value.detail
    fresh = in_state(world, "resolved", at=NOW - timedelta(days=6))
    services.transition(db.session, world.resident1, fresh, "reopen", {"message": "又坏了"}, now=NOW)
    assert fresh.status == "reopened" and fresh.resolved_at is None


def test_merge_points_at_the_survivor(world):
    keep = raise_request(world, description="门禁坏了")
    dup = raise_request(world, description="门禁又坏了")
    services.transition(db.session, world.staff1, dup, "merge", {"duplicate_of_id": keep.id}, now=NOW)
    db.session.commit()
    assert dup.status == "merged" and dup.duplicate_of_id == keep.id
    event = db.session.scalar(db.select(RequestEvent).where(RequestEvent.request_id == dup.id,
                                                            RequestEvent.kind == "merged"))
    assert event.public and event.data["duplicate_of_id"] == keep.id


def test_rating_a_request_reopened_meanwhile_is_refused_with_the_reason(world):
    request = in_state(world, "resolved")
    services.transition(db.session, world.staff1, request, "reopen", {"message": "复查发现没修好"}, now=NOW)
    db.session.commit()
    with pytest.raises(NotAllowedNow) as refused:
        ratings.rate(db.session, world.resident1, "request", request.id, 5, "谢谢", now=NOW)
    assert refused.value.status == 409
    assert refused.value.detail == ("该诉求已不是“已办结”状态：它于 2026-11-27 被重新打开，正在重新办理。"
                                    "请在再次办结后评价。")
