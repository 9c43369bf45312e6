"""Errors: one hierarchy, one problem. Services raise Invalid / Refused / Conflict /
Gone (or a problem with its own status, ApiError); every answer is built from the
error's problem() (RFC 9457): the JSON API's application/problem+json, the pages'
error page, a push's rejected mutation, and the formats a protocol dictates (Open311
registers its own rendering of the same problem, `render_on`). Nothing reaches the
client as a stack trace, and nothing of a refused request is kept: every handler
rolls the request's transaction back before it answers (services flush, never
commit; what a view committed before the error stays)."""

from collections.abc import Callable

from flask import current_app, jsonify, render_template, request
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException

from backend.extensions import db


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
    """A problem a user may see: status, title, detail, and the fields at fault."""

    status = 400
    title = "Bad request"
    type = "about:blank"

    def __init__(self, detail: str = "", errors: dict | None = None, headers: dict | None = None):
        super().__init__(detail or self.title)
        self._detail = detail
        self.errors = field_messages(errors) if errors else None
        self.headers = dict(headers or {})

    @property
    def detail(self) -> str:
        """What to tell the person, in their language."""
        return self._detail or self.title

    def problem(self) -> dict:
        """The problem (RFC 9457) every answer is built from."""
        body = {"type": self.type, "title": self.title, "status": self.status, "detail": self.detail}
        if self.errors:
            body["errors"] = self.errors
        return body


class Invalid(DomainError):
    """Validation failed; `errors` maps field names to messages."""

    status = 422
    title = "Validation failed"

    def __init__(self, errors: dict):
        super().__init__("invalid", errors)
        self.errors = self.errors or {}

    @property
    def detail(self) -> str:
        return _("Some fields are not valid.")


class Refused(DomainError):
    """The user may not do this (or may not know the record exists)."""

    status = 403
    title = "Forbidden"

    @property
    def detail(self) -> str:
        return _("You are not allowed to do this.")


class Conflict(DomainError):
    """The record's state refuses the change (a taken id, a second rating…); `detail` says why."""

    status = 409
    title = "Conflict"

    def __init__(self, detail: str, errors: dict | None = None):
        super().__init__(detail, errors)


class NotAllowedNow(Conflict):
    """A state machine refuses the action in the record's current state."""

    title = "Not allowed in this state"


class Gone(DomainError):
    status = 404
    title = "Not found"

    @property
    def detail(self) -> str:
        return _("Not found.")


class ApiError(DomainError):
    """A problem with its own status and title (413, 426, 429, a protocol's refusals…)."""

    def __init__(self, status: int, title: str, detail: str = "", errors: dict | None = None,
                 headers: dict | None = None, type_: str = "about:blank"):
        self.status, self.title, self.type = status, title, type_
        super().__init__(detail, errors, headers)


def problem(status: int, title: str, detail: str = "", errors: dict | None = None,
            headers: dict | None = None, type_: str = "about:blank"):
    """application/problem+json for a problem given by its parts."""
    return problem_response(ApiError(status, title, detail, errors, headers, type_))


def problem_response(exc: DomainError):
    """The JSON API's answer: the problem as application/problem+json."""
    response = jsonify(exc.problem())
    response.status_code = exc.status
    response.mimetype = "application/problem+json"
    for key, value in exc.headers.items():
        response.headers[key] = value
    return response


def wants_problem_json() -> bool:
    return request.path.startswith("/api/") or request.path == "/healthz"


# Path prefix -> how a protocol renders a problem there (Open311's GeoReport errors).
RENDERERS: dict[str, Callable[[DomainError], object]] = {}


def render_on(prefix: str, render: Callable[[DomainError], object]) -> None:
    """Under `prefix`, answer errors with `render(problem error)` instead of problem+json or a page."""
    RENDERERS[prefix] = render


def _renderer():
    return next((render for prefix, render in RENDERERS.items() if request.path.startswith(prefix)), None)


def discard() -> None:
    """Roll back the request's unfinished transaction: a refused or failed
    request leaves nothing half-written, even if something committed after it."""
    try:
        db.session.rollback()
    except Exception:  # the database is gone: there is nothing left to undo
        current_app.logger.warning("rollback after an error failed", exc_info=True)


def answer(exc: DomainError):
    """The one answer to an error, by where it was asked: a protocol's shape, problem+json, or a page."""
    discard()
    render = _renderer()
    if render is not None:
        return render(exc)
    if wants_problem_json():
        return problem_response(exc)
    return render_template("error.html", status=exc.status, message=exc.detail), exc.status


def _from_http(exc: HTTPException) -> ApiError:
    headers = {}
    if exc.code == 405 and exc.valid_methods:
        headers["Allow"] = ", ".join(exc.valid_methods)
    return ApiError(exc.code or 500, exc.name, exc.description or exc.name, headers=headers)


def _http_error(exc: HTTPException):
    discard()
    if _renderer() is not None or wants_problem_json():
        return answer(_from_http(exc))
    if exc.code == 400 and "CSRF" in (exc.description or ""):
        return render_template("error.html", status=400,
                               message=_("Your form expired. Go back, reload the page and try again.")), 400
    response = exc.get_response()
    if exc.code in (400, 403, 404, 405, 413, 429):
        response.set_data(render_template("error.html", status=exc.code, message=exc.description))
        response.mimetype = "text/html"
    return response


def _unexpected(exc: Exception):
    current_app.logger.exception("unhandled error")
    discard()
    if _renderer() is not None or wants_problem_json():
        return answer(ApiError(500, "Internal Server Error", "The server failed; the error was logged."))
    return render_template("error.html", status=500, message=_("Something went wrong on our side.")), 500


def _field_key_error(exc: Exception):
    """A sealed field did not open (a key missing from LINLI_FIELD_KEYS, or the
    wrong one): logged loudly for the administrator, and a clear 503 for the
    person, never a silent blank nor a bare 500."""
    current_app.logger.error("sensitive field keys: %s", exc)
    return answer(ApiError(503, "Field key unavailable", _(
        "A protected field could not be read: the server's field keys are wrong or missing. "
        "The administrator has been told; try again later.")))


def register(app):
    from backend.sensitive.keys import FieldKeyError

    app.register_error_handler(DomainError, answer)
    app.register_error_handler(FieldKeyError, _field_key_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected)
