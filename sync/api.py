"""/api/v1/sync/* and /api/v1/attachments/*: SYNC_PROTOCOL.md over HTTP."""

import re
import time

import orjson
from flask import Blueprint, Response, current_app, g, request
from sqlalchemy.exc import IntegrityError, OperationalError

from backend.apiframe import _read_body, json_body
from backend.auth.bearer import token_required
from backend.common import utcnow
from backend.errors import ApiError
from backend.extensions import db
from sync import attachments, pull, push
from sync import scope as scopes
from sync.collections import REGISTRY
from sync.collector import cycle_collection_paused
from sync.models import SyncDevice

bp = Blueprint("sync_api", __name__, url_prefix="/api/v1")
SHA = re.compile(r"^[0-9a-f]{64}$")


def _server_time() -> str:
    return utcnow().replace(microsecond=0).isoformat() + "Z"


@bp.post("/sync/push")
@token_required(lost_ok=True)
def push_view():
    """Push a device's outbox.
    ---
    post:
      tags: [sync]
      summary: Apply mutations exactly once, in order (SYNC_PROTOCOL.md §2)
      security: [{bearer: []}]
      requestBody:
        content:
          application/json:
            schema: PushRequest
      responses:
        200:
          content:
            application/json:
              schema: PushResponse
        413: {description: More than 500 mutations or 5 MiB; split the batch}
        422: {description: The push is malformed; nothing was applied}
        426: {description: The client's schema_version is too old; update before pushing}
    """
    with cycle_collection_paused:
        return _push()


def _push():
    body = json_body(limit=push.MAX_BYTES)
    mutations = body.get("mutations")
    if isinstance(mutations, list) and len(mutations) > push.MAX_MUTATIONS:
        raise ApiError(413, "Payload Too Large", f"At most {push.MAX_MUTATIONS} mutations per push; split the batch.")
    batch = push.parse(body)  # a malformed push is a FrameError: 422, nothing applied
    if batch.schema_version < push.OLDEST_SCHEMA_VERSION:
        raise ApiError(426, "Upgrade Required", "This app is too old for the server. Update it; your changes are "
                       "kept on the device.", headers={"Upgrade": "linli-sync/1"})
    if batch.schema_version > push.SCHEMA_VERSION:
        raise ApiError(422, "Validation failed", "Unknown schema_version.",
                       errors={"schema_version": [f"This server speaks {push.SCHEMA_VERSION}."]})
    if batch.device_id.lower() != g.device.device_id.lower():
        raise ApiError(422, "Validation failed", "This token belongs to another device.",
                       errors={"device_id": ["Does not match the device of the token."]})
    user, device = g.user, g.device
    # The whole push is one transaction, begun by its first write (the device's
    # row lock); the auth look-ups before it only read, and ending them with a
    # commit would only expire the user and device the push reads again.
    for attempt in range(4):
        try:
            results = push.apply_batch(db.session, user, device, batch)
            db.session.commit()
            break
        except (IntegrityError, OperationalError) as exc:
            # A copy of the same mutation committed on another connection
            # first, or a deadlock/serialisation failure: start again; the
            # stored results make it exact.
            db.session.rollback()
            if attempt == 3:
                current_app.logger.exception("push failed after retries")
                raise ApiError(503, "Service Unavailable", "The server is busy; push again.",
                               headers={"Retry-After": "2"}) from exc
            time.sleep(0.05 * (attempt + 1))
    answer = {"results": results, "server_time": _server_time()}
    if g.device.wipe_pending:
        answer["wipe"] = True  # additive (docs/SYNC.md): the device was reported lost
    return _json(answer)


@bp.get("/sync/pull")
@token_required
def pull_view():
    """Pull the changes in your scope since a cursor.
    ---
    get:
      tags: [sync]
      summary: Changes since the cursor (SYNC_PROTOCOL.md §3)
      security: [{bearer: []}]
      parameters:
        - {in: query, name: cursor, schema: {type: string}, description: opaque; empty for the initial sync}
        - {in: query, name: limit, schema: {type: integer, minimum: 1, maximum: 1000, default: 500}}
      responses:
        200:
          content:
            application/json:
              schema: PullResponse
    """
    raw_limit = request.args.get("limit", "500")
    try:
        limit = int(raw_limit)
    except ValueError:
        raise ApiError(400, "Bad Request", "limit must be a whole number.", errors={"limit": ["Not a number."]}) \
            from None
    if not 1 <= limit <= 1000:
        raise ApiError(400, "Bad Request", "limit must be between 1 and 1000.", errors={"limit": ["1 to 1000."]})
    user, device = g.user, g.device
    with cycle_collection_paused:
        result = pull.pull(db.session, user, request.args.get("cursor") or None, limit)
        state = db.session.get(SyncDevice, device.id)
        acknowledged = {"device_id": device.device_id,
                        "last_mutation_id": state.last_mutation_id if state else None}
        seen_at = state.last_pull_at if state else None
        db.session.commit()  # end the reads before writing
        pull.touch_device(db.session, device, seen_at)
        response = _json({"changes": result.changes, "cursor": result.cursor, "has_more": result.has_more,
                          "reset": result.reset, "acknowledged": acknowledged})
    return response


def _json(body: dict) -> Response:
    """A large JSON answer, encoded compactly in UTF-8 (not as \\u escapes) and
    unsorted: the same JSON, smaller, and quicker to write and to gzip."""
    return current_app.response_class(orjson.dumps(body, default=current_app.json.default),
                                      mimetype="application/json")


@bp.get("/sync/status")
@token_required
def status_view():
    """The server's time and schema, your scope, this device's last push and pull.
    ---
    get:
      tags: [sync]
      security: [{bearer: []}]
      responses:
        200:
          content:
            application/json:
              schema: SyncStatus
    """
    user, device = g.user, g.device
    parts = scopes.partitions(db.session, user)
    state = db.session.get(SyncDevice, device.id)
    return {
        "server_time": _server_time(),
        "schema_version": push.SCHEMA_VERSION,
        "oldest_schema_version": push.OLDEST_SCHEMA_VERSION,
        "collections": [{"name": c.name, "kind": c.kind, "conflict_rule": c.rule} for c in REGISTRY],
        "user": {"id": user.id, "username": user.username, "role": user.role},
        "scope": [{"community_id": p.space, "kind": p.kind, "key": p.key or None} for p in parts],
        "device": {
            "device_id": device.device_id,
            "last_push_at": stamp(state.last_push_at) if state else None,
            "last_pull_at": stamp(state.last_pull_at) if state else None,
            "last_mutation_id": state.last_mutation_id if state else None,
        },
    }


def stamp(value) -> str | None:
    return value.replace(microsecond=0).isoformat() + "Z" if value else None


def _sha(sha256: str) -> str:
    if not SHA.match(sha256 or ""):
        raise ApiError(400, "Bad Request", "A photo is named by the lower-case hex SHA-256 of its bytes.",
                       errors={"sha256": ["64 lower-case hex digits."]})
    return sha256


@bp.put("/attachments/<sha256>")
@token_required(lost_ok=True)
def put_attachment(sha256):
    """Upload a photo by its hash; idempotent, never overwritten.
    ---
    put:
      tags: [attachments]
      security: [{bearer: []}]
      parameters: [{in: path, name: sha256, required: true, schema: {type: string, pattern: "^[0-9a-f]{64}$"}}]
      requestBody:
        content:
          image/jpeg: {schema: {type: string, format: binary}}
          image/png: {schema: {type: string, format: binary}}
          image/webp: {schema: {type: string, format: binary}}
      responses:
        201: {description: Stored}
        200: {description: The server had it already}
        413: {description: Larger than the limit}
        415: {description: "Not a JPEG, PNG or WebP by its bytes"}
        422: {description: "The bytes do not hash to the name, or implausible dimensions"}
    """
    _sha(sha256)
    data = _read_body(attachments.MAX_BYTES)
    try:
        created = attachments.store(db.session, g.user, sha256, data, request.content_type, g.device.device_id)
        db.session.commit()
    except attachments.BadImage as exc:
        db.session.rollback()
        raise ApiError(exc.status, {413: "Payload Too Large", 415: "Unsupported Media Type"}.get(
            exc.status, "Validation failed"), exc.detail, errors={"body": [exc.detail]}) from None
    except IntegrityError:
        # The same photo arrived on another connection first: note this upload all the same.
        db.session.rollback()
        created = False
        try:
            attachments.store(db.session, g.user, sha256, data, request.content_type, g.device.device_id)
            db.session.commit()
        except IntegrityError:
            db.session.rollback()  # this user's own twin upload noted it
    return {"sha256": sha256, "stored": True}, 201 if created else 200


@bp.route("/attachments/<sha256>", methods=["HEAD"])
@token_required(lost_ok=True)
def head_attachment(sha256):
    """Whether the server has this photo for you: uploaded by you, or named by a record you may read.
    ---
    head:
      tags: [attachments]
      security: [{bearer: []}]
      parameters: [{in: path, name: sha256, required: true, schema: {type: string}}]
      responses:
        200: {description: The server has it}
        404: {description: "Not uploaded yet, or not yours to see: the two are one answer"}
    """
    _sha(sha256)
    found = attachments.visible(db.session, g.user, sha256) is not None
    return Response(status=200 if found else 404)


@bp.get("/attachments/<sha256>")
@token_required
def get_attachment(sha256):
    """A photo, to its uploaders and to a user in whose scope some record names it.
    ---
    get:
      tags: [attachments]
      security: [{bearer: []}]
      parameters: [{in: path, name: sha256, required: true, schema: {type: string}}]
      responses:
        200:
          content:
            image/jpeg: {schema: {type: string, format: binary}}
        404: {description: "Not found, or not in your scope"}
    """
    _sha(sha256)
    attachment = attachments.visible(db.session, g.user, sha256)
    body = attachments.served(attachment)
    if body is None:
        raise ApiError(404, "Not Found", "No such photo in your scope.")
    response = Response(body, mimetype=attachment.content_type)
    response.headers["Cache-Control"] = "private, max-age=31536000, immutable"
    response.headers["ETag"] = f'"{sha256}"'
    return response
