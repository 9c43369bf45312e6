"""/api/v1/visits and /api/v1/visit-tasks: the records in one's scope, their
filters and order, one record, recording a visit with a client id. Every
refusal an application/problem+json naming the field."""

import uuid
from datetime import timedelta

from backend.common import utcnow
from backend.extensions import db
from tests.backend.shared import is_problem
from tests.factories import VisitFactory, VisitTaskFactory


def moment(hours_ago=1) -> str:
    return (utcnow() - timedelta(hours=hours_ago)).isoformat() + "Z"


def ids(client, path, headers, **query):
    response = client.get(path, query_string=query, headers=headers)
    assert response.status_code == 200, response.get_json()
    return [item["id"] for item in response.get_json()["items"]]


def test_visits_in_scope_newest_first_and_filtered(world, client, auth):
    now = utcnow()
    old = VisitFactory(household=world.H1, author=world.worker1, visited_at=now - timedelta(days=3))
    new = VisitFactory(household=world.H1, author=world.worker1, visited_at=now - timedelta(hours=1))
    other = VisitFactory(household=world.H2, author=world.worker2, visited_at=now - timedelta(days=1))
    VisitFactory(household=world.H5, author=world.staff2)
    db.session.commit()
    staff = auth.headers("staff1")
    assert ids(client, "/api/v1/visits", staff) == [new.id, other.id, old.id]
    assert ids(client, "/api/v1/visits", staff, household_id=world.H1.id) == [new.id, old.id]
    assert ids(client, "/api/v1/visits", staff, grid_id=world.G2.id) == [other.id]
    since = (now - timedelta(days=2)).isoformat()
    assert ids(client, "/api/v1/visits", staff, since=since) == [new.id, other.id]
    # An offset is read as such: the same moment written in Shanghai time.
    aware_since = (now - timedelta(days=2) + timedelta(hours=8)).isoformat() + "+08:00"
    assert ids(client, "/api/v1/visits", staff, since=aware_since) == [new.id, other.id]
    assert ids(client, "/api/v1/visits", auth.headers("worker1")) == [new.id, old.id]


def test_a_since_that_is_not_a_time_is_a_400_naming_it(world, client, auth):
    staff = auth.headers("staff1")
    body = is_problem(client.get("/api/v1/visits", query_string={"since": "last week"}, headers=staff), 400)
    assert body["errors"] == {"since": ["Not a time."]}
    body = is_problem(client.get("/api/v1/visits", query_string={"since": "0001-01-01T00:00:00+08:00"},
                                 headers=staff), 400)
    assert body["errors"] == {"since": ["Out of range."]}


def test_tasks_in_scope_soonest_due_first_and_filtered(world, client, auth):
    today = utcnow().date()
    later = VisitTaskFactory(household=world.H1, due_date=today + timedelta(days=5))
    soon = VisitTaskFactory(household=world.H2, due_date=today)
    done = VisitTaskFactory(household=world.H1, due_date=today - timedelta(days=7), status="done")
    VisitTaskFactory(household=world.H5, due_date=today)
    db.session.commit()
    staff = auth.headers("staff1")
    assert ids(client, "/api/v1/visit-tasks", staff) == [done.id, soon.id, later.id]
    assert ids(client, "/api/v1/visit-tasks", staff, status="open") == [soon.id, later.id]
    assert ids(client, "/api/v1/visit-tasks", staff, status="done", household_id=world.H1.id) == [done.id]
    assert ids(client, "/api/v1/visit-tasks", staff, grid_id=world.G2.id) == [soon.id]
    body = is_problem(client.get("/api/v1/visit-tasks", query_string={"status": "late"}, headers=staff), 400)
    assert set(body["errors"]) == {"status"}
    got = client.get(f"/api/v1/visit-tasks/{soon.id}", headers=staff).get_json()
    assert (got["due_date"], got["status"], got["household_id"]) == (today.isoformat(), "open", world.H2.id)
    is_problem(client.get(f"/api/v1/visit-tasks/{soon.id}", headers=auth.headers("worker1")), 404)


def test_one_visit_in_scope_else_404(world, client, auth):
    visit = VisitFactory(household=world.H1, author=world.worker1, notes="老人身体好", findings=["all_well"])
    db.session.commit()
    got = client.get(f"/api/v1/visits/{visit.id}", headers=auth.headers("worker1")).get_json()
    assert (got["notes"], got["findings"], got["author_id"], got["task_id"]) == ("老人身体好", ["all_well"],
                                                                               world.worker1.id, None)
    is_problem(client.get(f"/api/v1/visits/{visit.id}", headers=auth.headers("worker2")), 404)
    is_problem(client.get("/api/v1/visits/nope", headers=auth.headers("admin")), 404)
    is_problem(client.get(f"/api/v1/visits/{visit.id}"), 401)


def test_recording_a_visit(world, client, auth):
    headers = auth.headers("worker1")
    chosen = str(uuid.uuid4())
    body = {"id": chosen, "household_id": world.H1.id, "visited_at": moment(), "findings": ["all_well"]}
    response = client.post("/api/v1/visits", json=body, headers=headers)
    assert response.status_code == 201, response.get_json()
    made = response.get_json()
    assert (made["id"], made["grid_id"], made["author_id"], made["findings"]) == (chosen, world.G1.id,
                                                                                 world.worker1.id, ["all_well"])
    assert is_problem(client.post("/api/v1/visits", json=body, headers=headers), 409)["errors"] == {
        "id": ["Already used."]}
    assert is_problem(client.post("/api/v1/visits", json=body | {"id": 12}, headers=headers), 422)["errors"] == {
        "id": ["A UUID is required."]}
    outside = is_problem(client.post("/api/v1/visits", json=body | {"id": None, "household_id": world.H2.id},
                                     headers=headers), 422)
    assert set(outside["errors"]) == {"household_id"}
    late = is_problem(client.post("/api/v1/visits", json=body | {"id": None, "visited_at": moment(-48)},
                                  headers=headers), 422)
    assert late["errors"] == {"visited_at": ["This time is in the future."]}
    # Officers read the households of their street but do not record visits there.
    refused = is_problem(client.post("/api/v1/visits", json=body | {"id": None}, headers=auth.headers("street1")),
                         403)
    assert "errors" not in refused
