"""The CSRF sweep: every state-changing route of the management pages refuses a
request without the session's CSRF token, or with another session's, and
changes nothing; the machine APIs never take a signed-in browser's cookie as
authority, so a page on another site cannot drive them either. Routes are
read from the app's URL map, so a route added later is swept too."""

import pytest
from sqlalchemy import select

from backend.extensions import db
from tests.factories import ConflictFactory, DepartmentFactory, ReplyTemplateFactory, RequestFactory
from tests.security.sweep import CHANGING, browser, meta_token, path_of, rules

pytestmark = pytest.mark.shared_database


def snapshot():
    """Every row of every table, in a stable order: the database as a value."""
    db.session.expire_all()
    state = {}
    for table in db.metadata.sorted_tables:
        rows = db.session.execute(select(table)).all()
        state[table.name] = sorted(repr(tuple(row)) for row in rows)
    return state


@pytest.fixture(scope="module")
def swept(app):
    """A world with a record behind every kind of path argument, and the ids to fill paths with."""
    from tests.factories import build_world, empty_database

    with app.app_context():
        empty_database()
        w = build_world()
        request = RequestFactory(household=w.H1)
        template = ReplyTemplateFactory(community=w.C1)
        department = DepartmentFactory(node=w.S1)
        conflict = ConflictFactory(record=w.H1)
        db.session.commit()
        values = {"household_id": w.H1.id, "resident_id": w.R1.id, "node_id": w.C1.id,
                  "user_id": w.staff1.id, "request_id": request.id, "template_id": template.id,
                  "department_id": department.id, "conflict_id": conflict.id,
                  "device_id": w.worker1.id, "action": "accept", "field": "id_number",
                  "day": "2026-12-01", "key_id": "x"}
        yield values
        empty_database()


def page_routes(app):
    return [(rule, method) for rule in rules(app, machine=False) for method in sorted(rule.methods & CHANGING)]


def test_the_sweep_reaches_every_kind_of_change(app):
    """The sweep is not vacuous: it covers forms of every area that has pages."""
    swept_paths = {rule.rule for rule, _ in page_routes(app)}
    for expected in ("/sign-in", "/register", "/registry/households/<household_id>/edit",
                     "/requests/<request_id>/actions/<action>", "/accounts/new", "/org/<node_id>/move",
                     "/conflicts/<conflict_id>/settle", "/open311-keys/"):
        assert expected in swept_paths


def test_no_page_changes_anything_without_the_sessions_token(app, swept):
    with app.app_context():
        admin = browser(app, "admin")
        other_token = meta_token(browser(app, "staff1"), "/account/devices")
        before = snapshot()
        accepted = []
        for rule, method in page_routes(app):
            path = path_of(rule, swept)
            form = {"notes": "csrf", "name": "csrf", "reason": "csrf", "message": "csrf"}
            for data in (form, {**form, "csrf_token": other_token}, {**form, "csrf_token": "forged"}):
                response = admin.open(path, method=method, data=data)
                if response.status_code != 400:
                    accepted.append((method, path, response.status_code, "csrf_token" in data))
        assert accepted == []
        assert snapshot() == before


def test_the_refusal_says_why_in_the_readers_language(app, swept):
    with app.app_context():
        admin = browser(app, "admin")
        response = admin.post(path_of(next(r for r, _ in page_routes(app) if r.rule == "/registry/households/"
                                           "<household_id>/edit"), swept), data={"notes": "x"})
        assert response.status_code == 400
        assert "CSRF" in response.get_data(as_text=True) or "token" in response.get_data(as_text=True).lower()


def test_the_machine_apis_ignore_a_signed_in_browsers_cookie(app, swept):
    """A cross-site form would carry the staff member's session cookie: no API takes it as authority."""
    with app.app_context():
        admin = browser(app, "admin")
        before = snapshot()
        answered = []
        for rule in rules(app, machine=True):
            for method in sorted(rule.methods & CHANGING):
                if rule.rule == "/api/v1/auth/token":
                    continue  # takes a username and password, never a cookie
                path = path_of(rule, {**swept, "fmt": "json", "sha256": "0" * 64})
                response = admin.open(path, method=method, json={"notes": "csrf"})
                if response.status_code < 400:
                    answered.append((method, path, response.status_code))
        assert answered == []
        assert snapshot() == before
