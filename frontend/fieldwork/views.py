"""Field work for the office: visits and patrol reports as they arrive (with
their photos), visit coverage, overdue tasks, and the visit rules that
generate the tasks. Views are thin: the queries live in
backend.fieldwork.visits.reports, the rules in backend.fieldwork.visits.services, access in
backend.auth.policy (scoped queries, sync.attachments.may_read for photos)."""

import re
from datetime import date

from flask import Blueprint, Response, abort, flash, redirect, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from backend.errors import Invalid, Refused
from backend.extensions import db
from backend.fieldwork.patrols.models import CATEGORIES
from backend.fieldwork.visits import reports, services
from backend.fieldwork.visits.models import FINDINGS
from backend.org.models import Node
from backend.registry import policy as registry_policy
from frontend.render import done, form_page, int_arg, page
from sync import attachments

bp = Blueprint("fieldwork_pages", __name__, url_prefix="/fieldwork")

PER_PAGE = 20
SHA256 = re.compile(r"^[0-9a-f]{64}$")

CATEGORY_LABELS = {
    "illegal_construction": _l("Illegal construction"),
    "street_stall": _l("Street stall"),
    "illegal_parking": _l("Illegal parking"),
    "repair": _l("Needs repair"),
    "safety_hazard": _l("Safety hazard"),
    "dispute": _l("Dispute"),
    "environment": _l("Environment and sanitation"),
    "other": _l("Other"),
}
FINDING_LABELS = {
    "health_concern": _l("Health concern"),
    "living_difficulty": _l("Difficulty in daily living"),
    "housing_safety": _l("Housing safety problem"),
    "needs_assistance": _l("Needs assistance"),
    "low_mood": _l("Low mood or loneliness"),
    "dispute": _l("Family or neighbour dispute"),
    "all_well": _l("All well"),
    "other": _l("Other"),
}
assert set(FINDING_LABELS) == set(FINDINGS)


def _user():
    return current_user._get_current_object()


@bp.before_request
@login_required
def _viewers_only():
    if not reports.may_view(_user()):
        abort(403)


@bp.context_processor
def _helpers():
    return {"category_label": lambda code: str(CATEGORY_LABELS.get(code, code)),
            "finding_label": lambda code: str(FINDING_LABELS.get(code, code)),
            "CATEGORY_LABELS": CATEGORY_LABELS}


def _date_arg(name) -> date | None:
    try:
        return date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return None


def _community(required: bool) -> tuple[Node | None, list[Node]]:
    """The community chosen in `?community=` (404 outside the area); the
    first of the user's communities when one is required and none was chosen."""
    choices = reports.communities_of(_user())
    chosen = request.values.get("community") or None
    if chosen:
        community = next((c for c in choices if c.id == chosen), None)
        if community is None:
            abort(404)
        return community, choices
    if required:
        if not choices:
            abort(404)
        return choices[0], choices
    return None, choices


def _grid_arg(grids) -> str | None:
    grid_id = request.args.get("grid") or None
    return grid_id if grid_id in {g.id for g in grids} else None


@bp.get("/")
def index():
    return redirect(url_for("fieldwork_pages.visits"))


@bp.get("/visits")
def visits():
    user = _user()
    community, communities = _community(required=False)
    grids = reports.grids_of(user, community)
    authors = reports.authors_of(user, community)
    filters = {"grid_id": _grid_arg(grids), "author_id": request.args.get("worker") or None,
               "follow_up": request.args.get("follow_up") == "1", "since": _date_arg("from"),
               "until": _date_arg("to")}
    pagination = db.paginate(reports.visits_query(user, community=community, **filters), page=int_arg("page"),
                             per_page=PER_PAGE, error_out=False)
    items = pagination.items
    photos = [p for v in items for p in v.photos or ()]
    return page("fieldwork/visits.html", "fieldwork/_visits.html", pagination=pagination, community=community,
                communities=communities, grids=grids, authors=authors, filters=filters,
                landed=attachments.landed(db.session, photos), people=reports.users_by_id(v.author_id for v in items),
                sees_notes=registry_policy.sees_staff_notes(user))


@bp.get("/patrols")
def patrols():
    user = _user()
    community, communities = _community(required=False)
    grids = reports.grids_of(user, community)
    category = request.args.get("category") if request.args.get("category") in CATEGORIES else None
    filters = {"grid_id": _grid_arg(grids), "category": category, "since": _date_arg("from"),
               "until": _date_arg("to")}
    pagination = db.paginate(reports.patrols_query(user, community=community, **filters), page=int_arg("page"),
                             per_page=PER_PAGE, error_out=False)
    items = pagination.items
    return page("fieldwork/patrols.html", "fieldwork/_patrols.html", pagination=pagination, community=community,
                communities=communities, grids=grids, filters=filters, categories=CATEGORIES,
                landed=attachments.landed(db.session, [p for r in items for p in r.photos or ()]),
                people=reports.users_by_id(r.author_id for r in items))


@bp.get("/coverage")
def coverage():
    community, communities = _community(required=True)
    today = services.local_today()
    start = _date_arg("from") or today.replace(day=1)
    end = _date_arg("to") or today
    if end < start:
        start, end = end, start
    report = reports.coverage(_user(), community, start, end, today, locale=str(get_locale()))
    return page("fieldwork/coverage.html", "fieldwork/_coverage.html", report=report, community=community,
                communities=communities, start=start, chosen_end=end, today=today)


@bp.get("/overdue")
def overdue():
    user = _user()
    community, communities = _community(required=False)
    grids = reports.grids_of(user, community)
    today = services.local_today()
    assignee = request.args.get("worker") or None
    per_worker = reports.overdue_per_worker(user, today, community)
    query = reports.overdue_query(user, today, community=community, assignee=assignee, grid_id=_grid_arg(grids))
    pagination = db.paginate(query, page=int_arg("page"), per_page=PER_PAGE, error_out=False)
    return page("fieldwork/overdue.html", "fieldwork/_overdue.html", per_worker=per_worker, pagination=pagination,
                community=community, communities=communities, grids=grids, grid_id=_grid_arg(grids),
                assignee=assignee, today=today,
                people=reports.users_by_id(t.assignee_id for t in pagination.items))


@bp.route("/rules", methods=["GET", "POST"])
def rules():
    user = _user()
    community, communities = _community(required=True)
    may_edit = services.may_set_rules(user, community)
    if request.method == "GET":
        return page("fieldwork/rules.html", "fieldwork/_rules.html", community=community, communities=communities,
                    rules=services.rules_for(community), may_edit=may_edit, form=None, errors={})
    if not may_edit:
        abort(403)
    form = request.form.to_dict()
    try:
        result = services.save_rules(user, community, form)
    except Invalid as exc:
        db.session.rollback()
        return form_page("fieldwork/rules.html", "fieldwork/_rules.html", exc.errors, community=community,
                         communities=communities, rules=services.rules_for(community), may_edit=may_edit, form=form)
    except Refused:
        db.session.rollback()
        abort(403)
    db.session.commit()
    flash(_("Visit rules saved. Tasks: %(created)s new, %(updated)s changed, %(cancelled)s cancelled.",
            created=result.created, updated=result.updated, cancelled=result.cancelled))
    return done(url_for("fieldwork_pages.rules", community=community.id))


@bp.get("/photos/<sha256>")
def photo(sha256):
    """A photo named by a record the signed-in user may read, without its metadata."""
    if not SHA256.match(sha256):
        abort(404)
    stored = attachments.visible(db.session, _user(), sha256)
    body = attachments.served(stored)
    if body is None:
        abort(404)
    response = Response(body, mimetype=stored.content_type)
    response.headers["Cache-Control"] = "private, max-age=31536000, immutable"
    response.headers["ETag"] = f'"{sha256}"'
    return response
