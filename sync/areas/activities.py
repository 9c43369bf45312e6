"""Activities on devices: the menu (editable by staff, merged field by field; its status and counts
move only through the server), sign-ups (stateful: created = sign up, then moved by actions: the
server decides who gets the last place) and the door's check-ins (created on the phone; idempotent
per person: a second phone's upload of the same list adds nothing).

Partitions (issue 14's contract): activities reach the community's staff ("all"), its grid workers
("grid": the whole community's menu) and its residents ("public": published, cancelled and done
only). Sign-ups reach staff and the community's grid workers (the door's list: names and codes,
nothing sensitive), the attendee's household ("household") and who signed up ("user"). Check-ins
reach staff and the community's grid workers only."""

from flask_babel import gettext as _

from backend.activities import checkins, menu, signups
from backend.activities.models import (
    ACTIVITY_STATUSES,
    CHECKIN_KINDS,
    PUBLIC_STATUSES,
    ROLES,
    SIGNUP_STATUSES,
    Activity,
    Checkin,
    Signup,
)
from backend.activities.schemas import activity_create, checkin_create, signup_create
from backend.auth import policy
from backend.extensions import db
from sync.apply import Applier, EditableApplier, Rejected, gone
from sync.collections import APPEND_ONLY, EDITABLE, LAST_WRITE_WINS, STATEFUL, Collection
from sync.wire import NULLABLE, PHOTOS, STRING, TIME


class _CommunityGrid(Collection):
    """A grid partition receives the whole community's records (the door works for every grid)."""

    def partition_condition(self, kind, space, key):
        if kind == "grid":
            return self.table.c[self.space_attr] == space
        return super().partition_condition(kind, space, key)


_ACTIVITY_WIRE = ("id", "community_id", "title", "description", "photos", "room_id", "address", "starts_at",
                  "ends_at", "capacity", "eligibility", "signup_opens_at", "signup_closes_at", "waitlist",
                  "volunteer_roles", "status", "confirmed_count", "waitlist_count", "created_at", "updated_at")

ACTIVITIES = _CommunityGrid(
    name="activities", model=Activity, kind=EDITABLE,
    wire={name: name for name in _ACTIVITY_WIRE},
    tracked_attrs=(*(name for name in _ACTIVITY_WIRE if name != "id"), "retired_at"),
    merge_fields=menu.EDITABLE_FIELDS, rule=LAST_WRITE_WINS,
    partition_kinds=("all", "grid", "public"), partition_attrs=("community_id", "status"), household_attr=None,
    public_only=lambda table: table.c.status.in_(PUBLIC_STATUSES),
    description="A community's activities (the monthly menu). Created and edited by its staff, merged field by "
                "field (the later client_time wins); status and counts move only through the server (publish, "
                "cancel: the API and pages). Residents receive published, cancelled and done activities of "
                "their community; eligibility is decided by the server.",
)

_SIGNUP_WIRE = ("id", "activity_id", "community_id", "household_id", "user_id", "resident_id", "name", "role",
                "volunteer_role", "status", "position", "offer_expires_at", "code", "notice", "reminded_at",
                "checked_in_at", "checked_out_at", "hours", "score", "comment", "created_at")

SIGNUPS = _CommunityGrid(
    name="signups", model=Signup, kind=STATEFUL,
    wire={name: name for name in _SIGNUP_WIRE},
    tracked_attrs=(*(name for name in _SIGNUP_WIRE if name != "id"), "grid_id", "updated_at"),
    partition_kinds=("all", "grid", "household", "user"), partition_attrs=("community_id", "grid_id", "household_id"),
    user_attrs=("user_id",),
    description="Sign-ups for activities. Stateful: created by signing up (the server decides: confirmed while a "
                "place is free, else waitlisted, or rejected 409 when the activity keeps no waitlist or the "
                "window is closed), then moved only by op 'action' commands (cancel, confirm and decline an "
                "offered place, rate (score, comment), check_in (the door: at, offline)).",
)

CHECKINS = _CommunityGrid(
    name="checkins", model=Checkin, kind=APPEND_ONLY,
    wire={name: name for name in ("id", "activity_id", "signup_id", "resident_id", "name", "kind", "at", "offline",
                                  "recorded_by", "created_at")},
    tracked_attrs=("community_id",), partition_kinds=("all", "grid"), partition_attrs=("community_id",),
    household_attr=None,
    description="Check-ins (and volunteers' check-outs) at an activity's door, made on the phone with its real "
                "time `at` and `offline`. Created once per person and kind: a second upload of the same person "
                "(another phone) is answered 'applied' with `same_as`, the id of the check-in kept, and adds "
                "nothing (the device drops its own copy and keeps the pulled one).",
)


class ActivityApplier(EditableApplier):
    """Created and edited by the community's staff; merged field by field; a delete is refused (cancel)."""

    collection = ACTIVITIES
    model = Activity
    create_fields = frozenset(set(activity_create.fields) - {"id"})
    update_fields = frozenset(menu.EDITABLE_FIELDS)
    delete_fields = frozenset()

    def on_create(self, session, user, mutation, appends, context):
        if session.get(Activity, mutation.record_id) is not None:
            raise Rejected(409, "Conflict", _("An activity with this id exists already."))
        record = menu.create_activity(session, user, {**mutation.data, "id": mutation.record_id})
        return {"status": "applied", "version": record.version}

    def update(self, user, record, data):
        menu.update_activity(db.session, user, record, data)

    def on_delete(self, session, user, mutation, appends, context):
        raise Rejected(422, "Not allowed", _("An activity is cancelled by staff, never deleted."))


class SignupApplier(Applier):
    """Stateful: created once by signing up, then moved only by the machine's actions."""

    collection = SIGNUPS
    create_fields = frozenset(set(signup_create.fields) - {"id"})
    actions = {name: tuple(fields) for name, fields in signups.ACTION_FIELDS.items()}

    def refusal(self, op):
        return _("Sign-ups change only through actions (op 'action'): %(actions)s.",
                 actions=", ".join(signups.ACTIONS))

    def on_create(self, session, user, mutation, appends, context):
        if session.get(Signup, mutation.record_id) is not None:
            raise Rejected(409, "Conflict", _("A sign-up with this id exists already."))
        record = signups.sign_up(session, user, {**mutation.data, "id": mutation.record_id})
        return {"status": "applied", "version": record.version}

    def on_action(self, session, user, mutation, appends, context):
        if mutation.action not in self.actions:
            raise Rejected(422, "Unknown action", _("Sign-ups accept the actions: %(actions)s.",
                                                    actions=", ".join(signups.ACTIONS)))
        record = session.get(Signup, mutation.record_id)
        if record is None or not policy.can(user, policy.READ, record):
            raise gone()
        signups.transition(session, user, record, mutation.action, mutation.data)
        session.flush()
        return {"status": "applied", "version": record.version}


class CheckinApplier(Applier):
    """Created once per person and kind, applied one by one (it moves a sign-up); the same person's
    check-in again is answered with the one kept."""

    collection = CHECKINS
    create_fields = frozenset(set(checkin_create.fields) - {"id"})

    def refusal(self, op):
        return _("Check-ins are never changed; record a correction as a new one.")

    def on_create(self, session, user, mutation, appends, context):
        found = session.get(Checkin, mutation.record_id)
        if found is not None:
            raise Rejected(409, "Conflict", _("A check-in with this id exists already."))
        record, duplicate = checkins.record(session, user, dict(mutation.data), checkin_id=mutation.record_id)
        session.flush()
        result = {"status": "applied", "version": record.version}
        if duplicate:
            result |= {"same_as": record.id}
        return result


APPLIERS = {"activities": ActivityApplier(), "signups": SignupApplier(), "checkins": CheckinApplier()}
COLLECTIONS = (ACTIVITIES, SIGNUPS, CHECKINS)
_INT = {"type": "integer"}
RECORDS = {
    "activities": {"id": STRING, "community_id": STRING, "title": STRING, "description": STRING, "photos": PHOTOS,
                   "room_id": NULLABLE, "address": STRING, "starts_at": TIME, "ends_at": TIME, "capacity": _INT,
                   "eligibility": {"type": "object"}, "signup_opens_at": TIME, "signup_closes_at": TIME,
                   "waitlist": {"type": "boolean"}, "volunteer_roles": {"type": "array", "items": {"type": "object"}},
                   "status": {"type": "string", "enum": list(ACTIVITY_STATUSES)}, "confirmed_count": _INT,
                   "waitlist_count": _INT, "created_at": TIME, "updated_at": TIME},
    "signups": {"id": STRING, "activity_id": STRING, "community_id": STRING, "household_id": NULLABLE,
                "user_id": NULLABLE, "resident_id": NULLABLE, "name": STRING,
                "role": {"type": "string", "enum": list(ROLES)}, "volunteer_role": STRING,
                "status": {"type": "string", "enum": list(SIGNUP_STATUSES)},
                "position": {"type": "integer", "nullable": True}, "offer_expires_at": TIME, "code": STRING,
                "notice": STRING, "reminded_at": TIME, "checked_in_at": TIME, "checked_out_at": TIME,
                "hours": {"type": "number", "nullable": True},
                "score": {"type": "integer", "minimum": 1, "maximum": 5, "nullable": True}, "comment": STRING,
                "created_at": TIME},
    "checkins": {"id": STRING, "activity_id": STRING, "signup_id": NULLABLE, "resident_id": NULLABLE, "name": STRING,
                 "kind": {"type": "string", "enum": list(CHECKIN_KINDS)}, "at": TIME, "offline": {"type": "boolean"},
                 "recorded_by": NULLABLE, "created_at": TIME},
}
