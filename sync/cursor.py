"""The pull cursor: an opaque, signed encoding of how far each partition of
the user's scope has been delivered. Clients store and return it verbatim."""

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

SALT = "linli.sync.cursor.v1"


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def encode(user_id: str, positions: dict[str, int], view: int = 1) -> str:
    body = {"u": user_id, "p": positions}
    if view != 1:
        body["w"] = view
    return _serializer().dumps(body)


def decode(user_id: str, cursor: str | None, view: int = 1) -> dict[str, int] | None:
    """Positions of a valid cursor of this user; {} for the initial sync;
    None when the cursor is unknown, forged, someone else's or made under
    another view of the records (sync/scope.py, VIEWS): a reset."""
    if not cursor:
        return {}
    if len(cursor) > 100_000:
        return None
    try:
        body = _serializer().loads(cursor)
    except (BadSignature, ValueError, TypeError, UnicodeDecodeError):
        return None
    if not isinstance(body, dict) or body.get("u") != user_id or not isinstance(body.get("p"), dict):
        return None
    if body.get("w", 1) != view:
        return None
    positions = body["p"]
    if not all(isinstance(k, str) and isinstance(v, int) and v >= 0 for k, v in positions.items()):
        return None
    return positions
