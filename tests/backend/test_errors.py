"""The one problem-builder (backend/errors.py): the hierarchy's statuses and
bodies, marshmallow's messages flattened to dotted field names, and one answer
by where the error was asked: problem+json under /api/, a protocol's renderer
under its prefix, the error page elsewhere; nothing as a stack trace."""

import json

import pytest

from backend import errors
from backend.errors import (
    ApiError,
    Conflict,
    DomainError,
    Gone,
    Invalid,
    NotAllowedNow,
    Refused,
    answer,
    field_messages,
    problem,
    problem_response,
)


def test_nested_messages_are_named_by_their_dotted_path():
    assert field_messages({"name": ["Missing."], "location": {"lat": ["Too big."], "lng": "Bad."},
                           "photos": {0: ["Not a hash."]}}) == {
        "name": ["Missing."], "location.lat": ["Too big."], "location.lng": ["Bad."], "photos.0": ["Not a hash."]}
    assert field_messages(["Whole body wrong."]) == {"_schema": ["Whole body wrong."]}
    assert field_messages("One message.", "items") == {"items": ["One message."]}
    assert field_messages({"n": [5]}) == {"n": ["5"]}


@pytest.mark.parametrize(("error", "status", "title"), [
    (Invalid({"name": ["Missing."]}), 422, "Validation failed"), (Refused(), 403, "Forbidden"),
    (Gone(), 404, "Not found"), (Conflict("Rated already."), 409, "Conflict"),
    (NotAllowedNow("Closed."), 409, "Not allowed in this state"),
    (ApiError(429, "Too Many Requests", "Slow down."), 429, "Too Many Requests")])
def test_each_error_has_its_status_and_title(ctx, error, status, title):
    body = error.problem()
    assert (body["status"], body["title"], body["type"]) == (status, title, "about:blank")
    assert body["detail"]
    assert isinstance(error, DomainError)


def test_the_problem_names_the_fields_only_when_there_are_some(ctx):
    assert Invalid({"location": {"lat": ["Too big."]}}).problem()["errors"] == {"location.lat": ["Too big."]}
    assert "errors" not in Refused().problem()
    assert Conflict("Rated already.").problem()["detail"] == "Rated already."
    assert isinstance(NotAllowedNow("x"), Conflict)


def test_details_are_in_the_readers_language(app):
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        assert Refused().detail == "You are not allowed to do this."
        assert Invalid({"a": ["b"]}).detail == "Some fields are not valid."
    with app.test_request_context("/"):
        assert Gone().detail != "Not found."  # Simplified Chinese by default


def test_a_problem_response_carries_its_status_type_and_headers(app):
    with app.test_request_context("/api/v1/x"):
        response = problem(429, "Too Many Requests", "Slow down.", headers={"Retry-After": "60"},
                           type_="https://linli.example/problems/rate")
        assert response.status_code == 429 and response.mimetype == "application/problem+json"
        assert response.headers["Retry-After"] == "60"
        assert json.loads(response.get_data()) == {"type": "https://linli.example/problems/rate",
                                                   "title": "Too Many Requests", "status": 429,
                                                   "detail": "Slow down."}
        assert problem_response(Gone()).status_code == 404


def test_the_answer_depends_on_where_it_was_asked(app, monkeypatch):
    with app.test_request_context("/api/v1/org/nodes"):
        response = answer(Refused())
        assert response.mimetype == "application/problem+json" and response.status_code == 403
    with app.test_request_context("/healthz"):
        assert answer(Gone()).mimetype == "application/problem+json"
    with app.test_request_context("/registry/households", headers={"Accept-Language": "en"}):
        html, status = answer(Refused())
        assert status == 403 and "You are not allowed to do this." in html
    monkeypatch.setitem(errors.RENDERERS, "/elsewhere/", lambda exc: (f"<e>{exc.status}</e>", exc.status))
    with app.test_request_context("/elsewhere/thing"):
        assert answer(Gone()) == ("<e>404</e>", 404)


def test_an_unexpected_error_is_logged_and_told_without_its_details(app, caplog):
    secret = RuntimeError("password=hunter2 in a stack")
    with app.test_request_context("/api/v1/requests"):
        response = errors._unexpected(secret)
        body = json.loads(response.get_data())
        assert response.status_code == 500 and body["title"] == "Internal Server Error"
        assert "hunter2" not in response.get_data(as_text=True)
    with app.test_request_context("/requests", headers={"Accept-Language": "en"}):
        html, status = errors._unexpected(secret)
        assert status == 500 and "Something went wrong on our side." in html and "hunter2" not in html
    assert "unhandled error" in caplog.text


def test_unknown_pages_and_wrong_methods_answer_with_the_error_page(client):
    response = client.get("/no-such-page?lang=en")
    assert response.status_code == 404 and response.mimetype == "text/html"
    assert "<html" in response.get_data(as_text=True)
    assert client.get("/api/v1/no-such-thing").mimetype == "application/problem+json"


def test_an_expired_form_says_so(client):
    client.get("/sign-in?lang=en")
    response = client.post("/sign-in", data={"username": "x", "password": "y"})  # no CSRF token
    assert response.status_code == 400 and response.mimetype == "text/html"
    assert "Your form expired. Go back, reload the page and try again." in response.get_data(as_text=True)
