"""The points bank's pages for staff (placeholder until filled below)."""

from flask import Blueprint, abort
from flask_login import current_user

from backend.extensions import login
from backend.points import policy as points_policy

bp = Blueprint("points_pages", __name__, url_prefix="/points")


@bp.before_request
def _staff_only():
    if not current_user.is_authenticated:
        return login.unauthorized()
    if current_user.role not in points_policy.MANAGERS or current_user.status != "active":
        abort(403)
    return None


@bp.get("/")
def index():
    return ""
