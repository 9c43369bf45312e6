"""Pieces of the OpenAPI schemas of wire records, shared by the areas' sync modules (sync/areas/)."""

LOCATION = {"type": "object", "properties": {"lat": {"type": "number"}, "lng": {"type": "number"},
                                             "accuracy": {"type": "number", "nullable": True}}}
PHOTOS = {"type": "array", "maxItems": 9, "items": {"type": "string", "pattern": "^[0-9a-f]{64}$"}}
PHOTO_TIMES = {"type": "object", "nullable": True, "description": "when each photo was taken: {sha256: date-time}",
               "additionalProperties": {"type": "string", "format": "date-time"}}
STRING = {"type": "string"}
NULLABLE = {"type": "string", "nullable": True}
TAGS = {"type": "array", "items": {"type": "string"}}
TIME = {"type": "string", "format": "date-time", "nullable": True}
# Staff notes: sent only to the community's staff and the grid's workers (docs/PRIVACY.md, "Staff notes").
STAFF_NOTES = {"type": "string", "nullable": True,
               "description": "Staff notes: present only in the records of the community's staff and the grid's "
                              "workers; absent for everyone else."}
