"""Fields shared by the records grid workers make in the field: photos by
hash, a location, a client timestamp."""

import re
from datetime import UTC, datetime, timedelta

from marshmallow import ValidationError, fields, validate

from backend import clock
from backend.schema import Strict

SHA256 = re.compile(r"^[0-9a-f]{64}$")
MAX_PHOTOS = 9
# The plain spelling of a moment a device sends (2026-11-27T09:30:00+08:00,
# …00.5Z): what the sync engine's fast paths read without marshmallow.
PLAIN_TIME = r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?(?:Z|[+-]\d{2}:\d{2})"
PLAIN_TIME_RE = re.compile(PLAIN_TIME)  # with fullmatch


# The sync engine keeps the photo store, so it decides which photos an author
# may name (sync/attachments.py, `vet`); it registers that check here when the
# application is built (backend/__init__.py), as the domain may not import it.
PHOTO_CHECKS: list = []


def check_photos(session, actor, photos, field: str = "photos") -> None:
    """Refuse (Invalid, naming `photos.N`) a photo the author neither uploaded
    nor can already see through a record naming it."""
    if photos:
        for check in PHOTO_CHECKS:
            check(session, actor, photos, field)


class Location(Strict):
    lat = fields.Float(required=True, validate=validate.Range(-90, 90))
    lng = fields.Float(required=True, validate=validate.Range(-180, 180))
    accuracy = fields.Float(load_default=None, allow_none=True, validate=validate.Range(0, 100000))


def _photo(value):
    if not isinstance(value, str) or not SHA256.match(value):
        raise ValidationError("A photo is named by the lower-case hex SHA-256 of its bytes.")


class Photos(fields.List):
    def __init__(self, **kwargs):
        super().__init__(fields.String(validate=_photo), load_default=list,
                         validate=validate.Length(max=MAX_PHOTOS), **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        photos = super()._deserialize(value, attr, data, **kwargs)
        return list(dict.fromkeys(photos))


class PhotoTimes(fields.Dict):
    """{sha256: ISO 8601 time} of the photos a record names: when each was taken."""

    def __init__(self, **kwargs):
        super().__init__(keys=fields.String(validate=_photo), values=fields.String(validate=validate.Length(max=40)),
                         load_default=None, allow_none=True, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        times = super()._deserialize(value, attr, data, **kwargs)
        if len(times) > MAX_PHOTOS:
            raise ValidationError(f"At most {MAX_PHOTOS} photos.")
        for moment in times.values():
            try:
                parsed = datetime.fromisoformat(moment.replace("Z", "+00:00"))
                if parsed.tzinfo is None:
                    raise ValueError
                parsed.astimezone(UTC)
            except (ValueError, OverflowError):
                raise ValidationError("Each time is ISO 8601 with its offset.") from None
        # The record's photos as given: their own field words what is wrong
        # with them (a number, an object), so only the names count here.
        given = data.get("photos") if isinstance(data, dict) else None
        photos = {photo for photo in given if isinstance(photo, str)} if isinstance(given, list) else set()
        if not set(times) <= photos:
            raise ValidationError("Times only for photos the record names.")
        return times


class AwareDateTime(fields.AwareDateTime):
    """A moment with its offset, stored as naive UTC; not more than a day ahead
    of the server (device clocks drift, but not by days)."""

    def _deserialize(self, value, attr, data, **kwargs):
        try:
            moment = super()._deserialize(value, attr, data, **kwargs).astimezone(UTC).replace(tzinfo=None)
        except OverflowError:
            raise ValidationError("This time is out of range.") from None
        if moment > clock.now() + timedelta(days=1):
            raise ValidationError("This time is in the future.")
        if moment.year < 2000:
            raise ValidationError("This time is too far in the past.")
        return moment
