"""Linli's composition root: create_app builds the application."""

import os
import secrets
from pathlib import Path

from flask import Flask, g, request, session
from flask_babel import format_date, format_datetime
from sqlalchemy import text

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
    _prepare_sqlite(app)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "backend" / "migrations"), render_as_batch=True)
    login.init_app(app)
    csrf.init_app(app)
    htmx.init_app(app)
    from backend.i18n import select_locale

    babel.init_app(app, locale_selector=select_locale, default_timezone=app.config["BABEL_DEFAULT_TIMEZONE"])

    _import_models()
    _install_changefeed()
    _configure_login(app)
    _register_blueprints(app)

    from backend import errors, security

    errors.register(app)
    security.register(app)
    _register_template_helpers(app)

    from backend.cli import register as register_cli

    register_cli(app)
    from sync.maintenance import purge_command

    app.cli.add_command(purge_command)

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


def _import_models() -> None:
    # Every model module, so metadata (and Alembic) sees every table.
    from backend.audit import models as _audit  # noqa: F401
    from backend.auth import models as _auth  # noqa: F401
    from backend.open311 import models as _open311  # noqa: F401
    from backend.org import models as _org  # noqa: F401
    from backend.patrols import models as _patrols  # noqa: F401
    from backend.ratings import models as _ratings  # noqa: F401
    from backend.registry import models as _registry  # noqa: F401
    from backend.requests import models as _requests  # noqa: F401
    from backend.visits import models as _visits  # noqa: F401
    from backend.workdays import models as _workdays  # noqa: F401
    from sync import models as _sync  # noqa: F401


_changefeed_installed = False


def _install_changefeed() -> None:
    """Every write to a replicated record, from any path, is stamped (sync/changefeed.py)."""
    global _changefeed_installed
    if _changefeed_installed:
        return
    _changefeed_installed = True
    from sync import changefeed
    from sync.collections import REGISTRY

    changefeed.install(db.session, REGISTRY)


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


def _register_blueprints(app: Flask) -> None:
    from backend.auth.api import bp as auth_api
    from backend.open311.api import bp as open311_api
    from backend.openapi import bp as openapi_bp
    from backend.org.api import bp as org_api
    from backend.patrols.api import bp as patrols_api
    from backend.registry.api import bp as registry_api
    from backend.requests.api import bp as requests_api
    from backend.visits.api import bp as visits_api
    from frontend import register as register_frontend
    from sync.api import bp as sync_api

    for bp in (auth_api, org_api, registry_api, visits_api, patrols_api, requests_api, sync_api, open311_api):
        csrf.exempt(bp)  # bearer tokens or api keys, no cookies
        app.register_blueprint(bp)
    app.register_blueprint(openapi_bp)
    register_frontend(app)

    from backend import openapi
    from sync import schemas as sync_schemas

    if "sync.schemas" not in openapi.SCHEMA_MODULES:
        openapi.SCHEMA_MODULES.append("sync.schemas")
        openapi.EXTRA_SCHEMAS.append(sync_schemas.record_schemas)

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
