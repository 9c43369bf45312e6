"""Open311 onto the requests core (backend/open311/services.py), called
directly: jurisdictions and services, the default 90-day window of a search,
filing (names joined, what is not kept, the per-key check of the place) and
the receipt with the community's own time limits. (The HTTP answers are
tests/backend/open311/api/.)"""

from datetime import timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from backend import clock
from backend.extensions import db
from backend.open311 import keys, services
from backend.open311.formats import Open311Error
from backend.open311.models import Open311Submission
from backend.registry import sensitive
from backend.requests.models import Request
from tests.factories import TimeLimitFactory

FORM = {"service_code": "environment", "description": "垃圾桶满了", "address_string": "幸福小区3号楼"}


@pytest.fixture
def key(world):
    return keys.issue_key(world.staff1, name="热线", node_id=world.C1.id)[1]


@pytest.fixture
def street_key(world):
    return keys.issue_key(world.street1, name="街道热线", node_id=world.S1.id)[1]


def refused(call, status, words):
    with pytest.raises(Open311Error) as raised:
        call()
    assert raised.value.status == status and words in raised.value.detail
    return raised.value


def test_a_jurisdiction_is_a_live_community_of_the_keys_area(world, street_key):
    assert services.jurisdiction(None) is None and services.jurisdiction("") is None
    assert services.jurisdiction(world.C2.id, street_key) == world.C2
    refused(lambda: services.jurisdiction(world.V1.id, street_key), 404, "area of this api_key")
    for value in (world.G1.id, world.S1.id, "not-an-id"):
        refused(lambda value=value: services.jurisdiction(value), 404, "jurisdiction_id was not found")
    world.C2.retired_at = clock.now()
    refused(lambda: services.jurisdiction(world.C2.id, street_key), 404, "jurisdiction_id was not found")


def test_a_service_is_an_active_category(ctx):
    assert services.category("environment").code == "environment"
    for code in (None, "", "potholes"):
        refused(lambda code=code: services.category(code), 404, "service_code")


def test_a_communitys_own_time_limits_reach_the_notice(world, app):
    TimeLimitFactory(community=world.C1, category_code="environment", accept_hours=7, resolve_days=11)
    db.session.commit()
    with app.test_request_context("/"), force_locale("en"):
        found = services.category("environment")
        mine = services.service_notice(found, world.C1)
        assert mine == "Accepted within 7 hours and resolved within 11 working days."
        default = services.service_notice(found, None)
        assert default == (f"Accepted within {found.accept_hours} hours and resolved within "
                           f"{found.resolve_days} working days.")
        assert services.service_notice(found, world.C2) == default
        rows = {row["service_code"]: row for row in services.service_rows(world.C1)}
        assert mine in rows["environment"]["description"] and rows["environment"]["metadata"] is False
        about = services.definition(found, world.C1)["attributes"][0]
        assert about["variable"] is False and mine in about["description"]
        assert "Do not write other people's names or phone numbers" in about["description"]


def test_filing_joins_the_name_keeps_the_phone_protected_and_not_the_email(world, key):
    submission = services.submit(key, FORM | {"first_name": "张", "last_name": "三", "phone": "+86 138-0000-0001",
                                              "email": "z@example.com", "account_id": "acct-1", "lat": "39.9",
                                              "long": "116.4", "media_url": "https://example.com/a.jpg"})
    filed = db.session.get(Request, submission.request_id)
    assert (filed.channel, filed.community_id, filed.status, filed.requester_name) == (
        "open311", world.C1.id, "submitted", "张 三")
    assert sensitive.decrypt(filed.requester_phone_enc) == "+86 138-0000-0001"
    assert (filed.location["lat"], filed.location["lng"], filed.address) == (39.9, 116.4, "幸福小区3号楼")
    assert (submission.account_id, submission.media_url, submission.key_id) == (
        "acct-1", "https://example.com/a.jpg", key.id)
    assert not any("z@example.com" in str(value) for value in vars(submission).values())
    receipt = services.receipt(submission)
    assert (receipt["token"], receipt["service_request_id"]) == (submission.token, filed.id)
    assert services.by_token(submission.token) == submission


def test_a_street_key_files_into_the_named_community(world, street_key):
    submission = services.submit(street_key, FORM | {"jurisdiction_id": world.C2.id})
    assert db.session.get(Request, submission.request_id).community_id == world.C2.id
    refused(lambda: services.submit(street_key, FORM), 400, "jurisdiction_id is missing")


def test_a_key_whose_issuer_lost_the_community_files_nothing(world, street_key):
    world.street1.scope_nodes = [world.S2]  # moved to the other street
    db.session.commit()
    refused(lambda: services.submit(street_key, FORM | {"jurisdiction_id": world.C2.id}), 403, "may not file")
    assert db.session.scalars(select(Open311Submission)).all() == []


@pytest.mark.parametrize(("change", "words"), [
    ({"first_name": "名" * 26}, "first_name may be at most 25"), ({"email": "e" * 255}, "email may be at most 254"),
    ({"media_url": "ftp://example.com/a.jpg"}, "media_url must be an http or https URL"),
    ({"media_url": "https://"}, "media_url must be an http or https URL"),
    ({"long": "116.4", "address_string": ""}, "lat and long must be given together"),
    ({"lat": "inf", "long": "1"}, "lat must lie between -90 and 90")])
def test_filing_refuses_each_bad_parameter(world, key, change, words):
    refused(lambda: services.submit(key, FORM | change), 400, words)
    assert db.session.scalars(select(Request)).all() == []


def test_a_search_without_dates_covers_the_last_ninety_days(world, key):
    filed = services.submit(key, FORM).request_id
    clock.run_from(clock.now() + timedelta(days=89))
    assert [row["service_request_id"] for row in services.find_requests(key, {})] == [filed]
    clock.run_from(clock.now() + timedelta(days=2))
    assert services.find_requests(key, {}) == []
    assert [row["service_request_id"] for row in services.find_requests(key, {"service_request_id": filed})] == [
        filed]  # an id ignores the window


def test_an_end_date_alone_looks_ninety_days_back_from_it(world, key):
    created = db.session.get(Request, services.submit(key, FORM).request_id).created_at
    iso = "%Y-%m-%dT%H:%M:%SZ"
    assert len(services.find_requests(key, {"end_date": (created + timedelta(days=80)).strftime(iso)})) == 1
    assert services.find_requests(key, {"end_date": (created + timedelta(days=91)).strftime(iso)}) == []
    assert services.find_requests(key, {"end_date": (created - timedelta(days=1)).strftime(iso)}) == []


def test_reading_one_request_needs_it_in_the_keys_reach(world, key):
    filed = services.submit(key, FORM).request_id
    assert services.one_request(key, filed)["description"] == "垃圾桶满了"
    other = keys.issue_key(world.staff2, name="别的", node_id=world.C2.id)[1]
    refused(lambda: services.one_request(other, filed), 404, "service_request_id")
    refused(lambda: services.by_token("not-a-token"), 404, "token")
