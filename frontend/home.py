from flask import Blueprint, redirect, url_for
from flask_login import current_user, login_required

from frontend.render import page

bp = Blueprint("home", __name__)


@bp.get("/")
@login_required
def index():
    if current_user.role == "resident":
        return page("home_resident.html")
    if current_user.role == "volunteer":
        return page("home_resident.html")
    return redirect(url_for("org_pages.tree"))
