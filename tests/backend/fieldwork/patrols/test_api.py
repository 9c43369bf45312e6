"""/api/v1/patrol-reports: the reports in one's scope, newest first, filtered
by grid and category; one report; filing one with a client id. Every
refusal an application/problem+json naming the field."""

import uuid
from datetime import timedelta

from backend.common import utcnow
from backend.extensions import db
from tests.backend.shared import is_problem
from tests.factories import PatrolReportFactory

API = "/api/v1/patrol-reports"


def body(grid, **extra) -> dict:
    moment = (utcnow() - timedelta(hours=1)).isoformat() + "Z"
    return {"grid_id": grid.id, "category": "repair", "description": "井盖松动", "reported_at": moment} | extra


def test_the_list_is_scoped_newest_first_and_filtered(world, client, auth):
    now = utcnow()
    old = PatrolReportFactory(grid=world.G1, author=world.worker1, reported_at=now - timedelta(days=2))
    new = PatrolReportFactory(grid=world.G1, author=world.worker1, category="repair", reported_at=now)
    other = PatrolReportFactory(grid=world.G2, author=world.worker2, reported_at=now - timedelta(days=1))
    PatrolReportFactory(grid=world.G5, author=world.staff2)
    db.session.commit()
    staff = auth.headers("staff1")

    def ids(headers=staff, **query):
        response = client.get(API, query_string=query, headers=headers)
        assert response.status_code == 200, response.get_json()
        return [item["id"] for item in response.get_json()["items"]]

    assert ids() == [new.id, other.id, old.id]
    assert ids(grid_id=world.G1.id) == [new.id, old.id]
    assert ids(category="repair") == [new.id]
    assert ids(per_page=1, page=3) == [old.id]
    assert ids(headers=auth.headers("worker2")) == [other.id]
    listed = client.get(API, headers=staff).get_json()["items"][0]
    assert set(listed) == {"id", "grid_id", "author_id", "category", "description", "photos", "location",
                           "reported_at", "created_at"}


def test_an_unknown_category_is_a_400_naming_it(world, client, auth):
    body_ = is_problem(client.get(API, query_string={"category": "graffiti"}, headers=auth.headers("staff1")), 400)
    assert body_["errors"]["category"][0] == "illegal_construction"  # the categories there are


def test_one_report_in_scope_else_404(world, client, auth):
    report = PatrolReportFactory(grid=world.G1, author=world.worker1, description="路灯坏了")
    db.session.commit()
    got = client.get(f"{API}/{report.id}", headers=auth.headers("worker1")).get_json()
    assert (got["id"], got["description"], got["author_id"]) == (report.id, "路灯坏了", world.worker1.id)
    is_problem(client.get(f"{API}/{report.id}", headers=auth.headers("worker2")), 404)
    is_problem(client.get(f"{API}/nope", headers=auth.headers("admin")), 404)
    is_problem(client.get(f"{API}/{report.id}"), 401)


def test_filing_a_report(world, client, auth):
    headers = auth.headers("worker1")
    chosen = str(uuid.uuid4())
    response = client.post(API, json=body(world.G1, id=chosen), headers=headers)
    assert response.status_code == 201, response.get_json()
    made = response.get_json()
    assert (made["id"], made["grid_id"], made["author_id"], made["photos"]) == (chosen, world.G1.id,
                                                                                 world.worker1.id, [])
    again = is_problem(client.post(API, json=body(world.G1, id=chosen), headers=headers), 409)
    assert again["errors"] == {"id": ["Already used."]}
    bad_id = is_problem(client.post(API, json=body(world.G1, id="R-1"), headers=headers), 422)
    assert bad_id["errors"] == {"id": ["A UUID is required."]}
    outside = is_problem(client.post(API, json=body(world.G2), headers=headers), 422)
    assert set(outside["errors"]) == {"grid_id"}
    bad = is_problem(client.post(API, json=body(world.G1, category="graffiti", mood="sad"), headers=headers), 422)
    assert set(bad["errors"]) == {"category", "mood"}
    without_id = client.post(API, json=body(world.G1), headers=headers)
    assert without_id.status_code == 201 and uuid.UUID(without_id.get_json()["id"])
