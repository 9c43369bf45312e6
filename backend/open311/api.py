"""/open311/v2/: the Open311 GeoReport v2 interface (wiki.open311.org/GeoReport_v2).

Every resource answers as JSON or XML by its extension (services.json,
services.xml); errors use the specification's <errors> shape with 400 (missing
or invalid parameter), 403 (api_key), 404 (unknown service_code, id,
jurisdiction_id or token), 429 (the per-key bound). Requests go through the
requests core (backend.requests.services); this module only translates.

Privacy (see docs/OPEN311.md): reading requests needs an api_key and returns
requests of the key's area only; the text a person wrote (description,
address, location, staff replies) only for requests the same key filed.
Names, phones and household ids are never returned."""

from functools import wraps

from flask import Blueprint, current_app, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _

from backend import errors
from backend.extensions import db
from backend.i18n import normalise
from backend.open311 import keys, services
from backend.open311.formats import Open311Error, check_format, problem_response, respond

bp = Blueprint("open311", __name__, url_prefix="/open311/v2")

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
# When this interface last changed (discovery's changeset).
CHANGESET = "2026-11-27T00:00:00+08:00"


@bp.errorhandler(Open311Error)
def _open311_error(exc: Open311Error):
    db.session.rollback()
    return problem_response(exc)


# Every error under /open311/ (a service's refusal, a 404, a crash) in the specification's shape.
errors.render_on("/open311/", problem_response)


def _locale() -> str:
    """`locale` parameter, else Accept-Language, else Simplified Chinese."""
    chosen = normalise(request.values.get("locale"))
    if chosen:
        return chosen
    for tag, _quality in request.accept_languages:
        found = normalise(tag)
        if found:
            return found
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def resource(view):
    """Check the format extension, answer in the client's language."""

    @wraps(view)
    def wrapper(*args, fmt, **kwargs):
        check_format(fmt)
        with force_locale(_locale()):
            return view(*args, fmt=fmt, **kwargs)

    return wrapper


def _require_key(value: str | None):
    if not value:
        raise Open311Error(403, "api_key is missing: request one from the community's staff.")
    key = keys.live_key(value)
    if key is None:
        raise Open311Error(403, "api_key is invalid or revoked.")
    if keys.touch(key):
        db.session.commit()  # the key's use is noted whatever the request's fate
    return key


@bp.get("/discovery.<fmt>")
@resource
def discovery(fmt):
    base = url_for("open311.discovery", fmt=fmt, _external=True).rsplit("/", 1)[0]
    body = {
        "changeset": CHANGESET,
        "contact": current_app.config.get("OPEN311_CONTACT") or _("Ask the staff of your community."),
        "key_service": current_app.config.get("OPEN311_KEY_SERVICE")
        or _("Community staff and street and district officers issue keys in Linli (Open311 keys)."),
        "endpoints": [{
            "specification": SPECIFICATION,
            "url": base,
            "changeset": CHANGESET,
            "type": "production",
            "formats": ["text/xml", "application/json"],
        }],
    }
    return respond(fmt, "discovery", None, body)


@bp.get("/services.<fmt>")
@resource
def service_list(fmt):
    community = services.jurisdiction(request.args.get("jurisdiction_id"))
    return respond(fmt, "services", "service", services.service_rows(community))


@bp.get("/services/<service_code>.<fmt>")
@resource
def service_definition(service_code, fmt):
    community = services.jurisdiction(request.args.get("jurisdiction_id"))
    category = services.category(service_code)
    return respond(fmt, "service_definition", None, services.definition(category, community))


@bp.get("/requests.<fmt>")
@resource
def request_list(fmt):
    key = _require_key(request.args.get("api_key"))
    rows = services.find_requests(key, request.args)
    return respond(fmt, "service_requests", "request", rows)


@bp.post("/requests.<fmt>")
@resource
def request_create(fmt):
    key = _require_key(request.form.get("api_key"))
    submission = services.submit(key, request.form)
    db.session.commit()
    return respond(fmt, "service_requests", "request", [services.receipt(submission)], status=201)


@bp.get("/requests/<service_request_id>.<fmt>")
@resource
def request_one(service_request_id, fmt):
    key = _require_key(request.args.get("api_key"))
    return respond(fmt, "service_requests", "request", [services.one_request(key, service_request_id)])


@bp.get("/tokens/<token>.<fmt>")
@resource
def token(token, fmt):
    submission = services.by_token(token)
    return respond(fmt, "service_requests", "request",
                   [{"service_request_id": submission.request_id, "token": submission.token}])

