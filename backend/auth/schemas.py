from marshmallow import Schema, fields, validate

from backend.schema import Strict


class TokenRequest(Strict):
    username = fields.String(required=True, validate=validate.Length(min=1, max=50))
    password = fields.String(required=True, validate=validate.Length(min=1, max=200))
    device_id = fields.UUID(required=True)
    device_name = fields.String(load_default="", validate=validate.Length(max=100))


class ScopeNode(Schema):
    id = fields.String()
    kind = fields.String()
    name = fields.String()


class UserSummary(Schema):
    id = fields.String()
    username = fields.String()
    display_name = fields.String()
    role = fields.String()
    status = fields.String()
    household_id = fields.String(allow_none=True)
    scope = fields.List(fields.Nested(ScopeNode))


class TokenResponse(Schema):
    token = fields.String()
    expires_at = fields.DateTime()
    user = fields.Nested(UserSummary)


class DeviceOut(Schema):
    id = fields.String()
    device_id = fields.String()
    name = fields.String()
    created_at = fields.DateTime()
    last_seen_at = fields.DateTime()
    expires_at = fields.DateTime()
    revoked_at = fields.DateTime(allow_none=True)
    lost_at = fields.DateTime(allow_none=True)
    wiped_at = fields.DateTime(allow_none=True)
    current = fields.Boolean()


token_request = TokenRequest()
token_response = TokenResponse()
user_summary = UserSummary()
device_out = DeviceOut()
