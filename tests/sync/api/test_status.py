"""GET /api/v1/sync/status: the server's time and schema, the user's scope
as partitions, the collections and their rules, this device's last push and pull."""

from datetime import datetime, timedelta

from sync.collections import REGISTRY
from tests.timing import EPOCH


def status(client, phone):
    response = client.get("/api/v1/sync/status", headers=phone.headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_a_grid_workers_status(world, device, client):
    phone = device("worker1")
    body = status(client, phone)
    assert body["schema_version"] == 1 and body["oldest_schema_version"] == 1
    assert body["user"] == {"id": world.worker1.id, "username": "worker1", "role": "grid_worker"}
    assert body["scope"] == [{"community_id": world.C1.id, "kind": "grid", "key": world.G1.id}]
    assert [c["name"] for c in body["collections"]] == [c.name for c in REGISTRY]
    rules = {c["name"]: (c["kind"], c["conflict_rule"]) for c in body["collections"]}
    assert rules["households"] == ("editable", "last_write_wins")
    assert rules["residents"] == ("editable", "server_wins")
    assert rules["visits"] == ("append_only", None)
    server_time = datetime.fromisoformat(body["server_time"].removesuffix("Z"))
    assert body["server_time"].endswith("Z") and EPOCH <= server_time + timedelta(seconds=1) < EPOCH + timedelta(
        minutes=5)


def test_an_offices_scope_is_whole_communities(world, device, client):
    body = status(client, device("street1"))
    assert body["scope"] == sorted([{"community_id": world.C1.id, "kind": "all", "key": None},
                                    {"community_id": world.C2.id, "kind": "all", "key": None}],
                                   key=lambda p: p["community_id"])
    assert status(client, device("volunteer1"))["scope"] == []


def test_a_resident_s_scope_names_the_shared_kinds(world, device, client):
    body = status(client, device("resident1"))
    me = world.resident1.id
    expected = sorted([(world.C1.id, "household", world.H1.id), (world.C1.id, "public", ""),
                       (world.C1.id, "user", me), (world.C2.id, "street", ""), (world.C2.id, "user", me)])
    assert body["scope"] == [{"community_id": space, "kind": kind, "key": key or None}
                             for space, kind, key in expected]


def test_the_device_part_follows_its_pushes_and_pulls(world, device, client):
    phone = device("worker1")
    assert status(client, phone)["device"] == {"device_id": phone.device_id, "last_push_at": None,
                                               "last_pull_at": None, "last_mutation_id": None}
    mutation = phone.record("visits", "create", data={"household_id": world.H1.id,
                                                      "visited_at": "2026-11-20T09:14:00+08:00"})
    phone.push()
    seen = status(client, phone)["device"]
    assert seen["last_mutation_id"] == mutation["id"] and seen["last_push_at"].endswith("Z")
    assert seen["last_pull_at"] is None
    phone.pull()
    seen = status(client, phone)["device"]
    assert seen["last_pull_at"] is not None and seen["last_pull_at"].endswith("Z")
    # Another device of the same account has its own record.
    assert status(client, device("worker1"))["device"]["last_mutation_id"] is None


def test_status_needs_a_token(world, client):
    response = client.get("/api/v1/sync/status")
    assert response.status_code == 401 and response.mimetype == "application/problem+json"
