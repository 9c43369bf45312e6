"""The audit page (审计日志) for managers: who revealed or exported what, who
changed what, filtered by account, action, kind of record and days, newest
first; the alerts on unusual reveals above it. Scope and rules are in
backend/oversight. Looking at the page is not itself audited: it shows who
looked at which record, never a revealed value (docs/PRIVACY.md)."""

from flask import Blueprint, abort
from flask import request as http_request
from flask_login import current_user
from sqlalchemy.orm import selectinload

from backend.audit.models import AuditEntry
from backend.extensions import db, login
from backend.oversight import policy, services
from frontend.render import form_page, int_arg

bp = Blueprint("audit_pages", __name__, url_prefix="/audit")

PER_PAGE = 50


@bp.before_request
def _managers_only():
    if not current_user.is_authenticated:
        return login.unauthorized()
    if not policy.is_overseer(current_user):
        abort(403)
    return None


def _user():
    return current_user._get_current_object()


@bp.get("/")
def index():
    viewer = _user()
    filters, errors = services.parse_filters(http_request.args)
    query = services.entries(viewer, filters).options(selectinload(AuditEntry.actor))
    pagination = db.paginate(query, page=int_arg("page"), per_page=PER_PAGE, error_out=False)
    actions, kinds = services.choices(db.session, viewer)
    return form_page("oversight/index.html", "oversight/_entries.html", errors, pagination=pagination,
                     filters=filters, actions=actions, kinds=kinds,
                     alerts=services.recent_alerts(db.session, viewer))


def alert_badge(user):
    """Today's alerts on the accounts this manager oversees, beside 审计日志 in the navigation."""
    if not getattr(user, "is_authenticated", False) or not policy.is_overseer(user):
        return None
    return services.alerts_today(db.session, user) or None
