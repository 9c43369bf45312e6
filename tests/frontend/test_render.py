"""Rendering a page or its fragment, form re-rendering, page arguments and the answer
after a post (frontend/render.py), in requests of the real app."""

import pytest

from frontend.render import done, form_page, int_arg, page

HTMX = {"HX-Request": "true"}


def _body(response) -> str:
    return response.get_data(as_text=True)


def _devices_page(app, headers, fragment="auth/_devices.html", **kwargs):
    with app.test_request_context("/account/devices", headers=headers):
        return page("auth/devices.html", fragment, devices=[], **kwargs)


def test_a_plain_request_gets_the_whole_page(app):
    response = _devices_page(app, {})
    assert response.status_code == 200
    assert "<html" in _body(response) and 'id="devices"' in _body(response)
    assert "HX-Request" in response.headers.getlist("Vary")  # caches keep page and fragment apart


def test_an_htmx_request_gets_the_fragment(app):
    response = _devices_page(app, HTMX)
    assert _body(response).lstrip().startswith('<div id="devices"') and "<html" not in _body(response)
    assert "HX-Request" in response.headers.getlist("Vary")


@pytest.mark.parametrize("header", ["HX-Boosted", "HX-History-Restore-Request"])
def test_a_boosted_navigation_or_a_history_restore_gets_the_whole_page(app, header):
    assert "<html" in _body(_devices_page(app, HTMX | {header: "true"}))


def test_a_page_without_a_fragment_is_whole_even_for_htmx(app):
    assert "<html" in _body(_devices_page(app, HTMX, fragment=None))


def test_a_page_carries_its_status(app):
    assert _devices_page(app, HTMX, status=404).status_code == 404


def test_a_form_with_messages_is_422_and_shows_them(app):
    with app.test_request_context("/sign-in"):
        failed = form_page("auth/sign_in.html", None, {"username": ["请填写用户名"]}, username="")
        clean = form_page("auth/sign_in.html", None, {}, username="")
    assert failed.status_code == 422
    assert 'id="e-username"' in _body(failed) and "请填写用户名" in _body(failed)
    assert clean.status_code == 200 and 'id="e-' not in _body(clean)


@pytest.mark.parametrize(("query", "expected"), [
    ("", 1),  # missing: the default
    ("?page=abc", 1),  # not a number: the default
    ("?page=7", 7),
    ("?page=0", 1), ("?page=-3", 1),  # below the floor
    ("?page=99999999", 100000),  # above the ceiling
    ("?page=2.5", 1),
])
def test_an_integer_argument_is_read_within_its_bounds(app, query, expected):
    with app.test_request_context(f"/x{query}"):
        assert int_arg("page") == expected


def test_an_integer_argument_has_its_own_default_and_bounds(app):
    with app.test_request_context("/x?year=1990&n=x"):
        assert int_arg("year", 2026, low=2000, high=2100) == 2000
        assert int_arg("n", 2026, low=2000, high=2100) == 2026


def test_a_default_outside_the_bounds_is_clamped_whatever_was_sent(app):
    for query in ("", "?year=x", "?year=", "?year=9e9"):
        with app.test_request_context(f"/x{query}"):
            assert int_arg("year", 2131, low=2000, high=2100) == 2100


def test_after_a_plain_post_the_browser_is_sent_on_with_a_303(app):
    with app.test_request_context("/x", method="POST"):
        response = done("/registry/households")
    assert response.status_code == 303 and response.headers["Location"] == "/registry/households"


def test_after_a_boosted_post_htmx_follows_the_303(app):
    with app.test_request_context("/x", method="POST", headers=HTMX | {"HX-Boosted": "true"}):
        response = done("/registry/households")
    assert response.status_code == 303 and response.headers["Location"] == "/registry/households"


def test_after_a_targeted_htmx_post_the_page_is_loaded_whole(app):
    with app.test_request_context("/x", method="POST", headers=HTMX):
        response = done("/registry/households")
    assert response.status_code == 204 and _body(response) == ""
    assert response.headers["HX-Redirect"] == "/registry/households" and "Location" not in response.headers
