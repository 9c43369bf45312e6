"""The household pages: list, search, filters, create, edit, move, retire."""

from sqlalchemy import func, select

from backend.audit.models import AuditEntry
from backend.extensions import db
from backend.registry.models import Household
from tests import factories
from tests.frontend.registry.conftest import error_for, rows


def test_staff_lists_only_households_of_their_community(world, browser):
    response = browser("staff1").get("/registry/households")
    assert response.status_code == 200
    html = rows(response.get_data(as_text=True))
    assert world.H1.address in html and world.H2.address in html
    assert world.H5.address not in html and world.H3.address not in html
    assert "第一网格" in html  # the grid's name on the row


def test_search_by_member_name_finds_the_household(world, browser):
    staff1 = browser("staff1")
    html = rows(staff1.get("/registry/households?q=张秀英").get_data(as_text=True))
    assert world.H1.address in html and world.H2.address not in html
    html = rows(staff1.get("/registry/households?q=2号楼").get_data(as_text=True))  # by address
    assert world.H2.address in html and world.H1.address not in html


def test_live_search_returns_the_rows_fragment(world, browser):
    response = browser("staff1").get("/registry/households?q=李娜", htmx=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<html" not in html and "<table" in html
    assert world.H2.address in html and world.H1.address not in html
    assert "HX-Request" in response.headers.get("Vary", "")


def test_tag_filter(world, browser):
    html = rows(browser("staff1").get("/registry/households?tag=dibao").get_data(as_text=True))
    assert world.H2.address in html and world.H1.address not in html


def test_sensitive_tag_filter_is_ignored_for_those_who_may_not_see_it(world, browser):
    # street1 could otherwise learn which household has someone under community correction
    html = browser("street1").get("/registry/households?tag=community_correction").get_data(as_text=True)
    assert 'value="community_correction"' not in html
    listed = rows(html)
    assert world.H1.address in listed and world.H2.address in listed  # the filter was not applied
    staff_html = rows(browser("staff1").get("/registry/households?tag=community_correction").get_data(as_text=True))
    assert world.H1.address in staff_html and world.H2.address not in staff_html


def test_under_filter_shows_the_node_and_refuses_unreadable_nodes(world, browser):
    staff1 = browser("staff1")
    response = staff1.get(f"/registry/households?under={world.G2.id}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "第二网格" in html
    listed = rows(html)
    assert world.H2.address in listed and world.H1.address not in listed
    assert staff1.get(f"/registry/households?under={world.C2.id}").status_code == 404
    assert staff1.get("/registry/households?under=nope").status_code == 404


def test_grid_filter_and_retired(world, browser, fresh):
    staff1 = browser("staff1")
    html = rows(staff1.get(f"/registry/households?grid={world.G1.id}").get_data(as_text=True))
    assert world.H1.address in html and world.H2.address not in html
    response = staff1.post(f"/registry/households/{world.H2.id}/retire", {"reason": "Moved away"})
    assert response.status_code == 303
    assert world.H2.address not in rows(staff1.get("/registry/households").get_data(as_text=True))
    assert world.H2.address in rows(staff1.get("/registry/households?retired=1").get_data(as_text=True))


def test_pagination(world, browser):
    for number in range(30):
        factories.household(world.G1, f"幸福小区9号楼{number:02d}室", "测试")
    db.session.commit()
    staff1 = browser("staff1")
    first = rows(staff1.get("/registry/households").get_data(as_text=True))
    assert "Page 1 of 2" in first and "32 in all" in first
    assert first.count('href="/registry/households/') == 25
    second = staff1.get("/registry/households?page=2", htmx=True).get_data(as_text=True)
    assert "<html" not in second and "Page 2 of 2" in second
    assert second.count('href="/registry/households/') == 7
    assert "幸福小区9号楼29室" in second and "幸福小区9号楼00室" not in second


def test_create_household(world, browser, fresh):
    staff1 = browser("staff1")
    form = staff1.get(f"/registry/households/new?grid_id={world.G1.id}").get_data(as_text=True)
    assert world.B1.name in form  # the buildings of the chosen grid
    assert world.G5.id not in form  # grids of other communities are not offered

    bad = staff1.post("/registry/households/new", {"grid_id": world.G1.id, "address": "", "head_name": "",
                                                   "phone": "abc"})
    assert bad.status_code == 422
    html = bad.get_data(as_text=True)
    assert error_for(html, "address") == "Required." and error_for(html, "head_name") == "Required."
    assert error_for(html, "phone") == "Not a phone number."

    good = staff1.post("/registry/households/new", {
        "grid_id": world.G1.id, "building_id": world.B1.id, "address": "幸福小区1号楼3单元303",
        "head_name": "赵敏", "phone": "13900000003", "care_tags": ["disabled", "dibao"]})
    assert good.status_code == 303
    db.session.rollback()
    created = db.session.scalar(select(Household).where(Household.address == "幸福小区1号楼3单元303"))
    assert created.building_id == world.B1.id and created.community_id == world.C1.id
    assert {t.code for t in created.care_tags} == {"disabled", "dibao"}
    assert good.headers["Location"].endswith(f"/registry/households/{created.id}")
    assert "幸福小区1号楼3单元303" in rows(staff1.get("/registry/households").get_data(as_text=True))


def test_invalid_create_over_htmx_returns_the_form_fragment(world, browser):
    response = browser("staff1").post("/registry/households/new", {"grid_id": "", "address": "x"}, htmx=True)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "<html" not in html and 'id="household-form"' in html
    assert error_for(html, "grid_id") == "Choose a grid."


def test_worker_cannot_create_in_a_grid_he_does_not_have(world, browser):
    worker1 = browser("worker1")
    form = worker1.get("/registry/households/new").get_data(as_text=True)
    assert world.G1.id in form and world.G2.id not in form
    response = worker1.post("/registry/households/new",
                            {"grid_id": world.G2.id, "address": "某处", "head_name": "某人"})
    assert response.status_code == 422
    assert error_for(response.get_data(as_text=True), "grid_id") == "This grid is outside your area."


def test_building_options_follow_the_grid(world, browser):
    staff1 = browser("staff1")
    html = staff1.get(f"/registry/buildings?grid_id={world.G1.id}", htmx=True).get_data(as_text=True)
    assert world.B1.id in html and "<html" not in html
    assert world.B1.id not in staff1.get(f"/registry/buildings?grid_id={world.G2.id}", htmx=True).get_data(as_text=True)


def test_edit_household_keeps_the_phone_unless_changed(world, browser, fresh):
    staff1 = browser("staff1")
    page = staff1.get(f"/registry/households/{world.H1.id}/edit").get_data(as_text=True)
    assert world.H1.address in page and "13800000001" not in page  # never the clear number in a form
    bad = staff1.post(f"/registry/households/{world.H1.id}/edit", {"address": "", "head_name": "张伟"})
    assert bad.status_code == 422 and error_for(bad.get_data(as_text=True), "address") == "Required."
    response = staff1.post(f"/registry/households/{world.H1.id}/edit", {
        "address": "幸福小区1号楼1单元102", "head_name": "张伟", "phone": "",
        "care_tags": ["elderly_alone", "disabled"]})
    assert response.status_code == 303
    household = fresh(Household, world.H1.id)
    assert household.address == "幸福小区1号楼1单元102"
    assert {t.code for t in household.care_tags} == {"elderly_alone", "disabled"}
    from backend.registry import sensitive

    assert sensitive.decrypt(household.phone_enc) == "13800000001"


def test_move_household_to_another_grid(world, browser, fresh):
    staff1 = browser("staff1")
    assert world.G2.id in staff1.get(f"/registry/households/{world.H1.id}/move").get_data(as_text=True)
    response = staff1.post(f"/registry/households/{world.H1.id}/move", {"grid_id": world.G2.id, "building_id": ""})
    assert response.status_code == 303
    household = fresh(Household, world.H1.id)
    assert household.grid_id == world.G2.id and household.building_id is None


def test_move_refused_into_a_grid_outside_the_workers_area(world, browser, fresh):
    worker1 = browser("worker1")
    response = worker1.post(f"/registry/households/{world.H1.id}/move", {"grid_id": world.G2.id})
    assert response.status_code == 422
    assert error_for(response.get_data(as_text=True), "grid_id") == "This grid is outside your area."
    assert fresh(Household, world.H1.id).grid_id == world.G1.id
    # and a building that is not in the chosen grid
    staff1 = browser("staff1")
    response = staff1.post(f"/registry/households/{world.H1.id}/move", {"grid_id": world.G2.id,
                                                                        "building_id": world.B1.id})
    assert response.status_code == 422
    assert error_for(response.get_data(as_text=True), "building_id") == "Choose a building of this grid."


def test_retire_needs_a_reason_and_can_be_restored(world, browser, fresh):
    staff1 = browser("staff1")
    response = staff1.post(f"/registry/households/{world.H2.id}/retire", {"reason": "  "})
    assert response.status_code == 422
    assert error_for(response.get_data(as_text=True), "reason") == "Say why (moved away, merged, …)."
    assert fresh(Household, world.H2.id).retired_at is None
    assert staff1.post(f"/registry/households/{world.H2.id}/retire", {"reason": "Moved away"}).status_code == 303
    household = fresh(Household, world.H2.id)
    assert household.retired_at is not None and household.retire_reason == "Moved away"
    assert "Restore" in staff1.get(f"/registry/households/{world.H2.id}").get_data(as_text=True)
    assert staff1.post(f"/registry/households/{world.H2.id}/restore").status_code == 303
    assert fresh(Household, world.H2.id).retired_at is None


def test_worker_may_change_but_not_retire(world, browser):
    worker1 = browser("worker1")
    html = worker1.get(f"/registry/households/{world.H1.id}").get_data(as_text=True)
    assert "/edit" in html and "/retire" not in html
    assert worker1.post(f"/registry/households/{world.H1.id}/retire", {"reason": "x"}).status_code == 403


def test_household_detail_lists_residents_and_links_the_grid(world, browser):
    staff1 = browser("staff1")
    staff1.post(f"/registry/residents/{world.R1b.id}/retire", {"reason": "Deceased"})
    html = staff1.get(f"/registry/households/{world.H1.id}").get_data(as_text=True)
    live, _, former = html.partition("Former residents")
    assert "张伟" in live and "张秀英" not in live
    assert "张秀英" in former and "Deceased" in former
    assert f'href="/org/{world.G1.id}"' in html
    assert "138****0001" in html and "13800000001" not in html


def test_add_resident_from_the_household_page(world, browser, fresh):
    staff1 = browser("staff1")
    bad = staff1.post(f"/registry/households/{world.H2.id}/residents", {"name": "", "id_number": "123"})
    assert bad.status_code == 422
    html = bad.get_data(as_text=True)
    assert error_for(html, "name") == "Required."
    assert "17 digits" in error_for(html, "id_number")
    good = staff1.post(f"/registry/households/{world.H2.id}/residents", {
        "name": "李小龙", "gender": "M", "birth_date": "2015-06-01", "relation": "son",
        "id_number": "110101201506011234", "care_tags": ["left_behind_child"]})
    assert good.status_code == 303
    household = fresh(Household, world.H2.id)
    assert household.member_count == 2
    assert "李小龙" in staff1.get(f"/registry/households/{world.H2.id}").get_data(as_text=True)


def test_reveal_household_phone_is_audited(world, browser, ctx):
    staff1 = browser("staff1")
    response = staff1.post(f"/registry/households/{world.H1.id}/reveal", htmx=True)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "13800000001" in html and "<html" not in html
    db.session.rollback()
    count = db.session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "reveal", AuditEntry.target_id == world.H1.id, AuditEntry.actor_id == world.staff1.id))
    assert count == 1


def test_street_officer_reads_h1_without_edit_or_sensitive_tags(world, browser, fresh):
    street1 = browser("street1")
    response = street1.get(f"/registry/households/{world.H1.id}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert world.H1.address in html
    assert "/edit" not in html and "/move" not in html and "/retire" not in html and "/reveal" not in html
    assert "Under community correction" not in html and "Elderly living alone" in html
    assert "Under community correction" in browser("staff1").get(f"/registry/households/{world.H1.id}").get_data(
        as_text=True)
    for path, data in ((f"/registry/households/{world.H1.id}/edit", {"address": "x", "head_name": "y"}),
                       (f"/registry/households/{world.H1.id}/move", {"grid_id": world.G2.id}),
                       (f"/registry/households/{world.H1.id}/retire", {"reason": "x"}),
                       (f"/registry/households/{world.H1.id}/reveal", {}),
                       (f"/registry/households/{world.H1.id}/residents", {"name": "x"})):
        assert street1.post(path, data).status_code == 403, path
    assert street1.get(f"/registry/households/{world.H1.id}/edit").status_code == 403
    assert street1.get("/registry/households/new").status_code == 403
    assert fresh(Household, world.H1.id).address == world.H1.address


def test_worker_of_another_grid_gets_404(world, browser):
    worker2 = browser("worker2")
    assert worker2.get(f"/registry/households/{world.H1.id}").status_code == 404
    edit = {"address": "x", "head_name": "y"}
    assert worker2.post(f"/registry/households/{world.H1.id}/edit", edit).status_code == 404
    assert worker2.post(f"/registry/households/{world.H1.id}/reveal", htmx=True).status_code == 404
    assert worker2.get(f"/registry/households/{world.H2.id}").status_code == 200


def test_resident_sees_own_household_read_only(world, browser):
    resident1 = browser("resident1", staff=False)
    response = resident1.get(f"/registry/households/{world.H1.id}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert world.H1.address in html and "/edit" not in html and "/reveal" not in html
    assert "/registry/residents/" not in html  # no links into staff pages
    assert resident1.get(f"/registry/households/{world.H2.id}").status_code == 404
    assert resident1.get("/registry/households").status_code == 404
    assert resident1.get("/registry/residents").status_code == 404
    assert resident1.get(f"/registry/residents/{world.R1.id}").status_code == 404
    edit = {"address": "x", "head_name": "y"}
    assert resident1.post(f"/registry/households/{world.H1.id}/edit", edit).status_code == 403


def test_volunteer_sees_no_registry_page(world, browser):
    volunteer1 = browser("volunteer1", staff=False)
    assert volunteer1.get("/registry/households").status_code == 404
    assert volunteer1.get(f"/registry/households/{world.H1.id}").status_code == 404
    assert volunteer1.get("/registry/care-tags").status_code == 404


def test_long_grid_lists_are_cut_but_a_chosen_grid_stays(world, browser, monkeypatch):
    from frontend.registry import views

    monkeypatch.setattr(views, "CHOICES_LIMIT", 1)
    staff1 = browser("staff1")
    html = staff1.get("/registry/households").get_data(as_text=True)
    assert 'name="grid"' not in html and "To filter by grid" in html
    filtered = staff1.get(f"/registry/households?grid={world.G2.id}").get_data(as_text=True)
    assert f'name="grid" value="{world.G2.id}"' in filtered  # the filter survives the next search
    assert world.H2.address in rows(filtered) and world.H1.address not in rows(filtered)
    form = staff1.get(f"/registry/households/new?grid_id={world.G2.id}").get_data(as_text=True)
    assert f'value="{world.G2.id}" selected' in form and "Only the first grids are listed" in form
