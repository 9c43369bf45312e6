"""Bearer-token authentication of the JSON API: `@token_required` views run
with `g.device` and `g.user` set from `Authorization: Bearer <device token>`."""

from functools import wraps

from flask import g, request

from backend.apiframe import client_address
from backend.auth import services
from backend.errors import ApiError
from backend.extensions import db

WIPE_PROBLEM = "https://linli.example/problems/device-wipe"


def token_required(view=None, *, lost_ok: bool = False):
    """Authenticate a JSON API call with `Authorization: Bearer <device token>`.

    A device marked lost may still call the views marked `lost_ok` (push, photo upload,
    the wipe confirmation) so its unsent work lands; every other call answers 401 with
    the device-wipe problem type, which tells the app to erase its data (docs/SYNC.md)."""
    if view is None:
        return lambda v: token_required(v, lost_ok=lost_ok)

    @wraps(view)
    def wrapper(*args, **kwargs):
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise ApiError(401, "Unauthorized", "Send a device token: Authorization: Bearer <token>.",
                           headers={"WWW-Authenticate": 'Bearer realm="linli"'})
        device = services.device_for_token(token.strip(), client_address())
        if device is None:
            raise ApiError(401, "Unauthorized", "The token is unknown, expired or revoked. Sign in again.",
                           headers={"WWW-Authenticate": 'Bearer realm="linli", error="invalid_token"'})
        if device.wipe_pending and not lost_ok:
            raise ApiError(401, "Unauthorized", "This device was reported lost: erase its data.",
                           headers={"WWW-Authenticate": 'Bearer realm="linli", error="invalid_token"'},
                           type_=WIPE_PROBLEM)
        if services.slide_due(device):
            db.session.commit()  # end the read first, so the write is a transaction of its own
            services.slide(device, client_address())
            db.session.commit()
        g.device = device
        g.user = device.user
        return view(*args, **kwargs)

    return wrapper


def readable(model, record_id, noun: str):
    """The record of `model` with this id if the token's user may read it; otherwise a 404 that says
    nothing of whether it exists ("No such <noun> in your scope.")."""
    from backend.auth import policy

    record = db.session.get(model, record_id)
    if record is None or not policy.can(g.user, policy.READ, record):
        raise ApiError(404, "Not Found", f"No such {noun} in your scope.")
    return record
