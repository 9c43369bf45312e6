"""The page side of the app (frontend/__init__.py): every area's page blueprints are
registered, and the top navigation shows each role the areas' entries for it, in
their order, with the count an entry's badge gives."""

import re

import pytest
from flask import url_for

from backend.areas import resolve
from tests.frontend.requests.conftest import raise_request


def _nav(html: str) -> list[str]:
    """The addresses the top navigation links, left to right."""
    match = re.search(r'<nav aria-label="Main">(.*?)</nav>', html, re.S)
    return re.findall(r'<a href="([^"]+)"', match.group(1)) if match else []


def _declared(app, role) -> list[str]:
    """What the areas' declarations give this role, by their order."""
    entries = sorted((entry for area in app.extensions["linli.areas"] for entry in area.nav),
                     key=lambda entry: entry.order)
    with app.test_request_context():
        return [url_for(entry.endpoint) for entry in entries if role in entry.roles]


def test_every_areas_page_blueprints_are_registered(app):
    declared = [resolve(name) for area in app.extensions["linli.areas"] for name in area.pages]
    assert declared and all(app.blueprints.get(bp.name) is bp for bp in declared)
    assert "home" in app.blueprints


@pytest.mark.parametrize("key", ["admin", "district", "street1", "staff1", "worker1", "station1", "volunteer1",
                                 "resident1"])
def test_each_role_sees_its_entries_in_order(world, english, auth, app, key):
    auth.login(world.users[key].username)
    role = world.users[key].role
    shown = _nav(english.get("/account/devices").get_data(as_text=True))
    assert shown == _declared(app, role)
    assert shown[-1] == "/account/devices"  # everyone has their devices, last


def test_what_the_navigation_holds_for_a_worker_and_a_resident(world, english, auth):
    auth.login("worker1")
    html = english.get("/account/devices").get_data(as_text=True)
    shown = _nav(html)
    assert shown.index("/org/") < shown.index("/registry/households") < shown.index("/account/devices")
    assert "/requests" not in shown and "/accounts/" not in shown  # not the request office, not a manager
    assert re.search(r'<a href="/app/" hx-boost="false">', html)  # the field app loads as a whole page
    auth.logout()
    auth.login("resident1")
    # A resident: what Linli holds about their household (backend/rights), and their devices.
    assert _nav(english.get("/account/devices").get_data(as_text=True)) == ["/my-data/", "/account/devices"]


def test_signed_out_pages_have_no_navigation(world, english):
    assert '<nav aria-label="Main">' not in english.get("/sign-in").get_data(as_text=True)


def test_a_badge_counts_for_the_reader_on_every_page(world, english, auth):
    raise_request(world, hours_ago=5)  # in C1, late to be accepted
    auth.login("staff1")
    html = english.get("/org/").get_data(as_text=True)
    assert re.search(r'id="nav-requests-overdue" title="1 overdue">1</span>', html)
    auth.logout()
    auth.login("street2")  # the other street: nothing of it is late
    html = english.get("/org/").get_data(as_text=True)
    assert 'id="nav-requests"' in html and 'id="nav-requests-overdue"' not in html
