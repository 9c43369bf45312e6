from marshmallow import Schema, fields, validate

from backend.registry.models import CONSENT_BASES
from backend.schema import Strict


class CareTagOut(Schema):
    code = fields.String()
    name_zh_hans = fields.String()
    name_zh_hant = fields.String()
    name_en = fields.String()
    sensitive = fields.Boolean()
    builtin = fields.Boolean()


class ConsentIn(Strict):
    """The consent given with a write that sets a sensitive care tag (or raises a request on a
    resident's behalf)."""

    basis = fields.String(required=True, validate=validate.OneOf(CONSENT_BASES))
    given_by = fields.String(load_default="", validate=validate.Length(max=50),
                             metadata={"description": "who agreed (the resident, a guardian); default the resident"})
    detail = fields.String(load_default="", validate=validate.Length(max=200),
                           metadata={"description": "witness, document, or the law a legal duty rests on"})


class ConsentOut(Schema):
    id = fields.String()
    resident_id = fields.String(allow_none=True)
    household_id = fields.String(allow_none=True)
    purpose = fields.String()
    tag_code = fields.String(allow_none=True)
    request_id = fields.String(allow_none=True)
    basis = fields.String()
    given_by = fields.String()
    detail = fields.String()
    recorded_by = fields.String(allow_none=True)
    recorded_at = fields.DateTime()
    withdrawn_at = fields.DateTime(allow_none=True)
    withdraw_reason = fields.String(allow_none=True)


class ConsentWithdraw(Strict):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=200))


class HouseholdOut(Schema):
    id = fields.String()
    grid_id = fields.String()
    building_id = fields.String(allow_none=True)
    community_id = fields.String()
    address = fields.String()
    head_name = fields.String()
    member_count = fields.Integer()
    care_tags = fields.List(fields.String())
    phone_masked = fields.String(allow_none=True)
    notes = fields.String(allow_none=True, metadata={
        "description": "Staff notes: present only for the community's staff and the grid's workers."})
    retired = fields.Boolean()
    retire_reason = fields.String(allow_none=True)
    updated_at = fields.DateTime()


class HouseholdCreate(Strict):
    id = fields.UUID(load_default=None, metadata={"description": "client-generated id (optional)"})
    grid_id = fields.String(required=True, validate=validate.Length(min=1, max=36))
    building_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=36))
    address = fields.String(required=True, validate=validate.Length(min=1, max=200))
    head_name = fields.String(required=True, validate=validate.Length(min=1, max=50))
    phone = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=20))
    notes = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2000))
    care_tags = fields.List(fields.String(validate=validate.Length(max=32)), load_default=list)
    consent = fields.Nested(ConsentIn, allow_none=True, metadata={"description": "needed to set a sensitive care tag"})


class HouseholdUpdate(Strict):
    address = fields.String(validate=validate.Length(min=1, max=200))
    head_name = fields.String(validate=validate.Length(min=1, max=50))
    phone = fields.String(allow_none=True, validate=validate.Length(max=20))
    notes = fields.String(allow_none=True, validate=validate.Length(max=2000))
    care_tags = fields.List(fields.String(validate=validate.Length(max=32)))
    consent = fields.Nested(ConsentIn, allow_none=True, metadata={"description": "needed to set a sensitive care tag"})


class HouseholdMove(Strict):
    grid_id = fields.String(required=True, validate=validate.Length(min=1, max=36))
    building_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=36))


class Retire(Strict):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=200))


class ResidentOut(Schema):
    id = fields.String()
    household_id = fields.String()
    name = fields.String()
    gender = fields.String(allow_none=True)
    # Null for those who may not reveal the resident's fields: they read birth_year.
    birth_date = fields.Date(allow_none=True)
    birth_year = fields.Integer(allow_none=True)
    relation = fields.String(allow_none=True)
    care_tags = fields.List(fields.String())
    id_number_masked = fields.String(allow_none=True)
    phone_masked = fields.String(allow_none=True)
    notes = fields.String(allow_none=True, metadata={
        "description": "Staff notes: present only for the community's staff and the grid's workers."})
    retired = fields.Boolean()
    retire_reason = fields.String(allow_none=True)
    updated_at = fields.DateTime()


class ResidentWrite(Strict):
    id = fields.UUID(load_default=None)
    name = fields.String(required=True, validate=validate.Length(min=1, max=50))
    gender = fields.String(allow_none=True, validate=validate.OneOf(["M", "F"]))
    birth_date = fields.Date(allow_none=True)
    relation = fields.String(allow_none=True, validate=validate.Length(max=20))
    id_number = fields.String(allow_none=True, validate=validate.Length(max=18))
    phone = fields.String(allow_none=True, validate=validate.Length(max=20))
    notes = fields.String(allow_none=True, validate=validate.Length(max=2000))
    care_tags = fields.List(fields.String(validate=validate.Length(max=32)))
    consent = fields.Nested(ConsentIn, allow_none=True, metadata={"description": "needed to set a sensitive care tag"})


class ResidentMove(Strict):
    household_id = fields.String(required=True, validate=validate.Length(min=1, max=36))


class Reveal(Strict):
    field = fields.String(required=True, validate=validate.OneOf(["id_number", "phone"]))


care_tags_out = CareTagOut(many=True)
household_out = HouseholdOut()
household_create = HouseholdCreate()
household_update = HouseholdUpdate()
household_move = HouseholdMove()
retire_in = Retire()
resident_out = ResidentOut()
resident_write = ResidentWrite()
resident_move = ResidentMove()
reveal_in = Reveal()
consent_out = ConsentOut()
consent_withdraw = ConsentWithdraw()
