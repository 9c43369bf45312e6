"""Management pages for households and residents. (Being built out.)"""

from flask import Blueprint
from flask_login import login_required

from frontend.render import page

bp = Blueprint("registry_pages", __name__, url_prefix="/registry")


@bp.get("/households")
@login_required
def households():
    return page("registry/households.html")


@bp.get("/residents")
@login_required
def residents():
    return page("registry/households.html")
