"""The scope matrix through the JSON API with bearer tokens: lists hold exactly
the readable records, an out-of-scope record is a 404 problem, a readable
record the caller may not change is a 403 problem, allowed changes succeed.

The world and one token per role are made once for the module; the calls here
only edit notes and revoke spare devices, which change no one's scope."""

import pytest

from backend.auth.services import issue_device_token
from backend.extensions import db
from tests.backend.auth.matrix import ACTORS, CELLS, allowed, records_of
from tests.backend.shared import empty_tables, is_problem, new_device_id
from tests.factories import PASSWORD, build_world


@pytest.fixture(autouse=True)
def _clean_tables():
    """Tables are emptied once, when the module is done (see `api_world`)."""
    yield


@pytest.fixture(scope="module")
def api_world(app):
    client = app.test_client()
    with app.app_context():
        world = build_world()
        ids = {key: record.id for key, record in {**world.nodes, **world.households, **world.residents}.items()}
        ids |= {f"u:{name}": record.id for name, record in world.users.items()}
        for name in ("worker1", "staff2", "station1", "resident1"):
            _token, device = issue_device_token(world.users[name], new_device_id(), f"spare {name}", None)
            ids[f"d:{name}"] = device.id
        db.session.commit()
        usernames = {name: world.users[name].username for name in ACTORS}
        db.session.remove()
    headers = {}
    for actor, username in usernames.items():
        response = client.post("/api/v1/auth/token", json={"username": username, "password": PASSWORD,
                                                           "device_id": new_device_id(), "device_name": "test"})
        assert response.status_code == 201, response.get_json()
        headers[actor] = {"Authorization": f"Bearer {response.get_json()['token']}"}
    yield client, ids, headers
    empty_tables(app)


def _kind(record):
    if record.startswith("u:"):
        return "user"
    if record.startswith("d:"):
        return "device"
    return {"H": "household", "R": "resident"}.get(record[0], "node")


URLS = {"node": "/api/v1/org/nodes/{}", "household": "/api/v1/registry/households/{}",
        "resident": "/api/v1/registry/residents/{}"}
API_CELLS = [cell for cell in CELLS if _kind(cell[1]) != "user"]


def _expect(response, status, allowed_status):
    if status == allowed_status:
        assert response.status_code == allowed_status, response.get_data(as_text=True)[:300]
    else:
        is_problem(response, status)


@pytest.mark.parametrize(("actor", "record"), API_CELLS, ids=[f"{a}-{r}" for a, r in API_CELLS])
def test_scope_matrix_through_the_api(api_world, actor, record):
    client, ids, headers = api_world
    verbs = allowed(actor, record)
    kind, record_id, auth = _kind(record), ids[record], headers[actor]

    def status_for(verb, ok):
        if "read" not in verbs:
            return 404
        return ok if verb in verbs else 403

    if kind == "device":
        response = client.delete(f"/api/v1/auth/devices/{record_id}", headers=auth)
        _expect(response, 204 if "manage" in verbs else 404, 204)
        return

    url = URLS[kind].format(record_id)
    response = client.get(url, headers=auth)
    _expect(response, 200 if "read" in verbs else 404, 200)
    if response.status_code == 200:
        assert response.get_json()["id"] == record_id

    note = f"checked by {actor}"
    response = client.patch(url, headers=auth, json={"notes": note})
    _expect(response, status_for("change", 200), 200)
    if response.status_code == 200:
        assert response.get_json()["notes"] == note
        assert client.get(url, headers=auth).get_json()["notes"] == note  # persisted

    if "retire" not in verbs:  # allowed retirements: tests/backend/registry/test_api.py
        response = client.post(url + "/retire", headers=auth, json={"reason": "moved away"})
        is_problem(response, status_for("retire", 200))

    if kind == "resident":
        response = client.post(url + "/reveal", headers=auth, json={"field": "id_number"})
        _expect(response, status_for("reveal", 200), 200)


@pytest.mark.parametrize("actor", ACTORS)
def test_lists_hold_exactly_the_readable_records(api_world, actor):
    client, ids, headers = api_world
    names = {record_id: key for key, record_id in ids.items()}

    response = client.get("/api/v1/org/nodes?per_page=100", headers=headers[actor])
    assert response.status_code == 200
    listed = {names[item["id"]] for item in response.get_json()["items"]}
    assert listed == {key for key in records_of("node") if "read" in allowed(actor, key)}
    assert response.get_json()["total"] == len(listed)

    response = client.get("/api/v1/registry/households?per_page=100", headers=headers[actor])
    assert response.status_code == 200
    listed = {names[item["id"]] for item in response.get_json()["items"]}
    assert listed == {key for key in records_of("household") if "read" in allowed(actor, key)}
