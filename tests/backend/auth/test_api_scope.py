"""The scope matrix through the JSON API with bearer tokens: lists hold exactly
the readable records, an out-of-scope record is a 404 problem, a readable
record the caller may not change is a 403 problem, allowed changes succeed.

The world and one token per role are made once for the module; the calls here
only edit notes and revoke spare devices, which change no one's scope."""

import pytest

from backend.auth.services import issue_device_token
from backend.extensions import db
from backend.registry.models import Household, Resident
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

    if "retire" not in verbs:  # allowed retirements are in test_api_changes.py
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


def test_street_officer_reads_households_read_only_without_sensitive_tags(api_world):
    client, ids, headers = api_world
    home = client.get(f"/api/v1/registry/households/{ids['H1']}", headers=headers["street1"]).get_json()
    by_id = {r["id"]: r for r in home["residents"]}
    assert set(by_id) == {ids["R1"], ids["R1b"]}
    assert by_id[ids["R1b"]]["care_tags"] == []  # community_correction is sensitive
    home = client.get(f"/api/v1/registry/households/{ids['H1']}", headers=headers["staff1"]).get_json()
    assert {r["id"]: r for r in home["residents"]}[ids["R1b"]]["care_tags"] == ["community_correction"]


def test_resident_sees_only_their_household_and_its_residents(api_world):
    client, ids, headers = api_world
    auth = headers["resident1"]
    home = client.get(f"/api/v1/registry/households/{ids['H1']}", headers=auth).get_json()
    assert {r["id"] for r in home["residents"]} == {ids["R1"], ids["R1b"]}
    assert client.get(f"/api/v1/registry/residents/{ids['R1b']}", headers=auth).status_code == 200
    for other in ("R2", "R5", "R3"):
        is_problem(client.get(f"/api/v1/registry/residents/{ids[other]}", headers=auth), 404)


@pytest.mark.parametrize("actor", ACTORS)
def test_me_is_the_signed_in_account(api_world, actor):
    client, ids, headers = api_world
    response = client.get("/api/v1/auth/me", headers=headers[actor])
    assert response.status_code == 200
    assert response.get_json()["id"] == ids[f"u:{actor}"]


def test_unknown_ids_are_404_problems(api_world):
    client, _ids, headers = api_world
    for url in ("/api/v1/org/nodes/nope", "/api/v1/registry/households/nope", "/api/v1/registry/residents/nope"):
        is_problem(client.get(url, headers=headers["admin"]), 404)
    is_problem(client.delete("/api/v1/auth/devices/nope", headers=headers["admin"]), 404)


def test_no_token_is_401(api_world):
    client, ids, _headers = api_world
    response = client.get(f"/api/v1/registry/households/{ids['H1']}")
    is_problem(response, 401)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    is_problem(client.get("/api/v1/org/nodes", headers={"Authorization": "Bearer not-a-token"}), 401)


def test_sensitive_values_leave_only_masked(api_world):
    client, ids, headers = api_world
    with client.application.app_context():
        assert db.session.get(Resident, ids["R1"]).id_number_enc
        assert db.session.get(Household, ids["H1"]).phone_enc
    body = client.get(f"/api/v1/registry/residents/{ids['R1']}", headers=headers["street1"]).get_json()
    assert body["id_number_masked"] == "1101**********123X"
    assert "11010119400101123X" not in str(body)
