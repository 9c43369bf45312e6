"""A resident's own data: see what Linli holds about their household, download it (JSON, CSV),
and ask for a correction (backend/rights/services.py). Thin: parse, call the service, commit,
render. Anyone but a resident linked to a household is refused by the service (403)."""

import json

from flask import Blueprint, Response, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from backend.apiframe import client_address
from backend.errors import Invalid
from backend.extensions import db
from backend.registry import consent as consents
from backend.requests import services as requests
from backend.rights import schemas, services
from frontend.render import done, page

bp = Blueprint("rights_pages", __name__, url_prefix="/my-data")

FORM_FIELDS = ("field", "resident_id", "wrong", "should_be")


def _user():
    return current_user._get_current_object()


def _context(**extra) -> dict:
    user = _user()
    data = services.collect(db.session, user)
    context = {"data": data, "corrections": services.corrections(db.session, user),
               "field_choices": [(code, services.FIELD_LABELS[code]) for code in schemas.FIELDS],
               "resident_choices": [(r["id"], r["name"]) for r in data["residents"] if not r["retired"]],
               "basis_name": consents.basis_name, "purpose_name": consents.purpose_name,
               "status_name": lambda status: str(requests.STATUS_NAMES.get(status, status)),
               "form": {}, "errors": {}}
    context.update(extra)
    return context


@bp.get("/")
@login_required
def index():
    return page("rights/index.html", "rights/_data.html", **_context())


@bp.get("/download.<fmt>")
@login_required
def download(fmt):
    if fmt not in ("json", "csv"):
        fmt = "json"
    data = services.download(db.session, _user(), fmt, client_address())
    db.session.commit()  # the download is audited
    if fmt == "csv":
        body, mimetype = "\ufeff" + services.as_csv(data), "text/csv"
    else:
        body, mimetype = json.dumps(services.as_json(data), ensure_ascii=False, indent=2), "application/json"
    return Response(body, mimetype=mimetype,
                    headers={"Content-Disposition": f"attachment; filename=linli-my-data.{fmt}"})


@bp.post("/corrections")
@login_required
def ask_correction():
    form = {name: request.form.get(name, "") for name in FORM_FIELDS}
    data = {"field": form["field"], "resident_id": form["resident_id"] or None, "wrong": form["wrong"],
            "should_be": form["should_be"]}
    try:
        services.ask_correction(db.session, _user(), data)
    except Invalid as exc:
        db.session.rollback()
        return page("rights/index.html", "rights/_correction_form.html", status=422,
                    **_context(form=form, errors=exc.errors))
    db.session.commit()
    flash(_("Your request for a correction is sent to your community office."))
    return done(url_for(".index") + "#corrections")
