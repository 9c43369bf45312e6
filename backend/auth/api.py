"""/api/v1/auth: device tokens (SYNC_PROTOCOL.md §1), the signed-in user, devices."""

from flask import Blueprint, g
from sqlalchemy import select

from backend.apiframe import client_address, load
from backend.auth import services
from backend.auth.bearer import token_required
from backend.auth.models import Device
from backend.auth.schemas import device_out, token_request, token_response, user_summary
from backend.errors import ApiError
from backend.extensions import db

bp = Blueprint("auth_api", __name__, url_prefix="/api/v1/auth")


def summary(user) -> dict:
    return user_summary.dump({
        "id": user.id, "username": user.username, "display_name": user.display_name,
        "role": user.role, "status": user.status, "household_id": user.household_id,
        "scope": [{"id": n.id, "kind": n.kind, "name": n.name} for n in user.scope_nodes],
    })


def _utc(value):
    return value.isoformat() + "Z" if value else None


def _may_hold_token(user) -> None:
    """A registration staff have not confirmed, or an account that must first replace
    a temporary password, gets no device token: a problem naming why."""
    if user.status != "active":
        raise ApiError(403, "Forbidden", "This registration waits for your community office to confirm it.",
                       errors={"username": ["This registration waits for your community office to confirm it."]})
    if services.must_change_password(user):
        raise ApiError(403, "Forbidden", "Choose your own password first: sign in on the web.",
                       errors={"password": ["This password is temporary. Sign in on the web and choose your own."]})


@bp.post("/token")
def issue_token():
    """Sign in a device.
    ---
    post:
      tags: [auth]
      summary: Exchange a username and password for a device token
      requestBody:
        content:
          application/json:
            schema: TokenRequest
      responses:
        201:
          content:
            application/json:
              schema: TokenResponse
        401: {description: Wrong username or password or an expired temporary password}
        403: {description: The account is disabled or not yet confirmed or must first replace a temporary password}
        429: {description: Too many failed sign-ins; see Retry-After}
    """
    data = load(token_request)
    try:
        result = services.authenticate(data["username"], data["password"], client_address())
        db.session.commit()  # the failed attempt counts, whatever follows
    except services.Throttled as exc:
        raise ApiError(429, "Too Many Requests", "Too many failed sign-ins. Try again later.",
                       headers={"Retry-After": str(exc.retry_after)}) from None
    if result.user is None:
        if result.reason == "inactive":
            raise ApiError(403, "Forbidden", "This account is disabled.")
        if result.reason == "expired":
            raise ApiError(401, "Unauthorized", "This temporary password has expired.",
                           errors={"password": ["This temporary password has expired. Ask your office for a new one."]})
        raise ApiError(401, "Unauthorized", "Wrong username or password.",
                       errors={"password": ["Wrong username or password."]})
    _may_hold_token(result.user)
    token, device = services.issue_device_token(result.user, str(data["device_id"]), data["device_name"],
                                                client_address())
    db.session.commit()
    body = {"token": token, "expires_at": device.expires_at, "user": summary(result.user)}
    return token_response.dump(body) | {"expires_at": _utc(device.expires_at)}, 201


@bp.get("/me")
@token_required
def me():
    """The signed-in user.
    ---
    get:
      tags: [auth]
      security: [{bearer: []}]
      responses:
        200:
          content:
            application/json:
              schema: UserSummary
    """
    return summary(g.user)


@bp.get("/devices")
@token_required
def list_devices():
    """This user's devices.
    ---
    get:
      tags: [auth]
      security: [{bearer: []}]
      responses:
        200:
          content:
            application/json:
              schema:
                type: object
                properties:
                  devices: {type: array, items: DeviceOut}
    """
    rows = []
    for device in services.devices_of(g.user):
        row = device_out.dump(device)
        row["current"] = device.id == g.device.id
        rows.append(row)
    return {"devices": rows}


@bp.delete("/devices/<device_id>")
@token_required
def revoke(device_id):
    """Revoke a device (own, or of a user you manage).
    ---
    delete:
      tags: [auth]
      security: [{bearer: []}]
      parameters:
        - {in: path, name: device_id, required: true, schema: {type: string}}
      responses:
        204: {description: Revoked}
        404: {description: No such device in your reach}
    """
    device = db.session.scalar(select(Device).where(Device.id == device_id))
    from backend.auth import policy

    if device is None or not policy.can(g.user, policy.MANAGE, device):
        raise ApiError(404, "Not Found", "No such device.")
    services.revoke_device(g.user, device, client_address())
    db.session.commit()
    return "", 204


@bp.post("/devices/<device_id>/lost")
@token_required
def mark_lost(device_id):
    """Mark a device lost (of a user you manage): on its next contact its app erases its data.
    ---
    post:
      tags: [auth]
      security: [{bearer: []}]
      parameters:
        - {in: path, name: device_id, required: true, schema: {type: string}}
      responses:
        200:
          content:
            application/json:
              schema: DeviceOut
        404: {description: No such device in your reach}
    """
    from backend.auth import policy

    device = db.session.scalar(select(Device).where(Device.id == device_id))
    if device is None or not policy.can(g.user, policy.MANAGE, device):
        raise ApiError(404, "Not Found", "No such device.")
    services.mark_lost(g.user, device, client_address())
    db.session.commit()
    return device_out.dump(device)


@bp.post("/wiped")
@token_required(lost_ok=True)
def wiped():
    """The app of a device reported lost says it erased its data; its token stops working.
    ---
    post:
      tags: [auth]
      security: [{bearer: []}]
      responses:
        204: {description: Recorded (also when the device was not reported lost)}
    """
    services.confirm_wiped(g.device, client_address())
    db.session.commit()
    return "", 204
