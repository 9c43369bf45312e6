"""The office side of requests (接诉即办): the inbox, a request's page with the
actions this user may take now, raising a request on a resident's behalf, time
limits, partner departments and reply templates.

Views are thin: the scope is backend.requests.services.visible_requests, who may
act is policy (services.ACTIONS_FOR), the state machine and every rule are in
backend.requests.services; these views parse forms, call them and render. A
refused action re-renders the request page with the message at the form: 422
for a field, 409 for the request's state, 403 for the role."""

from flask import Blueprint, abort, flash, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user, login_required
from sqlalchemy import or_, select

from backend.apiframe import client_address
from backend.auth import policy
from backend.common import utcnow
from backend.errors import Conflict, Invalid, Refused
from backend.extensions import db
from backend.fieldwork.visits import reports
from backend.org.models import Node
from backend.registry import consent as consents
from backend.registry import policy as registry_policy
from backend.registry import sensitive
from backend.registry.models import Household, Resident
from backend.requests import deadlines, inbox, services
from backend.requests import policy as request_policy
from backend.requests.models import LEVELS, OPEN_STATES, STATUSES, Department, ReplyTemplate, Request
from frontend.render import done, form_page, int_arg, page
from sync import attachments

bp = Blueprint("request_pages", __name__, url_prefix="/requests")

PER_PAGE = 25
HOUSEHOLD_CHOICES = 10

LEVEL_LABELS = {"community": _l("Community"), "street": _l("Street"), "district": _l("District")}
CHANNEL_LABELS = {"app": _l("Resident app"), "field": _l("Grid worker in the field"),
                  "station": _l("Service station"), "staff": _l("Community office (phone or visit)"),
                  "open311": _l("Open311 application")}
ACTION_LABELS = {
    "accept": _l("Accept"), "dispatch": _l("Dispatch"), "start": _l("Start work"), "reply": _l("Reply"),
    "note": _l("Internal note"), "return": _l("Return"), "escalate": _l("Escalate"),
    "respond": _l("Respond"), "resolve": _l("Resolve"), "rate": _l("Rate"), "reopen": _l("Reopen"),
    "merge": _l("Merge as duplicate"), "withdraw": _l("Withdraw"), "place": _l("Place in a grid"),
}
EVENT_LABELS = {
    "submitted": _l("Raised"), "accepted": _l("Accepted"), "dispatched": _l("Dispatched"),
    "started": _l("Work started"), "replied": _l("Replied"), "noted": _l("Internal note"),
    "returned": _l("Returned"), "escalated": _l("Escalated"), "responded": _l("Responded"),
    "resolved": _l("Resolved"), "rated": _l("Rated"), "reopened": _l("Reopened"), "merged": _l("Merged"),
    "withdrawn": _l("Withdrawn"), "overdue": _l("Overdue"), "auto_escalated": _l("Escalated automatically"),
    "closed": _l("Closed"), "placed": _l("Placed in a grid"),
}
# Staff-side actions offered as forms on the request page (rating is the resident's).
PAGE_ACTIONS = ("accept", "place", "dispatch", "start", "reply", "note", "respond", "resolve", "return",
                "escalate", "merge", "reopen", "withdraw")
# The form fields each action posts (the rest of a form is ignored).
FORM_FIELDS = {action: fields for action, fields in services.ACTION_FIELDS.items()}
FORM_FIELDS["resolve"] = ("message",)  # photos come from the field app


def _user():
    return current_user._get_current_object()


@bp.before_request
@login_required
def office_only():
    """Only the request office's roles see these pages (and the working calendar's)."""
    user = _user()
    if not request_policy.can_use_request_office(user):
        abort(403 if user.is_staff else 404)


def overdue_badge(user):
    """The overdue count next to 诉求 in the staff navigation (named by the area's declaration)."""
    if not getattr(user, "is_authenticated", False) or not request_policy.can_use_request_office(user):
        return None
    return inbox.overdue_count(db.session, _user(), utcnow())


@bp.context_processor
def _helpers():
    now = utcnow()

    def time_left(record):
        """(css class, text) for the row's badge: overdue, or the time left on the current limit."""
        if not record.is_open:
            return None
        stage, due = deadlines.stage(record)
        if inbox.is_overdue(record, now):
            return ("overdue", _("Overdue"))
        if due is None:
            return None
        minutes = int((due - now).total_seconds() // 60)
        if minutes < 60:
            text = _("%(n)d min left", n=max(minutes, 0))
        elif minutes < 48 * 60:
            text = _("%(n)d h left", n=minutes // 60)
        else:
            text = _("%(n)d days left", n=minutes // (24 * 60))
        label = _("to accept") if stage == "accept" else _("to resolve")
        return ("soon" if minutes < 120 else "left", f"{text} {label}")

    def age(record):
        minutes = int((now - record.created_at).total_seconds() // 60)
        if minutes < 60:
            return _("%(n)d min", n=max(minutes, 0))
        if minutes < 48 * 60:
            return _("%(n)d h", n=minutes // 60)
        return _("%(n)d days", n=minutes // (24 * 60))

    return {"status_label": lambda s: str(services.STATUS_NAMES.get(s, s)),
            "category_label": services.category_label, "level_label": lambda v: str(LEVEL_LABELS.get(v, v)),
            "channel_label": lambda v: str(CHANNEL_LABELS.get(v, v)),
            "action_label": lambda v: str(ACTION_LABELS.get(v, v)),
            "event_label": lambda v: str(EVENT_LABELS.get(v, v)), "time_left": time_left, "age": age,
            "is_overdue": lambda r: inbox.is_overdue(r, now), "OPEN_STATES": OPEN_STATES}


def _request_or_404(request_id: str) -> Request:
    record = db.session.get(Request, request_id)
    if record is None or not policy.can(_user(), policy.READ, record):
        abort(404)
    return record


def _community_arg(required: bool = True) -> tuple[Node | None, list[Node]]:
    """?community= among the user's communities (404 outside); else the first. The
    settings pages are for community staff and the offices above (403 otherwise)."""
    if _user().role not in request_policy.REQUEST_SETTINGS_KEEPERS:
        abort(403)
    choices = reports.communities_of(_user())
    chosen = request.values.get("community") or None
    if chosen:
        community = next((c for c in choices if c.id == chosen), None)
        if community is None:
            abort(404)
        return community, choices
    if required and not choices:
        abort(404)
    return (choices[0] if choices and required else None), choices


# --- the inbox ---------------------------------------------------------------------

@bp.get("")
def index():
    user = _user()
    now = utcnow()
    categories = services.categories(db.session, active_only=False)
    filters = inbox.Filters.from_args(request.args, {c.code for c in categories})
    grids = reports.grids_of(user, None)
    if filters.grid_id not in {g.id for g in grids} | {inbox.NO_GRID}:
        filters.grid_id = None
    pagination = db.paginate(inbox.inbox_query(db.session, user, filters, now), page=int_arg("page"),
                             per_page=PER_PAGE, error_out=False)
    return page("requests/index.html", "requests/_rows.html", pagination=pagination, filters=filters,
                categories=categories, grids=grids, no_grid=inbox.NO_GRID, levels=LEVELS, statuses=STATUSES,
                counts=inbox.status_counts(db.session, user), overdue=inbox.overdue_count(db.session, user, now),
                may_raise=user.role in request_policy.ON_BEHALF_CREATORS,
                may_keep_settings=user.role in request_policy.REQUEST_SETTINGS_KEEPERS)


# --- one request -------------------------------------------------------------------

def _request_context(record: Request, errors: dict | None = None, refusals: dict | None = None,
                     forms: dict | None = None, revealed: dict | None = None) -> dict:
    user = _user()
    actions = [a for a in services.ACTIONS_FOR(user, record) if a in PAGE_ACTIONS]
    events = services.timeline(db.session, user, record)
    photos = list(record.photos or []) + [p for e in events for p in e.photos or ()]
    context = {
        "record": record, "events": events, "actions": actions, "errors": errors or {},
        "refusals": refusals or {}, "forms": forms or {}, "revealed": revealed or {},
        "required": services.MESSAGE_REQUIRED,
        "landed": attachments.landed(db.session, photos),
        "phone_masked": sensitive.mask(services.requester_phone(record)),
        "can_reveal": policy.can(user, policy.REVEAL, record),
        "resident": db.session.get(Resident, record.resident_id) if record.resident_id else None,
        "consent_record": consents.for_request(record.id) if record.on_behalf else None,
        "consent_basis": consents.basis_name,
        "duplicate_of": db.session.get(Request, record.duplicate_of_id) if record.duplicate_of_id else None,
        "assignees": inbox.assignable(db.session, record) if "dispatch" in actions else [],
        "departments": inbox.departments_for(db.session, record)
        if {"dispatch", "respond"} & set(actions) else [],
        "catalogue": services.catalogue_department(db.session, record) if "dispatch" in actions else None,
        "templates": services.reply_templates(db.session, record.community_id) if "reply" in actions else [],
        "duplicates": services.nearby_duplicates(db.session, record, actor=user) if "merge" in actions else [],
        "grids": services.place_choices(db.session, record) if "place" in actions else [],
    }
    return context


@bp.get("/<request_id>")
def show(request_id):
    record = _request_or_404(request_id)
    return page("requests/request.html", None, **_request_context(record))


@bp.post("/<request_id>/actions/<action>")
def act(request_id, action):
    record = _request_or_404(request_id)
    if action not in PAGE_ACTIONS:
        abort(404)
    form = {name: request.form.get(name, "") for name in FORM_FIELDS[action]}
    data = {name: value for name, value in form.items() if value != ""}
    if action == "merge" and not data.get("duplicate_of_id") and request.form.get("duplicate_of_other"):
        data["duplicate_of_id"] = request.form["duplicate_of_other"].strip()
    try:
        services.transition(db.session, _user(), record, action, data)
    except Invalid as exc:
        db.session.rollback()
        return _refused(record, action, form, 422, errors=exc.errors)
    except Conflict as exc:  # the request's state (someone else moved it meanwhile)
        db.session.rollback()
        return _refused(record, action, form, 409, refusal=exc.detail)
    except Refused:
        db.session.rollback()
        return _refused(record, action, form, 403,
                        refusal=_("You may not do this to this request (any more): it is held elsewhere."))
    db.session.commit()
    flash(_("%(action)s: done.", action=ACTION_LABELS[action]))
    return done(url_for("request_pages.show", request_id=record.id))


def _refused(record, action, form, status, errors=None, refusal=None):
    db.session.refresh(record)
    context = _request_context(record, errors={action: errors or {}}, refusals={action: refusal} if refusal else {},
                               forms={action: form})
    if action not in context["actions"]:
        context["actions"].append(action)  # keep the form the user filled, with its message
    return page("requests/request.html", None, status=status, **context)


@bp.post("/<request_id>/reveal")
def reveal(request_id):
    record = _request_or_404(request_id)
    try:
        value = services.reveal_requester_phone(db.session, _user(), record, client_address())
    except Refused:
        db.session.rollback()
        abort(403)
    db.session.commit()
    return page("requests/request.html", "registry/_revealed.html", value=value,
                **_request_context(record, revealed={"phone": value}))


# --- raising a request on a resident's behalf -----------------------------------------

NEW_FIELDS = ("household_id", "resident_id", "category", "description", "address", "requester_name",
              "requester_phone", "channel", "consent_basis", "consent_given_by", "consent_detail")
# How the resident agreed (backend/registry/consent.py): offered in the form, recorded with the request.
CONSENT_BASES = tuple(consents.BASIS_NAMES.items())


def _channels(user) -> list[tuple[str, str]]:
    codes = ("station", "staff") if user.role == "station_operator" else ("staff", "station")
    return [(code, str(CHANNEL_LABELS[code])) for code in codes]


def _household_choices(q: str, chosen: str | None) -> list[Household]:
    user = _user()
    found = []
    if chosen:
        household = db.session.get(Household, chosen)
        if household is not None and request_policy.can_raise_request(user, household=household):
            found.append(household)
    if q:
        members = select(Resident.household_id).where(Resident.name.contains(q, autoescape=True))
        query = (select(Household).where(registry_policy.household_filter(user), Household.retired_at.is_(None),
                                         or_(Household.address.contains(q, autoescape=True),
                                             Household.head_name.contains(q, autoescape=True),
                                             Household.id.in_(members)))
                 .order_by(Household.address, Household.id).limit(HOUSEHOLD_CHOICES))
        found += [h for h in db.session.scalars(query) if h.id != chosen
                  and request_policy.can_raise_request(user, household=h)]
    return found


@bp.get("/households")
def household_choices():
    """The household choices of the raise form (htmx, as the user types)."""
    q = request.args.get("q", "").strip()[:100]
    return page("requests/_household_choices.html", "requests/_household_choices.html",
                households=_household_choices(q, None), form={"household_id": ""}, q=q, errors={})


@bp.route("/new", methods=["GET", "POST"])
def new():
    user = _user()
    if user.role not in request_policy.ON_BEHALF_CREATORS:
        abort(403)
    categories = [(c.code, services.category_label(c)) for c in services.categories(db.session)]
    if request.method == "GET":
        chosen = request.args.get("household") or None
        form = {"household_id": chosen or "", "channel": _channels(user)[0][0], "consent": False,
                "consent_basis": "verbal"}
        return page("requests/new.html", None, form=form, errors={}, categories=categories,
                    channels=_channels(user), households=_household_choices("", chosen), q="",
                    consent_bases=CONSENT_BASES)
    form = {name: request.form.get(name, "").strip() for name in NEW_FIELDS}
    form["consent"] = request.form.get("consent") == "1"
    q = request.form.get("q", "").strip()[:100]
    errors = {}
    household = db.session.get(Household, form["household_id"]) if form["household_id"] else None
    if household is None or not request_policy.can_raise_request(user, household=household):
        errors["household_id"] = [_("Choose the resident's household from the list.")]
    if form["channel"] not in {code for code, _label in _channels(user)}:
        errors["channel"] = [_("Choose how the request reached you.")]
    if not errors:
        data = {name: form[name] or None for name in NEW_FIELDS} | {"on_behalf": True,
                                                                  "consent": form["consent"]}
        data["description"] = form["description"]
        data["category"] = form["category"]
        try:
            record = services.create_request(db.session, user, data)
        except Invalid as exc:
            db.session.rollback()
            errors = exc.errors
        except Refused:
            db.session.rollback()
            errors = {"household_id": [_("You may not raise requests for this household.")]}
    if errors:
        return form_page("requests/new.html", None, errors, form=form, categories=categories,
                         channels=_channels(user), households=_household_choices(q, form["household_id"] or None),
                         q=q, consent_bases=CONSENT_BASES)
    db.session.commit()
    flash(_("The request is raised for %(name)s.", name=record.requester_name or record.address or ""))
    return done(url_for("request_pages.show", request_id=record.id))


# --- time limits, departments, reply templates -----------------------------------------

@bp.route("/time-limits", methods=["GET", "POST"])
def time_limits():
    user = _user()
    community, communities = _community_arg()
    may_edit = request_policy.can_keep_request_settings(user, community)
    if request.method == "GET":
        return page("requests/time_limits.html", None, community=community, communities=communities,
                    rows=services.time_limits_of(db.session, community), may_edit=may_edit, form=None, errors={})
    if not may_edit:
        abort(403)
    form = request.form.to_dict()
    try:
        own = services.save_time_limits(db.session, user, community, form)
    except Invalid as exc:
        db.session.rollback()
        return form_page("requests/time_limits.html", None, exc.errors, community=community,
                         communities=communities, rows=services.time_limits_of(db.session, community),
                         may_edit=may_edit, form=form)
    db.session.commit()
    flash(_("Time limits saved: %(n)d categories have limits of their own.", n=own))
    return done(url_for("request_pages.time_limits", community=community.id))


@bp.route("/dispatch-catalogue", methods=["GET", "POST"])
def dispatch_catalogue():
    user = _user()
    community, communities = _community_arg()
    context = {"community": community, "communities": communities,
               "may_edit": request_policy.can_keep_request_settings(user, community),
               "departments": services.departments_serving(db.session, community)}
    if request.method == "GET":
        return page("requests/dispatch_catalogue.html", None, form=None, errors={},
                    rows=services.dispatch_catalogue_of(db.session, community), **context)
    if not context["may_edit"]:
        abort(403)
    form = request.form.to_dict()
    try:
        routed = services.save_dispatch_catalogue(db.session, user, community, form)
    except Invalid as exc:
        db.session.rollback()
        return form_page("requests/dispatch_catalogue.html", None, exc.errors, form=form,
                         rows=services.dispatch_catalogue_of(db.session, community), **context)
    db.session.commit()
    flash(ngettext("Dispatch catalogue saved: %(num)d category goes to a department.",
                   "Dispatch catalogue saved: %(num)d categories go to a department.", routed))
    return done(url_for("request_pages.dispatch_catalogue", community=community.id))


def _department_nodes(user) -> list[Node]:
    nodes = db.session.scalars(select(Node).where(Node.kind.in_(request_policy.DEPARTMENT_NODE_KINDS),
                                                  Node.retired_at.is_(None), policy.area_condition(user, Node.path))
                               .order_by(Node.path).limit(500))
    return [node for node in nodes if request_policy.can_keep_department(user, node)]


def _departments_page(errors=None, form=None, status=200):
    user = _user()
    nodes = _department_nodes(user)
    visible = select(Node.id).where(policy.area_condition(user, Node.path))
    departments = db.session.scalars(select(Department).join(Node, Node.id == Department.node_id)
                                     .where(Department.node_id.in_(visible))
                                     .order_by(Department.active.desc(), Node.path, Department.name)).all()
    return page("requests/departments.html", None, status=status, nodes=nodes, departments=departments,
                errors=errors or {}, form=form or {},
                may_keep=lambda d: request_policy.can_keep_department(user, d.node))


@bp.route("/departments", methods=["GET", "POST"])
def departments():
    user = _user()
    if user.role not in request_policy.DEPARTMENT_KEEPERS:
        abort(403)
    if request.method == "GET":
        return _departments_page()
    form = {name: request.form.get(name, "") for name in ("node_id", "name", "contact")}
    node = db.session.get(Node, form["node_id"]) if form["node_id"] else None
    if node is None or not request_policy.can_keep_department(user, node):
        return _departments_page({"node_id": [_("Choose a street, district or community of your area.")]}, form,
                                 422)
    try:
        department = services.add_department(db.session, user, node, form["name"], form["contact"])
    except Invalid as exc:
        db.session.rollback()
        return _departments_page(exc.errors, form, 422)
    db.session.commit()
    flash(_("Department %(name)s added.", name=department.name))
    return done(url_for("request_pages.departments"))


@bp.post("/departments/<department_id>/retire")
def retire_department(department_id):
    user = _user()
    department = db.session.get(Department, department_id)
    if department is None or department.node is None or not policy.can(user, policy.READ, department.node):
        abort(404)
    try:
        services.retire_department(db.session, user, department)
    except Refused:
        db.session.rollback()
        abort(403)
    db.session.commit()
    flash(_("Department %(name)s retired: no more dispatches to it.", name=department.name))
    return done(url_for("request_pages.departments"))


@bp.route("/reply-templates", methods=["GET", "POST"])
def reply_templates():
    user = _user()
    community, communities = _community_arg()
    may_edit = request_policy.can_keep_request_settings(user, community)
    context = {"community": community, "communities": communities, "may_edit": may_edit}
    if request.method == "GET":
        return page("requests/reply_templates.html", None, templates=services.reply_templates(db.session,
                                                                                              community.id),
                    form={}, errors={}, **context)
    if not may_edit:
        abort(403)
    form = {name: request.form.get(name, "") for name in ("title", "body")}
    try:
        services.add_reply_template(db.session, user, community, form["title"], form["body"])
    except Invalid as exc:
        db.session.rollback()
        return form_page("requests/reply_templates.html", None, exc.errors,
                         templates=services.reply_templates(db.session, community.id), form=form, **context)
    db.session.commit()
    flash(_("Reply template added."))
    return done(url_for("request_pages.reply_templates", community=community.id))


def _template_or_404(template_id: str) -> ReplyTemplate:
    template = db.session.get(ReplyTemplate, template_id)
    if template is None or template.community is None or not policy.can(_user(), policy.READ, template.community):
        abort(404)
    return template


@bp.route("/reply-templates/<template_id>/edit", methods=["GET", "POST"])
def edit_reply_template(template_id):
    user = _user()
    template = _template_or_404(template_id)
    if not request_policy.can_keep_request_settings(user, template.community):
        abort(403)
    if request.method == "GET":
        return page("requests/reply_template_edit.html", None, reply_template=template,
                    form={"title": template.title, "body": template.body}, errors={})
    form = {name: request.form.get(name, "") for name in ("title", "body")}
    try:
        services.edit_reply_template(db.session, user, template, form["title"], form["body"])
    except Invalid as exc:
        db.session.rollback()
        return form_page("requests/reply_template_edit.html", None, exc.errors, reply_template=template, form=form)
    db.session.commit()
    flash(_("Reply template saved."))
    return done(url_for("request_pages.reply_templates", community=template.community_id))


@bp.post("/reply-templates/<template_id>/delete")
def delete_reply_template(template_id):
    user = _user()
    template = _template_or_404(template_id)
    try:
        services.delete_reply_template(db.session, user, template)
    except Refused:
        db.session.rollback()
        abort(403)
    db.session.commit()
    flash(_("Reply template deleted."))
    return done(url_for("request_pages.reply_templates", community=template.community_id))
