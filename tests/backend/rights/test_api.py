"""/api/v1/rights: a resident downloads their household's data (JSON, CSV; audited) and asks for
corrections; everyone else gets a 403 problem; invalid input a 422 problem naming the field."""

import csv
import io

from sqlalchemy import select

from backend.audit.models import AuditEntry
from backend.extensions import db
from backend.requests.models import Request
from tests.backend.shared import is_problem

API = "/api/v1/rights"


def test_a_resident_downloads_their_data(world, client, auth):
    headers = auth.headers("resident1")
    body = client.get(f"{API}/my-data", headers=headers)
    assert body.status_code == 200 and body.mimetype == "application/json"
    data = body.get_json()
    assert data["household"]["id"] == world.H1.id and {r["id"] for r in data["residents"]} == {
        world.R1.id, world.R1b.id}
    assert "T" in data["generated_at"]  # ISO 8601
    assert world.H2.id not in body.get_data(as_text=True)
    table = client.get(f"{API}/my-data", query_string={"format": "csv"}, headers=headers)
    assert table.status_code == 200 and table.mimetype == "text/csv"
    assert "attachment" in table.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(table.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0] == ["section", "record", "field", "value"]
    assert ["household", world.H1.id, "address", world.H1.address] in rows
    formats = db.session.scalars(select(AuditEntry.detail).where(AuditEntry.action == "download_own_data")).all()
    assert sorted(d["format"] for d in formats) == ["csv", "json"]


def test_others_are_refused_with_a_problem(world, client, auth):
    is_problem(client.get(f"{API}/my-data"), 401)
    for username in ("staff1", "worker1", "admin"):
        headers = auth.headers(username)
        is_problem(client.get(f"{API}/my-data", headers=headers), 403)
        is_problem(client.post(f"{API}/corrections", headers=headers,
                               json={"field": "other", "wrong": "a", "should_be": "b"}), 403)
        is_problem(client.get(f"{API}/corrections", headers=headers), 403)


def test_a_correction_is_asked_and_listed(world, client, auth):
    headers = auth.headers("resident1")
    body = is_problem(client.post(f"{API}/corrections", headers=headers,
                                  json={"field": "resident.phone", "wrong": "1", "should_be": "2"}), 422)
    assert list(body["errors"]) == ["resident_id"]
    body = is_problem(client.post(f"{API}/corrections", headers=headers,
                                  json={"field": "nope", "wrong": "", "should_be": "2"}), 422)
    assert {"field", "wrong"} <= set(body["errors"])
    is_problem(client.post(f"{API}/corrections", headers=headers, data="x"), 415)
    response = client.post(f"{API}/corrections", headers=headers, json={
        "field": "resident.phone", "resident_id": world.R1.id, "wrong": "13800000001", "should_be": "13800000002"})
    assert response.status_code == 201
    request_id = response.get_json()["request_id"]
    assert db.session.get(Request, request_id).category == "correction"
    items = client.get(f"{API}/corrections", headers=headers).get_json()["items"]
    assert [(i["id"], i["status"]) for i in items] == [(request_id, "submitted")]
    staff = client.get(f"/api/v1/requests/{request_id}", headers=auth.headers("staff1"))
    assert staff.status_code == 200
    assert client.get(f"/api/v1/requests/{request_id}", headers=auth.headers("staff2")).status_code == 404
