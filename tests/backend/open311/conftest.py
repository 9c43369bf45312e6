"""A GeoReport v2 client written from the specification: plain HTTP calls with
the specification's parameter names, answers read as JSON or parsed as XML
with ElementTree."""

import json
import xml.etree.ElementTree as ET

import pytest

from backend.extensions import db
from backend.open311 import keys

BASE = "/open311/v2"


class Open311Client:
    def __init__(self, client):
        self.client = client

    def get(self, resource, fmt="json", **params):
        return self.client.get(f"{BASE}/{resource}.{fmt}", query_string=params)

    def post(self, fmt="json", multipart=False, **fields):
        return self.client.post(f"{BASE}/requests.{fmt}", data=fields,
                                content_type="multipart/form-data" if multipart else
                                "application/x-www-form-urlencoded")


def rows(response, root="service_requests", item="request", status=200) -> list[dict]:
    """The rows of an answer, whatever its format, as {element: text} dicts
    (XML) or the JSON objects."""
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    if response.mimetype == "application/json":
        body = json.loads(response.get_data(as_text=True))
        assert isinstance(body, list)
        return body
    assert response.mimetype == "text/xml"
    assert response.get_data(as_text=True).startswith('<?xml version="1.0" encoding="utf-8"?>')
    document = ET.fromstring(response.get_data())
    assert document.tag == root
    assert all(child.tag == item for child in document)
    return [{field.tag: field.text for field in child} for child in document]


def error(response, status: int) -> str:
    """Assert the specification's error shape with this code; the description."""
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True)[:300])
    found = rows(response, "errors", "error", status=status)
    assert len(found) == 1
    assert int(found[0]["code"]) == status
    assert found[0]["description"]
    return found[0]["description"]


@pytest.fixture
def spec(client):
    return Open311Client(client)


@pytest.fixture
def key_of(world):
    """key_of(node, issuer) -> the plain key, issued through the real service."""

    def issue(node=None, issuer=None, name="城市热线"):
        plain, _record = keys.issue_key(issuer or world.staff1, name=name, node_id=(node or world.C1).id)
        db.session.commit()  # the service flushes; the test is its caller
        return plain

    return issue
