"""Sign-in and sign-out, resident self-registration, devices and password."""

from flask import Blueprint, abort, flash, redirect, request, url_for
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


def _safe_next(target: str | None) -> str:
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("home.index")


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
            login_user(result.user)
            return redirect(_safe_next(request.args.get("next")))
        if result.reason == "inactive":
            errors["username"] = [_("This account is disabled. Ask your community office.")]
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
        login_user(user)
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
    owner = device.user
    if owner.id == current_user.id:
        return page("auth/devices.html", "auth/_devices.html", user=owner, devices=services.devices_of(owner))
    return page("accounts/user.html", "auth/_devices.html", user=owner, devices=services.devices_of(owner),
                **_user_context(owner))


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
                                         request.form.get("current_password", ""))
                db.session.commit()
            except Invalid as exc:
                errors = exc.errors
                db.session.rollback()
        if not errors:
            login_user(current_user._get_current_object())  # the session epoch moved on: re-sign this session
            flash(_("Your password is changed. Other sessions are signed out."))
            return redirect(url_for("auth_pages.devices"))
        return form_page("auth/password.html", None, errors)
    return page("auth/password.html", errors=errors)
