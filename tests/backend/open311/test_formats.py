"""GeoReport v2 wire formats (backend/open311/formats.py): the format by
extension, W3C times, XML with the specification's names that stays
well-formed whatever a person typed, and errors in its <errors> shape."""

import json
import xml.etree.ElementTree as ET
from datetime import datetime

import pytest

from backend.errors import Invalid, Refused
from backend.open311.formats import (
    Open311Error,
    check_format,
    error_response,
    format_of,
    parse_w3c,
    problem_response,
    respond,
    w3c,
    xml_document,
)


@pytest.mark.parametrize(("path", "fmt"), [("/open311/v2/requests.json", "json"), ("/x/REQUESTS.JSON", "json"),
                                           ("/open311/v2/requests.xml", "xml"), ("/open311/v2/requests", "xml"),
                                           ("/open311/v2/requests.csv", "xml")])
def test_the_format_is_the_extension_and_xml_otherwise(path, fmt):
    assert format_of(path) == fmt


def test_only_json_and_xml_are_formats():
    assert check_format("json") == "json" and check_format("xml") == "xml"
    with pytest.raises(Open311Error) as raised:
        check_format("csv")
    assert raised.value.status == 400 and raised.value.title == "Bad Request"


def test_times_are_written_in_the_configured_zone(ctx):
    assert w3c(datetime(2026, 11, 27, 2, 0)) == "2026-11-27T10:00:00+08:00"
    assert w3c(datetime(2026, 11, 27, 2, 0, 30, 999)) == "2026-11-27T10:00:30+08:00"
    assert w3c(None) is None


@pytest.mark.parametrize(("raw", "read"), [
    ("2026-11-05T13:15:30Z", datetime(2026, 11, 5, 13, 15, 30)),
    ("2026-11-05T13:15:30z", datetime(2026, 11, 5, 13, 15, 30)),
    ("2026-11-05T21:15:30+08:00", datetime(2026, 11, 5, 13, 15, 30)),
    ("2026-11-05T13:15:30", datetime(2026, 11, 5, 13, 15, 30)),  # no zone: UTC
    (" 2026-11-05 ", datetime(2026, 11, 5))])
def test_client_times_are_read_as_naive_utc(raw, read):
    assert parse_w3c("start_date", raw) == read


@pytest.mark.parametrize("raw", ["yesterday", "", "2026-13-01", "2026-11-05T25:00:00Z"])
def test_an_unreadable_time_is_a_400_naming_the_parameter(raw):
    with pytest.raises(Open311Error) as raised:
        parse_w3c("end_date", raw)
    assert raised.value.status == 400 and raised.value.detail.startswith("end_date is not a W3C date-time")


def test_xml_uses_the_specifications_names_and_drops_what_xml_cannot_carry():
    text = xml_document("service_requests", "request", [
        {"service_request_id": "r1", "description": "灯坏了\x00\x07 <b>&\ud800", "lat": 39.9, "ok": True,
         "media_url": None},
        {"service_request_id": "r2", "keywords": ["a", "b"], "attributes": [{"code": "about"}]}])
    assert text.startswith('<?xml version="1.0" encoding="utf-8"?>\n')
    root = ET.fromstring(text.encode())
    first, second = root.findall("request")
    assert first.findtext("description") == "灯坏了 <b>&"
    assert (first.findtext("lat"), first.findtext("ok")) == ("39.9", "true")
    assert first.find("media_url") is not None and first.find("media_url").text is None
    assert [item.text for item in second.find("keywords")] == ["a", "b"]
    assert second.find("attributes/attribute/code").text == "about"


def test_a_mapping_sits_directly_under_the_root():
    root = ET.fromstring(xml_document("discovery", None, {"changeset": "c", "endpoints": [{"url": "u"}]}).encode())
    assert root.tag == "discovery" and root.findtext("changeset") == "c"
    assert root.find("endpoints/endpoint/url").text == "u"


def test_json_answers_keep_chinese_and_repair_lone_surrogates(ctx):
    response = respond("json", "services", "service", [{"name": "路灯\ud800"}], status=201, headers={"X-A": "1"})
    assert response.status_code == 201 and response.headers["X-A"] == "1"
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    assert "路灯" in response.get_data(as_text=True)  # not \\u escaped
    assert json.loads(response.get_data()) == [{"name": "路灯?"}]
    assert respond("xml", "services", "service", []).headers["Content-Type"] == "text/xml; charset=utf-8"


def test_errors_in_the_specifications_shape(app):
    with app.test_request_context("/open311/v2/requests.json"):
        response = error_response(404, "service_code was not found.")
        assert response.status_code == 404
        assert json.loads(response.get_data()) == [{"code": 404, "description": "service_code was not found."}]
    with app.test_request_context("/open311/v2/requests.xml"):
        root = ET.fromstring(error_response(403, "api_key is missing.").get_data())
        assert (root.tag, root.findtext("error/code"), root.findtext("error/description")) == (
            "errors", "403", "api_key is missing.")


def test_any_problem_is_rendered_in_that_shape_with_fields_at_fault_as_400(app):
    with app.test_request_context("/open311/v2/requests.json"):
        invalid = problem_response(Invalid({"description": ["Too long."]}))
        assert invalid.status_code == 400 and json.loads(invalid.get_data())[0]["code"] == 400
        assert problem_response(Refused()).status_code == 403
        limited = problem_response(Open311Error(429, "Slow down.", headers={"Retry-After": "600"}))
        assert limited.status_code == 429 and limited.headers["Retry-After"] == "600"
