"""Errors. Services raise Invalid / Refused / Gone; the API turns every error
into application/problem+json (RFC 9457), the pages into a re-rendered form or
an error page. Nothing reaches the client as a stack trace."""

from flask import current_app, jsonify, render_template, request
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException


def field_messages(messages, prefix: str = "") -> dict[str, list[str]]:
    """{field: [message]} from marshmallow's messages, nested ones named by
    their dotted path (`photos.0`, `location.lat`), as the push names them."""
    flat: dict = {}
    if isinstance(messages, dict):
        for key, value in messages.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            if isinstance(value, dict):
                flat.update(field_messages(value, name))
            else:
                flat[name] = [str(m) for m in (value if isinstance(value, list | tuple) else [value])]
    else:
        flat[prefix or "_schema"] = [str(m) for m in (messages if isinstance(messages, list | tuple) else [messages])]
    return flat


class DomainError(Exception):
    status = 400
    title = "Bad request"


class Invalid(DomainError):
    """Validation failed; `errors` maps field names to messages."""

    status = 422
    title = "Validation failed"

    def __init__(self, errors: dict):
        super().__init__("invalid")
        self.errors = field_messages(errors)


class Refused(DomainError):
    """The user may not do this (or may not know the record exists)."""

    status = 403
    title = "Forbidden"


class Conflict(DomainError):
    """The record's state refuses the change (a taken id, a second rating…); `detail` says why."""

    status = 409
    title = "Conflict"

    def __init__(self, detail: str, errors: dict | None = None):
        super().__init__(detail)
        self.detail = detail
        self.errors = {field: [str(m) for m in messages] for field, messages in (errors or {}).items()} or None


class NotAllowedNow(Conflict):
    """A state machine refuses the action in the record's current state."""

    title = "Not allowed in this state"


class Gone(DomainError):
    status = 404
    title = "Not found"


class ApiError(Exception):
    def __init__(self, status: int, title: str, detail: str = "", errors: dict | None = None,
                 headers: dict | None = None, type_: str = "about:blank"):
        super().__init__(detail or title)
        self.status, self.title, self.detail = status, title, detail
        self.errors, self.headers, self.type = errors, headers or {}, type_


def problem(status: int, title: str, detail: str = "", errors: dict | None = None,
            headers: dict | None = None, type_: str = "about:blank"):
    body = {"type": type_, "title": title, "status": status, "detail": detail or title}
    if errors:
        body["errors"] = errors
    response = jsonify(body)
    response.status_code = status
    response.mimetype = "application/problem+json"
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def wants_problem_json() -> bool:
    return request.path.startswith("/api/") or request.path == "/healthz"


def wants_open311() -> bool:
    """/open311/ answers errors in the GeoReport v2 shape, JSON or XML by extension."""
    return request.path.startswith("/open311/")


def _open311_error(status: int, description: str, headers: dict | None = None):
    from backend.open311.formats import error_response

    return error_response(status, description, headers=headers)


def register(app):
    @app.errorhandler(ApiError)
    def _api_error(exc: ApiError):
        return problem(exc.status, exc.title, exc.detail, exc.errors, exc.headers, exc.type)

    @app.errorhandler(DomainError)
    def _domain_error(exc: DomainError):
        errors = getattr(exc, "errors", None)
        if wants_open311():
            return _open311_error(400 if exc.status == 422 else exc.status, _error_detail(exc))
        if wants_problem_json():
            return problem(exc.status, exc.title, _error_detail(exc), errors)
        return render_template("error.html", status=exc.status, message=_error_detail(exc)), exc.status

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        headers = {}
        if exc.code == 405 and exc.valid_methods:
            headers["Allow"] = ", ".join(exc.valid_methods)
        if wants_open311():
            return _open311_error(exc.code or 500, exc.description or exc.name, headers)
        if wants_problem_json():
            return problem(exc.code or 500, exc.name, exc.description or exc.name, headers=headers)
        if exc.code == 400 and "CSRF" in (exc.description or ""):
            return render_template("error.html", status=400,
                                   message=_("Your form expired. Go back, reload the page and try again.")), 400
        response = exc.get_response()
        if exc.code in (400, 403, 404, 405, 413, 429):
            response.set_data(render_template("error.html", status=exc.code, message=exc.description))
            response.mimetype = "text/html"
        return response

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        current_app.logger.exception("unhandled error")
        if wants_open311():
            return _open311_error(500, "The server failed; the error was logged.")
        if wants_problem_json():
            return problem(500, "Internal Server Error", "The server failed; the error was logged.")
        return render_template("error.html", status=500, message=_("Something went wrong on our side.")), 500


def _error_detail(exc: DomainError) -> str:
    if isinstance(exc, Invalid):
        return _("Some fields are not valid.")
    if isinstance(exc, Refused):
        return _("You are not allowed to do this.")
    if isinstance(exc, Gone):
        return _("Not found.")
    return str(exc)
