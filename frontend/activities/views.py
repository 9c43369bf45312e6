"""Staff pages of activities (placeholder while the area is built)."""

from flask import Blueprint

bp = Blueprint("activity_pages", __name__, url_prefix="/activities")


@bp.get("/")
def index():
    return ""
