"""What a resident sends to ask for a correction."""

from marshmallow import fields, validate

from backend.schema import Strict

# What a resident may ask to correct: a field of their household, or of one of its residents.
HOUSEHOLD_FIELDS = ("address", "head_name", "phone", "care_tags")
RESIDENT_FIELDS = ("name", "gender", "birth_date", "relation", "id_number", "phone", "care_tags")
FIELDS = tuple(dict.fromkeys((*(f"household.{f}" for f in HOUSEHOLD_FIELDS),
                              *(f"resident.{f}" for f in RESIDENT_FIELDS), "other")))


class CorrectionIn(Strict):
    field = fields.String(required=True, validate=validate.OneOf(FIELDS),
                          metadata={"description": "what is wrong: household.<field>, resident.<field> or other"})
    resident_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=36),
                                metadata={"description": "the resident concerned (for resident.<field>)"})
    wrong = fields.String(required=True, validate=validate.Length(min=1, max=500),
                          metadata={"description": "what Linli holds that is wrong"})
    should_be = fields.String(required=True, validate=validate.Length(min=1, max=500),
                              metadata={"description": "what it should be"})


correction_in = CorrectionIn()
