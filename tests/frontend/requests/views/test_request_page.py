"""A request's page: details, the timeline, the phone revealed (audited), and every
staff action through its form, allowed and refused (422 field, 409 state, 403 role)."""

from html import unescape as html_unescape

from sqlalchemy import select

from backend.audit.models import AuditEntry
from backend.extensions import db
from backend.requests.models import RequestEvent
from tests.factories import ReplyTemplateFactory
from tests.frontend.requests.conftest import HERE, act, error_for, fresh, raise_request


def _page(session, record):
    response = session.get(f"/requests/{record.id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_the_page_shows_the_request_and_the_forms_this_user_may_use(world, browser):
    record = raise_request(world, address="幸福小区1号楼门口")
    html = _page(browser("staff1"), record)
    assert "楼下垃圾桶满溢" in html and "幸福小区1号楼门口" in html and "第一网格" in html
    assert "139****5678" in html and "13912345678" not in html  # masked
    assert 'id="action-accept"' in html and 'id="action-merge"' in html and 'id="action-note"' in html
    assert 'id="action-dispatch"' not in html and 'id="action-resolve"' not in html  # not yet accepted
    assert 'data-kind="submitted"' in html
    # the street officer reads it but the community holds it: nothing to do, no phone reveal
    street = _page(browser("street1"), record)
    assert 'id="no-actions"' in street and 'action="/requests/' not in street.split('id="request-actions"')[1]
    assert f"/requests/{record.id}/reveal" not in street


def test_reveal_shows_the_phone_and_is_audited(world, browser):
    record = raise_request(world)
    staff1 = browser("staff1")
    response = staff1.post(f"/requests/{record.id}/reveal", htmx=True)
    assert response.status_code == 200 and "13912345678" in response.get_data(as_text=True)
    db.session.rollback()
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.target_id == record.id))
    assert entry.action == "reveal" and entry.target_type == "request" and entry.actor_id == world.staff1.id
    assert entry.detail == {"field": "requester_phone"}
    assert browser("street1").post(f"/requests/{record.id}/reveal").status_code == 403  # policy: no reveal
    # (raising it on the resident's behalf wrote its consent's entry: backend/registry/consent.py)
    assert db.session.scalar(select(db.func.count()).select_from(AuditEntry)
                             .where(AuditEntry.action != "consent")) == 1


def test_accept_dispatch_to_a_worker_and_resolve(world, browser):
    record = raise_request(world)
    staff1 = browser("staff1")
    response = staff1.post(f"/requests/{record.id}/actions/accept", {"message": "已受理"})
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/requests/{record.id}")
    assert fresh(record.id).status == "accepted"
    html = _page(staff1, record)
    assert f'value="{world.worker1.id}"' in html  # worker1 covers G1
    assert f'value="{world.worker2.id}"' not in html  # G2's worker does not
    response = staff1.post(f"/requests/{record.id}/actions/dispatch", {"assignee_id": world.worker1.id})
    assert response.status_code == 303
    assert fresh(record.id).status == "dispatched" and fresh(record.id).assignee_id == world.worker1.id
    response = staff1.post(f"/requests/{record.id}/actions/resolve", {"message": "已清运"})
    assert response.status_code == 303 and fresh(record.id).status == "resolved"
    html = _page(staff1, record)
    assert "已清运" in html and 'data-kind="resolved"' in html and "worker" not in html.split("Timeline")[0][-1:]


def test_dispatch_to_a_department_and_refusals_in_place(world, browser, departments):
    record = act(world, raise_request(world), world.staff1, "accept")
    staff1 = browser("staff1")
    html = _page(staff1, record)
    assert departments["S1"].name in html and departments["S2"].name not in html  # only those serving C1
    response = staff1.post(f"/requests/{record.id}/actions/dispatch", {"message": "派给谁？"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert error_for(html, "e-dispatch-assignee_id") and 'id="action-dispatch"' in html
    assert "派给谁？" in html  # the message the user typed is kept
    response = staff1.post(f"/requests/{record.id}/actions/dispatch",
                           {"assignee_id": world.worker1.id, "department_id": departments["S1"].id})
    assert response.status_code == 422  # not both
    response = staff1.post(f"/requests/{record.id}/actions/dispatch", {"department_id": departments["S2"].id})
    assert response.status_code == 422 and error_for(response.get_data(as_text=True), "e-dispatch-department_id")
    response = staff1.post(f"/requests/{record.id}/actions/dispatch", {"department_id": departments["S1"].id})
    assert response.status_code == 303 and fresh(record.id).department_id == departments["S1"].id
    # for a department, the holder's staff record its steps: start, then return with a reason
    assert staff1.post(f"/requests/{record.id}/actions/start", {}).status_code == 303
    response = staff1.post(f"/requests/{record.id}/actions/return", {"message": ""})
    assert response.status_code == 422 and error_for(response.get_data(as_text=True), "e-return-message")
    assert staff1.post(f"/requests/{record.id}/actions/return", {"message": "不归我们管"}).status_code == 303
    assert fresh(record.id).status == "returned" and fresh(record.id).department_id is None


def test_a_state_refusal_is_409_with_the_message_at_the_form(world, browser):
    record = act(world, raise_request(world), world.staff1, "accept")
    response = browser("staff1").post(f"/requests/{record.id}/actions/accept", {"message": "再受理一次"})
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert 'id="refusal-accept"' in html and "accepted" in error_for(html, "refusal-accept")
    assert "再受理一次" in html
    assert fresh(record.id).status == "accepted"


def test_a_role_refusal_is_403_with_the_message(world, browser):
    record = raise_request(world)
    response = browser("street1").post(f"/requests/{record.id}/actions/accept", {})
    assert response.status_code == 403
    assert 'id="refusal-accept"' in response.get_data(as_text=True)
    assert fresh(record.id).status == "submitted"
    assert browser("staff1").post(f"/requests/{record.id}/actions/rate", {"score": "5"}).status_code == 404


def test_reply_offers_the_templates_of_the_community(world, browser):
    ReplyTemplateFactory(community=world.C1, title="已受理", body="您好，您的诉求已受理。")
    ReplyTemplateFactory(community=world.C2, title="别的社区", body="和平社区的模板")
    db.session.commit()
    record = act(world, raise_request(world), world.staff1, "accept")
    staff1 = browser("staff1")
    html = _page(staff1, record)
    select_html = html.split('id="reply-template"', 1)[1].split("</select>", 1)[0]
    assert 'data-fill="#f-reply-message"' in html and 'id="f-reply-message"' in html
    assert 'value="您好，您的诉求已受理。"' in select_html and "和平社区的模板" not in select_html
    assert 'name=' not in html.split('id="reply-template"', 1)[1].split(">", 1)[0]  # the select is not posted
    response = staff1.post(f"/requests/{record.id}/actions/reply", {"message": "您好，您的诉求已受理。"})
    assert response.status_code == 303
    event = db.session.scalar(select(RequestEvent).where(RequestEvent.kind == "replied"))
    assert event.public and event.message == "您好，您的诉求已受理。"


def test_an_internal_note_is_marked_in_the_timeline(world, browser):
    record = raise_request(world)
    staff1 = browser("staff1")
    assert staff1.post(f"/requests/{record.id}/actions/note", {"message": "家属电话联系不上"}).status_code == 303
    html = _page(staff1, record)
    note = html.split('data-kind="noted"', 1)[1].split("</li>", 1)[0]
    assert 'data-test="internal"' in note and "家属电话联系不上" in note and world.staff1.display_name in note


def test_escalate_then_the_street_responds_with_a_department_and_resolves(world, browser, departments):
    record = act(world, raise_request(world), world.staff1, "accept")
    staff1, street1 = browser("staff1"), browser("street1")
    response = staff1.post(f"/requests/{record.id}/actions/escalate", {"message": ""})
    assert response.status_code == 422
    assert staff1.post(f"/requests/{record.id}/actions/escalate", {"message": "社区处理不了"}).status_code == 303
    assert fresh(record.id).level == "street"
    assert 'id="no-actions"' in _page(staff1, record) or 'id="action-dispatch"' not in _page(staff1, record)
    html = _page(street1, record)
    assert 'id="action-respond"' in html and departments["S1"].name in html
    response = street1.post(f"/requests/{record.id}/actions/respond",
                            {"message": "街道已转城管", "department_id": departments["S1"].id})
    assert response.status_code == 303
    record = fresh(record.id)
    assert record.status == "in_progress" and record.department_id == departments["S1"].id
    assert street1.post(f"/requests/{record.id}/actions/resolve", {"message": "已处理"}).status_code == 303
    assert fresh(record.id).status == "resolved"


def test_officers_see_what_is_escalated_to_them_first(world, browser):
    older = raise_request(world, description="较早升级的诉求", hours_ago=5)
    act(world, older, world.staff1, "accept")
    act(world, older, world.staff1, "escalate", message="升级")
    raise_request(world, description="最新的社区诉求", hours_ago=0)
    html = browser("street1").get("/requests").get_data(as_text=True)
    assert html.index("较早升级的诉求") < html.index("最新的社区诉求")
    html = browser("staff1").get("/requests").get_data(as_text=True)
    assert html.index("最新的社区诉求") < html.index("较早升级的诉求")


def test_merge_lists_nearby_duplicates_with_their_distance(world, browser):
    first = raise_request(world, location=HERE, description="垃圾桶满了（第一位）")
    near = raise_request(world, location={"lat": 39.9009, "lng": 116.4, "accuracy": 5.0},
                         description="垃圾桶满了（第二位）")
    raise_request(world, location={"lat": 39.95, "lng": 116.4}, description="很远的")
    raise_request(world, location=HERE, category="safety", description="别的类别")
    staff1 = browser("staff1")
    html = _page(staff1, near)
    suggestions = html.split('id="duplicate-suggestions"', 1)[1].split("</fieldset>", 1)[0]
    assert f'value="{first.id}"' in suggestions and "100 m" in suggestions
    assert "很远的" not in suggestions and "别的类别" not in suggestions
    response = staff1.post(f"/requests/{near.id}/actions/merge", {"duplicate_of_id": first.id})
    assert response.status_code == 303
    merged = fresh(near.id)
    assert merged.status == "merged" and merged.duplicate_of_id == first.id
    response = staff1.post(f"/requests/{first.id}/actions/merge", {"duplicate_of_other": near.id})
    assert response.status_code == 422  # a merged request is no longer open
    assert error_for(response.get_data(as_text=True), "e-merge-duplicate_of_id")


def test_withdraw_on_behalf_by_whoever_raised_it(world, browser):
    record = raise_request(world, actor=world.worker1)  # the grid worker raised it for the resident
    assert 'id="action-withdraw"' not in _page(browser("staff1"), record)
    mine = raise_request(world)
    staff1 = browser("staff1")
    assert 'id="action-withdraw"' in _page(staff1, mine)
    assert staff1.post(f"/requests/{mine.id}/actions/withdraw", {"message": "居民电话说不用了"}).status_code == 303
    assert fresh(mine.id).status == "withdrawn"
    response = staff1.post(f"/requests/{record.id}/actions/withdraw", {})
    assert response.status_code == 403 and fresh(record.id).status == "submitted"


def test_reopen_by_the_holder_after_resolution(world, browser):
    record = act(world, raise_request(world), world.staff1, "accept")
    act(world, record, world.staff1, "resolve", message="处理好了")
    staff1 = browser("staff1")
    assert 'id="action-reopen"' in _page(staff1, record)
    assert staff1.post(f"/requests/{record.id}/actions/reopen", {"message": "又坏了"}).status_code == 303
    assert fresh(record.id).status == "reopened"


def test_actions_need_the_csrf_token(world, browser):
    record = raise_request(world)
    staff1 = browser("staff1")
    response = staff1.client.post(f"/requests/{record.id}/actions/accept", data={"message": "x"})
    assert response.status_code == 400
    assert staff1.client.post(f"/requests/{record.id}/reveal").status_code == 400
    assert fresh(record.id).status == "submitted"
    assert db.session.scalar(select(db.func.count()).select_from(AuditEntry)
                             .where(AuditEntry.action != "consent")) == 0


def test_unknown_action_or_request_is_404(world, browser):
    record = raise_request(world)
    staff1 = browser("staff1")
    assert staff1.post(f"/requests/{record.id}/actions/explode", {}).status_code == 404
    assert staff1.get("/requests/no-such-request").status_code == 404


def test_a_request_in_no_grid_is_found_placed_in_a_grid_and_then_dispatched_to_its_worker(world, browser):
    from backend.open311 import keys
    from backend.requests import services

    keys.issue_key(world.staff1, name="热线", node_id=world.C1.id)
    community = world.C1
    record = services.create_open311_request(db.session, world.staff1, community,
                                             {"category": "environment", "description": "路灯不亮",
                                              "address": "小区北门"})
    db.session.commit()
    act(world, record, world.staff1, "accept")
    placed_elsewhere = raise_request(world, description="住户自己的诉求")
    G1, G2, G5, record_id = world.G1.id, world.G2.id, world.G5.id, record.id
    staff1 = browser("staff1")
    inbox_html = staff1.get("/requests?grid=none").get_data(as_text=True)
    assert "路灯不亮" in inbox_html and placed_elsewhere.description not in inbox_html
    assert 'value="none" selected' in inbox_html

    html = _page(staff1, record)
    form = html.split('id="action-place"', 1)[1].split("</form>", 1)[0]
    assert f'value="{G1}"' in form and f'value="{G2}"' in form and f'value="{G5}"' not in form
    assert 'id="action-dispatch"' in html and world.worker1.display_name not in html.split(
        'id="action-dispatch"', 1)[1].split("</form>", 1)[0]  # no grid, no grid worker to give it to
    response = staff1.post(f"/requests/{record_id}/actions/place", {"grid_id": G5})
    assert response.status_code == 422
    assert html_unescape(error_for(response.get_data(as_text=True), "e-place-grid_id")) == \
        "Choose a grid of this request's community."
    response = staff1.post(f"/requests/{record_id}/actions/place", {"grid_id": G1, "message": "北门属一网格"})
    assert response.status_code == 303
    record = fresh(record_id)
    assert record.grid_id == G1
    html = _page(staff1, record)
    assert 'data-kind="placed"' in html and "In 第一网格" in html and "北门属一网格" in html
    assert world.worker1.display_name in html.split('id="action-dispatch"', 1)[1].split("</form>", 1)[0]
    assert "路灯不亮" not in staff1.get("/requests?grid=none").get_data(as_text=True)
    assert "路灯不亮" in staff1.get(f"/requests?grid={G1}").get_data(as_text=True)
    # A request of a household stays in its household's grid: no form for it.
    assert 'id="action-place"' not in _page(staff1, placed_elsewhere)
