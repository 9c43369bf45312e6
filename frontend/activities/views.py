"""The office side of activities (社区活动): a community's month of activities, making, editing,
publishing and cancelling one (everyone signed up is told), its page with the sign-up list, the
waitlist, volunteers, check-ins (and adding one after the fact), ratings, and closing attendance.

Views are thin: scope is backend.activities.policy, every rule is in backend.activities' services;
these parse forms, call them, commit and render. A refused form re-renders with its messages.
Times on the forms are Shanghai wall-clock times; the services store naive UTC."""

import hashlib
from datetime import UTC, datetime

from flask import Blueprint, Response, abort, flash, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import select

from backend import clock
from backend.activities import attendance, checkins, menu, signups
from backend.activities import policy as act_policy
from backend.activities.models import Activity
from backend.auth import policy
from backend.errors import Conflict, Invalid
from backend.extensions import db
from backend.fieldwork.visits import reports as places
from backend.rooms.models import Room
from frontend.render import done, form_page, page
from sync import attachments

bp = Blueprint("activity_pages", __name__, url_prefix="/activities")

FORM_FIELDS = ("title", "description", "address", "room_id", "starts_at", "ends_at", "capacity",
               "signup_opens_at", "signup_closes_at", "care_tags", "buildings", "age_min", "age_max",
               "volunteer_roles")
ROLE_LABELS = {"participant": _l("participant"), "volunteer": _l("volunteer")}


def _user():
    return current_user._get_current_object()


@bp.before_request
@login_required
def office_only():
    user = _user()
    if not act_policy.can_use_office(user):
        abort(403 if user.is_staff else 404)


@bp.context_processor
def _helpers():
    return {"activity_status_label": lambda v: str(menu.STATUS_NAMES.get(v, v)),
            "signup_status_label": lambda v: str(signups.STATUS_NAMES.get(v, v)),
            "role_label": lambda v: str(ROLE_LABELS.get(v, v)),
            "local": _local_text}


def _local_text(moment) -> str:
    if moment is None:
        return ""
    return moment.replace(tzinfo=UTC).astimezone(clock.SHANGHAI).strftime("%Y-%m-%d %H:%M")


def _to_utc(text: str):
    """A Shanghai wall-clock time from a form as an ISO time with its zone (None when blank)."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace(" ", "T"))
    except ValueError:
        return text  # the schema names the field
    return moment.replace(tzinfo=clock.SHANGHAI).isoformat() if moment.tzinfo is None else moment.isoformat()


def _activity_or_404(activity_id) -> Activity:
    activity = db.session.get(Activity, activity_id)
    if activity is None or not policy.can(_user(), policy.READ, activity):
        abort(404)
    return activity


def _communities():
    return [c for c in places.communities_of(_user()) if act_policy.sees_community(_user(), c.id)]


def _month_arg():
    today = clock.today()
    try:
        month = datetime.strptime(request.args.get("month", ""), "%Y-%m")
    except ValueError:
        month = datetime(today.year, today.month, 1)
    return month.year, month.month


@bp.get("/")
def index():
    communities = _communities()
    chosen = request.args.get("community") or (communities[0].id if communities else None)
    community = next((c for c in communities if c.id == chosen), None)
    year, month = _month_arg()
    activities = menu.month_menu(db.session, _user(), community.id, year, month) if community else []
    previous = f"{year - (month == 1)}-{(month - 2) % 12 + 1:02d}"
    following = f"{year + (month == 12)}-{month % 12 + 1:02d}"
    return page("activities/index.html", None, communities=communities, community=community, year=year,
                month=month, activities=activities, previous=previous, following=following,
                can_manage=community is not None and act_policy.can_manage(_user(), community.id))


def _form_data(form: dict) -> dict:
    data = {name: form.get(name, "") for name in ("title", "description", "address")}
    data["room_id"] = form.get("room_id") or None
    for name in ("starts_at", "ends_at", "signup_opens_at", "signup_closes_at"):
        data[name] = _to_utc(form.get(name, ""))
    try:
        data["capacity"] = int(form.get("capacity") or 0)
    except ValueError:
        data["capacity"] = 0
    eligibility = {"care_tags": [t.strip() for t in form.get("care_tags", "").split(",") if t.strip()],
                   "buildings": [t.strip() for t in form.get("buildings", "").split(",") if t.strip()]}
    for name in ("age_min", "age_max"):
        value = form.get(name, "").strip()
        if value:
            eligibility[name] = int(value) if value.isdigit() else -1
    data["eligibility"] = eligibility
    data["waitlist"] = form.get("waitlist") == "on"
    roles = []
    for part in form.get("volunteer_roles", "").replace("，", ",").split(","):
        role, _sep, count = part.strip().partition(":")
        if role.strip():
            roles.append({"role": role.strip(), "count": int(count) if count.strip().isdigit() else 0})
    data["volunteer_roles"] = roles
    return data


def _form_of(activity: Activity) -> dict:
    rules = activity.eligibility or {}
    return {"title": activity.title, "description": activity.description, "address": activity.address,
            "room_id": activity.room_id or "", "starts_at": _local_text(activity.starts_at),
            "ends_at": _local_text(activity.ends_at), "capacity": activity.capacity,
            "signup_opens_at": _local_text(activity.signup_opens_at),
            "signup_closes_at": _local_text(activity.signup_closes_at),
            "care_tags": ", ".join(rules.get("care_tags", [])), "buildings": ", ".join(rules.get("buildings", [])),
            "age_min": rules.get("age_min", ""), "age_max": rules.get("age_max", ""),
            "waitlist": "on" if activity.waitlist else "",
            "volunteer_roles": ", ".join(f"{r['role']}:{r['count']}" for r in activity.volunteer_roles or [])}


def _errors_of(exc) -> dict:
    """The service's messages by form field (nested ones under their group: eligibility, volunteer_roles)."""
    errors = dict(exc.errors or {})
    if not isinstance(exc, Invalid):  # a conflict names its field when it has one (a taken room: room_id)
        errors = errors or {"title": [exc.detail]}
    flat: dict = {}
    for key, value in errors.items():
        name = key.split(".")[0]
        flat.setdefault(name, []).extend(value if isinstance(value, list) else [str(value)])
    return flat or {"title": [_("Check the form.")]}


def _rooms_of(community_id: str) -> list[tuple[str, str]]:
    """The community's function rooms an activity may be held in: (id, name)."""
    rooms = db.session.scalars(select(Room).where(Room.community_id == community_id, Room.active.is_(True))
                               .order_by(Room.name)).all()
    return [(room.id, room.name) for room in rooms]


@bp.route("/new", methods=["GET", "POST"])
def new():
    communities = [c for c in _communities() if act_policy.can_manage(_user(), c.id)]
    if not communities:
        abort(403)
    chosen = request.values.get("community") or communities[0].id
    community = next((c for c in communities if c.id == chosen), None)
    if community is None:
        abort(404)
    context = {"communities": communities, "community": community, "activity": None,
               "rooms": _rooms_of(community.id)}
    if request.method == "GET":
        return page("activities/form.html", None, form={"capacity": 20, "waitlist": "on"}, errors={}, **context)
    form = {name: request.form.get(name, "") for name in (*FORM_FIELDS, "waitlist")}
    try:
        activity = menu.create_activity(db.session, _user(), {"community_id": community.id, **_form_data(form)})
    except (Invalid, Conflict) as exc:
        db.session.rollback()
        return form_page("activities/form.html", None, _errors_of(exc), form=form, **context)
    db.session.commit()
    flash(_("Activity saved as a draft."))
    return done(url_for("activity_pages.show", activity_id=activity.id))


@bp.route("/<activity_id>/edit", methods=["GET", "POST"])
def edit(activity_id):
    activity = _activity_or_404(activity_id)
    if not policy.can(_user(), policy.CHANGE, activity):
        abort(403)
    context = {"communities": [], "community": activity.community, "activity": activity,
               "rooms": _rooms_of(activity.community_id)}
    if request.method == "GET":
        return page("activities/form.html", None, form=_form_of(activity), errors={}, **context)
    form = {name: request.form.get(name, "") for name in (*FORM_FIELDS, "waitlist")}
    try:
        menu.update_activity(db.session, _user(), activity, _form_data(form))
    except (Invalid, Conflict) as exc:
        db.session.rollback()
        return form_page("activities/form.html", None, _errors_of(exc), form=form, **context)
    db.session.commit()
    flash(_("Activity saved."))
    return done(url_for("activity_pages.show", activity_id=activity.id))


@bp.get("/<activity_id>")
def show(activity_id):
    activity = _activity_or_404(activity_id)
    return _show(activity, {}, {})


def _show(activity, errors, form, status=200):
    listed = signups.for_activity(db.session, activity)
    groups = {"places": [s for s in listed if s.role == "participant" and s.status in ("confirmed", "attended",
                                                                                          "no_show")],
              "line": sorted([s for s in listed if s.status in ("waitlisted", "offered")],
                             key=lambda s: s.position or 0),
              "volunteers": [s for s in listed if s.role == "volunteer"],
              "others": [s for s in listed if s.role == "participant" and s.status in ("cancelled", "declined",
                                                                                        "expired")]}
    rated = [s for s in listed if s.score is not None]
    average = round(sum(s.score for s in rated) / len(rated), 1) if rated else None
    return page("activities/show.html", None, status=status, activity=activity, groups=groups, rated=rated,
                average=average, checkins=checkins.for_activity(db.session, activity), errors=errors, form=form,
                can_manage=policy.can(_user(), policy.MANAGE, activity),
                is_door=act_policy.is_door(_user(), activity.community_id))


def _manage_or_403(activity_id) -> Activity:
    activity = _activity_or_404(activity_id)
    if not policy.can(_user(), policy.MANAGE, activity):
        abort(403)
    return activity


@bp.post("/<activity_id>/publish")
def publish(activity_id):
    activity = _manage_or_403(activity_id)
    try:
        menu.publish(db.session, _user(), activity)
    except Conflict as exc:
        db.session.rollback()
        flash(exc.detail, "error")
        return done(url_for("activity_pages.show", activity_id=activity.id))
    db.session.commit()
    flash(_("Published: residents can sign up."))
    return done(url_for("activity_pages.show", activity_id=activity.id))


@bp.post("/<activity_id>/cancel")
def cancel(activity_id):
    activity = _manage_or_403(activity_id)
    form = {"reason": request.form.get("reason", "")}
    try:
        menu.cancel(db.session, _user(), activity, form)
    except Invalid as exc:
        db.session.rollback()
        return _show(activity, exc.errors, form, status=422)
    except Conflict as exc:
        db.session.rollback()
        return _show(activity, {"reason": [exc.detail]}, form, status=422)
    db.session.commit()
    flash(_("Cancelled: everyone signed up is told."))
    return done(url_for("activity_pages.show", activity_id=activity.id))


@bp.post("/<activity_id>/close")
def close(activity_id):
    activity = _manage_or_403(activity_id)
    try:
        counts = attendance.close_by_staff(db.session, _user(), activity)
    except Conflict as exc:
        db.session.rollback()
        flash(exc.detail, "error")
        return done(url_for("activity_pages.show", activity_id=activity.id))
    db.session.commit()
    flash(_("Attendance closed: %(n)s volunteers' hours posted.", n=counts["hours_posted"]))
    return done(url_for("activity_pages.show", activity_id=activity.id))


@bp.post("/<activity_id>/checkins")
def add_checkin(activity_id):
    """A check-in recorded after the fact (a sign-up's code, or a walk-in's name), at the time given."""
    activity = _activity_or_404(activity_id)
    if not act_policy.is_door(_user(), activity.community_id):
        abort(403)
    form = {name: request.form.get(name, "") for name in ("code", "name", "at")}
    data = {"activity_id": activity.id, "code": form["code"].strip() or None, "name": form["name"],
            "at": _to_utc(form["at"]) or _to_utc(_local_text(activity.starts_at)), "offline": False}
    try:
        _checkin, existed = checkins.record(db.session, _user(), data)
    except Invalid as exc:
        db.session.rollback()
        return _show(activity, exc.errors, form, status=422)
    except Conflict as exc:
        db.session.rollback()
        return _show(activity, {"code": [exc.detail]}, form, status=422)
    db.session.commit()
    flash(_("Checked in already.") if existed else _("Checked in."))
    return done(url_for("activity_pages.show", activity_id=activity.id))



@bp.post("/<activity_id>/photos")
def add_photo(activity_id):
    """Staff add a photo after the activity: checked by its content, stored without its metadata."""
    activity = _manage_or_403(activity_id)
    upload = request.files.get("photo")
    data = upload.read(attachments.MAX_BYTES + 1) if upload is not None else b""
    if not data:
        return _show(activity, {"photo": [_("Choose a photo.")]}, {}, status=422)
    sha256 = hashlib.sha256(data).hexdigest()
    try:
        attachments.store(db.session, _user(), sha256, data, upload.mimetype)
        menu.add_photo(db.session, _user(), activity, sha256)
    except attachments.BadImage:
        db.session.rollback()
        return _show(activity, {"photo": [_("Only JPEG, PNG and WebP photos are accepted.")]}, {}, status=422)
    except (Invalid, Conflict) as exc:
        db.session.rollback()
        return _show(activity, {"photo": exc.errors.get("photo") if exc.errors else [exc.detail]}, {}, status=422)
    db.session.commit()
    flash(_("Photo added."))
    return done(url_for("activity_pages.show", activity_id=activity.id))


@bp.get("/<activity_id>/photos/<sha256>")
def photo(activity_id, sha256):
    """A photo of an activity the reader may see, without its metadata."""
    activity = _activity_or_404(activity_id)
    if sha256 not in (activity.photos or []):
        abort(404)
    stored = attachments.visible(db.session, _user(), sha256)
    body = attachments.served(stored)
    if body is None:
        abort(404)
    response = Response(body, mimetype=stored.content_type)
    response.headers["Cache-Control"] = "private, max-age=31536000, immutable"
    return response
