"""Management pages for the tree. (Being built out.)"""

from flask import Blueprint
from flask_login import login_required

from frontend.render import page

bp = Blueprint("org_pages", __name__, url_prefix="/org")


@bp.get("/")
@login_required
def tree():
    return page("org/tree.html")
