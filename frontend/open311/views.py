"""Open311 API keys: community staff and above issue keys for applications
filing requests into their area (the key is shown once) and revoke them."""

from flask import Blueprint, abort, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from backend.apiframe import client_address
from backend.auth import policy
from backend.errors import Invalid
from backend.extensions import db, login
from backend.open311 import keys as service
from backend.open311 import policy as open311_policy
from backend.open311.models import Open311Key
from frontend.labels import kind_label
from frontend.render import form_page, page

bp = Blueprint("open311_pages", __name__, url_prefix="/open311-keys")


@bp.before_request
def _key_managers_only():
    if not current_user.is_authenticated:
        return login.unauthorized()
    if current_user.role not in open311_policy.OPEN311_KEY_MANAGERS or current_user.status != "active":
        abort(403)
    return None


def _user():
    return current_user._get_current_object()


def _context(**extra) -> dict:
    actor = _user()
    nodes = service.key_nodes(actor)
    options = [(node.id, f"{node.name} · {kind_label(node)}") for node in nodes]
    context = {
        "keys": db.session.scalars(service.visible_keys(actor)).all(),
        "node_options": options,
        # Street and district keys name the community of each request by its id (jurisdiction_id).
        "communities": [node for node in nodes if node.kind == "community"],
        "form": {"name": "", "node_id": options[0][0] if len(options) == 1 else ""},
        "new_key": None,
        "new_record": None,
        "base_url": url_for("open311.discovery", fmt="json", _external=True).rsplit("/", 1)[0] + "/",
    }
    context.update(extra)
    return context


@bp.get("/")
def index():
    return page("open311/keys.html", "open311/_keys.html", errors={}, **_context())


@bp.post("/")
def issue():
    form = {"name": request.form.get("name", ""), "node_id": request.form.get("node_id", "")}
    try:
        plain, key = service.issue_key(_user(), name=form["name"], node_id=form["node_id"],
                                       address=client_address())
    except Invalid as exc:
        db.session.rollback()
        return form_page("open311/keys.html", "open311/_keys.html", exc.errors, **_context(form=form))
    db.session.commit()
    # Shown in this response only: never flashed (the session cookie would carry it), never stored.
    response = page("open311/keys.html", "open311/_keys.html", status=201, errors={},
                    **_context(new_key=plain, new_record=key))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/<key_id>/revoke")
def revoke(key_id):
    key = db.session.get(Open311Key, key_id)
    if key is None or not policy.can(_user(), policy.READ, key):
        abort(404)
    service.revoke_key(_user(), key, client_address())
    db.session.commit()
    return page("open311/keys.html", "open311/_keys.html", errors={},
                **_context(message=_("The key %(name)s is revoked. Requests with it are refused from now on.",
                                     name=key.name)))
