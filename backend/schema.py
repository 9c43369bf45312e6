"""The base of every input schema: unknown fields are errors, not ignored."""

from marshmallow import RAISE, Schema


class Strict(Schema):
    class Meta:
        unknown = RAISE
