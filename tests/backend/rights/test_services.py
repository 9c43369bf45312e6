"""A resident's rights: they see and download what Linli holds about their household (never
another household's, never staff notes, internal steps or sensitive tags; ID numbers and phones
masked; each download audited), and a correction they ask for reaches their community's staff
and their grid's worker as a request, whose answer comes back to them."""

import csv
import io
import json

import pytest
from sqlalchemy import func, select

from backend.audit.models import AuditEntry
from backend.errors import Invalid, Refused
from backend.extensions import db
from backend.registry.models import Household
from backend.requests import services as requests
from backend.requests.models import Request
from backend.rights import services as rights
from tests.factories import ConsentFactory, RatingFactory, RequestFactory, UserFactory, VisitFactory, take_step


@pytest.fixture
def lived(world):
    """Resident1's household with a request (rated), a visit, consents and staff notes; and the
    same of household H2, which must never show."""
    h1 = db.session.get(Household, world.H1.id)
    h1.notes = "STAFF-NOTE-H1"
    world.R1.notes = "STAFF-NOTE-R1"
    rated = RatingFactory(request=RequestFactory(raiser=world.resident1, household=h1, status="resolved",
                                                 description="楼道灯坏了"), comment="很快")
    requests.transition(db.session, world.staff1, rated_request(rated), "note", {"message": "INTERNAL-NOTE"})
    VisitFactory(household=h1, notes="VISIT-NOTES-H1")
    ConsentFactory(resident=world.R1b, tag_code="community_correction", recorder=world.staff1, detail="矫正决定书")
    ConsentFactory(household=h1, purpose="proxy_request", tag_code=None, basis="verbal", recorder=world.worker1,
                   given_by="张伟")
    world.H2.notes = "STAFF-NOTE-H2"
    other = UserFactory(role="resident", home=world.H2, username="resident2")
    RequestFactory(raiser=other, household=world.H2, description="OTHER-HOUSEHOLD-REQUEST")
    VisitFactory(household=world.H2)
    ConsentFactory(household=world.H2, purpose="proxy_request", tag_code=None, basis="verbal",
                   given_by="OTHER-GIVER")
    db.session.commit()
    return world


def rated_request(rating):
    return db.session.get(Request, rating.target_id)


def test_a_resident_sees_their_household_and_nothing_hidden(lived):
    data = rights.collect(db.session, lived.resident1)
    assert data["household"]["id"] == lived.H1.id and data["household"]["phone_masked"] == "138****0001"
    assert {r["id"] for r in data["residents"]} == {lived.R1.id, lived.R1b.id}
    by_id = {r["id"]: r for r in data["residents"]}
    assert by_id[lived.R1.id]["id_number_masked"] == "1****************X"
    assert by_id[lived.R1b.id]["care_tags"] == []  # sensitive: not on a shared household account
    assert [r["description"] for r in data["requests"]] == ["楼道灯坏了"]
    kinds = [s["kind"] for s in data["requests"][0]["steps"]]
    assert "submitted" in kinds and "resolved" in kinds and "noted" not in kinds
    assert [(r["score"], r["comment"]) for r in data["ratings"]] == [(4, "很快")]
    assert len(data["visits"]) == 1 and set(data["visits"][0]) == {"date"}
    assert [(c["purpose"], c["given_by"]) for c in data["consents"]] == [("proxy_request", "张伟")]
    assert data["account"]["username"] == "resident1"
    text = json.dumps(rights.as_json(data), ensure_ascii=False)
    for hidden in ("STAFF-NOTE", "INTERNAL-NOTE", "VISIT-NOTES", "矫正决定书", "11010119400101123X",
                   "13800000001", "password", "notes"):
        assert hidden not in text, hidden


def test_another_households_data_is_never_in_the_export(lived):
    text = json.dumps(rights.as_json(rights.collect(db.session, lived.resident1)), ensure_ascii=False)
    text += rights.as_csv(rights.collect(db.session, lived.resident1))
    for other in (lived.H2.id, lived.R2.id, "OTHER-HOUSEHOLD-REQUEST", "OTHER-GIVER", lived.H2.address, "李娜",
                  lived.H5.address, lived.H3.address):
        assert other not in text, other


@pytest.mark.parametrize("username", ["staff1", "worker1", "admin", "street1", "volunteer1"])
def test_only_a_resident_of_a_household_has_this_view(world, username):
    with pytest.raises(Refused):
        rights.collect(db.session, world.users[username])
    pending = UserFactory(role="resident", status="pending")
    with pytest.raises(Refused):
        rights.collect(db.session, pending)


def test_a_download_is_audited_and_the_csv_holds_the_same(lived):
    data = rights.download(db.session, lived.resident1, "csv", "10.0.0.9")
    db.session.commit()
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "download_own_data"))
    assert (entry.actor_id, entry.target_id, entry.detail, entry.address) == (
        lived.resident1.id, lived.H1.id, {"format": "csv"}, "10.0.0.9")
    table = rights.as_csv(data)
    assert table.splitlines()[0] == "section,record,field,value"
    assert f"household,{lived.H1.id},address,{lived.H1.address}" in table
    assert "楼道灯坏了" in table and "STAFF-NOTE" not in table


def test_text_that_looks_like_a_formula_stays_text_in_the_csv(lived):
    data = rights.collect(db.session, lived.resident1)
    data["household"]["address"] = '=HYPERLINK("http://evil.example","点我")'
    data["household"]["head_name"] = "@SUM(1)"
    rows = list(csv.reader(io.StringIO(rights.as_csv(data))))
    cells = {row[2]: row[3] for row in rows if row[0] == "household"}
    assert cells["address"] == "'=HYPERLINK(\"http://evil.example\",\"点我\")" and cells["head_name"] == "'@SUM(1)"
    assert not any(cell.startswith(("=", "+", "@")) for row in rows for cell in row)


def test_a_correction_reaches_the_households_staff_and_worker(world):
    asked = rights.ask_correction(db.session, world.resident1, {
        "field": "resident.birth_date", "resident_id": world.R1b.id, "wrong": "1950-01-01",
        "should_be": "1951-03-02"})
    db.session.commit()
    assert (asked.category, asked.household_id, asked.resident_id, asked.holder_node_id, asked.status) == (
        "correction", world.H1.id, world.R1b.id, world.C1.id, "submitted")
    assert "1950-01-01" in asked.description and "1951-03-02" in asked.description
    assert asked.requester_id == world.resident1.id and not asked.on_behalf
    for who, sees in (("staff1", True), ("worker1", True), ("staff2", False), ("worker2", False)):
        found = db.session.scalars(requests.visible_requests(db.session, world.users[who])
                                   .where(Request.id == asked.id)).all()
        assert bool(found) is sees, who
    assert db.session.scalar(select(AuditEntry.detail).where(AuditEntry.action == "ask_correction")) == {
        "request_id": asked.id, "field": "resident.birth_date"}


def test_the_resolution_is_shown_to_the_resident(world):
    asked = rights.ask_correction(db.session, world.resident1, {
        "field": "household.address", "wrong": "1单元101", "should_be": "1单元102"})
    db.session.commit()
    [listed] = rights.corrections(db.session, world.resident1)
    assert (listed["id"], listed["status"], listed["answer"]) == (asked.id, "submitted", None)
    take_step(asked, "accept")
    requests.transition(db.session, world.staff1, asked, "resolve", {"message": "已更正为1单元102"})
    db.session.commit()
    [listed] = rights.corrections(db.session, world.resident1)
    assert (listed["status"], listed["answer"]) == ("resolved", "已更正为1单元102")
    assert rights.corrections(db.session, world.users["resident1"]) == [listed]


@pytest.mark.parametrize(("data", "field"), [
    ({"field": "resident.name", "wrong": "a", "should_be": "b"}, "resident_id"),
    ({"field": "resident.name", "resident_id": "R2", "wrong": "a", "should_be": "b"}, "resident_id"),
    ({"field": "password", "wrong": "a", "should_be": "b"}, "field"),
    ({"field": "other", "wrong": "", "should_be": "b"}, "wrong"),
    ({"field": "other", "wrong": "a", "should_be": "x" * 501}, "should_be"),
    ({"field": "other", "wrong": "a", "should_be": "b", "category": "safety"}, "category"),
])
def test_a_correction_that_does_not_say_enough_is_refused_naming_the_field(world, data, field):
    if data.get("resident_id") == "R2":
        data = data | {"resident_id": world.R2.id}  # another household's resident
    before = db.session.scalar(select(func.count()).select_from(Request))
    with pytest.raises(Invalid) as raised:
        rights.ask_correction(db.session, world.resident1, data)
    assert field in raised.value.errors
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Request)) == before
    with pytest.raises(Refused):
        rights.ask_correction(db.session, world.staff1, {"field": "other", "wrong": "a", "should_be": "b"})
