"""Management pages for accounts. (Being built out.)"""

from flask import Blueprint
from flask_login import login_required

from frontend.render import page

bp = Blueprint("accounts_pages", __name__, url_prefix="/accounts")


def user_context(user) -> dict:
    return {}


@bp.get("/")
@login_required
def users():
    return page("accounts/users.html")
