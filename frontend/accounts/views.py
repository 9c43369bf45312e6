"""Management pages for accounts: the list, creating accounts, one account
(scopes, deactivation, password reset, devices) and resident registrations."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from backend.accounts import rights, services
from backend.accounts import scope as accounts
from backend.apiframe import client_address
from backend.auth import policy
from backend.auth import services as auth
from backend.auth.models import User
from backend.errors import Invalid
from backend.extensions import db, login
from backend.org import policy as org_policy
from backend.org.models import Node
from backend.registry import services as registry
from backend.registry.models import Household
from frontend.labels import kind_label
from frontend.render import form_page, int_arg, page

bp = Blueprint("accounts_pages", __name__, url_prefix="/accounts")

PER_PAGE = 25
STATUS_FILTERS = ("active", "inactive", "pending", "rejected")


@bp.before_request
def _managers_only():
    if not current_user.is_authenticated:
        return login.unauthorized()
    if current_user.role not in policy.ROLES_CREATED_BY or current_user.status != "active":
        abort(403)
    return None


def _ranked(roles) -> list[str]:
    return sorted(roles, key=lambda role: (policy.ROLE_RANK[role], role))


def _visible_user(user_id: str) -> User:
    """The account, or 404 when it does not exist or is outside the actor's area."""
    user = db.session.get(User, user_id)
    if user is None or not policy.can(current_user, policy.READ, user):
        abort(404)
    return user


def _managed_user(user_id: str) -> User:
    user = _visible_user(user_id)
    if not policy.can(current_user, policy.MANAGE, user):
        abort(403)
    return user


def scope_options(actor, role: str) -> list[tuple[str, str]]:
    """(id, label) of the places in the actor's area where an account of `role` may work."""
    kinds = policy.SCOPE_KINDS_FOR_ROLE.get(role, set())
    if not kinds:
        return []
    nodes = list(db.session.scalars(
        select(Node).where(Node.kind.in_(kinds), Node.retired_at.is_(None), org_policy.node_filter(actor))
        .options(selectinload(Node.parent)).order_by(Node.path)
    ))
    options = []
    for node in nodes:
        label = node.name
        if node.kind in ("grid", "station", "community") and node.parent is not None:
            label = f"{node.parent.name} · {node.name}"
        options.append((node.id, label))
    return sorted(options, key=lambda option: option[1])


def _scope_ctx(actor, role: str, selected) -> dict:
    kinds = sorted(policy.SCOPE_KINDS_FOR_ROLE.get(role, set()))
    return {"scope_role": role, "scope_needed": bool(kinds), "scope_label": kind_label(kinds[0]) if kinds else "",
            "scope_options": scope_options(actor, role), "scope_selected": list(selected or [])}


def user_context(user, revealed=None) -> dict:
    """What accounts/user.html needs besides `user` and `devices`."""
    can_manage = policy.can(current_user, policy.MANAGE, user)
    ctx = {
        "can_manage": can_manage,
        "can_reset": rights.may_reset(current_user, user),
        "errors": {},
        "status_label": _status_label(user),
        "masked_contact": services.masked_contact,
        "revealed": revealed or {},
    }
    ctx.update(_scope_ctx(current_user, user.role, [node.id for node in user.scope_nodes]))
    return ctx


def _status_label(user) -> str:
    if user.status == "pending":
        return _("Waiting for confirmation")
    if user.status == "rejected":
        return _("Registration rejected")
    if not user.is_active_flag:
        return _("Deactivated")
    return _("Active")


# --- the list --------------------------------------------------------------------

@bp.get("/")
def users():
    actor = current_user
    q = (request.args.get("q") or "").strip()[:50]
    role = request.args.get("role") or ""
    status = request.args.get("status") or ""
    visible_roles = [r for r in _ranked(policy.ROLE_RANK) if policy.ROLE_RANK[r] >= policy.ROLE_RANK[actor.role]]
    query = select(User).where(accounts.user_filter(actor))
    if q:
        like = f"%{q}%"
        query = query.where(User.username.ilike(like) | User.display_name.ilike(like))
    if role in visible_roles:
        query = query.where(User.role == role)
    else:
        role = ""
    if status == "active":
        query = query.where(User.status == "active", User.is_active_flag.is_(True))
    elif status == "inactive":
        query = query.where(User.is_active_flag.is_(False))
    elif status in ("pending", "rejected"):
        query = query.where(User.status == status)
    else:
        status = ""
    query = query.options(selectinload(User.scope_nodes), selectinload(User.community))
    pagination = db.paginate(query.order_by(User.username), page=int_arg("page"), per_page=PER_PAGE,
                             error_out=False)
    return page("accounts/users.html", "accounts/_users.html", pagination=pagination, q=q, role=role,
                status_value=status, visible_roles=visible_roles, status_filters=STATUS_FILTERS,
                status_of=_status_label, pending_count=len(services.pending_registrations(actor)),
                can_create=bool(rights.creatable_roles(actor)))


# --- creating an account -------------------------------------------------------------

@bp.route("/new", methods=["GET", "POST"])
def new_user():
    actor = current_user
    # Residents get their account through registration and confirmation.
    roles = _ranked(rights.creatable_roles(actor) - {"resident"})
    form = request.form.to_dict() if request.method == "POST" else {}
    role = (request.form.get("role") if request.method == "POST" else request.args.get("role")) or ""
    if request.method == "GET" and role not in roles:
        role = "grid_worker" if "grid_worker" in roles else (roles[0] if roles else "")
    selected = request.form.getlist("scope_ids") if request.method == "POST" else []
    ctx = {"form": form, "roles": roles, "role": role, **_scope_ctx(actor, role, selected)}
    if request.method == "GET":
        return page("accounts/new.html", "accounts/_scope_field.html", errors={}, **ctx)
    if form.get("password") != form.get("password_again"):
        return form_page("accounts/new.html", None, {"password_again": [_("The two passwords differ.")]}, **ctx)
    try:
        user = services.create_user(
            actor, username=form.get("username", ""), display_name=form.get("display_name", ""),
            password=form.get("password", ""), role=role, scope_ids=[s for s in selected if s],
            phone=(form.get("phone") or "").strip()[:20] or None)
    except Invalid as exc:
        db.session.rollback()
        return form_page("accounts/new.html", None, exc.errors, **ctx)
    db.session.commit()
    flash(_("The account %(name)s is created.", name=user.username))
    return redirect(url_for("accounts_pages.user", user_id=user.id))


# --- one account ---------------------------------------------------------------------

def _user_page(user, errors=None):
    ctx = user_context(user)
    del ctx["errors"]
    devices = auth.devices_of(user) if ctx["can_manage"] else []
    return form_page("accounts/user.html", None, errors or {}, user=user, devices=devices, **ctx)


@bp.get("/<user_id>")
def user(user_id):
    return _user_page(_visible_user(user_id))


@bp.post("/<user_id>/reveal/<field>")
def reveal(user_id, field):
    """An account's phone or claimed address in clear, audited (managers of the account only)."""
    user = _visible_user(user_id)
    if field not in services.CONTACT_FIELDS:
        abort(404)
    if not policy.can(current_user, policy.MANAGE, user):
        abort(403)
    value = services.reveal_contact(current_user, user, field, client_address())
    db.session.commit()
    if request.headers.get("HX-Request"):
        return render_template("registry/_revealed.html", value=value)
    ctx = user_context(user, revealed={field: value})
    del ctx["errors"]
    devices = auth.devices_of(user) if ctx["can_manage"] else []
    return form_page("accounts/user.html", None, {}, user=user, devices=devices, **ctx)


@bp.post("/<user_id>/scopes")
def scopes(user_id):
    user = _managed_user(user_id)
    try:
        services.set_scopes(current_user, user, [s for s in request.form.getlist("scope_ids") if s])
    except Invalid as exc:
        db.session.rollback()
        return _user_page(user, exc.errors)
    db.session.commit()
    flash(_("The places of %(name)s are saved.", name=user.display_name))
    return redirect(url_for("accounts_pages.user", user_id=user.id))


@bp.post("/<user_id>/active")
def active(user_id):
    user = _managed_user(user_id)
    make_active = request.form.get("active") == "1"
    if user.status != "active" and make_active:
        abort(409)
    services.set_active(current_user, user, make_active)
    db.session.commit()
    if make_active:
        flash(_("%(name)s can sign in again.", name=user.display_name))
    else:
        flash(_("%(name)s is deactivated and signed out everywhere.", name=user.display_name))
    return redirect(url_for("accounts_pages.user", user_id=user.id))


@bp.post("/<user_id>/password")
def password(user_id):
    user = _managed_user(user_id)
    if not rights.may_reset(current_user, user):
        abort(403)
    temporary = services.reset_password(current_user, user, client_address())
    db.session.commit()
    flash(_("The password of %(name)s is reset; their sessions and devices are signed out.", name=user.display_name))
    ctx = user_context(user)
    del ctx["errors"]
    return page("accounts/user.html", None, user=user, devices=auth.devices_of(user), errors={},
                temporary_password=temporary, **ctx)


# --- resident registrations --------------------------------------------------------

def _registration(user_id: str) -> User:
    """A pending registration the actor may decide on, else 404."""
    user = db.session.get(User, user_id)
    if (user is None or user.role != "resident" or user.status != "pending"
            or not policy.can(current_user, policy.MANAGE, user)):
        abort(404)
    return user


@bp.get("/registrations")
def registrations():
    return page("accounts/registrations.html", registrations=services.pending_registrations(current_user),
                masked_contact=services.masked_contact)


def _registration_page(user, errors=None):
    q = (request.args.get("q") or "").strip()[:100]
    pagination = registry.search_households(current_user, q=q, under=user.community, page=int_arg("page"),
                                            per_page=10)

    def can_link(household):
        return policy.can(current_user, policy.CHANGE, household)

    ctx = {"registration": user, "pagination": pagination, "q": q, "can_link": can_link,
           "masked_contact": services.masked_contact, "revealed": {}}
    return form_page("accounts/registration.html", "accounts/_household_choices.html", errors or {}, **ctx)


@bp.get("/registrations/<user_id>")
def registration(user_id):
    return _registration_page(_registration(user_id))


@bp.post("/registrations/<user_id>/confirm")
def confirm(user_id):
    user = _registration(user_id)
    household = db.session.get(Household, request.form.get("household_id") or "")
    if household is None or household.retired_at is not None or not policy.can(current_user, policy.READ, household):
        return _registration_page(user, {"household_id": [_("Choose a household from the list.")]})
    try:
        services.confirm_resident(current_user, user, household)
    except Invalid as exc:
        db.session.rollback()
        return _registration_page(user, exc.errors)
    db.session.commit()
    flash(_("%(name)s is confirmed as a resident of %(address)s.", name=user.display_name,
            address=household.address))
    return redirect(url_for("accounts_pages.registrations"))


@bp.post("/registrations/<user_id>/reject")
def reject(user_id):
    user = _registration(user_id)
    services.reject_resident(current_user, user)
    db.session.commit()
    flash(_("The registration of %(name)s is rejected.", name=user.display_name))
    return redirect(url_for("accounts_pages.registrations"))
