"""The care tag list and adding a tag."""

from backend.extensions import db
from backend.registry.models import CareTag
from tests.frontend.registry.conftest import error_for


def test_list_shows_builtin_tags_and_sensitive_ones_only_to_keepers(world, browser):
    html = browser("staff1").get("/registry/care-tags").get_data(as_text=True)
    assert "Elderly living alone" in html and "Under community correction" in html
    assert "Sensitive: shown only to registry keepers" in html
    street_html = browser("street1").get("/registry/care-tags").get_data(as_text=True)
    assert "Elderly living alone" in street_html and "Under community correction" not in street_html


def test_staff_adds_a_care_tag(world, browser, fresh):
    staff1 = browser("staff1")
    bad = staff1.post("/registry/care-tags", {"code": "Veteran!", "name_zh_hans": ""})
    assert bad.status_code == 422
    html = bad.get_data(as_text=True)
    assert error_for(html, "name_zh_hans") == "Required."
    assert error_for(html, "code").startswith("Lower-case letters")
    duplicate = staff1.post("/registry/care-tags", {"code": "dibao", "name_zh_hans": "低保"})
    assert error_for(duplicate.get_data(as_text=True), "code") == "This code exists already."
    response = staff1.post("/registry/care-tags", {"code": "veteran", "name_zh_hans": "退役军人", "name_en": "Veteran"})
    assert response.status_code == 303
    tag = fresh(CareTag, "veteran")
    assert tag is not None and not tag.builtin and not tag.sensitive and tag.name_zh_hant == "退役军人"
    assert "Veteran" in staff1.get("/registry/care-tags").get_data(as_text=True)
    # the new tag can be chosen on a household
    assert 'value="veteran"' in staff1.get("/registry/households/new").get_data(as_text=True)


def test_worker_sees_tags_but_may_not_add(world, browser, fresh):
    worker1 = browser("worker1")
    html = worker1.get("/registry/care-tags").get_data(as_text=True)
    assert "Elderly living alone" in html and 'id="care-tag-form"' not in html
    assert worker1.post("/registry/care-tags", {"code": "veteran", "name_zh_hans": "退役军人"}).status_code == 403
    db.session.rollback()
    assert fresh(CareTag, "veteran") is None
