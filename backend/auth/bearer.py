"""Bearer-token authentication of the JSON API: `@token_required` views run
with `g.device` and `g.user` set from `Authorization: Bearer <device token>`."""

from functools import wraps

from flask import g, request

from backend.apiframe import client_address
from backend.auth import services
from backend.errors import ApiError
from backend.extensions import db


def token_required(view):
    """Authenticate a JSON API call with `Authorization: Bearer <device token>`."""

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
        if services.slide_due(device):
            db.session.commit()  # end the read first, so the write is a transaction of its own
            services.slide(device, client_address())
            db.session.commit()
        g.device = device
        g.user = device.user
        return view(*args, **kwargs)

    return wrapper
