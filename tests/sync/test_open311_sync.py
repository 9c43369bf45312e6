"""A request filed through Open311 (no grid, no household, no requester account)
replicates like any other: to the community's staff devices with its events,
acted on by them offline; never to grid workers or residents; its phone never
on the wire."""

from backend.extensions import db
from backend.open311 import keys
from backend.requests.models import Request


def test_an_open311_request_syncs_to_staff_and_is_handled_offline(world, device, client):
    plain, _key = keys.issue_key(world.staff1, name="热线", node_id=world.C1.id)
    db.session.commit()
    response = client.post("/open311/v2/requests.json", data={
        "api_key": plain, "service_code": "facilities", "address_string": "3号楼", "description": "电梯停了",
        "phone": "13912345678", "first_name": "明"})
    assert response.status_code == 201, response.get_data(as_text=True)
    request_id = response.get_json()[0]["service_request_id"]

    staff, worker, resident, other = device("staff1"), device("worker1"), device("resident1"), device("staff2")
    for phone in (staff, worker, resident, other):
        phone.pull()
    record = staff.get("requests", request_id)
    assert record["channel"] == "open311" and record["grid_id"] is None and record["household_id"] is None
    assert "13912345678" not in str(staff.records)
    assert any(e.get("request_id") == request_id for e in staff.records.values())
    for phone in (worker, resident, other):
        assert request_id not in phone.ids("requests")

    mutation = staff.record("requests", "action", request_id, {}, action="accept")
    assert staff.push()[mutation["id"]]["status"] == "applied"
    db.session.remove()
    assert db.session.get(Request, request_id).status == "accepted"
    status = client.get(f"/open311/v2/requests/{request_id}.json", query_string={"api_key": plain}).get_json()
    assert status[0]["status"] == "open" and status[0]["status_notes"]


def _request_events(phone, request_id):
    return {key[1] for key, record in phone.records.items()
            if key[0] == "request_events" and record.get("request_id") == request_id}


def test_placed_in_a_grid_it_reaches_that_grids_worker_with_its_steps_and_leaves_the_grid_before(
        world, device, client):
    G1, G2, C1, H1, worker2_id = world.G1.id, world.G2.id, world.C1.id, world.H1.id, world.worker2.id
    plain, _key = keys.issue_key(world.staff1, name="热线", node_id=C1)
    db.session.commit()
    response = client.post("/open311/v2/requests.json", data={
        "api_key": plain, "service_code": "environment", "address_string": "二号楼后面", "description": "垃圾没清"})
    request_id = response.get_json()[0]["service_request_id"]
    staff, worker1, worker2 = device("staff1"), device("worker1"), device("worker2")
    for phone in (staff, worker1, worker2):
        phone.pull()
    assert request_id not in worker1.ids("requests") | worker2.ids("requests")

    # Staff, offline on their device, accept it and place it in the first grid.
    accept = staff.record("requests", "action", request_id, {}, action="accept")
    place = staff.record("requests", "action", request_id, {"grid_id": G1, "message": "一号楼片区"},
                         action="place")
    results = staff.push()
    assert results[accept["id"]]["status"] == "applied" and results[place["id"]]["status"] == "applied"
    worker1.pull()
    assert worker1.get("requests", request_id)["grid_id"] == G1
    steps = _request_events(worker1, request_id)
    assert len(steps) == 3  # submitted, accepted, placed: the steps before the placing came along
    worker2.pull()
    assert request_id not in worker2.ids("requests")

    # A worker may now be given it; one who does not cover the grid may not.
    wrong = staff.record("requests", "action", request_id, {"assignee_id": worker2_id}, action="dispatch")
    result = staff.push()[wrong["id"]]
    assert result["status"] == "rejected" and "assignee_id" in str(result["error"])

    # Placed again, in the second grid: it leaves the first grid's worker, steps and all.
    again = staff.record("requests", "action", request_id, {"grid_id": G2}, action="place")
    assert staff.push()[again["id"]]["status"] == "applied"
    worker1.pull()
    worker2.pull()
    assert request_id not in worker1.ids("requests") and not _request_events(worker1, request_id)
    assert worker2.get("requests", request_id)["grid_id"] == G2
    assert len(_request_events(worker2, request_id)) == 4
    # Bad places are refused with the field at fault, and a worker may not place at all.
    for grid_id in (C1, G2, "x" * 37, None):  # not a grid; the grid it is in; too long; none
        bad = staff.record("requests", "action", request_id, {"grid_id": grid_id}, action="place")
        result = staff.push()[bad["id"]]
        assert result["status"] == "rejected" and "grid_id" in result["error"]["errors"], grid_id
    by_worker = worker2.record("requests", "action", request_id, {"grid_id": G1}, action="place")
    assert worker2.push()[by_worker["id"]]["error"]["status"] == 403
    dispatch = staff.record("requests", "action", request_id, {"assignee_id": worker2_id}, action="dispatch")
    assert staff.push()[dispatch["id"]]["status"] == "applied"

    db.session.remove()
    assert db.session.get(Request, request_id).assignee_id == worker2_id
    # Once someone works it, it stays where it is.
    late = staff.record("requests", "action", request_id, {"grid_id": G1}, action="place")
    assert staff.push()[late["id"]]["error"]["status"] == 409
    with_household = staff.record("requests", "create", None, {
        "category": "environment", "description": "住户的诉求", "household_id": H1, "on_behalf": True,
        "consent": True})
    staff.push()
    refused = staff.record("requests", "action", with_household["record_id"], {"grid_id": G2},
                           action="place")
    result = staff.push()[refused["id"]]
    assert result["status"] == "rejected" and result["error"]["status"] == 409
    assert result["error"]["detail"] == "该诉求属于某一住户，只能留在该住户所在的网格。"  # the device reads Chinese
