"""The points bank's pages for staff: per community, the pool, the flows of the last 30 days and the
top helpers; the earning rules; funding the pool; recording volunteer hours; the rewards catalogue
with its stock; reserved redemptions to fulfil or cancel; and the latest transactions, each
reversible with a reason. Residents use the field app and /api/v1/points."""

from datetime import date

from flask import Blueprint, abort, flash, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from backend import clock
from backend.auth.models import User
from backend.errors import Conflict, DomainError, Invalid
from backend.extensions import db, login
from backend.points import earning, rewards, rules, services
from backend.points import policy as points_policy
from backend.points.models import PointsTransaction, Redemption, Reward
from frontend.render import done, form_page, page

bp = Blueprint("points_pages", __name__, url_prefix="/points")

KIND_LABELS = {"grant": _l("Grant"), "help": _l("Help"), "hours": _l("Volunteer hours"), "checkin": _l("Check-in"),
               "redeem": _l("Redemption"), "fulfil": _l("Handed over"), "cancel": _l("Cancelled"),
               "donation": _l("Donation"), "reversal": _l("Reversal")}

ACCOUNT_LABELS = {"pool": _l("Pool"), "issuance": _l("Issued"), "escrow": _l("Held for redemptions"),
                  "spent": _l("Redeemed")}


@bp.before_request
def _staff_only():
    if not current_user.is_authenticated:
        return login.unauthorized()
    if current_user.role not in points_policy.MANAGERS or current_user.status != "active":
        abort(403)
    return None


def _user():
    return current_user._get_current_object()


def _community(community_id=None):
    """The community the page shows: asked for by id, else the first one the user manages."""
    managed = points_policy.managed_communities(db.session, _user())
    if community_id is None:
        return (managed[0] if managed else None), managed
    found = next((c for c in managed if c.id == community_id), None)
    if found is None:
        abort(404)
    return found, managed


def _members(community_id) -> list[User]:
    people = db.session.scalars(select(User).where(User.role.in_(tuple(points_policy.MEMBERS)),
                                                   User.status == "active").order_by(User.display_name))
    return [p for p in people if points_policy.home_community(p) == community_id]


def kind_label(kind: str) -> str:
    return str(KIND_LABELS.get(kind, kind))


def account_label(account) -> str:
    if account.owner is not None:
        return account.owner.display_name
    return str(ACCOUNT_LABELS.get(account.kind, account.kind))


def _context(community, managed, **extra) -> dict:
    context = {"community": community, "communities": managed, "errors": {}, "form": {}, "kind_label": kind_label,
               "account_label": account_label}
    if community is not None:
        context.update(
            flows=services.flows(db.session, community.id),
            helpers=services.top_helpers(db.session, community.id),
            rules=rules.rules_of(db.session, community.id),
            rewards=rewards.catalogue(db.session, _user(), community.id, include_inactive=True),
            reserved=list(db.session.scalars(select(Redemption).where(
                Redemption.community_id == community.id, Redemption.status == "reserved")
                .order_by(Redemption.created_at))),
            transactions=services.transactions(db.session, community.id, limit=30),
            members=_members(community.id),
            partners=rules.partners(db.session, community.id),
            today=clock.today().isoformat(),
        )
    context.update(extra)
    return context


def _render(community, managed, errors=None, form=None):
    context = _context(community, managed, errors=errors or {}, form=form or {})
    if errors:
        return form_page("points/index.html", "points/_community.html", **context)
    return page("points/index.html", "points/_community.html", **context)


@bp.get("/")
def index():
    community, managed = _community(request.args.get("community") or None)
    return _render(community, managed)


def _back(community_id):
    return done(url_for("points_pages.index", community=community_id))


def _failed(community_id, exc: DomainError, form: dict):
    db.session.rollback()
    community, managed = _community(community_id)
    errors = exc.errors if isinstance(exc, Invalid) else {"_form": [exc.detail]}
    return _render(community, managed, errors=errors, form=form)


def _int(value):
    """A whole number from a form, or the text itself (the service then names the field)."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return value


@bp.post("/<community_id>/grant")
def grant(community_id):
    _community(community_id)
    form = request.form.to_dict()
    try:
        services.grant(db.session, _user(), community_id, _int(form.get("amount")), form.get("memo", ""))
    except DomainError as exc:
        return _failed(community_id, exc, form)
    db.session.commit()
    flash(_("The pool is funded."))
    return _back(community_id)


@bp.post("/<community_id>/rules")
def set_rules(community_id):
    _community(community_id)
    form = request.form.to_dict()
    try:
        rules.set_rules(db.session, _user(), community_id, {name: _int(form.get(name)) for name in rules.RULE_FIELDS})
    except DomainError as exc:
        return _failed(community_id, exc, form)
    db.session.commit()
    flash(_("The earning rules are saved."))
    return _back(community_id)


@bp.post("/<community_id>/hours")
def record_hours(community_id):
    _community(community_id)
    form = request.form.to_dict()
    try:
        hours = float(form.get("hours", ""))
    except ValueError:
        hours = None
    worked_on = form.get("worked_on") or None
    try:
        day = date.fromisoformat(worked_on) if worked_on else None
    except ValueError:
        return _failed(community_id, Invalid({"worked_on": [_("A date, e.g. 2026-12-01.")]}), form)
    try:
        earning.record_hours(db.session, _user(), user_id=form.get("user_id", ""), hours=hours,
                             activity=form.get("activity", ""), worked_on=day)
    except DomainError as exc:
        return _failed(community_id, exc, form)
    db.session.commit()
    flash(_("The hours are recorded and the points paid."))
    return _back(community_id)


@bp.post("/<community_id>/rewards")
def create_reward(community_id):
    _community(community_id)
    form = request.form.to_dict()
    data = {"title": form.get("title", ""), "description": form.get("description", ""),
            "points": _int(form.get("points")), "stock": _int(form.get("stock"))}
    try:
        rewards.create_reward(db.session, _user(), community_id, data)
    except DomainError as exc:
        return _failed(community_id, exc, form)
    db.session.commit()
    flash(_("The reward is in the catalogue."))
    return _back(community_id)


@bp.post("/rewards/<reward_id>")
def change_reward(reward_id):
    reward = db.session.get(Reward, reward_id)
    if reward is None or not points_policy.manages(_user(), reward.community_id):
        abort(404)
    form = request.form.to_dict()
    data = {"points": _int(form.get("points")), "stock": _int(form.get("stock")), "active": form.get("active") == "on"}
    try:
        rewards.update_reward(db.session, _user(), reward, data)
    except DomainError as exc:
        return _failed(reward.community_id, exc, form)
    db.session.commit()
    flash(_("The reward is saved."))
    return _back(reward.community_id)


@bp.post("/redemptions/<redemption_id>/<action>")
def close_redemption(redemption_id, action):
    redemption = db.session.get(Redemption, redemption_id)
    if redemption is None or not points_policy.manages(_user(), redemption.community_id) \
            or action not in ("fulfil", "cancel"):
        abort(404)
    community_id = redemption.community_id
    try:
        if action == "fulfil":
            rewards.fulfil(db.session, _user(), redemption)
        else:
            rewards.cancel(db.session, _user(), redemption, request.form.get("reason", ""))
    except DomainError as exc:
        return _failed(community_id, exc, {})
    db.session.commit()
    flash(_("The reward is handed over.") if action == "fulfil" else _("The redemption is cancelled."))
    return _back(community_id)


@bp.post("/transactions/<transaction_id>/reverse")
def reverse(transaction_id):
    transaction = db.session.get(PointsTransaction, transaction_id)
    if transaction is None or not points_policy.manages(_user(), transaction.community_id):
        abort(404)
    community_id = transaction.community_id
    try:
        services.reverse(db.session, _user(), transaction, request.form.get("reason", ""))
    except (Invalid, Conflict) as exc:
        return _failed(community_id, exc, {"reverse": transaction_id, "reason": request.form.get("reason", "")})
    db.session.commit()
    flash(_("The transaction is reversed."))
    return _back(community_id)
