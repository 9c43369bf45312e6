"""The office side of function rooms (功能室): the rooms of one's communities (add, edit), a week
view per room with its bookings and maintenance blocks, blocking a room, and the approvals queue.

Views are thin: scope is backend.rooms.policy, every rule is in backend.rooms.services; these parse
forms, call them, commit and render. A refused form re-renders with its messages (422)."""

from datetime import date, datetime, time, timedelta

from flask import Blueprint, abort, flash, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from backend import clock
from backend.auth import policy
from backend.errors import Conflict, Invalid, NotAllowedNow, Refused
from backend.extensions import db
from backend.fieldwork.visits import reports as places
from backend.rooms import policy as room_policy
from backend.rooms import services
from backend.rooms.models import BOOKABLE_BY, Booking, Room
from frontend.render import done, form_page, page

bp = Blueprint("room_pages", __name__, url_prefix="/rooms")

WEEKDAY_NAMES = (_l("Mon"), _l("Tue"), _l("Wed"), _l("Thu"), _l("Fri"), _l("Sat"), _l("Sun"))
BOOKABLE_LABELS = {"residents": _l("Residents"), "organisations": _l("Organisations"), "staff": _l("Staff")}


def _user():
    return current_user._get_current_object()


@bp.before_request
@login_required
def office_only():
    user = _user()
    if not room_policy.can_use_office(user):
        abort(403 if user.is_staff else 404)


def pending_badge(user):
    """The count of bookings awaiting approval beside 功能室 in the staff navigation."""
    if not getattr(user, "is_authenticated", False) or not room_policy.can_use_office(user):
        return None
    return len(services.pending(db.session, user))


@bp.context_processor
def _helpers():
    return {"status_label": lambda v: str(services.STATUS_NAMES.get(v, v)),
            "kind_label": lambda v: str(services.KIND_NAMES.get(v, v)),
            "action_label": lambda v: str(services.ACTION_NAMES.get(v, v)),
            "bookable_label": lambda v: str(BOOKABLE_LABELS.get(v, v)),
            "local": lambda m: services.local(m) if m is not None else None}


def _room_or_404(room_id) -> Room:
    room = db.session.get(Room, room_id)
    if room is None or not policy.can(_user(), policy.READ, room):
        abort(404)
    return room


def _hours_text(hours: dict) -> str:
    """{"0": [["08:00", "17:00"]]} as "0 08:00-17:00; ..." for the form."""
    return "; ".join(f"{day} " + ",".join(f"{a}-{b}" for a, b in spans) for day, spans in sorted((hours or {}).items()))


def _parse_hours(text: str):
    """The form's "0 08:00-12:00,14:00-17:00; 1 08:00-17:00" as opening_hours (validated by the schema)."""
    hours = {}
    for part in (text or "").split(";"):
        part = part.strip()
        if not part:
            continue
        day, _sep, spans = part.partition(" ")
        hours[day.strip()] = [span.strip().split("-", 1) for span in spans.split(",") if span.strip()]
    return hours


def _room_form_data(form) -> dict:
    data = {"name": form.get("name", ""), "rules": form.get("rules", ""),
            "opening_hours": _parse_hours(form.get("opening_hours", "")),
            "bookable_by": [v for v in request.form.getlist("bookable_by") if v],
            "needs_approval": form.get("needs_approval") == "1", "active": form.get("active", "1") == "1"}
    try:
        data["capacity"] = int(form.get("capacity") or 0)
    except ValueError:
        raise Invalid({"capacity": [_("Give a number.")]}) from None
    return data


@bp.route("/", methods=("GET", "POST"))
def index():
    user = _user()
    communities = places.communities_of(user)
    rooms = db.session.scalars(services.visible_rooms(db.session, user).limit(500)).all()
    context = {"rooms": rooms, "communities": communities, "bookable": BOOKABLE_BY,
               "may_manage": user.role in room_policy.MANAGERS}
    if request.method == "GET":
        return page("rooms/index.html", None, form={"opening_hours": "0 08:00-17:00; 1 08:00-17:00; "
                                                    "2 08:00-17:00; 3 08:00-17:00; 4 08:00-17:00",
                                                    "capacity": "10"}, errors={}, **context)
    form = request.form.to_dict()
    try:
        data = {**_room_form_data(form), "community_id": form.get("community_id", "")}
        room = services.create_room(db.session, user, data)
    except (Invalid, Refused) as exc:
        db.session.rollback()
        errors = exc.errors if isinstance(exc, Invalid) else {"community_id": [exc.detail]}
        return form_page("rooms/index.html", None, errors, form=form, **context)
    db.session.commit()
    flash(_("The room is added."))
    return done(url_for("room_pages.show", room_id=room.id))


def _monday(text: str | None) -> date:
    today = clock.today()
    try:
        day = date.fromisoformat(text) if text else today
    except ValueError:
        day = today
    return day - timedelta(days=day.weekday())


@bp.get("/<room_id>")
def show(room_id):
    room = _room_or_404(room_id)
    return _show(room, {}, {}, {})


def _show(room, errors, block_errors, form, status_ok=True):
    monday = _monday(request.args.get("week"))
    days = []
    entries = services.week_of(db.session, room, monday)
    for n in range(7):
        day = monday + timedelta(days=n)
        items = [(slot, booking) for slot, booking in entries if services.local(slot.starts_at).date() == day]
        days.append({"date": day, "name": WEEKDAY_NAMES[n], "openings": (room.opening_hours or {}).get(str(n), []),
                     "entries": items})
    context = {"room": room, "days": days, "monday": monday, "prev": monday - timedelta(days=7),
               "next": monday + timedelta(days=7), "bookable": BOOKABLE_BY,
               "hours_text": _hours_text(room.opening_hours), "may_manage": policy.can(_user(), policy.MANAGE, room),
               "form": form}
    if errors or block_errors:
        return form_page("rooms/room.html", None, errors or block_errors, block_errors=block_errors,
                         room_errors=errors, **context)
    return page("rooms/room.html", None, errors={}, block_errors={}, room_errors={}, **context)


@bp.post("/<room_id>")
def edit(room_id):
    room = _room_or_404(room_id)
    form = request.form.to_dict()
    try:
        services.update_room(db.session, _user(), room, _room_form_data(form))
    except (Invalid, Refused) as exc:
        db.session.rollback()
        room = _room_or_404(room_id)
        return _show(room, exc.errors if isinstance(exc, Invalid) else {"name": [exc.detail]}, {}, form)
    db.session.commit()
    flash(_("The room is saved."))
    return done(url_for("room_pages.show", room_id=room.id))


def _local_moment(day: str, hhmm: str) -> datetime:
    return datetime.combine(date.fromisoformat(day), time.fromisoformat(hhmm), tzinfo=clock.SHANGHAI)


@bp.post("/<room_id>/block")
def block(room_id):
    room = _room_or_404(room_id)
    form = request.form.to_dict()
    try:
        try:
            starts = _local_moment(form.get("day", ""), form.get("start", ""))
        except ValueError:
            raise Invalid({"day": [_("Give a date and a time.")]}) from None
        try:
            ends = _local_moment(form.get("end_day") or form.get("day", ""), form.get("end", ""))
        except ValueError:
            raise Invalid({"end": [_("Give a time.")]}) from None
        services.block(db.session, _user(), room, {"starts_at": starts.isoformat(), "ends_at": ends.isoformat(),
                                                    "purpose": form.get("purpose", "")})
    except (Invalid, Conflict, Refused) as exc:
        db.session.rollback()
        room = _room_or_404(room_id)
        errors = exc.errors if isinstance(exc, Invalid) else {"day": [exc.detail]}
        return _show(room, {}, errors, form)
    db.session.commit()
    flash(_("The room is blocked for maintenance."))
    return done(url_for("room_pages.show", room_id=room.id, week=form.get("day")))


@bp.get("/approvals")
def approvals():
    user = _user()
    queue = services.pending(db.session, user)
    return page("rooms/approvals.html", None, queue=[(b, services.actions_for(user, b)) for b in queue])


@bp.post("/bookings/<booking_id>/<action>")
def act(booking_id, action):
    booking = db.session.get(Booking, booking_id)
    if booking is None or not policy.can(_user(), policy.READ, booking) or action not in services.ACTIONS:
        abort(404)
    try:
        services.transition(db.session, _user(), booking, action, {"reason": request.form.get("reason", "")})
    except (Invalid, NotAllowedNow, Refused) as exc:
        db.session.rollback()
        flash(exc.detail if not isinstance(exc, Invalid) else "; ".join(m for v in exc.errors.values() for m in v))
        return done(url_for("room_pages.approvals"))
    db.session.commit()
    flash(_("The booking is %(status)s.", status=services.STATUS_NAMES.get(booking.status, booking.status)))
    return done(request.form.get("next") if (request.form.get("next") or "").startswith("/rooms/")
                else url_for("room_pages.approvals"))
