"""The notices page (in a real area: frontend/<area>/views.py)."""

from flask import Blueprint
from flask_login import current_user, login_required
from markupsafe import escape

from backend.extensions import db
from tests.area_example import services

bp = Blueprint("notice_pages", __name__, url_prefix="/notices")


@bp.get("/")
@login_required
def index():
    notices = services.visible(db.session, current_user._get_current_object())
    return "<ul>" + "".join(f"<li>{escape(n.title)}</li>" for n in notices) + "</ul>"
