"""Management pages for households, residents and care tags.

Views are thin: parse the form, ask backend.auth.policy, call
backend.registry.services, render. Out of scope is 404; readable but not
changeable is 403. Residents and volunteers see no registry page, except a
resident's own household page (read-only)."""

import re

from flask import Blueprint, abort, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import or_, select
from sqlalchemy.orm import aliased
from werkzeug.routing import BuildError

from backend.apiframe import client_address
from backend.auth import policy
from backend.errors import Invalid, Refused
from backend.extensions import db
from backend.org import policy as org_policy
from backend.org.models import Node
from backend.registry import consent as consents
from backend.registry import policy as registry_policy
from backend.registry import sensitive, services
from backend.registry.models import Consent, Household, Resident, resident_care_tags
from frontend.render import done, form_page, int_arg, page

bp = Blueprint("registry_pages", __name__, url_prefix="/registry")

PER_PAGE = 25
ID_NUMBER = re.compile(r"^(\d{15}|\d{17}[\dXx])$")  # a resident identity card number, 15 or 18 characters
CHOICES_LIMIT = 500  # grids offered in a select; beyond that, narrow the list with "under"
# Who may add care tags (mirrors services.create_tag, which enforces it); used only to show the form.
TAG_MAKERS = ("admin", "community_staff", "district_officer", "street_officer")


@bp.context_processor
def _helpers():
    return {"node_url": node_url, "birth_shown": birth_shown}


def birth_shown(resident) -> str:
    """The birth date to those who may reveal the resident's fields, the year to the others."""
    if resident.birth_date is None:
        return ""
    shown = services.shown_birth_date(_user(), resident)
    return shown.isoformat() if shown else str(resident.birth_date.year)


@bp.record_once
def _consent_labels(state):
    """Globals, since the registry's macros (imported without context) name them."""
    state.app.jinja_env.globals.update(CONSENT_BASIS_NAMES=consents.BASIS_NAMES, consent_basis=consents.basis_name,
                                       consent_purpose=consents.purpose_name)


def node_url(node_id: str | None) -> str | None:
    """The org page of a node, when that page exists."""
    if not node_id:
        return None
    try:
        return url_for("org_pages.node", node_id=node_id)
    except BuildError:
        return None


# --- small helpers -----------------------------------------------------------------

def _user():
    return current_user._get_current_object()


def _staff_only() -> None:
    if not current_user.is_staff:
        abort(404)


def _household_or_404(household_id: str) -> Household:
    household = db.session.get(Household, household_id)
    if household is None or not policy.can(_user(), policy.READ, household):
        abort(404)
    return household


def _resident_or_404(resident_id: str) -> Resident:
    _staff_only()
    resident = db.session.get(Resident, resident_id)
    if resident is None or not policy.can(_user(), policy.READ, resident):
        abort(404)
    return resident


def _require(verb: str, record) -> None:
    if not policy.can(_user(), verb, record):
        abort(403)


def _visible_tags():
    return services.visible_tags(_user(), services.all_tags())


def _tag_arg(tags) -> str | None:
    """A tag filter is honoured only for tags the user may see (a sensitive
    tag must not be inferable through the filter)."""
    code = request.args.get("tag") or None
    return code if code in {t.code for t in tags} else None


def _grid_choices(user, under: Node | None = None, placeable: bool = False,
                  include: str | None = None) -> tuple[list[tuple[str, str]], bool]:
    """Grids to offer in a select, labelled "community · grid", and whether the
    list was cut at CHOICES_LIMIT (a whole city has thousands of grids).
    `include` is a grid id kept in the list even when it was cut."""
    community = aliased(Node)
    query = (select(Node, community.name).join(community, community.id == Node.parent_id)
             .where(Node.kind == "grid", org_policy.node_filter(user)))
    if placeable:
        query = query.where(Node.retired_at.is_(None))
    if under is not None:
        query = query.where(Node.path.startswith(under.path, autoescape=True))
    rows = db.session.execute(query.order_by(community.name, Node.name, Node.id).limit(CHOICES_LIMIT + 1)).all()
    cut = len(rows) > CHOICES_LIMIT
    rows = rows[:CHOICES_LIMIT]
    if include and include not in {grid.id for grid, _name in rows}:
        rows += db.session.execute(query.where(Node.id == include)).all()
    if placeable:
        rows = [row for row in rows if registry_policy.can_place_household(user, row[0])]
    return [(grid.id, f"{community_name} · {grid.name}") for grid, community_name in rows], cut


def _building_choices(grid_id: str | None) -> list[tuple[str, str]]:
    if not grid_id:
        return []
    grid = db.session.get(Node, grid_id)
    if grid is None or grid.kind != "grid" or not policy.can(_user(), policy.READ, grid):
        return []
    buildings = db.session.scalars(select(Node).where(Node.parent_id == grid.id, Node.kind == "building",
                                                      Node.retired_at.is_(None)).order_by(Node.name))
    return [(b.id, b.name) for b in buildings]


def _form_dict(*fields) -> dict:
    return {field: request.form.get(field, "") for field in fields}


CONSENT_FIELDS = ("consent_basis", "consent_given_by", "consent_detail")


def _with_consent(data: dict, form: dict) -> dict:
    """The write's data with the consent the form gives (when a basis is chosen)."""
    if (form.get("consent_basis") or "").strip():
        data["consent"] = {"basis": form["consent_basis"], "given_by": form.get("consent_given_by", ""),
                           "detail": form.get("consent_detail", "")}
    return data


# --- households ----------------------------------------------------------------------

@bp.get("/households")
@login_required
def households():
    _staff_only()
    user = _user()
    under = None
    if request.args.get("under"):
        under = db.session.get(Node, request.args["under"])
        if under is None or not policy.can(user, policy.READ, under):
            abort(404)
    tags = _visible_tags()
    tag = _tag_arg(tags)
    grid_id = request.args.get("grid") or None
    q = request.args.get("q", "").strip()[:100]
    include_retired = request.args.get("retired") == "1"
    grids, grids_cut = _grid_choices(user, under, include=grid_id)
    if grids_cut:
        grids = []  # too many to offer: narrow the list with "under" (from the organisation pages) first
    result = services.search_households(user, q=q, grid_id=grid_id, under=under, tag=tag,
                                        include_retired=include_retired, page=int_arg("page"), per_page=PER_PAGE)
    return page("registry/households.html", "registry/_household_rows.html", result=result, under=under,
                tags=tags, tag=tag, grid_id=grid_id, q=q, include_retired=include_retired,
                grids=grids, grids_cut=grids_cut, may_create=user.role in registry_policy.REGISTRY_KEEPERS,
                tags_of=lambda h: services.visible_tags(user, h.care_tags, h))


@bp.get("/buildings")
@login_required
def building_options():
    """The <option>s of the building select for a grid (htmx, on grid change)."""
    _staff_only()
    grid_id = request.args.get("grid_id") or None
    return page("registry/_building_options.html", "registry/_building_options.html",
                buildings=_building_choices(grid_id), building_id=None)


HOUSEHOLD_FIELDS = ("grid_id", "building_id", "address", "head_name", "phone", "notes")


@bp.route("/households/new", methods=["GET", "POST"])
@login_required
def new_household():
    _staff_only()
    user = _user()
    grid_id = (request.args.get("grid_id") if request.method == "GET" else request.form.get("grid_id")) or ""
    grids, grids_cut = _grid_choices(user, placeable=True, include=grid_id)
    if not grids:
        abort(403)
    tags = _visible_tags()
    if request.method == "GET":
        if grid_id not in {g for g, _label in grids}:
            grid_id = grids[0][0] if len(grids) == 1 else ""
        form = {"grid_id": grid_id, "care_tags": []}
        return page("registry/household_form.html", "registry/_household_form.html", form=form, errors={},
                    grids=grids, grids_cut=grids_cut, buildings=_building_choices(grid_id), tags=tags,
                    household=None)
    form = _form_dict(*HOUSEHOLD_FIELDS, *CONSENT_FIELDS)
    form["care_tags"] = request.form.getlist("care_tags")
    try:
        household = services.create_household(user, _with_consent(
            {**form, "building_id": form["building_id"] or None}, form))
    except Invalid as exc:
        db.session.rollback()
        return form_page("registry/household_form.html", "registry/_household_form.html", exc.errors, form=form,
                         grids=grids, grids_cut=grids_cut, buildings=_building_choices(form["grid_id"]), tags=tags,
                         household=None)
    db.session.commit()
    flash(_("The household is created."))
    return done(url_for(".household", household_id=household.id))


def _household_context(household: Household, **extra) -> dict:
    user = _user()
    live = [r for r in household.residents if r.retired_at is None]
    gone = [r for r in household.residents if r.retired_at is not None]
    context = {
        "household": household, "live": live, "gone": gone,
        "household_tags": services.visible_tags(user, household.care_tags, household),
        "tags_of": lambda record: services.visible_tags(user, record.care_tags, household),
        "phone_masked": services.masked(household, "phone"),
        "can_change": policy.can(user, policy.CHANGE, household),
        "can_retire": policy.can(user, policy.RETIRE, household),
        "can_reveal": policy.can(user, policy.REVEAL, household),
        "sees_notes": registry_policy.sees_staff_notes(user, household),
        "tags": services.visible_tags(user, services.all_tags(), household),
        "resident_form": {"care_tags": []}, "resident_errors": {}, "retire_errors": {}, "revealed": {},
        "consents": consents.visible(user, consents.of_household(household), household),
    }
    context.update(extra)
    return context


@bp.get("/households/<household_id>")
@login_required
def household(household_id):
    household = _household_or_404(household_id)
    return page("registry/household.html", "registry/_household.html", **_household_context(household))


@bp.route("/households/<household_id>/edit", methods=["GET", "POST"])
@login_required
def edit_household(household_id):
    household = _household_or_404(household_id)
    _require(policy.CHANGE, household)
    user = _user()
    tags = services.visible_tags(user, services.all_tags(), household)
    if request.method == "GET":
        form = {"address": household.address, "head_name": household.head_name, "notes": household.notes or "",
                "phone": "", "care_tags": [t.code for t in household.care_tags]}
        return page("registry/household_form.html", "registry/_household_form.html", form=form, errors={},
                    tags=tags, household=household, phone_masked=services.masked(household, "phone"))
    form = _form_dict("address", "head_name", "notes", "phone", "clear_phone", *CONSENT_FIELDS)
    form["care_tags"] = request.form.getlist("care_tags")
    data = {"address": form["address"], "head_name": form["head_name"], "notes": form["notes"],
            "care_tags": form["care_tags"]}
    if form["clear_phone"]:
        data["phone"] = ""
    elif form["phone"].strip():
        data["phone"] = form["phone"]
    try:
        services.update_household(user, household, _with_consent(data, form))
    except Invalid as exc:
        db.session.rollback()
        return form_page("registry/household_form.html", "registry/_household_form.html", exc.errors, form=form,
                         tags=tags, household=household, phone_masked=services.masked(household, "phone"))
    db.session.commit()
    flash(_("The household is saved."))
    return done(url_for(".household", household_id=household.id))


@bp.route("/households/<household_id>/move", methods=["GET", "POST"])
@login_required
def move_household(household_id):
    household = _household_or_404(household_id)
    _require(policy.CHANGE, household)
    user = _user()
    if request.method == "GET":
        form = {"grid_id": request.args.get("grid_id") or household.grid_id,
                "building_id": household.building_id or ""}
    else:
        form = _form_dict("grid_id", "building_id")
    grids, grids_cut = _grid_choices(user, placeable=True, include=form["grid_id"])
    if request.method == "GET":
        return page("registry/household_move.html", "registry/_household_move.html", form=form, errors={},
                    household=household, grids=grids, grids_cut=grids_cut,
                    buildings=_building_choices(form["grid_id"]))
    try:
        services.move_household(user, household, form["grid_id"], form["building_id"] or None)
    except Invalid as exc:
        db.session.rollback()
        return form_page("registry/household_move.html", "registry/_household_move.html", exc.errors, form=form,
                         household=household, grids=grids, grids_cut=grids_cut,
                         buildings=_building_choices(form["grid_id"]))
    db.session.commit()
    flash(_("The household is moved."))
    return done(url_for(".household", household_id=household.id))


@bp.post("/households/<household_id>/retire")
@login_required
def retire_household(household_id):
    household = _household_or_404(household_id)
    _require(policy.RETIRE, household)
    try:
        services.retire_household(_user(), household, request.form.get("reason", ""))
    except Invalid as exc:
        db.session.rollback()
        return page("registry/household.html", "registry/_household.html", status=422,
                    **_household_context(household, retire_errors=exc.errors,
                                         retire_reason=request.form.get("reason", "")))
    db.session.commit()
    flash(_("The household is retired."))
    return done(url_for(".household", household_id=household.id))


@bp.post("/households/<household_id>/restore")
@login_required
def restore_household(household_id):
    household = _household_or_404(household_id)
    _require(policy.RETIRE, household)
    services.restore_household(_user(), household)
    db.session.commit()
    flash(_("The household is restored."))
    return done(url_for(".household", household_id=household.id))


@bp.post("/households/<household_id>/reveal")
@login_required
def reveal_household(household_id):
    household = _household_or_404(household_id)
    _require(policy.REVEAL, household)
    value = services.reveal(_user(), household, "phone", client_address())
    db.session.commit()
    return page("registry/household.html", "registry/_revealed.html", value=value,
                **_household_context(household, revealed={"phone": value}))


RESIDENT_FIELDS = ("name", "gender", "birth_date", "relation", "id_number", "phone", "notes")


@bp.post("/households/<household_id>/residents")
@login_required
def add_resident(household_id):
    household = _household_or_404(household_id)
    _require(policy.CHANGE, household)
    form = _form_dict(*RESIDENT_FIELDS, *CONSENT_FIELDS)
    form["care_tags"] = request.form.getlist("care_tags")
    try:
        services.create_resident(_user(), household, _with_consent(
            {field: form[field] for field in (*RESIDENT_FIELDS, "care_tags")}, form))
    except Invalid as exc:
        db.session.rollback()
        return page("registry/household.html", "registry/_resident_add.html", status=422,
                    **_household_context(household, resident_form=form, resident_errors=exc.errors))
    db.session.commit()
    flash(_("The resident is added."))
    return done(url_for(".household", household_id=household.id) + "#residents")


# --- residents -------------------------------------------------------------------------

def _search_residents(user, *, q: str, tag: str | None, include_retired: bool, page_number: int):
    query = (select(Resident).join(Household, Household.id == Resident.household_id)
             .where(registry_policy.household_filter(user)))
    if q:
        condition = Resident.name.icontains(q, autoescape=True)
        if ID_NUMBER.match(q) and registry_policy.sees_sensitive_tags(user):
            # Exact look-up by the blind index, for those who may reveal the number anyway:
            # for the others a match would confirm whose number it is.
            condition = or_(condition, Resident.id_number_hash == sensitive.blind_index(q))
        query = query.where(condition)
    if tag:
        query = query.where(Resident.id.in_(
            select(resident_care_tags.c.resident_id).where(resident_care_tags.c.tag_code == tag)))
    if not include_retired:
        query = query.where(Resident.retired_at.is_(None), Household.retired_at.is_(None))
    return db.paginate(query.order_by(Resident.name, Resident.id), page=page_number, per_page=PER_PAGE,
                       error_out=False)


@bp.get("/residents")
@login_required
def residents():
    _staff_only()
    user = _user()
    tags = _visible_tags()
    tag = _tag_arg(tags)
    q = request.args.get("q", "").strip()[:100]
    include_retired = request.args.get("retired") == "1"
    result = _search_residents(user, q=q, tag=tag, include_retired=include_retired, page_number=int_arg("page"))
    return page("registry/residents.html", "registry/_resident_rows.html", result=result, tags=tags, tag=tag, q=q,
                include_retired=include_retired,
                tags_of=lambda r: services.visible_tags(user, r.care_tags, r.household))


def _resident_context(resident: Resident, **extra) -> dict:
    user = _user()
    context = {
        "resident": resident, "household": resident.household,
        "resident_tags": services.visible_tags(user, resident.care_tags, resident.household),
        "id_number_masked": services.masked(resident, "id_number"),
        "phone_masked": services.masked(resident, "phone"),
        "can_change": policy.can(user, policy.CHANGE, resident) and resident.retired_at is None,
        "can_retire": policy.can(user, policy.RETIRE, resident) and resident.retired_at is None,
        "can_reveal": policy.can(user, policy.REVEAL, resident),
        "sees_notes": registry_policy.sees_staff_notes(user, resident.household),
        "retire_errors": {}, "revealed": {},
        "consents": consents.visible(user, consents.of(resident), resident.household),
    }
    context.update(extra)
    return context


@bp.get("/residents/<resident_id>")
@login_required
def resident(resident_id):
    resident = _resident_or_404(resident_id)
    return page("registry/resident.html", "registry/_resident.html", **_resident_context(resident))


@bp.post("/residents/<resident_id>/reveal/<field>")
@login_required
def reveal_resident(resident_id, field):
    resident = _resident_or_404(resident_id)
    if field not in ("id_number", "phone"):
        abort(404)
    _require(policy.REVEAL, resident)
    value = services.reveal(_user(), resident, field, client_address())
    db.session.commit()
    return page("registry/resident.html", "registry/_revealed.html", value=value,
                **_resident_context(resident, revealed={field: value}))


@bp.route("/residents/<resident_id>/edit", methods=["GET", "POST"])
@login_required
def edit_resident(resident_id):
    resident = _resident_or_404(resident_id)
    _require(policy.CHANGE, resident)
    user = _user()
    tags = services.visible_tags(user, services.all_tags(), resident.household)
    masks = {"id_number_masked": services.masked(resident, "id_number"),
             "phone_masked": services.masked(resident, "phone")}
    if request.method == "GET":
        form = {"name": resident.name, "gender": resident.gender or "", "relation": resident.relation or "",
                "birth_date": resident.birth_date.isoformat() if resident.birth_date else "",
                "notes": resident.notes or "", "id_number": "", "phone": "",
                "care_tags": [t.code for t in resident.care_tags]}
        return page("registry/resident_form.html", "registry/_resident_form.html", form=form, errors={},
                    tags=tags, resident=resident, **masks)
    form = _form_dict(*RESIDENT_FIELDS, "clear_id_number", "clear_phone", *CONSENT_FIELDS)
    form["care_tags"] = request.form.getlist("care_tags")
    data = {field: form[field] for field in ("name", "gender", "birth_date", "relation", "notes")}
    data["care_tags"] = form["care_tags"]
    for field in ("id_number", "phone"):
        if form[f"clear_{field}"]:
            data[field] = ""
        elif form[field].strip():
            data[field] = form[field]
    try:
        services.update_resident(user, resident, _with_consent(data, form))
    except Invalid as exc:
        db.session.rollback()
        return form_page("registry/resident_form.html", "registry/_resident_form.html", exc.errors, form=form,
                         tags=tags, resident=resident, **masks)
    db.session.commit()
    flash(_("The resident is saved."))
    return done(url_for(".resident", resident_id=resident.id))


def _move_targets(user, resident: Resident, q: str):
    """Households the resident could move to: in scope, changeable, live, not their own."""
    result = services.search_households(user, q=q, page=1, per_page=20)
    return [h for h in result.items if h.id != resident.household_id and policy.can(user, policy.CHANGE, h)]


@bp.route("/residents/<resident_id>/move", methods=["GET", "POST"])
@login_required
def move_resident(resident_id):
    resident = _resident_or_404(resident_id)
    _require(policy.CHANGE, resident)
    user = _user()
    if request.method == "GET":
        q = request.args.get("q", "").strip()[:100]
        return page("registry/resident_move.html", "registry/_move_choices.html", resident=resident, q=q,
                    choices=_move_targets(user, resident, q), errors={}, household_id="")
    household_id = request.form.get("household_id", "")
    q = request.form.get("q", "").strip()[:100]
    try:
        services.move_resident(user, resident, household_id)
    except Invalid as exc:
        db.session.rollback()
        return form_page("registry/resident_move.html", "registry/_resident_move.html", exc.errors,
                         resident=resident, q=q, choices=_move_targets(user, resident, q),
                         household_id=household_id)
    db.session.commit()
    flash(_("The resident is moved."))
    return done(url_for(".resident", resident_id=resident.id))


@bp.post("/residents/<resident_id>/retire")
@login_required
def retire_resident(resident_id):
    resident = _resident_or_404(resident_id)
    _require(policy.RETIRE, resident)
    try:
        services.retire_resident(_user(), resident, request.form.get("reason", ""))
    except Invalid as exc:
        db.session.rollback()
        return page("registry/resident.html", "registry/_resident.html", status=422,
                    **_resident_context(resident, retire_errors=exc.errors,
                                        retire_reason=request.form.get("reason", "")))
    db.session.commit()
    flash(_("The resident is retired from the register."))
    return done(url_for(".household", household_id=resident.household_id))


# --- consents ------------------------------------------------------------------------------

@bp.post("/consents/<consent_id>/withdraw")
@login_required
def withdraw_consent(consent_id):
    """Record that a consent was withdrawn (the record stays; a sensitive tag it allowed comes off)."""
    _staff_only()
    consent = db.session.get(Consent, consent_id)
    target = consents.subject(consent) if consent is not None else None
    household = target.household if isinstance(target, Resident) else target
    if target is None or not policy.can(_user(), policy.READ, target) or \
            consent not in consents.visible(_user(), [consent], household):
        abort(404)
    back = url_for(".resident", resident_id=target.id) if isinstance(target, Resident) else \
        url_for(".household", household_id=target.id)
    try:
        consents.withdraw(_user(), consent, request.form.get("reason", ""))
    except Invalid as exc:
        db.session.rollback()
        flash(" ".join(str(m) for messages in exc.errors.values() for m in messages), "error")
        return done(back + "#consents")
    db.session.commit()
    flash(_("The withdrawal is recorded."))
    return done(back + "#consents")


# --- care tags ---------------------------------------------------------------------------

@bp.route("/care-tags", methods=["GET", "POST"])
@login_required
def care_tags():
    _staff_only()
    user = _user()
    may_create = user.role in TAG_MAKERS
    form = {"code": "", "name_zh_hans": "", "name_zh_hant": "", "name_en": "", "sensitive": ""}
    if request.method == "POST":
        form = _form_dict(*form)
        try:
            tag = services.create_tag(user, code=form["code"], name_zh_hans=form["name_zh_hans"],
                                      name_zh_hant=form["name_zh_hant"], name_en=form["name_en"],
                                      sensitive_tag=bool(form["sensitive"]))
        except Refused:
            db.session.rollback()
            abort(403)
        except Invalid as exc:
            db.session.rollback()
            return form_page("registry/care_tags.html", "registry/_care_tag_form.html", exc.errors,
                             tags=_visible_tags(), form=form, may_create=may_create)
        db.session.commit()
        flash(_("The care tag %(code)s is added.", code=tag.code))
        return done(url_for(".care_tags"))
    return page("registry/care_tags.html", None, tags=_visible_tags(), form=form, errors={},
                may_create=may_create)
