"""The menu: staff create, edit, publish and cancel activities (cancelling tells everyone signed up,
on their sign-up record). Eligibility is decided here, on the server: residents' birth dates never
leave it. Flushes; the caller commits."""

from datetime import UTC, date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError
from sqlalchemy import select

from backend.activities import places, venue
from backend.activities import policy as act_policy
from backend.activities.machine import OPEN_STATES
from backend.activities.models import Activity, Signup
from backend.activities.schemas import activity_create, activity_update, cancel_in
from backend.auth import policy
from backend.common import new_id, utcnow
from backend.errors import Conflict, Invalid, NotAllowedNow, Refused
from backend.org.models import Node

EDITABLE_FIELDS = ("title", "description", "photos", "room_id", "address", "starts_at", "ends_at", "capacity",
                   "eligibility", "signup_opens_at", "signup_closes_at", "waitlist", "volunteer_roles")
STATUS_NAMES = {"draft": _l("draft"), "published": _l("published"), "cancelled": _l("cancelled"),
                "done": _l("done")}


def load(schema, data, **kwargs):
    if not isinstance(data, dict):
        raise Invalid({"_schema": [_l("Send an object.")]})
    try:
        return schema.load(data, **kwargs)
    except ValidationError as exc:
        raise Invalid(exc.messages) from None


def naive(value):
    """A datetime as naive UTC (the database's times)."""
    if value is not None and value.tzinfo is not None:
        return value.astimezone(UTC).replace(tzinfo=None)
    return value


def _check_times(values: dict) -> None:
    if values["ends_at"] <= values["starts_at"]:
        raise Invalid({"ends_at": [_l("The end must come after the start.")]})
    opens, closes = values.get("signup_opens_at"), values.get("signup_closes_at")
    if opens and closes and closes <= opens:
        raise Invalid({"signup_closes_at": [_l("The sign-up window must close after it opens.")]})
    if closes and closes > values["starts_at"]:
        raise Invalid({"signup_closes_at": [_l("Sign-up must close by the start of the activity.")]})
    eligibility = values.get("eligibility") or {}
    low, high = eligibility.get("age_min"), eligibility.get("age_max")
    if low is not None and high is not None and high < low:
        raise Invalid({"eligibility": {"age_max": [_l("The upper age must not be below the lower one.")]}})


def _clean_eligibility(value: dict | None) -> dict:
    value = value or {}
    return {k: v for k, v in value.items() if v not in (None, [], "")}


def create_activity(session, actor, data: dict, now=None) -> Activity:
    """A draft activity of a community the actor manages."""
    now = now or utcnow()
    clean = load(activity_create, data)
    community = session.get(Node, clean["community_id"])
    if community is None or community.kind != "community" or community.retired_at is not None:
        raise Invalid({"community_id": [_l("No such community.")]})
    if not act_policy.can_manage(actor, community.id):
        raise Refused()
    record_id = str(clean["id"]) if clean.get("id") else new_id()
    if session.get(Activity, record_id) is not None:
        raise Conflict(_("An activity with this id exists already."), {"id": [_("Already used.")]})
    values = {k: naive(v) if k.endswith("_at") else v for k, v in clean.items() if k not in ("id", "community_id")}
    values["eligibility"] = _clean_eligibility(values.get("eligibility"))
    values["description"] = values.get("description") or ""
    values["address"] = values.get("address") or ""
    _check_times(values)
    venue.check_room(session, values.get("room_id"), community.id)
    activity = Activity(id=record_id, community_id=community.id, status="draft", created_by_id=actor.id,
                        created_at=now, updated_at=now, **values)
    session.add(activity)
    session.flush()
    return activity


def update_activity(session, actor, activity: Activity, data: dict, now=None) -> Activity:
    """Edit a draft or published activity. Capacity may not drop below the places confirmed."""
    now = now or utcnow()
    if not policy.can(actor, policy.CHANGE, activity):
        raise Refused()
    if activity.status not in ("draft", "published"):
        raise NotAllowedNow(_("Not allowed while the activity is %(status)s.",
                              status=STATUS_NAMES.get(activity.status, activity.status)))
    clean = load(activity_update, data)
    values = {k: naive(v) if k.endswith("_at") else v for k, v in clean.items()}
    if "eligibility" in values:
        values["eligibility"] = _clean_eligibility(values["eligibility"])
    for name in ("description", "address"):
        if name in values and values[name] is None:
            values[name] = ""
    merged = {name: values.get(name, getattr(activity, name)) for name in EDITABLE_FIELDS}
    _check_times(merged)
    if "capacity" in values and values["capacity"] < activity.held_count:
        raise Invalid({"capacity": [_l("%(n)s places are taken or offered: the capacity cannot be smaller.",
                                       n=activity.held_count)]})
    if values.get("room_id"):
        venue.check_room(session, values["room_id"], activity.community_id)
    moved = False
    for name, value in values.items():
        if getattr(activity, name) != value:
            setattr(activity, name, value)
            moved = moved or name in ("room_id", "starts_at", "ends_at")
    activity.updated_at = now
    session.flush()
    if moved and activity.status == "published":
        venue.hold(session, activity, now)
    if "capacity" in values:
        places.offer_free_places(session, activity, now)
    return activity


def publish(session, actor, activity: Activity, now=None) -> Activity:
    now = now or utcnow()
    if not policy.can(actor, policy.MANAGE, activity):
        raise Refused()
    if activity.status != "draft":
        raise NotAllowedNow(_("Only a draft is published."))
    activity.status, activity.updated_at = "published", now
    session.flush()
    venue.hold(session, activity, now)
    return activity


def cancel(session, actor, activity: Activity, data: dict, now=None) -> Activity:
    """Cancel an activity: every open sign-up is cancelled and told why (an in-app notice on it)."""
    now = now or utcnow()
    if not policy.can(actor, policy.MANAGE, activity):
        raise Refused()
    clean = load(cancel_in, data)
    if activity.status not in ("draft", "published"):
        raise NotAllowedNow(_("Not allowed while the activity is %(status)s.",
                              status=STATUS_NAMES.get(activity.status, activity.status)))
    activity.status, activity.cancel_reason, activity.updated_at = "cancelled", clean["reason"], now
    notice = _("Cancelled by the organisers: %(reason)s", reason=clean["reason"])[:200]
    for signup in session.scalars(select(Signup).where(Signup.activity_id == activity.id,
                                                       Signup.status.in_(OPEN_STATES))):
        signup.status, signup.position, signup.offer_expires_at = "cancelled", None, None
        signup.notice, signup.noticed_at, signup.updated_at = notice, now, now
    activity.confirmed_count = activity.waitlist_count = 0
    session.flush()
    venue.free(session, activity, now)
    return activity


def add_photo(session, actor, activity: Activity, sha256: str, now=None) -> Activity:
    """Staff add a photo (already stored by its upload, named by its SHA-256) to an activity that is
    published or done; it is served to whoever may read the activity."""
    from backend.fieldwork.records import MAX_PHOTOS

    now = now or utcnow()
    if not policy.can(actor, policy.MANAGE, activity):
        raise Refused()
    if activity.status not in ("published", "done"):
        raise NotAllowedNow(_("Not allowed while the activity is %(status)s.",
                              status=STATUS_NAMES.get(activity.status, activity.status)))
    photos = list(activity.photos or [])
    if sha256 in photos:
        return activity
    if len(photos) >= MAX_PHOTOS:
        raise Invalid({"photo": [_l("At most %(n)s photos.", n=MAX_PHOTOS)]})
    activity.photos, activity.updated_at = [*photos, sha256], now
    session.flush()
    return activity


def age_on(birth: date, day: date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def eligible(activity: Activity, resident, household) -> str | None:
    """Why this person may not join (a field name), or None. Computed on the server only."""
    rules = activity.eligibility or {}
    if household is None or household.community_id != activity.community_id:
        return "community"
    if rules.get("buildings") and household.building_id not in rules["buildings"]:
        return "buildings"
    if rules.get("care_tags"):
        # The attendee's own tags; one signing up as themselves (no registry entry named): the household's.
        tags = {t.code for t in (resident.care_tags if resident is not None else household.care_tags)}
        if not tags & set(rules["care_tags"]):
            return "care_tags"
    if rules.get("age_min") is not None or rules.get("age_max") is not None:
        birth = resident.birth_date if resident is not None else None
        if birth is None:
            return "age"
        age = age_on(birth, activity.starts_at.date())
        if (rules.get("age_min") is not None and age < rules["age_min"]) or \
                (rules.get("age_max") is not None and age > rules["age_max"]):
            return "age"
    return None


def month_menu(session, user, community_id: str, year: int, month: int) -> list[Activity]:
    """The activities of one month of a community the user may read, by start."""
    from datetime import datetime

    start = datetime(year, month, 1)
    end = datetime(year + (month == 12), month % 12 + 1, 1)
    query = select(Activity).where(Activity.community_id == community_id, Activity.starts_at >= start,
                                   Activity.starts_at < end, act_policy.activity_filter(user)) \
        .order_by(Activity.starts_at)
    return list(session.scalars(query))
