"""The inbox (filters, counts, overdue badge, live filtering, pages), raising a
request on a resident's behalf, time limits, departments and reply templates."""

import re

from sqlalchemy import select

from backend.extensions import db
from backend.requests.models import Department, ReplyTemplate, Request, TimeLimit
from tests.frontend.requests.conftest import act, error_for, raise_request, rows


def _count(html, name):
    return int(re.search(rf'data-count="{name}">(\d+)<', html).group(1))


def test_filters_counts_and_the_overdue_badge(world, browser):
    late = raise_request(world, description="超时未受理的诉求", hours_ago=5)  # environment: 2 hours to accept
    fresh_one = raise_request(world, description="刚提交的诉求", category="safety", hours_ago=0,
                              household_id=world.H2.id)
    act(world, fresh_one, world.staff1, "accept")
    act(world, fresh_one, world.staff1, "dispatch", assignee_id=world.staff1.id)
    staff1 = browser("staff1")
    html = staff1.get("/requests").get_data(as_text=True)
    assert _count(html, "open") == 2 and _count(html, "overdue") == 1 and _count(html, "dispatched") == 1
    assert 'id="nav-requests-overdue"' in html and ">1</span>" in html.split('id="nav-requests-overdue"')[1][:120]
    row = html.split(f'id="request-{late.id}"', 1)[1].split("</tr>", 1)[0]
    assert 'data-test="overdue-badge"' in row
    row = html.split(f'id="request-{fresh_one.id}"', 1)[1].split("</tr>", 1)[0]
    assert 'data-test="time-left"' in row and "to resolve" in row
    listed = rows(staff1.get("/requests?overdue=1", htmx=True).get_data(as_text=True))
    assert late.id in listed and fresh_one.id not in listed
    listed = rows(staff1.get("/requests?category=safety").get_data(as_text=True))
    assert fresh_one.id in listed and late.id not in listed
    listed = rows(staff1.get("/requests?mine=1").get_data(as_text=True))
    assert fresh_one.id in listed and late.id not in listed
    listed = rows(staff1.get(f"/requests?grid={world.G2.id}").get_data(as_text=True))
    assert fresh_one.id in listed and late.id not in listed
    listed = rows(staff1.get("/requests?status=submitted").get_data(as_text=True))
    assert late.id in listed and fresh_one.id not in listed
    response = staff1.get("/requests?level=street&status=bogus", htmx=True)
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in body and "No request matches." in body
    assert browser("staff2").get("/requests").get_data(as_text=True).count('id="nav-requests-overdue"') == 0


def test_the_inbox_pages(world, browser):
    for number in range(27):
        raise_request(world, description=f"第{number}件", hours_ago=0)
    staff1 = browser("staff1")
    first = staff1.get("/requests").get_data(as_text=True)
    second = staff1.get("/requests?page=2", htmx=True).get_data(as_text=True)
    assert first.count('data-test="request-row"') == 25 and second.count('data-test="request-row"') == 2
    assert "27 in all" in first


def test_raise_on_behalf_needs_consent_and_a_household_in_scope(world, browser):
    staff1 = browser("staff1")
    html = staff1.get("/requests/households?q=李娜", htmx=True).get_data(as_text=True)
    assert world.H2.id in html and world.H5.id not in html
    form = {"household_id": world.H2.id, "category": "facilities", "description": "楼道灯坏了",
            "channel": "staff", "requester_phone": "13700000000"}
    response = staff1.post("/requests/new", form)
    assert response.status_code == 422 and error_for(response.get_data(as_text=True), "e-consent")
    assert "楼道灯坏了" in response.get_data(as_text=True)
    response = staff1.post("/requests/new", form | {"household_id": world.H5.id, "consent": "1"})
    assert response.status_code == 422 and error_for(response.get_data(as_text=True), "e-household_id")
    response = staff1.post("/requests/new", form | {"description": "", "consent": "1"})
    assert response.status_code == 422 and error_for(response.get_data(as_text=True), "e-description")
    response = staff1.post("/requests/new", form | {"consent": "1"})
    assert response.status_code == 303
    record = db.session.scalar(select(Request))
    assert record.household_id == world.H2.id and record.on_behalf and record.consent
    assert record.channel == "staff" and record.requester_id == world.staff1.id and record.status == "submitted"
    assert response.headers["Location"].endswith(f"/requests/{record.id}")
    station = browser("station1")
    response = station.post("/requests/new", {"household_id": world.H3.id, "category": "elderly_care",
                                              "description": "老人想办助餐卡", "channel": "station", "consent": "1"})
    assert response.status_code == 303
    assert browser("street1").post("/requests/new", form | {"consent": "1"}).status_code == 403
    assert staff1.client.post("/requests/new", data=form | {"consent": "1"}).status_code == 400  # no CSRF token


def test_time_limits_are_edited_with_validation(world, browser):
    staff1 = browser("staff1")
    html = staff1.get("/requests/time-limits").get_data(as_text=True)
    assert 'name="accept_hours_environment"' in html
    response = staff1.post(f"/requests/time-limits?community={world.C1.id}",
                           {"accept_hours_environment": "abc", "resolve_days_safety": "0",
                            "accept_hours_facilities": "4"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert error_for(html, "e-accept_hours_environment") and error_for(html, "e-resolve_days_safety")
    assert 'value="abc"' in html
    assert db.session.scalar(select(db.func.count()).select_from(TimeLimit)) == 0
    response = staff1.post(f"/requests/time-limits?community={world.C1.id}",
                           {"accept_hours_environment": "4", "resolve_days_environment": ""})
    assert response.status_code == 303
    db.session.rollback()
    limit = db.session.scalar(select(TimeLimit))
    assert (limit.community_id, limit.accept_hours, limit.resolve_days) == (world.C1.id, 4, 3)
    record = raise_request(world, hours_ago=0)
    assert (record.accept_due_at - record.created_at).total_seconds() == 4 * 3600
    assert browser("street1").post(f"/requests/time-limits?community={world.C1.id}", {}).status_code == 303
    assert db.session.scalar(select(db.func.count()).select_from(TimeLimit)) == 0  # both empty: defaults
    assert browser("staff2").post(f"/requests/time-limits?community={world.C1.id}", {}).status_code == 404


def test_departments_are_added_and_retired_by_officers(world, browser):
    street1 = browser("street1")
    html = street1.get("/requests/departments").get_data(as_text=True)
    assert f'value="{world.S1.id}"' in html and f'value="{world.S2.id}"' not in html
    response = street1.post("/requests/departments", {"node_id": world.S1.id, "name": "", "contact": ""})
    assert response.status_code == 422 and error_for(response.get_data(as_text=True), "e-name")
    response = street1.post("/requests/departments", {"node_id": world.S2.id, "name": "越界", "contact": ""})
    assert response.status_code == 422 and error_for(response.get_data(as_text=True), "e-node_id")
    assert street1.post("/requests/departments", {"node_id": world.S1.id, "name": "市政维修所",
                                                  "contact": "010-1"}).status_code == 303
    department = db.session.scalar(select(Department))
    assert browser("street2").post(f"/requests/departments/{department.id}/retire").status_code == 404
    assert browser("staff1").post(f"/requests/departments/{department.id}/retire").status_code == 403
    assert street1.post(f"/requests/departments/{department.id}/retire").status_code == 303
    db.session.rollback()
    assert db.session.get(Department, department.id).active is False


def test_reply_templates_are_kept_per_community(world, browser):
    staff1 = browser("staff1")
    response = staff1.post("/requests/reply-templates", {"title": "", "body": ""})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and error_for(html, "e-title") and error_for(html, "e-body")
    assert staff1.post("/requests/reply-templates", {"title": "已受理", "body": "您好，已受理。"}).status_code == 303
    template = db.session.scalar(select(ReplyTemplate))
    template_id = template.id
    assert template.community_id == world.C1.id
    assert "您好，已受理。" in staff1.get("/requests/reply-templates").get_data(as_text=True)
    assert browser("staff2").post(f"/requests/reply-templates/{template.id}/delete").status_code == 404
    assert staff1.post(f"/requests/reply-templates/{template_id}/delete").status_code == 303
    db.session.rollback()
    assert db.session.get(ReplyTemplate, template_id) is None


def test_a_reply_template_is_edited_with_validation_and_only_by_its_keepers(world, browser):
    staff1 = browser("staff1")
    assert staff1.post("/requests/reply-templates", {"title": "已受理", "body": "您好，已受理。"}).status_code == 303
    template_id = db.session.scalar(select(ReplyTemplate.id))
    path = f"/requests/reply-templates/{template_id}/edit"
    assert f'href="{path}"' in staff1.get("/requests/reply-templates").get_data(as_text=True)
    html = staff1.get(path).get_data(as_text=True)
    assert 'value="已受理"' in html and "您好，已受理。</textarea>" in html
    response = staff1.post(path, {"title": "  ", "body": "改过的回复" * 500})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and error_for(html, "e-title") and error_for(html, "e-body")
    assert "改过的回复改过的回复" in html  # the input is kept
    db.session.rollback()
    assert db.session.get(ReplyTemplate, template_id).title == "已受理"
    response = staff1.post(path, {"title": "已派单", "body": "您好，已派给网格员处理。"})
    assert response.status_code == 303 and f"community={world.C1.id}" in response.headers["Location"]
    db.session.rollback()
    template = db.session.get(ReplyTemplate, template_id)
    assert (template.title, template.body) == ("已派单", "您好，已派给网格员处理。")
    assert "Reply template saved." in staff1.get("/requests/reply-templates").get_data(as_text=True)
    # Out of scope (another community, or a station elsewhere): not found; the street above keeps it too.
    assert browser("staff2").get(path).status_code == 404
    assert browser("staff2").post(path, {"title": "越界", "body": "越界"}).status_code == 404
    assert browser("street1").post(path, {"title": "街道改", "body": "街道改的回复"}).status_code == 303
    assert browser("station1").get(path).status_code == 404
    assert staff1.get("/requests/reply-templates/no-such-id/edit").status_code == 404
    db.session.rollback()
    assert db.session.get(ReplyTemplate, template_id).title == "街道改"


def test_the_dispatch_catalogue_is_kept_and_offers_a_one_step_dispatch(world, browser, departments):
    street_unit, other_unit = departments["S1"].id, departments["S2"].id
    staff1 = browser("staff1")
    html = staff1.get("/requests/dispatch-catalogue").get_data(as_text=True)
    assert 'name="department_environment"' in html
    assert f'value="{street_unit}"' in html and f'value="{other_unit}"' not in html
    response = staff1.post(f"/requests/dispatch-catalogue?community={world.C1.id}",
                           {"department_environment": other_unit, "department_safety": street_unit})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and error_for(html, "e-department_environment")
    assert f'<option value="{street_unit}" selected' in html.split('id="f-department_safety"', 1)[1]
    response = staff1.post(f"/requests/dispatch-catalogue?community={world.C1.id}",
                           {"department_environment": street_unit})
    assert response.status_code == 303
    html = staff1.get("/requests/dispatch-catalogue").get_data(as_text=True)
    assert "Dispatch catalogue saved: 1 category goes to a department." in html
    assert browser("staff2").post(f"/requests/dispatch-catalogue?community={world.C1.id}",
                                  {"department_environment": ""}).status_code == 404

    record = raise_request(world, category="environment", hours_ago=0)
    record_id = record.id
    act(world, record, world.staff1, "accept")
    html = staff1.get(f"/requests/{record_id}").get_data(as_text=True)
    assert 'id="do-dispatch-catalogue"' in html and "城管执法中队" in html.split('id="action-dispatch-catalogue"')[1]
    response = staff1.post(f"/requests/{record_id}/actions/dispatch", {"department_id": street_unit})
    assert response.status_code == 303
    db.session.rollback()
    assert db.session.get(Request, record_id).department_id == street_unit
    other = raise_request(world, category="safety", hours_ago=0)
    act(world, other, world.staff1, "accept")
    assert 'id="do-dispatch-catalogue"' not in staff1.get(f"/requests/{other.id}").get_data(as_text=True)
