"""A GeoReport v2 client, written from the specification, talks to /open311/v2/:
discovery, services, a service definition, filing a request with an api_key
and reading it back by id, in lists, and by token, in JSON and in XML."""

import xml.etree.ElementTree as ET

import pytest
from sqlalchemy import select

from backend.extensions import db
from backend.open311.models import Open311Submission
from backend.requests import services as core
from backend.requests.models import Request, RequestCategory
from tests.backend.open311.conftest import BASE, rows

REQUEST_FIELDS = {"service_request_id", "status", "status_notes", "service_name", "service_code", "description",
                  "agency_responsible", "service_notice", "requested_datetime", "updated_datetime",
                  "expected_datetime", "address", "address_id", "zipcode", "lat", "long", "media_url"}
SERVICE_FIELDS = {"service_code", "service_name", "description", "metadata", "type", "keywords", "group"}


def test_discovery_in_both_formats(spec):
    response = spec.get("discovery")
    assert response.status_code == 200 and response.mimetype == "application/json"
    body = response.get_json()
    assert {"changeset", "contact", "key_service", "endpoints"} <= set(body)
    endpoint = body["endpoints"][0]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"].endswith(BASE) and endpoint["type"] == "production"
    assert set(endpoint["formats"]) == {"text/xml", "application/json"}

    xml = spec.get("discovery", "xml")
    assert xml.status_code == 200 and xml.headers["Content-Type"] == "text/xml; charset=utf-8"
    root = ET.fromstring(xml.get_data())
    assert root.tag == "discovery"
    assert root.findtext("endpoints/endpoint/specification") == "http://wiki.open311.org/GeoReport_v2"
    assert [f.text for f in root.findall("endpoints/endpoint/formats/format")] == ["text/xml", "application/json"]
    assert root.findtext("changeset") == body["changeset"]


@pytest.fixture
def other_retired(ctx):
    """The categories outlive each test (seeded by the migration): restore."""
    db.session.get(RequestCategory, "other").active = False
    db.session.commit()
    yield
    db.session.remove()
    db.session.get(RequestCategory, "other").active = True
    db.session.commit()


def test_services_list_the_active_categories_in_both_formats(world, spec, other_retired):
    active = [c.code for c in core.categories(db.session)]
    assert "other" not in active and len(active) >= 5

    listed = rows(spec.get("services"))
    assert [s["service_code"] for s in listed] == active
    assert all(set(s) == SERVICE_FIELDS for s in listed)
    assert all(s["metadata"] is False and s["type"] == "realtime" for s in listed)
    environment = next(s for s in listed if s["service_code"] == "environment")
    assert environment["service_name"] == "环境卫生"  # Simplified Chinese by default

    xml = rows(spec.get("services", "xml"), "services", "service")
    assert [s["service_code"] for s in xml] == active
    assert all(set(s) == SERVICE_FIELDS for s in xml)
    assert {s["metadata"] for s in xml} == {"false"}

    english = rows(spec.get("services", locale="en"))
    assert next(s for s in english if s["service_code"] == "environment")["service_name"] == \
        "Environment and sanitation"
    traditional = rows(spec.client.get(f"{BASE}/services.json", headers={"Accept-Language": "zh-TW"}))
    assert next(s for s in traditional if s["service_code"] == "environment")["service_name"] == "環境衛生"


def test_service_definition_in_both_formats(world, spec):
    body = spec.get("services/elderly_care").get_json()
    assert body["service_code"] == "elderly_care"
    assert len(body["attributes"]) == 1
    about = body["attributes"][0]
    assert about["variable"] is False and about["required"] is False and about["code"] == "about"
    assert about["datatype"] == "text" and about["description"]

    root = ET.fromstring(spec.get("services/elderly_care", "xml").get_data())
    assert root.tag == "service_definition" and root.findtext("service_code") == "elderly_care"
    attribute = root.find("attributes/attribute")
    assert attribute.findtext("variable") == "false" and attribute.findtext("code") == "about"


def test_file_a_request_and_read_it_back_in_json_and_xml(world, spec, key_of):
    key = key_of(world.C1)
    response = spec.post(api_key=key, service_code="facilities", lat="39.9042", long="116.4074",
                         address_string="幸福小区3号楼门口", description="路灯坏了 <不亮> & 很黑",
                         first_name="明", last_name="王", phone="13912345678", email="wang@example.com",
                         device_id="phone-1", account_id="acct-42", media_url="https://example.com/lamp.jpg")
    assert response.status_code == 201, response.get_data(as_text=True)
    receipt = rows(response, status=201)
    assert len(receipt) == 1
    request_id, token = receipt[0]["service_request_id"], receipt[0]["token"]
    assert receipt[0]["account_id"] == "acct-42" and receipt[0]["service_notice"]

    # The request went through the core: channel open311, into C1, held by the community.
    filed = db.session.get(Request, request_id)
    assert filed.channel == "open311" and filed.community_id == world.C1.id and filed.status == "submitted"
    assert filed.holder_node_id == world.C1.id and filed.requester_name == "明 王"
    assert filed.household_id is None and filed.requester_id is None
    assert filed.requester_phone_enc and "13912345678" not in filed.requester_phone_enc
    assert core.requester_phone(filed) == "13912345678"
    assert (filed.location["lat"], filed.location["lng"]) == (39.9042, 116.4074)

    one = rows(spec.get(f"requests/{request_id}", api_key=key))
    assert len(one) == 1 and set(one[0]) == REQUEST_FIELDS
    got = one[0]
    assert got["service_request_id"] == request_id and got["status"] == "open"
    names = {s["service_code"]: s["service_name"] for s in rows(spec.get("services"))}
    assert got["service_code"] == "facilities" and got["service_name"] == names["facilities"]
    assert got["description"] == "路灯坏了 <不亮> & 很黑" and got["address"] == "幸福小区3号楼门口"
    assert got["lat"] == 39.9042 and got["long"] == 116.4074
    assert got["media_url"] == "https://example.com/lamp.jpg"
    assert got["agency_responsible"] == "幸福社区"
    assert got["requested_datetime"].endswith("+08:00") and got["expected_datetime"]
    text = spec.get(f"requests/{request_id}", api_key=key).get_data(as_text=True)
    assert "13912345678" not in text and "王" not in text.replace("路灯", "") and "wang@" not in text

    xml = spec.get(f"requests/{request_id}", "xml", api_key=key)
    root = ET.fromstring(xml.get_data())
    assert root.tag == "service_requests"
    request = root.find("request")
    assert {child.tag for child in request} == REQUEST_FIELDS
    assert request.findtext("service_request_id") == request_id
    assert request.findtext("description") == "路灯坏了 <不亮> & 很黑"  # escaped on the wire, intact parsed
    assert "&lt;不亮&gt; &amp; 很黑" in xml.get_data(as_text=True)
    assert float(request.findtext("lat")) == 39.9042 and request.findtext("status") == "open"

    listed = rows(spec.get("requests", api_key=key))
    assert [r["service_request_id"] for r in listed] == [request_id]
    listed_xml = rows(spec.get("requests", "xml", api_key=key))
    assert [r["service_request_id"] for r in listed_xml] == [request_id]

    by_token = rows(spec.get(f"tokens/{token}"))
    assert by_token == [{"service_request_id": request_id, "token": token}]
    by_token_xml = rows(spec.get(f"tokens/{token}", "xml"))
    assert by_token_xml == [{"service_request_id": request_id, "token": token}]


def test_post_as_multipart_and_xml_answer(world, spec, key_of):
    key = key_of(world.C1)
    response = spec.post("xml", multipart=True, api_key=key, service_code="environment",
                         address_id="ADDR-7", description="垃圾没有清运")
    assert response.status_code == 201
    receipt = rows(response, status=201)
    filed = db.session.get(Request, receipt[0]["service_request_id"])
    assert filed.category == "environment" and filed.location is None
    assert db.session.get(Open311Submission, receipt[0]["token"]).address_id == "ADDR-7"


def test_status_follows_the_core_and_staff_replies_reach_the_filing_app(world, spec, key_of):
    key = key_of(world.C1)
    request_id = rows(spec.post(api_key=key, service_code="facilities", address_string="3号楼",
                                description="电梯停了"), status=201)[0]["service_request_id"]
    filed = db.session.get(Request, request_id)
    core.transition(db.session, world.staff1, filed, "accept", {})
    core.transition(db.session, world.staff1, filed, "reply", {"message": "维修师傅下午到"})
    db.session.commit()
    got = rows(spec.get(f"requests/{request_id}", api_key=key))[0]
    assert got["status"] == "open" and got["status_notes"] == "维修师傅下午到"
    core.transition(db.session, world.staff1, filed, "resolve", {"message": "已修好"})
    db.session.commit()
    assert rows(spec.get("requests", api_key=key, status="closed"))[0]["status_notes"] == "已修好"
    assert rows(spec.get("requests", api_key=key, status="open")) == []


def test_filters_of_get_requests(world, spec, key_of):
    key = key_of(world.C1)
    first = rows(spec.post(api_key=key, service_code="facilities", address_string="1号楼", description="一"),
                 status=201)[0]["service_request_id"]
    second = rows(spec.post(api_key=key, service_code="environment", address_string="2号楼", description="二"),
                  status=201)[0]["service_request_id"]
    old = db.session.get(Request, first)
    old.created_at = old.created_at.replace(year=old.created_at.year - 1)
    db.session.commit()

    # Default: the last 90 days.
    assert [r["service_request_id"] for r in rows(spec.get("requests", api_key=key))] == [second]
    # service_request_id (comma separated) ignores every other filter.
    both = rows(spec.get("requests", api_key=key, service_request_id=f"{first},{second},nonsense"))
    assert {r["service_request_id"] for r in both} == {first, second}
    # service_code, dates (W3C, with a zone or Z), status.
    assert rows(spec.get("requests", api_key=key, service_code="facilities")) == []
    year_ago = old.created_at.strftime("%Y-%m-%d")
    found = rows(spec.get("requests", api_key=key, service_code="facilities,environment",
                          start_date=f"{year_ago}T00:00:00+08:00", end_date=f"{year_ago}T23:59:59Z"))
    assert [r["service_request_id"] for r in found] == [first]
    assert len(rows(spec.get("requests", api_key=key, start_date=f"{year_ago}T00:00:00Z", status="open,closed"))) == 2


def test_a_key_reads_only_its_area_and_only_its_own_texts(world, spec, key_of):
    """Requests residents raised in the app appear to a key of their community
    without what they wrote; other communities' requests not at all."""
    c1_key, c2_key, other_c1_key = key_of(world.C1), key_of(world.C2, world.staff2), key_of(world.C1)
    private = core.create_request(db.session, world.resident1, {"category": "elderly_care",
                                                                "description": "我母亲摔倒了，需要人照看"})
    db.session.commit()
    mine = rows(spec.post(api_key=c1_key, service_code="facilities", address_string="3号楼",
                          description="楼道灯坏了"), status=201)[0]["service_request_id"]

    listed = {r["service_request_id"]: r for r in rows(spec.get("requests", api_key=c1_key))}
    assert set(listed) == {private.id, mine}
    assert listed[private.id]["description"] is None and listed[private.id]["address"] is None
    assert listed[private.id]["lat"] is None and listed[private.id]["service_code"] == "elderly_care"
    text = spec.get("requests", api_key=c1_key).get_data(as_text=True)
    assert "母亲" not in text and "张伟" not in text and world.H1.id not in text and world.resident1.id not in text
    assert listed[mine]["description"] == "楼道灯坏了"
    # Another key of the same community sees the request, not the text.
    other = {r["service_request_id"]: r for r in rows(spec.get("requests", api_key=other_c1_key))}
    assert other[mine]["description"] is None
    # A key of another community sees neither.
    assert rows(spec.get("requests", api_key=c2_key)) == []
    assert rows(spec.get(f"requests/{private.id}", api_key=c2_key), "errors", "error", status=404)


def test_a_street_key_names_the_community(world, spec, key_of):
    key = key_of(world.S1, world.street1)
    response = spec.post(api_key=key, service_code="safety", jurisdiction_id=world.C2.id,
                         address_string="和平里路口", description="井盖松动")
    filed = db.session.get(Request, rows(response, status=201)[0]["service_request_id"])
    assert filed.community_id == world.C2.id and filed.holder_node_id == world.C2.id
    # The street key reads requests of both its communities.
    assert [r["service_request_id"] for r in rows(spec.get("requests", api_key=key))] == [filed.id]
    assert rows(spec.get("requests", api_key=key, jurisdiction_id=world.C1.id)) == []


def test_open311_is_an_api_no_csrf_but_the_security_headers(world, spec, key_of, app):
    assert app.config.get("WTF_CSRF_ENABLED", True)
    created = spec.post(api_key=key_of(), service_code="other", address_string="x", description="无需 CSRF")
    assert created.status_code == 201
    for response in (created, spec.get("services", "xml"), spec.get("nothing")):
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
        assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_the_key_notes_its_last_use(world, spec, key_of):
    from backend.open311.models import Open311Key

    key = key_of()
    assert db.session.scalar(select(Open311Key.last_used_at)) is None
    spec.get("requests", api_key=key)
    db.session.remove()
    assert db.session.scalar(select(Open311Key.last_used_at)) is not None
