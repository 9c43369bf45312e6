"""The field app's shell at /app/, its service worker at /sw.js (scope "/")
and its web app manifest. The app itself is plain ES modules under
static/app/; everything it shows comes from IndexedDB."""

import hashlib
import json

from flask import Blueprint, Response, current_app, render_template, url_for
from flask_babel import gettext as _

from backend.areas import resolve
from backend.config import ROOT

bp = Blueprint("pwa", __name__)

STATIC = ROOT / "static"
APP_DIR = STATIC / "app"
SHELL_FILES = ("vendor/idb.js", "icons/icon.svg", "icons/icon-192.png", "icons/icon-512.png")
THEME_COLOR = "#b3261e"


def shell_static_files() -> list[str]:
    """Static paths (relative to /static/) the service worker precaches."""
    app_files = sorted(p.relative_to(STATIC).as_posix() for p in APP_DIR.rglob("*")
                       if p.is_file() and p.name != "sw.js")
    return app_files + [f for f in SHELL_FILES if (STATIC / f).is_file()]


def field_app_config() -> dict:
    """What the app learns of the server, from the areas' declarations (backend/areas.py,
    `Area.field_app`): the modules that export its screens, the IndexedDB store of each
    synced collection (and the database version that added it), and each area's capabilities.
    Rendered into the shell, so the app has it offline (static/app/config.js reads it)."""
    parts = [(area, area.field_app) for area in current_app.extensions["linli.areas"] if area.field_app]
    stores = [{"name": store.name, "index": store.index, "since": store.since}
              for _area, part in parts for store in part.stores]
    return {
        "modules": [part.module for _area, part in parts if part.module],
        "stores": stores,
        "db_version": max((store["since"] for store in stores), default=1),
        "capabilities": {area.name: resolve(part.capabilities)() for area, part in parts if part.capabilities},
    }


def compute_build() -> str:
    """A hash of everything the shell is made of: a deploy that changes any of
    them (the areas' part included) changes the service worker's cache name."""
    digest = hashlib.sha256()
    digest.update(json.dumps(field_app_config(), sort_keys=True).encode())
    files = [STATIC / f for f in shell_static_files()] + [APP_DIR / "sw.js",
                                                         ROOT / "frontend" / "templates" / "pwa" / "shell.html"]
    for path in files:
        digest.update(path.as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def build_id() -> str:
    build = current_app.config.get("PWA_BUILD")
    if not build:
        build = current_app.config["PWA_BUILD"] = compute_build()
    return build


@bp.get("/app/")
def shell():
    return render_template("pwa/shell.html", build=build_id(), config=field_app_config())


@bp.get("/sw.js")
def service_worker():
    precache = [url_for("pwa.shell"), url_for("pwa.manifest")]
    precache += [url_for("static", filename=f) for f in shell_static_files()]
    source = (APP_DIR / "sw.js").read_text(encoding="utf-8")
    source = source.replace('"__BUILD__"', json.dumps(build_id())).replace('["__PRECACHE__"]', json.dumps(precache))
    response = Response(source, mimetype="text/javascript")
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/manifest.webmanifest")
def manifest():
    icon = lambda name, size, kind: {"src": url_for("static", filename=f"icons/{name}"),  # noqa: E731
                                     "sizes": size, "type": kind, "purpose": "any"}
    body = {
        "name": _("Linli"),
        "short_name": _("Linli"),
        "description": _("Households, visits and patrols for grid workers, with or without signal."),
        "lang": "zh-Hans",
        "start_url": url_for("pwa.shell"),
        "scope": "/",
        "display": "standalone",
        "orientation": "portrait",
        "background_color": "#ffffff",
        "theme_color": THEME_COLOR,
        "icons": [icon("icon-192.png", "192x192", "image/png"), icon("icon-512.png", "512x512", "image/png"),
                  icon("icon.svg", "any", "image/svg+xml")],
    }
    response = Response(json.dumps(body, ensure_ascii=False), mimetype="application/manifest+json")
    response.headers["Cache-Control"] = "no-cache"
    return response
