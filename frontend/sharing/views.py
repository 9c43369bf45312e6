from flask import Blueprint

bp = Blueprint("sharing_pages", __name__, url_prefix="/sharing")


@bp.get("/")
def index():
    return ""


def overdue_badge(user):
    return None
