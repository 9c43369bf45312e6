"""GET /api/v1/sync/pull: its limit and token, the acknowledgement of the
device's last push, and the answer's encoding."""


def test_bad_limit_is_a_problem(world, device, client):
    phone = device("worker1")
    for limit in ("0", "1001", "x"):
        response = client.get("/api/v1/sync/pull", query_string={"limit": limit}, headers=phone.headers)
        assert response.status_code == 400
        assert response.mimetype == "application/problem+json"
        assert "limit" in response.get_json()["errors"]


def test_pull_needs_a_live_token(world, client):
    response = client.get("/api/v1/sync/pull")
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"


def test_the_pull_acknowledges_this_devices_last_push(world, device, client):
    phone, other = device("worker1"), device("worker1")
    assert phone.pull_page()["acknowledged"] == {"device_id": phone.device_id, "last_mutation_id": None}
    first = phone.record("visits", "create", data={"household_id": world.H1.id,
                                                   "visited_at": "2026-11-20T09:14:00+08:00"})
    last = phone.record("visits", "create", data={"household_id": world.H1.id,
                                                  "visited_at": "2026-11-20T10:14:00+08:00"})
    phone.push()
    assert first["id"] != last["id"]
    assert phone.pull_page()["acknowledged"]["last_mutation_id"] == last["id"]
    # Another device of the same user has pushed nothing.
    assert other.pull_page()["acknowledged"] == {"device_id": other.device_id, "last_mutation_id": None}


def test_the_answer_is_utf8_not_escapes(world, device, client):
    phone = device("worker1")
    response = client.get("/api/v1/sync/pull", headers=phone.headers)
    assert response.status_code == 200 and response.mimetype == "application/json"
    raw = response.get_data()
    assert world.H1.head_name.encode() in raw and b"\\u" not in raw

