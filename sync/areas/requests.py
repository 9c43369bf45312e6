"""Requests (接诉即办) on devices: requests (stateful: created once, then moved by the state
machine's actions) and their steps (read-only), their appliers and wire records."""

from flask_babel import gettext as _

from backend.auth import policy
from backend.requests import services as requests
from backend.requests.models import Request, RequestEvent
from backend.requests.schemas import request_create
from sync.apply import Applier, ReadOnlyApplier, Rejected, gone
from sync.collections import READ_ONLY, STATEFUL, Collection
from sync.wire import LOCATION, NULLABLE, PHOTO_TIMES, PHOTOS, STRING, TIME

_REQUEST_WIRE = ("id", "community_id", "grid_id", "household_id", "category", "description", "photos", "photo_times",
                 "location", "address", "status", "level", "holder_node_id", "assignee_id", "department_id",
                 "requester_id", "on_behalf", "resident_id", "consent", "requester_name", "channel",
                 "duplicate_of_id", "accept_due_at", "resolve_due_at", "overdue", "overdue_stage", "escalations",
                 "created_at", "accepted_at", "resolved_at", "closed_at", "updated_at")

REQUESTS = Collection(
    name="requests", model=Request, kind=STATEFUL,
    wire={name: name for name in _REQUEST_WIRE},  # never the requester's phone
    tracked_attrs=tuple(name for name in _REQUEST_WIRE if name != "id"),
    partition_kinds=("all", "grid", "household"), partition_attrs=("community_id", "grid_id", "household_id"),
    description="Requests (接诉即办). Stateful: created by a resident (or on a resident's behalf, with consent), "
                "then changed only through op 'action' commands the server's state machine checks.",
)

REQUEST_EVENTS = Collection(
    name="request_events", model=RequestEvent, kind=READ_ONLY,
    wire={"id": "id", "request_id": "request_id", "kind": "kind", "message": "message", "actor_id": "actor_id",
          "actor_name": "actor_name", "public": "public", "data": "data", "photos": "photos",
          "created_at": "created_at", "grid_id": "grid_id", "household_id": "household_id"},
    tracked_attrs=("community_id", "grid_id", "household_id", "photos"),  # photos: see sync/retention.py
    partition_kinds=("all", "grid", "household"), partition_attrs=("community_id", "grid_id", "household_id"),
    household_only=lambda table: table.c.public.is_(True),
    description="The steps of each request, written by the server (append-only; read-only on devices). "
                "Residents receive the public steps only.",
)


class RequestApplier(Applier):
    """Stateful: created once, then moved only by the state machine's actions."""

    collection = REQUESTS
    create_fields = frozenset(set(request_create.fields) - {"id"})
    actions = {name: tuple(fields) for name, fields in requests.ACTION_FIELDS.items()}

    def refusal(self, op):
        return _("Requests change only through actions (op 'action'): %(actions)s.",
                 actions=", ".join(requests.ACTIONS))

    def on_create(self, session, user, mutation, appends, context):
        if session.get(Request, mutation.record_id) is not None:
            raise Rejected(409, "Conflict", _("A request with this id exists already."))
        # Time limits run from when the office learns of the request: the server's time, not the device's.
        record = requests.create_request(session, user, {**mutation.data, "id": mutation.record_id})
        return {"status": "applied", "version": record.version}

    def on_action(self, session, user, mutation, appends, context):
        if mutation.action not in self.actions:
            raise Rejected(422, "Unknown action", _("Requests accept the actions: %(actions)s.",
                                                    actions=", ".join(requests.ACTIONS)))
        record = session.get(Request, mutation.record_id)
        if record is None or not policy.can(user, policy.READ, record):
            raise gone()
        requests.transition(session, user, record, mutation.action, mutation.data)
        session.flush()
        return {"status": "applied", "version": record.version}


APPLIERS = {
    "requests": RequestApplier(),
    "request_events": ReadOnlyApplier(REQUEST_EVENTS, lambda: _("Request events are written by the server; use an "
                                                                "action on the request.")),
}
COLLECTIONS = (REQUESTS, REQUEST_EVENTS)
RECORDS = {
    "requests": {"id": STRING, "community_id": STRING, "grid_id": NULLABLE, "household_id": NULLABLE,
                 "category": STRING, "description": STRING, "photos": PHOTOS, "photo_times": PHOTO_TIMES,
                 "location": LOCATION, "address": NULLABLE,
                 "status": {"type": "string", "enum": ["submitted", "accepted", "dispatched", "in_progress", "returned",
                                                       "escalated", "reopened", "resolved", "closed", "withdrawn",
                                                       "merged"]},
                 "level": {"type": "string", "enum": ["community", "street", "district"]},
                 "holder_node_id": STRING, "assignee_id": NULLABLE, "department_id": NULLABLE,
                 "requester_id": NULLABLE, "on_behalf": {"type": "boolean"}, "resident_id": NULLABLE,
                 "consent": {"type": "boolean"}, "requester_name": STRING,
                 "channel": {"type": "string", "enum": ["app", "field", "station", "staff", "open311"]},
                 "duplicate_of_id": NULLABLE, "accept_due_at": TIME, "resolve_due_at": TIME,
                 "overdue": {"type": "boolean"},
                 "overdue_stage": {"type": "string", "enum": ["accept", "resolve"], "nullable": True},
                 "escalations": {"type": "integer"}, "created_at": TIME, "accepted_at": TIME, "resolved_at": TIME,
                 "closed_at": TIME, "updated_at": TIME},
    "request_events": {"id": STRING, "request_id": STRING, "kind": STRING, "message": STRING, "actor_id": NULLABLE,
                       "actor_name": STRING, "public": {"type": "boolean"}, "data": {"type": "object"},
                       "photos": PHOTOS, "created_at": TIME, "grid_id": NULLABLE, "household_id": NULLABLE},
}
