"""A request filed through Open311 (no grid, no household, no requester account)
replicates like any other: to the community's staff devices with its events,
acted on by them offline; never to grid workers or residents; its phone never
on the wire."""

from backend.extensions import db
from backend.open311 import keys
from backend.requests.models import Request


def test_an_open311_request_syncs_to_staff_and_is_handled_offline(world, device, client):
    plain, _key = keys.issue_key(world.staff1, name="热线", node_id=world.C1.id)
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
