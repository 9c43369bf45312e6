"""Bad input gets a clear problem+json and changes nothing."""

import gzip
import json
import uuid

import pytest
from sqlalchemy import func, select

from backend.extensions import db
from backend.fieldwork.visits.models import Visit
from sync.models import AppliedMutation


def visit(world, phone, **extra):
    return phone.mutation("visits", "create", data={"household_id": world.H1.id,
                                                    "visited_at": "2026-11-20T09:14:00+08:00"}) | extra


def nothing_changed():
    db.session.rollback()
    return (db.session.scalar(select(func.count()).select_from(Visit)) == 0
            and db.session.scalar(select(func.count()).select_from(AppliedMutation)) == 0)


def problem(response, status):
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert {"type", "title", "status", "detail"} <= set(body) and body["status"] == status
    return body


def post(client, phone, body, **kwargs):
    return client.post("/api/v1/sync/push", headers=phone.headers | kwargs.pop("headers", {}), **kwargs,
                       **({"json": body} if body is not None else {}))


def test_malformed_json(world, device, client):
    phone = device("worker1")
    response = client.post("/api/v1/sync/push", data=b'{"device_id": ', headers=phone.headers,
                           content_type="application/json")
    problem(response, 400)
    assert nothing_changed()


@pytest.mark.parametrize("mutate, field", [
    (lambda m: m | {"collection": "spaceships"}, "mutations.1.collection"),
    (lambda m: m | {"data": m["data"] | {"mood": "happy"}}, "mutations.1.data.mood"),
    (lambda m: m | {"id": "not-a-uuid"}, "mutations.1.id"),
    (lambda m: m | {"op": "upsert"}, "mutations.1.op"),
    (lambda m: m | {"base_version": "7"}, "mutations.1.base_version"),
    (lambda m: m | {"data": ["x"]}, "mutations.1.data"),
    (lambda m: m | {"client_time": "yesterday"}, "mutations.1.client_time"),
    (lambda m: m | {"extra": 1}, "mutations.1.extra"),
    (lambda m: m | {"op": "action", "action": ["move"]}, "mutations.1.action"),
    (lambda m: m | {"op": "action", "action": {"move": 1}}, "mutations.1.action"),
    (lambda m: m | {"op": "action", "action": 7}, "mutations.1.action"),
])
def test_a_malformed_mutation_fails_the_whole_push(world, device, client, mutate, field):
    phone = device("worker1")
    good, bad = visit(world, phone), mutate(visit(world, phone))
    body = problem(phone.push_raw([good, bad]), 422)
    assert field in body["errors"]
    assert nothing_changed()


@pytest.mark.parametrize("body, field", [
    ({"schema_version": 1, "mutations": []}, "device_id"),
    ({"device_id": "x", "schema_version": 1, "mutations": []}, "device_id"),
    ({"schema_version": "1", "mutations": []}, "schema_version"),
    ({"schema_version": 1, "mutations": {}}, "mutations"),
    ({"schema_version": 1, "mutations": [], "surprise": True}, "surprise"),
])
def test_malformed_envelopes(world, device, client, body, field):
    phone = device("worker1")
    if field != "device_id":
        body = {"device_id": phone.device_id} | body
    assert field in problem(post(client, phone, body), 422)["errors"]


def test_device_id_must_be_the_tokens(world, device, client):
    phone = device("worker1")
    body = {"device_id": str(uuid.uuid4()), "schema_version": 1, "mutations": [visit(world, phone)]}
    assert "device_id" in problem(post(client, phone, body), 422)["errors"]
    assert nothing_changed()


def test_old_schema_version_is_426_and_nothing_applied(world, device, client):
    phone = device("worker1")
    body = {"device_id": phone.device_id, "schema_version": 0, "mutations": [visit(world, phone)]}
    problem(post(client, phone, body), 426)
    assert nothing_changed()


def test_more_than_500_mutations_is_413(world, device):
    phone = device("worker1")
    problem(phone.push_raw([visit(world, phone) for _ in range(501)]), 413)
    assert nothing_changed()


def test_more_than_5_mib_is_413(world, device):
    phone = device("worker1")
    notes = "长" * 20000
    mutations = [visit(world, phone) for _ in range(100)]
    for m in mutations:
        m["data"]["notes"] = notes
    problem(phone.push_raw(mutations), 413)
    assert nothing_changed()


def test_gzip_push_is_accepted(world, device, client):
    phone = device("worker1")
    body = gzip.compress(json.dumps({"device_id": phone.device_id, "schema_version": 1,
                                     "mutations": [visit(world, phone)]}).encode())
    response = client.post("/api/v1/sync/push", data=body, content_type="application/json",
                           headers=phone.headers | {"Content-Encoding": "gzip"})
    assert response.status_code == 200
    assert response.get_json()["results"][0]["status"] == "applied"


def test_gzip_bomb_is_413_without_inflating_it(world, device, client):
    phone = device("worker1")
    bomb = gzip.compress(b'{"device_id": "' + b" " * (200 * 1024 * 1024) + b'"}', compresslevel=9)
    assert len(bomb) < 1024 * 1024
    response = client.post("/api/v1/sync/push", data=bomb, content_type="application/json",
                           headers=phone.headers | {"Content-Encoding": "gzip"})
    problem(response, 413)
    assert nothing_changed()


def test_pull_answers_gzip(world, device, client):
    phone = device("staff1")
    response = client.get("/api/v1/sync/pull", headers=phone.headers | {"Accept-Encoding": "gzip"})
    assert response.headers.get("Content-Encoding") == "gzip"
    assert json.loads(gzip.decompress(response.get_data()))["changes"]


def test_times_at_the_edge_of_the_calendar_are_errors_not_crashes(world, device, client):
    phone = device("worker1")
    edge = "9999-12-31T23:59:59-05:00"
    result = phone.push_raw([visit(world, phone) | {"data": {"household_id": world.H1.id, "visited_at": edge}}])
    assert result.status_code == 200
    assert result.get_json()["results"][0]["status"] == "rejected"
    assert "mutations.0.client_time" in problem(phone.push_raw([visit(world, phone) | {"client_time": edge}]), 422)[
        "errors"]
    listed = client.get("/api/v1/visits", query_string={"since": edge}, headers=phone.headers)
    assert "since" in problem(listed, 400)["errors"]
