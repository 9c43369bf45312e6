"""Every bad request gets the specification's error shape (<errors><error>
<code/><description/>, or the JSON array) with its code, in the format asked
for, and changes nothing; never a 500."""

import uuid

import pytest
from sqlalchemy import func, select

from backend.extensions import db
from backend.open311 import keys
from backend.open311.models import Open311Key
from backend.requests.models import Request
from tests.backend.open311.conftest import BASE, error

GOOD = {"service_code": "facilities", "address_string": "幸福小区3号楼", "description": "路灯坏了"}


def _count() -> int:
    return db.session.scalar(select(func.count()).select_from(Request))


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize(("change", "status", "words"), [
    ({"service_code": None}, 400, "service_code is missing"),
    ({"service_code": "potholes"}, 404, "service_code was not found"),
    ({"lat": "north", "long": "116.4"}, 400, "lat is not a number"),
    ({"lat": "91", "long": "116.4"}, 400, "lat must lie between"),
    ({"lat": "39.9", "long": "NaN"}, 400, "long must lie between"),
    ({"lat": "39.9"}, 400, "lat and long must be given together"),
    ({"address_string": None}, 400, "location is missing"),
    ({"description": None}, 400, "description"),
    ({"description": "长" * 5000}, 400, "description"),
    ({"media_url": "javascript:alert(1)"}, 400, "media_url"),
    ({"phone": "call me"}, 400, "phone"),
    ({"attribute[size]": "big"}, 400, "attribute[size]"),
    ({"jurisdiction_id": str(uuid.uuid4())}, 404, "jurisdiction_id"),
    ({"jurisdiction_id": "not-an-id"}, 404, "jurisdiction_id"),
])
def test_bad_posts(world, spec, key_of, fmt, change, status, words):
    fields = {**GOOD, "api_key": key_of(), **change}
    response = spec.post(fmt, **{name: value for name, value in fields.items() if value is not None})
    assert words in error(response, status)
    assert response.mimetype == ("application/json" if fmt == "json" else "text/xml")
    assert _count() == 0


def test_a_community_outside_the_key_is_not_found(world, spec, key_of):
    assert "jurisdiction_id" in error(spec.post(api_key=key_of(world.C1), jurisdiction_id=world.C2.id, **GOOD), 404)
    street_key = key_of(world.S1, world.street1)
    assert "jurisdiction_id is missing" in error(spec.post(api_key=street_key, **GOOD), 400)
    assert "jurisdiction_id" in error(spec.post("xml", api_key=street_key, jurisdiction_id=world.V1.id, **GOOD), 404)
    assert _count() == 0


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_api_keys(world, spec, key_of, fmt):
    assert "api_key is missing" in error(spec.post(fmt, **GOOD), 403)
    assert "invalid" in error(spec.post(fmt, api_key="o311_guess", **GOOD), 403)
    assert "api_key is missing" in error(spec.get("requests", fmt), 403)
    assert "invalid" in error(spec.get("requests", fmt, api_key="x" * 500), 403)
    plain = key_of()
    keys.revoke_key(world.staff1, db.session.scalar(select(Open311Key)))
    db.session.commit()
    assert "revoked" in error(spec.post(fmt, api_key=plain, **GOOD), 403)
    assert "revoked" in error(spec.get(f"requests/{uuid.uuid4()}", fmt, api_key=plain), 403)
    assert _count() == 0


def test_a_key_dies_with_its_issuers_access(world, spec, key_of):
    plain = key_of(world.C1, world.staff1)
    world.staff1.is_active_flag = False
    db.session.commit()
    error(spec.post(api_key=plain, **GOOD), 403)


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_unknown_ids_and_tokens(world, spec, key_of, fmt):
    key = key_of()
    assert "service_request_id" in error(spec.get(f"requests/{uuid.uuid4()}", fmt, api_key=key), 404)
    assert "service_request_id" in error(spec.get("requests/42", fmt, api_key=key), 404)
    assert "token" in error(spec.get(f"tokens/{uuid.uuid4()}", fmt), 404)
    assert "token" in error(spec.get("tokens/abc", fmt), 404)
    assert "service_code" in error(spec.get("services/potholes", fmt), 404)
    assert "jurisdiction_id" in error(spec.get("services", fmt, jurisdiction_id=str(uuid.uuid4())), 404)
    assert "jurisdiction_id" in error(spec.get("services", fmt, jurisdiction_id=world.G1.id), 404)


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize(("params", "words"), [
    ({"start_date": "yesterday"}, "start_date"),
    ({"end_date": "2026-13-45T00:00:00Z"}, "end_date"),
    ({"start_date": "2026-05-02T00:00:00Z", "end_date": "2026-05-01T00:00:00Z"}, "before end_date"),
    ({"status": "pending"}, "status"),
])
def test_bad_request_queries(world, spec, key_of, fmt, params, words):
    assert words in error(spec.get("requests", fmt, api_key=key_of(), **params), 400)


def test_formats_paths_and_methods(world, spec, client):
    # An unknown format: 400, answered in XML (the specification's required format).
    for path in ("services.csv", "requests.html", "discovery.yaml", "services/environment.txt"):
        response = client.get(f"{BASE}/{path}")
        assert "format" in error(response, 400) and response.mimetype == "text/xml", path
    # Unknown resources: 404 in the format of the extension.
    response = client.get(f"{BASE}/potholes.json")
    error(response, 404)
    assert response.mimetype == "application/json"
    assert client.get(f"{BASE}/").mimetype == "text/xml"
    error(client.get(f"{BASE}/"), 404)
    # Methods the specification does not have.
    response = client.delete(f"{BASE}/requests.json")
    error(response, 405)
    assert "GET" in response.headers["Allow"] and "POST" in response.headers["Allow"]
    error(client.post(f"{BASE}/services.xml"), 405)
    # NUL characters are refused up front, in the shape of the specification.
    error(client.get(f"{BASE}/services.json", query_string={"jurisdiction_id": "a\x00b"}), 400)


def test_a_json_body_is_not_a_form(world, spec, key_of, client):
    response = client.post(f"{BASE}/requests.json", json={**GOOD, "api_key": key_of()})
    assert "api_key is missing" in error(response, 403)


def test_posts_are_bounded_per_key(world, spec, key_of, app):
    key, other = key_of(), key_of()
    before = app.config["OPEN311_POSTS_PER_HOUR"]
    app.config["OPEN311_POSTS_PER_HOUR"] = 2
    try:
        assert spec.post(api_key=key, **GOOD).status_code == 201
        assert spec.post(api_key=key, **GOOD).status_code == 201
        response = spec.post("xml", api_key=key, **GOOD)
        assert "last hour" in error(response, 429) and response.headers["Retry-After"]
        assert spec.post(api_key=other, **GOOD).status_code == 201  # the bound is per key
    finally:
        app.config["OPEN311_POSTS_PER_HOUR"] = before
    assert _count() == 3


def test_text_xml_cannot_carry_stays_well_formed(world, spec, key_of):
    import xml.etree.ElementTree as ET

    key = key_of()
    created = spec.post("xml", api_key=key, service_code="other", address_string="a\x01b",
                        description="bell\x07 ]]> <![CDATA[ x ]]> \"quotes\" 'single'")
    root = ET.fromstring(created.get_data())
    request_id = root.findtext("request/service_request_id")
    got = ET.fromstring(spec.get(f"requests/{request_id}", "xml", api_key=key).get_data()).find("request")
    assert got.findtext("description") == "bell ]]> <![CDATA[ x ]]> \"quotes\" 'single'"
    assert got.findtext("address") == "ab"
