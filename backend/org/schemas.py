from marshmallow import Schema, fields, validate

from backend.org.models import COMMUNITY_KINDS, KINDS
from backend.schema import Strict


class NodeOut(Schema):
    id = fields.String()
    kind = fields.String(metadata={"enum": list(KINDS)})
    parent_id = fields.String(allow_none=True)
    name = fields.String()
    code = fields.String(allow_none=True)
    community_kind = fields.String(allow_none=True)
    address = fields.String(allow_none=True)
    notes = fields.String(allow_none=True)
    retired = fields.Function(lambda node: node.retired_at is not None)
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class NodeCreate(Strict):
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    parent_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=36))
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    code = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=32))
    community_kind = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(COMMUNITY_KINDS))
    address = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))
    notes = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2000))


class NodeUpdate(Strict):
    name = fields.String(validate=validate.Length(min=1, max=100))
    code = fields.String(allow_none=True, validate=validate.Length(max=32))
    community_kind = fields.String(allow_none=True, validate=validate.OneOf(COMMUNITY_KINDS))
    address = fields.String(allow_none=True, validate=validate.Length(max=200))
    notes = fields.String(allow_none=True, validate=validate.Length(max=2000))


class NodeMove(Strict):
    parent_id = fields.String(required=True, validate=validate.Length(min=1, max=36))


node_out = NodeOut()
nodes_out = NodeOut(many=True)
node_create = NodeCreate()
node_update = NodeUpdate()
node_move = NodeMove()
