"""Sign-in and sign-out, resident self-registration, devices and password."""

import unicodedata
from urllib.parse import unquote, urlsplit

from flask import Blueprint, abort, flash, make_response, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select

from backend.accounts import services as accounts
from backend.apiframe import client_address
from backend.auth import policy, services
from backend.auth.models import Device
from backend.errors import Invalid
from backend.extensions import db
from frontend.render import form_page, page

bp = Blueprint("auth_pages", __name__)


def _same_site_path(value: str) -> bool:
    """A path of this site: starts with one "/", holds no backslash, whitespace or
    control character (browsers drop tabs and newlines and read a backslash as "/",
    so "/%09/evil" and "/%5Cevil" lead elsewhere), and names no scheme or host."""
    if not value.startswith("/") or value.startswith("//") or "\\" in value:
        return False
    if any(ch.isspace() or unicodedata.category(ch).startswith("C") for ch in value):
        return False
    parts = urlsplit(value)
    return not parts.scheme and not parts.netloc


def _decoded_path(target: str) -> str:
    """The path part of `target` with every layer of percent-encoding undone."""
    path = target.split("?", 1)[0].split("#", 1)[0]
    for _round in range(5):
        path, before = unquote(path), path
        if path == before:
            break
    return path


def _safe_next(target: str | None) -> str:
    """Where to go after signing in: `target` when it is a path of this site, as
    sent and with its path fully percent-decoded, else the home page."""
    if target and len(target) <= 2000 and _same_site_path(target) and _same_site_path(_decoded_path(target)):
        return target
    return url_for("home.index")


def _sign_in_session(user) -> None:
    """A fresh session for a new sign-in (no fixation: nothing from before it
    carries over but the chosen language)."""
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    login_user(user)


# Endpoints an account with a temporary password may still reach.
_WHILE_TEMPORARY = {"auth_pages.password", "auth_pages.sign_out", "auth_pages.sign_in", "static"}


@bp.before_app_request
def _temporary_password_first():
    """An account signed in with a temporary password (set by staff) must choose
    its own before anything else, on every page (the API refuses its tokens)."""
    if request.path.startswith("/api/") or request.endpoint in _WHILE_TEMPORARY:
        return None
    if not current_user.is_authenticated or not services.must_change_password(current_user):
        return None
    target = url_for("auth_pages.password")
    if request.headers.get("HX-Request"):
        response = make_response("", 204)
        response.headers["HX-Redirect"] = target
        return response
    return redirect(target, 303)


@bp.route("/sign-in", methods=["GET", "POST"])
def sign_in():
    if current_user.is_authenticated and request.method == "GET":
        return redirect(url_for("home.index"))
    errors: dict = {}
    username = ""
    if request.method == "POST":
        username = request.form.get("username", "")
        try:
            result = services.authenticate(username, request.form.get("password", ""), client_address())
            db.session.commit()  # a failed attempt counts, whatever follows
        except services.Throttled as exc:
            response = page("auth/sign_in.html", status=429, username=username, errors={
                "password": [_("Too many failed attempts. Try again in %(m)s minutes.",
                               m=max(1, exc.retry_after // 60))]})
            response.headers["Retry-After"] = str(exc.retry_after)
            return response
        if result.user is not None:
            _sign_in_session(result.user)
            if services.must_change_password(result.user):
                flash(_("Your password was set by your office. Choose your own password to continue."))
                return redirect(url_for("auth_pages.password"))
            return redirect(_safe_next(request.args.get("next")))
        if result.reason == "inactive":
            errors["username"] = [_("This account is disabled. Ask your community office.")]
        elif result.reason == "expired":
            errors["password"] = [_("This temporary password has expired. Ask your office for a new one.")]
        else:
            errors["password"] = [_("Wrong username or password.")]
        return page("auth/sign_in.html", status=401, username=username, errors=errors)
    return page("auth/sign_in.html", username=username, errors=errors)


@bp.post("/sign-out")
def sign_out():
    logout_user()
    flash(_("You are signed out."))
    return redirect(url_for("auth_pages.sign_in"))


@bp.route("/register", methods=["GET", "POST"])
def register():
    form = request.form.to_dict() if request.method == "POST" else {"invite_code": request.args.get("code", "")}
    errors: dict = {}
    if request.method == "POST":
        try:
            accounts.note_registration(form.get("invite_code", ""), client_address())
            db.session.commit()  # the attempt counts, whatever follows
        except services.Throttled as exc:
            db.session.rollback()
            response = form_page("auth/register.html", None, {"invite_code": [
                _("Too many registrations from here or with this code. Try again in %(m)s minutes.",
                  m=max(1, exc.retry_after // 60))]}, form=form)
            response.status_code = 429
            response.headers["Retry-After"] = str(exc.retry_after)
            return response
        if form.get("password") != form.get("password_again"):
            errors["password_again"] = [_("The two passwords differ.")]
        try:
            if errors:
                raise Invalid(errors)
            user = accounts.register_resident(
                invite_code=form.get("invite_code", ""), username=form.get("username", ""),
                display_name=form.get("display_name", ""), password=form.get("password", ""),
                phone=form.get("phone"), claimed_address=form.get("claimed_address", ""))
        except Invalid as exc:
            errors = {**exc.errors, **errors}
            db.session.rollback()
            return form_page("auth/register.html", None, errors, form=form)
        db.session.commit()
        _sign_in_session(user)
        flash(_("Thank you. Your community office will confirm your household soon."))
        return redirect(url_for("home.index"))
    return page("auth/register.html", form=form, errors=errors)


@bp.get("/account/devices")
@login_required
def devices():
    return page("auth/devices.html", "auth/_devices.html", user=current_user, devices=services.devices_of(current_user))


@bp.post("/devices/<device_id>/revoke")
@login_required
def revoke_device(device_id):
    device = db.session.scalar(select(Device).where(Device.id == device_id))
    if device is None or not policy.can(current_user, policy.MANAGE, device):
        abort(404)
    services.revoke_device(current_user, device, client_address())
    db.session.commit()
    flash(_("The device is signed out. Its token no longer works."))
    return _devices_page(device.user)


@bp.post("/devices/<device_id>/lost")
@login_required
def mark_device_lost(device_id):
    device = db.session.scalar(select(Device).where(Device.id == device_id))
    if device is None or not policy.can(current_user, policy.MANAGE, device):
        abort(404)
    services.mark_lost(current_user, device, client_address())
    db.session.commit()
    flash(_("The device is marked lost. On its next contact it sends its unsent work and erases its data."))
    return _devices_page(device.user)


def _devices_page(owner):
    if owner.id == current_user.id:
        return page("auth/devices.html", "auth/_devices.html", user=owner, devices=services.devices_of(owner))
    return page("accounts/user.html", "auth/_devices.html", user=owner, devices=services.devices_of(owner),
                **_user_context(owner))


def _user_context(owner):
    from frontend.accounts.views import user_context

    return user_context(owner)


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def password():
    errors: dict = {}
    if request.method == "POST":
        if request.form.get("password") != request.form.get("password_again"):
            errors["password_again"] = [_("The two passwords differ.")]
        else:
            try:
                services.change_password(current_user, current_user, request.form.get("password", ""),
                                         request.form.get("current_password", ""), client_address())
                db.session.commit()
            except Invalid as exc:
                errors = exc.errors
                db.session.rollback()
        if not errors:
            # The session epoch moved on: this browser signs in afresh, every other session has ended.
            _sign_in_session(current_user._get_current_object())
            flash(_("Your password is changed. Other sessions and your devices are signed out."))
            return redirect(url_for("auth_pages.devices"))
        return form_page("auth/password.html", None, errors, temporary=services.must_change_password(current_user))
    return page("auth/password.html", errors=errors, temporary=services.must_change_password(current_user))
