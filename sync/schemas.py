"""marshmallow schemas of the sync wire format, for the OpenAPI document:
the envelopes and each collection's record, with its conflict rule."""

from marshmallow import Schema, fields

from sync.collections import REGISTRY


class Mutation(Schema):
    id = fields.UUID(required=True, metadata={"description": "client mutation id, unique forever"})
    # Its enum is the registry's collections, set when the registry is filled (sync/areas/__init__.py).
    collection = fields.String(required=True, metadata={"enum": []})
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
    same_as = fields.String(metadata={"description": "applied as another record already there (a check-in "
                                                     "another phone uploaded first): its id; nothing was added"})
    error = fields.Dict(metadata={"description": "a problem object (RFC 9457), for rejected"})


class PushResponse(Schema):
    results = fields.List(fields.Nested(MutationResult))
    server_time = fields.String(metadata={"format": "date-time"})
    wipe = fields.Boolean(metadata={"description": "Present (true) when the device was reported lost: erase "
                                                   "its data once the outbox is pushed (docs/SYNC.md)."})


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
    scope = fields.List(fields.Dict(), metadata={
        "description": "Your partitions: {community_id, kind, key}; kind is all, grid, household, public, "
                       "street or user (docs/SYNC.md, \"Partition kinds\"); key is null for all, public "
                       "and street."})
    device = fields.Dict()


# Each collection's wire record (OpenAPI properties), by collection name: filled from the
# areas' sync modules (sync/areas/__init__.py).
RECORDS: dict = {}


def record_schemas() -> dict:
    """OpenAPI schemas of each collection's record, naming its conflict rule."""
    from sync.apply import APPLIERS

    Mutation._declared_fields["collection"].metadata["enum"] = [c.name for c in REGISTRY]
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
