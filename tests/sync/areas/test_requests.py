"""Requests over the sync protocol: raised offline, moved by actions, exactly once, in scope."""

import uuid

import pytest

from backend.auth import policy
from backend.extensions import db
from backend.ratings.models import Rating
from backend.requests import services
from backend.requests.models import Request, RequestEvent

USERS = ["admin", "district1", "street1", "street2", "staff1", "staff2", "worker1", "worker2", "station1",
         "resident1", "volunteer1"]


def _raise(phone, **data):
    mutation = phone.record("requests", "create", data={"category": "environment", "description": "垃圾没清运"} | data)
    return mutation, phone.push()[mutation["id"]]


def _act(phone, record_id, action, **data):
    mutation = phone.record("requests", "action", record_id, data, action=action)
    return phone.push()[mutation["id"]]


def test_raised_offline_then_pushed_and_handled_through_actions(world, device):
    resident, staff, worker = device("resident1"), device("staff1"), device("worker1")
    mutation, result = _raise(resident, requester_phone="13912345678", location={"lat": 39.9, "lng": 116.4})
    assert result["status"] == "applied", result
    request_id = mutation["record_id"]
    for phone in (resident, staff, worker):
        phone.pull()
    record = staff.get("requests", request_id)
    assert record["status"] == "submitted" and record["household_id"] == world.H1.id
    assert "13912345678" not in str(staff.records) and "requester_phone_enc" not in record
    assert {e["kind"] for e in staff.records.values() if e.get("request_id") == request_id} == {"submitted"}
    assert _act(staff, request_id, "accept")["status"] == "applied"
    assert _act(staff, request_id, "dispatch", assignee_id=world.worker1.id)["status"] == "applied"
    assert _act(worker, request_id, "start", message="在路上")["status"] == "applied"
    assert _act(worker, request_id, "note", message="内部：物业不配合")["status"] == "applied"
    result = _act(worker, request_id, "resolve", message="已清运")
    assert result["status"] == "applied" and result["version"] > record["version"]
    resident.pull()
    assert resident.get("requests", request_id)["status"] == "resolved"
    kinds = sorted(r["kind"] for r in resident.records.values() if r.get("request_id") == request_id)
    assert kinds == ["accepted", "dispatched", "resolved", "started", "submitted"]  # no internal note
    result = _act(resident, request_id, "rate", score=5, comment="谢谢")
    assert result["status"] == "applied"
    staff.pull()
    assert staff.get("requests", request_id)["status"] == "closed"
    assert [r["score"] for (name, _id), r in staff.records.items() if name == "ratings"] == [5]


def test_the_state_machine_and_the_rules_reject_clearly(world, device):
    worker, resident = device("worker1"), device("resident1")
    _mutation, result = _raise(worker, household_id=world.H1.id, on_behalf=True)
    assert result["status"] == "rejected" and "consent" in result["error"]["errors"]
    mutation, result = _raise(worker, household_id=world.H1.id, on_behalf=True, consent=True)
    assert result["status"] == "applied"
    request_id = mutation["record_id"]
    worker.pull()
    base = worker.get("requests", request_id)["version"]
    for op in ("update", "delete"):
        result = worker.push_raw([worker.mutation("requests", op, request_id, {}, base_version=base)]).get_json()
        rejected = result["results"][0]
        assert rejected["status"] == "rejected" and "只能通过操作" in rejected["error"]["detail"]
    result = worker.push_raw([worker.mutation("requests", "update", request_id, {"status": "closed"},
                                              base_version=base)]).get_json()["results"][0]
    assert result["status"] == "rejected" and "只能通过操作" in result["error"]["detail"]
    bad = worker.push_raw([worker.mutation("requests", "action", request_id, {"status": "x"}, action="accept")])
    assert bad.status_code == 422 and "mutations.0.data.status" in bad.get_json()["errors"]
    assert _act(worker, request_id, "resolve", message="好了")["error"]["status"] == 403  # not assigned to them
    result = _act(device("staff1"), request_id, "resolve", message="好了")
    assert result["status"] == "rejected" and result["error"]["status"] == 409
    assert "已提交" in result["error"]["detail"]
    assert result["error"]["title"] == "Not allowed in this state"
    assert _act(resident, request_id, "accept")["error"]["status"] == 403
    assert _act(device("staff2"), request_id, "accept")["error"]["status"] == 404
    events = worker.push_raw([worker.mutation("request_events", "create", data={})]).get_json()["results"][0]
    assert events["status"] == "rejected" and "由服务器记录" in events["error"]["detail"]
    db.session.expire_all()
    assert db.session.get(Request, request_id).status == "submitted"


def test_rating_after_staff_reopened_is_rejected_with_the_reason(world, device):
    resident, staff = device("resident1"), device("staff1")
    mutation, _result = _raise(resident)
    request_id = mutation["record_id"]
    staff.pull()
    _act(staff, request_id, "accept")
    _act(staff, request_id, "resolve", message="已处理")
    resident.pull()
    assert resident.get("requests", request_id)["status"] == "resolved"
    # Offline, the resident rates; meanwhile staff find the fix did not hold and reopen it.
    rate = resident.record("requests", "action", request_id, {"score": 5}, action="rate")
    rating = resident.record("ratings", "create", data={"target_type": "request", "target_id": request_id,
                                                        "score": 4})
    assert _act(staff, request_id, "reopen", message="复查没修好")["status"] == "applied"
    results = resident.push()
    for mutation in (rate, rating):
        result = results[mutation["id"]]
        assert result["status"] == "rejected", result
        assert result["error"]["status"] == 409
        assert "已不是“已办结”状态" in result["error"]["detail"] and "被重新打开" in result["error"]["detail"]
    assert resident.outbox == []  # rejected mutations are dropped, never retried
    db.session.expire_all()
    assert db.session.get(Request, request_id).status == "reopened"
    assert db.session.scalar(db.select(db.func.count()).select_from(Rating)) == 0


def test_replays_apply_once(world, device):
    resident = device("resident1")
    create = resident.mutation("requests", "create", data={"category": "other", "description": "咨询"})
    first = resident.push_raw([create]).get_json()["results"][0]
    again = resident.push_raw([create]).get_json()["results"][0]
    assert first["status"] == again["status"] == "applied" and again["duplicate"] is True
    withdraw = resident.mutation("requests", "action", create["record_id"], {"message": "不用了"}, action="withdraw")
    resident.push_raw([withdraw, withdraw])
    replay = resident.push_raw([withdraw]).get_json()["results"][0]
    assert replay["status"] == "applied" and replay["duplicate"] is True
    kinds = db.session.scalars(db.select(RequestEvent.kind).where(RequestEvent.request_id == create["record_id"]))
    assert sorted(kinds) == ["submitted", "withdrawn"]
    rate_id = str(uuid.uuid4())
    other = resident.mutation("ratings", "create", rate_id, {"target_type": "request", "target_id": "nope",
                                                             "score": 3})
    assert resident.push_raw([other]).get_json()["results"][0]["error"]["errors"] == {
        "target_id": ["您的范围内没有此诉求。"]}


def _readable(user, model):
    return {r.id for r in db.session.scalars(db.select(model)) if policy.can(user, policy.READ, r)}


@pytest.fixture
def requests_everywhere(world):
    made = []
    for actor, household in [(world.resident1, world.H1), (world.worker2, world.H2), (world.staff2, world.H5),
                             (world.station1, world.H3)]:
        data = {"category": "facilities", "description": "报修", "requester_phone": "13900001111"}
        if actor.role != "resident":
            data |= {"household_id": household.id, "on_behalf": True, "consent": True}
        request = services.create_request(db.session, actor, data)
        staff = {world.H1.id: world.staff1, world.H2.id: world.staff1, world.H5.id: world.staff2}.get(household.id)
        if staff is not None:
            services.transition(db.session, staff, request, "note", {"message": "内部备注"})
            services.transition(db.session, staff, request, "accept", {})
            services.transition(db.session, staff, request, "resolve", {"message": "已修"})
        made.append(request)
    db.session.commit()
    from backend.ratings import services as ratings

    ratings.rate(db.session, world.resident1, "request", made[0].id, 4)
    db.session.commit()
    return made


@pytest.mark.parametrize("username", USERS)
def test_pull_is_exactly_what_policy_allows(world, device, requests_everywhere, username):
    phone = device(username)
    phone.pull()
    user = world.users[{"district1": "district"}.get(username, username)]
    assert phone.ids("requests") == _readable(user, Request)
    assert phone.ids("request_events") == _readable(user, RequestEvent)
    assert phone.ids("ratings") == _readable(user, Rating)
    if username == "resident1":
        assert phone.ids("requests") == {requests_everywhere[0].id}
        assert all(phone.get("request_events", i)["public"] for i in phone.ids("request_events"))
        assert not any(r["kind"] == "noted" for (name, _i), r in phone.records.items() if name == "request_events")
        assert len(phone.ids("ratings")) == 1
    assert "13900001111" not in str(phone.records)


def test_status_and_openapi_describe_the_new_collections(world, client, device):
    phone = device("staff1")
    status = client.get("/api/v1/sync/status", headers=phone.headers).get_json()
    kinds = {c["name"]: c["kind"] for c in status["collections"]}
    assert kinds["requests"] == "stateful" and kinds["request_events"] == "read_only"
    assert kinds["ratings"] == "append_only"
    schemas = client.get("/api/openapi.json").get_json()["components"]["schemas"]
    assert "rate" in schemas["SyncRequests"]["x-linli-actions"]
    assert "stateful" in schemas["SyncRequests"]["description"]
