"""Linli's composition root: create_app builds the application from the
areas of backend/areas.py (or the config's LINLI_AREAS). It is the one
module of the domain that imports the sync engine and the pages."""

import os
import secrets
from pathlib import Path

from flask import Flask, g, request, session
from flask_babel import format_date, format_datetime
from sqlalchemy import text

from backend import areas as area_list
from backend.config import ROOT, Config
from backend.extensions import babel, csrf, db, htmx, login, migrate


def create_app(config: dict | None = None) -> Flask:
    app = Flask(
        __name__,
        template_folder=str(ROOT / "frontend" / "templates"),
        static_folder=str(ROOT / "static"),
        static_url_path="/static",
        instance_path=str(ROOT / "instance"),
    )
    app.config.from_object(Config)
    if config:
        app.config.update(config)
    _ensure_secret_key(app)
    from backend.sensitive import keys as field_keys

    field_keys.init_app(app)
    from backend.auth import passwords

    passwords.use_profile(app.config["PASSWORD_PROFILE"])
    _prepare_sqlite(app)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "backend" / "migrations"), render_as_batch=True)
    login.init_app(app)
    csrf.init_app(app)
    htmx.init_app(app)
    from backend.i18n import select_locale

    babel.init_app(app, locale_selector=select_locale, default_timezone=app.config["BABEL_DEFAULT_TIMEZONE"])

    areas = area_list.load(app.config.get("LINLI_AREAS") or area_list.AREAS)
    app.extensions["linli.areas"] = areas
    area_list.resolve_all(areas, "models")  # every table, for metadata and Alembic
    _install_sync(areas)
    _install_policy(areas)
    _configure_login(app)
    _register_blueprints(app, areas)

    from backend import errors, security

    errors.register(app)
    security.register(app)
    _register_template_helpers(app)

    for command in area_list.resolve_all(areas, "cli"):
        app.cli.add_command(command)

    @app.get("/healthz")
    def healthz():
        try:
            db.session.execute(text("SELECT 1"))
        except Exception as exc:  # the database is down: say so, do not crash
            app.logger.warning("healthz: database unreachable: %s", exc)
            db.session.rollback()
            return {"status": "unavailable", "database": "unreachable"}, 503
        return {"status": "ok", "database": "ok"}

    return app


def _ensure_secret_key(app: Flask) -> None:
    if app.config.get("SECRET_KEY"):
        return
    # One machine: keep a generated key in instance/. Several hosts must share
    # SECRET_KEY through the environment (see README).
    path = Path(app.instance_path) / "secret_key"
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(48))
    app.config["SECRET_KEY"] = path.read_text().strip()


def _prepare_sqlite(app: Flask) -> None:
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith("sqlite:///"):
        Path(uri[len("sqlite:///"):]).parent.mkdir(parents=True, exist_ok=True)
        options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
        options.setdefault("connect_args", {"timeout": 30})
        # The connection used last is handed out next: a worker serves one
        # request at a time, so one connection stays hot, and its page cache
        # (see backend/sqlite.py) still holds what the last push read and wrote.
        options.setdefault("pool_use_lifo", True)
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options
        from backend import sqlite

        sqlite.install()


_changefeed_installed = False


def _install_sync(areas) -> None:
    """The sync registry holds the collections of these areas; every write to
    a replicated record, from any path, is stamped (sync/changefeed.py)."""
    global _changefeed_installed
    from backend.fieldwork import records
    from sync import areas as sync_areas
    from sync import attachments, changefeed
    from sync.collections import REGISTRY

    sync_areas.install([area.sync for area in areas if area.sync])
    # Which photos an author may name: the photo store's rule, for every path.
    records.PHOTO_CHECKS[:] = [attachments.vet]
    if not _changefeed_installed:
        _changefeed_installed = True
        changefeed.install(db.session, REGISTRY)


def _install_policy(areas) -> None:
    """The areas' own access rules, asked by the one `policy.can`."""
    from backend.auth import policy

    rules = {}
    for area in areas:
        if area.policy:
            rules.update(area_list.resolve(area.policy).RULES)
    policy.AREA_RULES.clear()
    policy.AREA_RULES.update(rules)


def _configure_login(app: Flask) -> None:
    from flask_babel import lazy_gettext as _l

    from backend.auth.models import User

    login.login_view = "auth_pages.sign_in"
    login.login_message = _l("Please sign in to continue.")
    login.session_protection = "basic"

    @login.user_loader
    def _load(identity: str):
        user_id, _, epoch = (identity or "").partition(":")
        user = db.session.get(User, user_id)
        if user is None or str(user.session_epoch) != epoch or not user.is_active:
            return None
        return user


def _register_blueprints(app: Flask, areas) -> None:
    from backend.openapi import bp as openapi_bp
    from frontend import register as register_frontend

    for bp in area_list.resolve_all(areas, "api"):
        csrf.exempt(bp)  # bearer tokens or api keys, no cookies
        app.register_blueprint(bp)
    app.register_blueprint(openapi_bp)
    register_frontend(app, areas)
    app.extensions["linli.openapi"] = {
        "modules": [name for area in areas for name in area.schemas],
        "extra": area_list.resolve_all(areas, "extra_schemas"),
    }

    from backend.apiframe import gzip_if_accepted

    @app.after_request
    def _compress(response):
        if request.path.startswith("/api/"):
            return gzip_if_accepted(response)
        return response


def _register_template_helpers(app: Flask) -> None:
    from flask_babel import get_locale

    from backend.i18n import LABELS

    @app.context_processor
    def _globals():
        return {"LANGUAGES": LABELS, "current_locale": str(get_locale())}

    @app.template_filter("local_time")
    def _local_time(value, fmt="yyyy-MM-dd HH:mm"):
        if value is None:
            return ""
        return format_datetime(value, fmt)

    @app.template_filter("weekday")
    def _weekday(value):
        """A date's day of the week in the reader's language (星期一, Monday…)."""
        return format_date(value, "EEEE")

    @app.before_request
    def _remember_language():
        lang = request.args.get("lang")
        from backend.i18n import normalise

        if lang and normalise(lang):
            session["lang"] = normalise(lang)
        g.setdefault("nav", None)
