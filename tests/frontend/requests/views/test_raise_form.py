"""The form that raises a request on a resident's behalf: finding the household as one
types, the household chosen in the address, the channels each role offers."""

import re

from sqlalchemy import select

from backend.extensions import db
from backend.registry import services as registry
from backend.requests.models import Request
from tests.factories import household
from tests.frontend.requests.conftest import error_for


def _choices(html) -> set[str]:
    return set(re.findall(r'name="household_id" value="([^"]+)"', html))


def test_households_are_found_by_address_head_or_member_within_reach(world, browser):
    h1c = household(world.G1, "幸福小区1号楼1单元103", "孙丽")
    db.session.commit()
    registry.retire_household(world.staff1, h1c, "搬走了")
    db.session.commit()
    staff1 = browser("staff1")

    def found(q):
        return _choices(staff1.get("/requests/households", query_string={"q": q}, htmx=True).get_data(as_text=True))

    assert found("2号楼") == {world.H2.id}  # the address
    assert found("李娜") == {world.H2.id}  # the head
    assert found("张秀英") == {world.H1.id}  # a member
    assert found("幸福小区") == {world.H1.id, world.H2.id}  # not the retired one
    assert found("和平里") == set()  # another community's
    assert found("%") == set() and found("_") == set()  # typed, not wildcards
    html = staff1.get("/requests/households", query_string={"q": "没有的"}, htmx=True).get_data(as_text=True)
    assert "No household matches." in html


def test_a_household_named_in_the_address_is_offered_already_chosen(world, browser):
    staff1 = browser("staff1")
    html = staff1.get("/requests/new", query_string={"household": world.H2.id}).get_data(as_text=True)
    assert _choices(html) == {world.H2.id}
    assert re.search(rf'value="{world.H2.id}" checked', html)
    html = staff1.get("/requests/new", query_string={"household": world.H5.id}).get_data(as_text=True)
    assert _choices(html) == set()  # not staff1's: not offered


def _channels(html) -> list[str]:
    block = html.split('id="f-channel"', 1)[1].split("</select>", 1)[0]
    return re.findall(r'<option value="(\w+)"', block)


def test_each_role_is_offered_its_own_channel_first_and_no_other(world, browser):
    assert _channels(browser("staff1").get("/requests/new").get_data(as_text=True)) == ["staff", "station"]
    station = browser("station1")
    assert _channels(station.get("/requests/new").get_data(as_text=True)) == ["station", "staff"]
    response = station.post("/requests/new", {"household_id": world.H3.id, "category": "elderly_care",
                                              "description": "老人想办助餐卡", "channel": "phone", "consent": "1"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and error_for(html, "e-channel") == "Choose how the request reached you."
    assert _choices(html) == {world.H3.id}  # the household chosen stays offered
    assert db.session.scalar(select(Request)) is None


def test_a_raised_request_names_whom_it_is_for(world, browser):
    staff1 = browser("staff1")
    response = staff1.post("/requests/new", {"household_id": world.H2.id, "category": "facilities",
                                             "description": "楼道灯坏了", "channel": "staff", "consent": "1",
                                             "requester_name": "李娜"})
    assert response.status_code == 303
    assert "The request is raised for 李娜." in staff1.get(response.headers["Location"]).get_data(as_text=True)


def test_the_form_records_how_the_resident_agreed_and_the_page_shows_it(world, browser):
    from sqlalchemy import select

    from backend.extensions import db
    from backend.registry.models import Consent

    staff1 = browser("staff1")
    form = staff1.get("/requests/new").get_data(as_text=True)
    assert 'name="consent_basis"' in form and 'value="verbal" selected' in form
    data = {"household_id": world.H1.id, "category": "facilities", "description": "楼道灯坏了", "channel": "staff",
            "consent": "1", "requester_name": "张伟"}
    refused = staff1.post("/requests/new", data | {"consent_basis": "legal_duty"})
    assert refused.status_code == 422 and 'id="e-consent_detail"' in refused.get_data(as_text=True)
    response = staff1.post("/requests/new", data | {"consent_basis": "guardian", "consent_given_by": "张伟之子",
                                                    "consent_detail": "电话"})
    assert response.status_code == 303
    record = db.session.scalar(select(Consent))
    assert (record.household_id, record.basis, record.given_by, record.detail, record.recorded_by_id) == (
        world.H1.id, "guardian", "张伟之子", "电话", world.staff1.id)
    page = staff1.get(response.headers["Location"]).get_data(as_text=True)
    assert "Consent of a guardian: 张伟之子, 电话" in page.split('id="consent-record"', 1)[1]
