"""marshmallow schemas of the sync wire format, for the OpenAPI document:
the envelopes and each collection's record, with its conflict rule."""

from marshmallow import Schema, fields

from sync.collections import REGISTRY


class Mutation(Schema):
    id = fields.UUID(required=True, metadata={"description": "client mutation id, unique forever"})
    collection = fields.String(required=True, metadata={"enum": [c.name for c in REGISTRY]})
    record_id = fields.UUID(required=True)
    op = fields.String(required=True, metadata={"enum": ["create", "update", "delete", "action"]})
    action = fields.String(allow_none=True, metadata={"description": "for op=action: the command, e.g. move"})
    base_version = fields.Integer(allow_none=True, metadata={"description": "the record version last seen"})
    data = fields.Dict(metadata={"description": "the record's fields (see the collection's schema)"})
    client_time = fields.String(metadata={"format": "date-time"})


class PushRequest(Schema):
    device_id = fields.UUID(required=True)
    schema_version = fields.Integer(required=True)
    mutations = fields.List(fields.Nested(Mutation), required=True, metadata={"maxItems": 500})


class MutationResult(Schema):
    id = fields.UUID()
    record_id = fields.UUID()
    status = fields.String(metadata={"enum": ["applied", "merged", "conflict", "rejected"]})
    version = fields.Integer(allow_none=True)
    conflict_id = fields.String()
    duplicate = fields.Boolean()
    error = fields.Dict(metadata={"description": "a problem object (RFC 9457), for rejected"})


class PushResponse(Schema):
    results = fields.List(fields.Nested(MutationResult))
    server_time = fields.String(metadata={"format": "date-time"})


class Change(Schema):
    collection = fields.String()
    id = fields.String()
    version = fields.Integer()
    deleted = fields.Boolean()
    reason = fields.String(metadata={"enum": ["deleted", "retired", "out_of_scope"]})
    data = fields.Dict()


class Acknowledged(Schema):
    device_id = fields.String()
    last_mutation_id = fields.String(allow_none=True)


class PullResponse(Schema):
    changes = fields.List(fields.Nested(Change))
    cursor = fields.String()
    has_more = fields.Boolean()
    reset = fields.Boolean()
    acknowledged = fields.Nested(Acknowledged)


class SyncStatus(Schema):
    server_time = fields.String()
    schema_version = fields.Integer()
    oldest_schema_version = fields.Integer()
    collections = fields.List(fields.Dict())
    user = fields.Dict()
    scope = fields.List(fields.Dict())
    device = fields.Dict()


LOCATION = {"type": "object", "properties": {"lat": {"type": "number"}, "lng": {"type": "number"},
                                             "accuracy": {"type": "number", "nullable": True}}}
PHOTOS = {"type": "array", "maxItems": 9, "items": {"type": "string", "pattern": "^[0-9a-f]{64}$"}}
PHOTO_TIMES = {"type": "object", "nullable": True, "description": "when each photo was taken: {sha256: date-time}",
               "additionalProperties": {"type": "string", "format": "date-time"}}
STRING = {"type": "string"}
NULLABLE = {"type": "string", "nullable": True}
TAGS = {"type": "array", "items": {"type": "string"}}
TIME = {"type": "string", "format": "date-time", "nullable": True}

RECORDS = {
    "households": {"id": STRING, "grid_id": STRING, "building_id": NULLABLE, "community_id": STRING,
                   "address": STRING, "head_name": STRING, "member_count": {"type": "integer"},
                   "notes": NULLABLE, "care_tags": TAGS},
    "residents": {"id": STRING, "household_id": STRING, "grid_id": STRING, "name": STRING,
                  "gender": {"type": "string", "enum": ["M", "F"], "nullable": True},
                  "birth_date": {"type": "string", "format": "date", "nullable": True}, "relation": NULLABLE,
                  "notes": NULLABLE, "care_tags": TAGS},
    "visit_tasks": {"id": STRING, "household_id": STRING, "grid_id": STRING, "assignee_id": NULLABLE,
                    "due_date": {"type": "string", "format": "date"},
                    "status": {"type": "string", "enum": ["open", "done", "cancelled"]}, "reason": STRING,
                    "visit_id": NULLABLE},
    "visits": {"id": STRING, "household_id": STRING, "grid_id": STRING, "author_id": STRING, "task_id": NULLABLE,
               "visited_at": {"type": "string", "format": "date-time"}, "notes": STRING, "findings": TAGS,
               "follow_up": {"type": "boolean"}, "photos": PHOTOS, "photo_times": PHOTO_TIMES, "location": LOCATION},
    "patrol_reports": {"id": STRING, "grid_id": STRING, "author_id": STRING,
                       "category": {"type": "string", "enum": ["illegal_construction", "street_stall",
                                                               "illegal_parking", "repair", "safety_hazard",
                                                               "dispute", "environment", "other"]},
                       "description": STRING, "photos": PHOTOS, "photo_times": PHOTO_TIMES, "location": LOCATION,
                       "reported_at": {"type": "string", "format": "date-time"}},
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
    "ratings": {"id": STRING, "target_type": {"type": "string", "enum": ["request"]}, "target_id": STRING,
                "rater_id": STRING, "score": {"type": "integer", "minimum": 1, "maximum": 5}, "comment": STRING,
                "created_at": TIME, "grid_id": NULLABLE, "household_id": NULLABLE},
}


def record_schemas() -> dict:
    """OpenAPI schemas of each collection's record, naming its conflict rule."""
    from sync.apply import APPLIERS

    out = {}
    for collection in REGISTRY:
        applier = APPLIERS[collection.name]
        rule = {
            "append_only": "append-only: created once, never in conflict; a correction is a new record",
            "editable": f"editable: field-level merge against base_version; collisions: {collection.rule}",
            "read_only": "read-only on devices",
            "stateful": "stateful: created once, then changed only through op 'action' commands the server's "
                        "state machine checks (update and delete are rejected)",
        }[collection.kind]
        out[f"Sync{collection.name.title().replace('_', '')}"] = {
            "type": "object",
            "description": f"{collection.description} Conflict rule: {rule}.",
            "x-linli-collection": collection.name,
            "x-linli-conflict-rule": collection.rule or collection.kind,
            "x-linli-create-fields": sorted(applier.create_fields),
            "x-linli-update-fields": sorted(applier.update_fields),
            "x-linli-actions": {name: sorted(fields) for name, fields in applier.actions.items()},
            "properties": RECORDS[collection.name],
        }
    return out
