"""The resident pages: search, detail with audited reveal, edit, move, retire."""

from sqlalchemy import select

from backend.audit.models import AuditEntry
from backend.extensions import db
from backend.registry import sensitive
from backend.registry.models import Household, Resident
from tests.frontend.registry.conftest import error_for, rows


def test_resident_list_in_scope_with_search_and_tag_filter(world, browser):
    staff1 = browser("staff1")
    html = rows(staff1.get("/registry/residents").get_data(as_text=True), "resident-rows")
    assert "张伟" in html and "张秀英" in html and "李娜" in html
    assert "王强" not in html and "刘小明" not in html
    assert world.H1.address in html  # each row names (and links) its household
    assert f'href="/registry/households/{world.H1.id}"' in html
    fragment = staff1.get("/registry/residents?q=秀英", htmx=True).get_data(as_text=True)
    assert "<html" not in fragment and "张秀英" in fragment and "李娜" not in fragment
    tagged = rows(staff1.get("/registry/residents?tag=elderly_alone").get_data(as_text=True), "resident-rows")
    assert "张伟" in tagged and "张秀英" not in tagged and "李娜" not in tagged


def test_sensitive_tag_filter_on_residents_only_for_keepers(world, browser):
    staff_rows = rows(browser("staff1").get("/registry/residents?tag=community_correction").get_data(as_text=True),
                      "resident-rows")
    assert "张秀英" in staff_rows and "李娜" not in staff_rows
    street_html = browser("street1").get("/registry/residents?tag=community_correction").get_data(as_text=True)
    street_rows = rows(street_html, "resident-rows")
    assert "Under community correction" not in street_html
    assert "李娜" in street_rows  # the filter is not applied for someone who may not see the tag


def test_reveal_id_number_shows_it_and_writes_an_audit_entry(world, browser, ctx):
    staff1 = browser("staff1")
    page = staff1.get(f"/registry/residents/{world.R1.id}").get_data(as_text=True)
    assert "1****************X" in page and "11010119400101123X" not in page
    response = staff1.post(f"/registry/residents/{world.R1.id}/reveal/id_number", htmx=True)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "11010119400101123X" in html and "<html" not in html
    db.session.rollback()
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "reveal")).all()
    assert len(entries) == 1
    entry = entries[0]
    assert (entry.actor_id, entry.target_type, entry.target_id) == (world.staff1.id, "resident", world.R1.id)
    assert entry.detail == {"field": "id_number"}


def test_reveal_without_javascript_renders_the_page(world, browser, ctx):
    response = browser("staff1").post(f"/registry/residents/{world.R1.id}/reveal/phone")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<html" in html and "13800000001" in html and "1****************X" in html


def test_reveal_refused_for_readers_and_unknown_fields(world, browser, ctx):
    street1 = browser("street1")
    page = street1.get(f"/registry/residents/{world.R1.id}").get_data(as_text=True)
    assert "1****************X" in page and "/reveal/" not in page
    assert street1.post(f"/registry/residents/{world.R1.id}/reveal/id_number", htmx=True).status_code == 403
    staff1 = browser("staff1")
    assert staff1.post(f"/registry/residents/{world.R1.id}/reveal/notes", htmx=True).status_code == 404
    db.session.rollback()
    assert db.session.scalars(select(AuditEntry).where(AuditEntry.action == "reveal")).all() == []


def test_sensitive_tag_of_r1b_hidden_from_street_officer(world, browser):
    assert "Under community correction" not in browser("street1").get(
        f"/registry/residents/{world.R1b.id}").get_data(as_text=True)
    assert "Under community correction" in browser("staff1").get(
        f"/registry/residents/{world.R1b.id}").get_data(as_text=True)


def test_out_of_scope_resident_is_404(world, browser):
    worker2 = browser("worker2")
    assert worker2.get(f"/registry/residents/{world.R1.id}").status_code == 404
    assert worker2.post(f"/registry/residents/{world.R1.id}/reveal/id_number", htmx=True).status_code == 404
    assert worker2.get(f"/registry/residents/{world.R2.id}").status_code == 200


def test_edit_resident(world, browser, fresh):
    staff1 = browser("staff1")
    form = staff1.get(f"/registry/residents/{world.R1.id}/edit").get_data(as_text=True)
    assert "11010119400101123X" not in form
    bad = staff1.post(f"/registry/residents/{world.R1.id}/edit", {"name": "张伟", "birth_date": "1940-13-01"})
    assert bad.status_code == 422
    assert error_for(bad.get_data(as_text=True), "birth_date") == "Not a date (YYYY-MM-DD)."
    response = staff1.post(f"/registry/residents/{world.R1.id}/edit", {
        "name": "张伟", "gender": "M", "birth_date": "1940-01-01", "relation": "head", "id_number": "",
        "phone": "13800000009", "care_tags": ["elderly_alone", "disabled"]})
    assert response.status_code == 303
    resident = fresh(Resident, world.R1.id)
    assert resident.relation == "head" and resident.birth_date.isoformat() == "1940-01-01"
    assert sensitive.decrypt(resident.id_number_enc) == "11010119400101123X"  # empty field keeps it
    assert sensitive.decrypt(resident.phone_enc) == "13800000009"
    assert {t.code for t in resident.care_tags} == {"elderly_alone", "disabled"}


def test_street_officer_cannot_edit_and_an_edit_keeps_hidden_tags(world, browser, fresh):
    street1 = browser("street1")
    html = street1.get(f"/registry/residents/{world.R1b.id}").get_data(as_text=True)
    assert "/edit" not in html and "/move" not in html and "/retire" not in html
    assert street1.post(f"/registry/residents/{world.R1b.id}/edit", {"name": "x"}).status_code == 403
    assert street1.post(f"/registry/residents/{world.R1b.id}/retire", {"reason": "x"}).status_code == 403
    # a grid worker may edit (and sees sensitive tags of his grid)
    worker1 = browser("worker1")
    assert "Under community correction" in worker1.get(f"/registry/residents/{world.R1b.id}/edit").get_data(
        as_text=True)


def test_move_resident_to_another_household(world, browser, fresh):
    staff1 = browser("staff1")
    search = staff1.get(f"/registry/residents/{world.R1b.id}/move?q=2号楼", htmx=True).get_data(as_text=True)
    assert "<html" not in search and world.H2.id in search and world.H1.id not in search
    page = staff1.get(f"/registry/residents/{world.R1b.id}/move?q=和平").get_data(as_text=True)
    assert world.H5.id not in page  # another community's household is not offered
    refused = staff1.post(f"/registry/residents/{world.R1b.id}/move", {"household_id": world.H5.id})
    assert refused.status_code == 422
    assert error_for(refused.get_data(as_text=True), "household_id") == "Choose a household in your area."
    response = staff1.post(f"/registry/residents/{world.R1b.id}/move", {"household_id": world.H2.id})
    assert response.status_code == 303
    assert fresh(Resident, world.R1b.id).household_id == world.H2.id
    assert fresh(Household, world.H1.id).member_count == 1
    assert fresh(Household, world.H2.id).member_count == 2


def test_worker_cannot_move_a_resident_out_of_his_grid(world, browser, fresh):
    response = browser("worker1").post(f"/registry/residents/{world.R1b.id}/move", {"household_id": world.H2.id})
    assert response.status_code == 422
    assert fresh(Resident, world.R1b.id).household_id == world.H1.id


def test_retire_resident_needs_a_reason(world, browser, fresh):
    staff1 = browser("staff1")
    bad = staff1.post(f"/registry/residents/{world.R1b.id}/retire", {"reason": ""})
    assert bad.status_code == 422
    assert error_for(bad.get_data(as_text=True), "reason") == "Say why (moved away, deceased, …)."
    assert fresh(Resident, world.R1b.id).retired_at is None
    response = staff1.post(f"/registry/residents/{world.R1b.id}/retire", {"reason": "Deceased"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/registry/households/{world.H1.id}")
    resident = fresh(Resident, world.R1b.id)
    assert resident.retired_at is not None and resident.retire_reason == "Deceased"
    assert fresh(Household, world.H1.id).member_count == 1
    listed = rows(staff1.get("/registry/residents").get_data(as_text=True), "resident-rows")
    assert "张秀英" not in listed
    assert "张秀英" in rows(staff1.get("/registry/residents?retired=1").get_data(as_text=True), "resident-rows")


def test_htmx_post_success_asks_the_browser_to_load_the_page(world, browser, fresh):
    response = browser("staff1").post(f"/registry/residents/{world.R2.id}/retire", {"reason": "Moved away"},
                                      htmx=True)
    assert response.status_code == 204
    assert response.headers["HX-Redirect"].endswith(f"/registry/households/{world.H2.id}")
    assert fresh(Resident, world.R2.id).retired_at is not None


def test_post_without_csrf_token_is_refused(world, browser, fresh):
    staff1 = browser("staff1")
    response = staff1.client.post(f"/registry/residents/{world.R2.id}/retire", data={"reason": "Moved away"})
    assert response.status_code == 400
    assert fresh(Resident, world.R2.id).retired_at is None


def test_those_who_may_not_reveal_see_birth_years_not_dates(world, browser, ctx):
    """An ID number's middle is the birth date: beside a mask, the date would rebuild it."""
    from backend.registry import services

    services.update_resident(world.staff1, world.R1, {"birth_date": "1940-03-15"})
    db.session.commit()
    pages = (f"/registry/residents/{world.R1.id}", "/registry/residents", f"/registry/households/{world.H1.id}")
    street1, staff1 = browser("street1"), browser("staff1")
    for path in pages:
        shown = street1.get(path).get_data(as_text=True)
        assert "1940" in shown and "1940-03-15" not in shown and "0315" not in shown, path
        assert "11010119400101123X" not in shown and "1101" not in shown, path
        assert "1940-03-15" in staff1.get(path).get_data(as_text=True), path


def test_a_wrong_field_key_is_a_clear_page_not_a_500(app, world, browser, ctx, monkeypatch):
    import logging

    logged = []
    handler = logging.Handler(logging.ERROR)
    handler.emit = logged.append
    app.logger.addHandler(handler)
    monkeypatch.setattr(app.logger, "disabled", False)
    try:
        staff1 = browser("staff1")
        monkeypatch.setitem(app.config, "FIELD_KEYS", "k2:a-key-that-sealed-nothing")  # k1 lost
        response = staff1.get(f"/registry/residents/{world.R1.id}")
    finally:
        app.logger.removeHandler(handler)
    assert response.status_code == 503
    html = response.get_data(as_text=True)
    assert "<html" in html and "field keys are wrong or missing" in html
    assert any("sensitive field keys" in r.getMessage() and "'k1'" in r.getMessage() for r in logged)
    api = staff1.client.get(f"/api/v1/registry/residents/{world.R1.id}", headers=staff1.headers("staff1"))
    assert api.status_code == 503 and api.mimetype == "application/problem+json"
    assert api.get_json()["title"] == "Field key unavailable"


def test_an_id_number_finds_its_resident_through_the_blind_index_for_keepers_only(app, world, browser, monkeypatch):
    staff1, street1 = browser("staff1"), browser("street1")
    found = rows(staff1.get("/registry/residents?q=11010119400101123x").get_data(as_text=True), "resident-rows")
    assert "张伟" in found and "张秀英" not in found
    # An officer who may not reveal the number gets no confirmation of whose it is.
    assert "张伟" not in rows(street1.get("/registry/residents?q=11010119400101123X").get_data(as_text=True),
                             "resident-rows")
    monkeypatch.setitem(app.config, "INDEX_KEY", "a-brand-new-index-key")  # until rebuild-blind-index runs
    assert "张伟" not in rows(staff1.get("/registry/residents?q=11010119400101123X").get_data(as_text=True),
                             "resident-rows")
    assert app.test_cli_runner().invoke(args=["rebuild-blind-index"]).exit_code == 0
    assert "张伟" in rows(staff1.get("/registry/residents?q=11010119400101123X").get_data(as_text=True),
                         "resident-rows")
