from marshmallow import Schema, fields, validate

from backend.schema import Strict


class CareTagOut(Schema):
    code = fields.String()
    name_zh_hans = fields.String()
    name_zh_hant = fields.String()
    name_en = fields.String()
    sensitive = fields.Boolean()
    builtin = fields.Boolean()


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


class HouseholdUpdate(Strict):
    address = fields.String(validate=validate.Length(min=1, max=200))
    head_name = fields.String(validate=validate.Length(min=1, max=50))
    phone = fields.String(allow_none=True, validate=validate.Length(max=20))
    notes = fields.String(allow_none=True, validate=validate.Length(max=2000))
    care_tags = fields.List(fields.String(validate=validate.Length(max=32)))


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
    birth_date = fields.Date(allow_none=True)
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
