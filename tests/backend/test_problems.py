"""Every API error is application/problem+json naming the field at fault, and
no input produces a 500. (How the API frame reads a body, its encodings and
sizes, is tests/backend/test_apiframe.py.)"""

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.backend.shared import is_problem

NODES = "/api/v1/org/nodes"
HOUSEHOLDS = "/api/v1/registry/households"
TOKEN = "/api/v1/auth/token"


@pytest.fixture
def staff(world, auth):
    return auth.headers("staff1")


def _post(client, url, body: bytes, headers, content_type="application/json", **extra):
    return client.post(url, data=body, headers=headers | extra, content_type=content_type)


def test_wrong_types_name_the_fields(world, client, staff):
    response = client.post(NODES, headers=staff, json={"kind": "grid", "parent_id": world.C1.id, "name": 5,
                                                       "notes": ["a"]})
    body = is_problem(response, 422)
    assert {"name", "notes"} <= set(body["errors"])
    response = client.post(HOUSEHOLDS, headers=staff, json={"grid_id": world.G1.id, "address": "a", "head_name": "b",
                                                            "care_tags": "elderly_alone"})
    assert "care_tags" in is_problem(response, 422)["errors"]
    response = client.patch(f"/api/v1/registry/residents/{world.R1.id}", headers=staff,
                            json={"birth_date": "yesterday", "gender": "X"})
    assert {"birth_date", "gender"} <= set(is_problem(response, 422)["errors"])


def test_missing_fields_are_named(world, client, staff):
    body = is_problem(client.post(NODES, headers=staff, json={"parent_id": world.C1.id}), 422)
    assert {"kind", "name"} <= set(body["errors"])
    body = is_problem(client.post(HOUSEHOLDS, headers=staff, json={}), 422)
    assert {"grid_id", "address", "head_name"} <= set(body["errors"])
    body = is_problem(client.post(TOKEN, json={"username": "staff1"}), 422)
    assert {"password", "device_id"} <= set(body["errors"])


def test_unknown_fields_are_named(world, client, staff):
    body = is_problem(client.post(NODES, headers=staff, json={"kind": "grid", "parent_id": world.C1.id,
                                                               "name": "G", "colour": "red"}), 422)
    assert "colour" in body["errors"]
    body = is_problem(client.patch(f"/api/v1/registry/households/{world.H1.id}", headers=staff,
                                   json={"notes": "x", "is_admin": True}), 422)
    assert "is_admin" in body["errors"]


def test_service_validation_names_the_field(world, client, staff):
    body = is_problem(client.post(NODES, headers=staff, json={"kind": "building", "parent_id": world.C1.id,
                                                               "name": "楼"}), 422)
    assert "parent_id" in body["errors"]
    body = is_problem(client.patch(f"/api/v1/registry/residents/{world.R1.id}", headers=staff,
                                   json={"id_number": "12345"}), 422)
    assert "id_number" in body["errors"]


def test_unknown_api_route_is_a_404_problem(client):
    is_problem(client.get("/api/v1/no-such-thing"), 404)
    is_problem(client.post("/api/v2/org/nodes", json={}), 404)


def test_wrong_method_is_a_405_problem_with_allow(client):
    response = client.put(NODES, json={})
    is_problem(response, 405)
    assert {"GET", "POST"} <= {m.strip() for m in response.headers["Allow"].split(",")}
    response = client.get(TOKEN)
    is_problem(response, 405)
    assert "POST" in response.headers["Allow"]


@pytest.mark.parametrize(("query", "name"), [("page=abc", "page"), ("page=0", "page"), ("per_page=0", "per_page"),
                                             ("per_page=1000", "per_page"), ("per_page=-5", "per_page"),
                                             ("page=99999999999999999999", "page")])
def test_invalid_paging_names_the_parameter(world, client, staff, query, name):
    for url in (NODES, HOUSEHOLDS):
        body = is_problem(client.get(f"{url}?{query}", headers=staff), 400)
        assert name in body["errors"]


def test_invalid_query_values(world, client, staff):
    assert "kind" in is_problem(client.get(f"{NODES}?kind=planet", headers=staff), 400)["errors"]
    assert "under" in is_problem(client.get(f"{HOUSEHOLDS}?under=nope", headers=staff), 404)["errors"]


def test_nul_characters_in_the_url_are_refused(world, client, staff):
    """PostgreSQL cannot even compare text holding NUL: refused before any query."""
    for url in (NODES, HOUSEHOLDS):
        assert "q" in is_problem(client.get(f"{url}?q=a%00b", headers=staff), 400)["errors"]
        assert "under" in is_problem(client.get(f"{url}?under=%00", headers=staff), 400)["errors"]
    is_problem(client.get("/api/v1/registry/households/%00", headers=staff), 400)
    is_problem(client.get("/api/v1/org/nodes/a%00", headers=staff), 400)
    assert client.get("/sign-in?next=%00").status_code == 400


def test_invalid_device_id_is_422(world, client):
    body = is_problem(client.post(TOKEN, json={"username": "staff1", "password": "demo-pass-2026",
                                               "device_id": "not-a-uuid"}), 422)
    assert "device_id" in body["errors"]


# --- property: nothing a client sends yields a 500 ---------------------------

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12,
)


def _bodies(fields):
    """Objects with the endpoint's own field names (and strangers), any values."""
    keys = st.sampled_from(fields) | st.text(max_size=12)
    return st.dictionaries(keys, JSON_VALUES, max_size=len(fields) + 1)


def _raw(objects):
    as_json = objects.map(lambda value: json.dumps(value).encode())
    return as_json | JSON_VALUES.map(lambda value: json.dumps(value).encode()) | st.binary(max_size=64)


NODE_FIELDS = ["kind", "parent_id", "name", "code", "community_kind", "address", "notes"]
HOUSEHOLD_FIELDS = ["id", "grid_id", "building_id", "address", "head_name", "phone", "notes", "care_tags"]
RESIDENT_FIELDS = ["name", "gender", "birth_date", "relation", "id_number", "phone", "notes", "care_tags"]
TOKEN_FIELDS = ["username", "password", "device_id", "device_name"]

FUZZ = settings(max_examples=60, deadline=None, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


def _check(response):
    assert response.status_code < 500, response.get_data(as_text=True)[:500]
    if response.status_code >= 400:
        is_problem(response)


@FUZZ
@given(body=_raw(_bodies(NODE_FIELDS)), parent=st.sampled_from(["C1", "S1", "G1", "C2", None]))
def test_fuzz_create_node(world, client, staff, body, parent):
    try:
        data = json.loads(body)
    except ValueError:
        data = None
    if isinstance(data, dict) and parent:
        # Often aim at a real parent so the service rules run too.
        data["parent_id"] = getattr(world, parent).id
        body = json.dumps(data).encode()
    _check(_post(client, NODES, body, staff))


@FUZZ
@given(body=_raw(_bodies(HOUSEHOLD_FIELDS)))
def test_fuzz_create_household(world, client, staff, body):
    _check(_post(client, HOUSEHOLDS, body, staff))


@FUZZ
@given(body=_raw(_bodies(RESIDENT_FIELDS)))
def test_fuzz_patch_resident(world, client, staff, body):
    response = client.patch(f"/api/v1/registry/residents/{world.R1.id}", data=body, headers=staff,
                            content_type="application/json")
    _check(response)


@FUZZ
@given(body=_raw(_bodies(TOKEN_FIELDS)))
def test_fuzz_token(world, client, body):
    _check(_post(client, TOKEN, body, {}))
