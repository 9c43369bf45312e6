"""Conflicts from offline edits: review and settle, per community."""

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from backend.errors import Invalid
from backend.extensions import db
from backend.registry import policy as registry_policy
from backend.sensitive.masks import birth_year
from frontend.render import int_arg, page
from sync import conflicts as service
from sync.models import Conflict

bp = Blueprint("conflict_pages", __name__, url_prefix="/conflicts")


FIELD_LABELS = {
    "address": _l("Address"), "head_name": _l("Head of household"), "notes": _l("Notes"),
    "care_tags": _l("Care tags"), "name": _l("Name"), "gender": _l("Gender"), "birth_date": _l("Birth date"),
    "relation": _l("Relation to the head"), "deleted": _l("Deleted"),
}


def _user():
    return current_user._get_current_object()


@bp.context_processor
def _helpers():
    from backend.auth.models import User

    def conflict_user(conflict):
        user = db.session.get(User, conflict.user_id)
        return user.display_name if user else "?"

    def field_label(field):
        return str(FIELD_LABELS.get(field, field))

    def conflict_value(field, value):
        if field == "deleted":
            return _("Delete") if value else _("Keep")
        if value is None or value == "" or value == []:
            return "—"
        if isinstance(value, list):
            return "、".join(map(str, value))
        if field == "birth_date" and not registry_policy.sees_sensitive_tags(_user()):
            return str(birth_year(value) or "—")  # with a masked ID number, a full date rebuilds it
        return str(value)

    return {"conflict_user": conflict_user, "field_label": field_label, "conflict_value": conflict_value}


def _row(conflict):
    """What the page shows of a conflict: the record, whether the user may settle
    it, and only the fields (and values) the user may see."""
    record = service.record_of(conflict)
    return conflict, record, service.may_settle(_user(), conflict), service.shown_fields(_user(), conflict, record)


@bp.get("/")
@login_required
def index():
    if current_user.role not in service.REVIEWERS:
        abort(404)
    status = request.args.get("status", "open")
    if status not in ("open", "settled", "all"):
        status = "open"
    query = service.visible_query(_user(), None if status == "all" else status)
    pagination = db.paginate(query, page=int_arg("page"), per_page=20, error_out=False)
    rows = [_row(c) for c in pagination.items]
    return page("conflicts/index.html", "conflicts/_rows.html", rows=rows, pagination=pagination, state=status,
                errors={})


@bp.post("/<conflict_id>/settle")
@login_required
def settle(conflict_id):
    conflict = db.session.get(Conflict, conflict_id)
    visible = db.session.scalar(service.visible_query(_user(), None).where(Conflict.id == conflict_id))
    if conflict is None or visible is None:
        abort(404)
    choices = {field: request.form.get(f"keep-{field}", "") for field in conflict.fields}
    errors = {}
    try:
        service.settle(_user(), conflict, choices)
        db.session.commit()
        flash(_("The conflict is settled."))
    except Invalid as exc:
        db.session.rollback()
        errors = exc.errors
    row = _row(conflict)
    if request.headers.get("HX-Request") and not request.headers.get("HX-Boosted"):
        return page("conflicts/index.html", "conflicts/_conflict.html", status=422 if errors else 200,
                    row=row, errors=errors)
    if errors:
        return page("conflicts/index.html", None, status=422, rows=[row], pagination=None, state="open",
                    errors=errors)
    return redirect(url_for("conflict_pages.index"))
