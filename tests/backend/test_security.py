"""Security headers on every response, cookie flags, a template tree without
inline script or style, and sensitive fields encrypted at rest, masked on the
way out, and audited when revealed."""

import re
from pathlib import Path

import pytest
from sqlalchemy import select, text

from backend import create_app
from backend.audit.models import AuditEntry
from backend.config import ROOT
from backend.extensions import db

TEMPLATES = ROOT / "frontend" / "templates"


def _csp(response) -> dict:
    policy = response.headers.get("Content-Security-Policy", "")
    return {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}


def assert_secure_headers(response, where=""):
    csp = _csp(response)
    assert csp, f"no CSP on {where}"
    script = csp.get("script-src", csp.get("default-src"))
    assert script and "'unsafe-inline'" not in script and "'unsafe-eval'" not in script, where
    assert "'unsafe-inline'" not in csp.get("default-src", []), where
    assert csp.get("frame-ancestors") == ["'none'"], where
    assert csp.get("object-src") == ["'none'"], where
    assert not any(src.startswith(("http:", "https:", "*")) for values in csp.values() for src in values), where
    assert response.headers.get("X-Content-Type-Options") == "nosniff", where
    assert response.headers.get("X-Frame-Options") == "DENY", where
    assert response.headers.get("Referrer-Policy") in ("same-origin", "strict-origin-when-cross-origin",
                                                       "no-referrer"), where


def _page_urls(app) -> list[str]:
    return sorted({rule.rule for rule in app.url_map.iter_rules()
                   if "GET" in (rule.methods or ()) and not rule.arguments and not rule.rule.startswith("/static")})


def test_every_page_carries_the_headers(world, app, auth, client):
    urls = _page_urls(app)
    assert {"/sign-in", "/", "/api/openapi.json", "/api/docs", "/healthz"} <= set(urls)
    for url in urls:  # signed out: pages redirect to sign-in, the API says 401
        response = client.get(url)
        assert_secure_headers(response, url)
        assert response.status_code < 500, url
    auth.login("staff1")
    for url in urls:
        response = client.get(url)
        assert_secure_headers(response, url)
        assert response.status_code < 500, url
    for url in ("/no-such-page", "/static/css/app.css", "/static/js/app.js"):
        assert_secure_headers(client.get(url), url)


def test_every_api_response_carries_the_headers(world, auth, client):
    headers = auth.headers("staff1")
    responses = {
        "ok": client.get("/api/v1/auth/me", headers=headers),
        "list": client.get("/api/v1/registry/households", headers=headers),
        "401": client.get("/api/v1/auth/me"),
        "404": client.get("/api/v1/nothing-here", headers=headers),
        "405": client.put("/api/v1/org/nodes", headers=headers),
        "415": client.post("/api/v1/org/nodes", headers=headers, data="x", content_type="text/plain"),
        "422": client.post("/api/v1/org/nodes", headers=headers, json={}),
        "201": client.post("/api/v1/auth/token", json={"username": "worker1", "password": "demo-pass-2026",
                                                        "device_id": "6d3c7f52-9a43-4c1e-8f0e-6c1b1d2a3b4c"}),
    }
    for name, response in responses.items():
        assert_secure_headers(response, name)


def _session_cookie(response, name="linli_session") -> str:
    cookies = [value for value in response.headers.getlist("Set-Cookie") if value.startswith(name + "=")]
    assert cookies, response.headers
    return cookies[-1]


def test_session_cookie_flags(client):
    cookie = _session_cookie(client.get("/sign-in"))
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_session_cookie_is_secure_when_configured(app):
    secure = create_app({"TESTING": True, "SECRET_KEY": "test-secret", "SESSION_COOKIE_SECURE": True,
                         "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]})
    try:
        response = secure.test_client().get("/sign-in", base_url="https://linli.example")
        cookie = _session_cookie(response)
        assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
        assert response.headers["Strict-Transport-Security"].startswith("max-age=")
        assert_secure_headers(response, "secure app")
    finally:
        with secure.app_context():
            db.engine.dispose()


def _templates() -> list[Path]:
    return sorted(TEMPLATES.rglob("*.html"))


INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc\s*=)[^>]*>", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"<[a-zA-Z][^>]*?\son[a-z]+\s*=", re.IGNORECASE | re.DOTALL)
STYLE_ATTRIBUTE = re.compile(r"<[a-zA-Z][^>]*?\sstyle\s*=", re.IGNORECASE | re.DOTALL)
STYLE_ELEMENT = re.compile(r"<style\b", re.IGNORECASE)
THIRD_PARTY = re.compile(r"""(?:src|href)\s*=\s*["'](?:https?:)?//""", re.IGNORECASE)


@pytest.mark.parametrize("path", _templates(), ids=lambda p: str(p.relative_to(TEMPLATES)))
def test_templates_have_no_inline_script_or_style(path):
    source = re.sub(r"{#.*?#}", "", path.read_text(encoding="utf-8"), flags=re.DOTALL)
    for name, pattern in (("inline <script>", INLINE_SCRIPT), ("on*= handler", EVENT_HANDLER),
                          ("style= attribute", STYLE_ATTRIBUTE), ("<style> element", STYLE_ELEMENT),
                          ("third-party asset", THIRD_PARTY)):
        match = pattern.search(source)
        assert match is None, f"{name} in {path.name}: {match.group(0)[:120] if match else ''}"


def test_the_scanner_sees_what_it_looks_for():
    assert INLINE_SCRIPT.search("<script>alert(1)</script>")
    assert not INLINE_SCRIPT.search('<script src="/static/js/app.js" defer></script>')
    assert EVENT_HANDLER.search('<button class="x"\n onclick="go()">')
    assert not EVENT_HANDLER.search('<button data-confirm="x">')
    assert STYLE_ATTRIBUTE.search('<p style="color: red">')
    assert THIRD_PARTY.search('<script src="https://libs.example.net/x.js"></script>')


def test_sensitive_fields_are_encrypted_at_rest(world):
    row = db.session.execute(text("SELECT id_number_enc, id_number_hash, phone_enc FROM residents WHERE id = :id"),
                             {"id": world.R1.id}).one()
    stored = " ".join(str(value) for value in row)
    assert "11010119400101123X" not in stored and "13800000001" not in stored
    assert row.id_number_enc and row.phone_enc
    home = db.session.execute(text("SELECT phone_enc FROM households WHERE id = :id"), {"id": world.H1.id}).one()
    assert home.phone_enc and "13800000001" not in home.phone_enc


def test_the_api_masks_and_reveal_is_audited(world, auth, client):
    staff = auth.headers("staff1")
    body = client.get(f"/api/v1/registry/residents/{world.R1.id}", headers=staff).get_json()
    assert body["id_number_masked"] == "1****************X"
    assert body["phone_masked"] == "138****0001"
    household = client.get(f"/api/v1/registry/households/{world.H1.id}", headers=staff).get_data(as_text=True)
    assert "11010119400101123X" not in household and "13800000001" not in household
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "reveal")) is None

    response = client.post(f"/api/v1/registry/residents/{world.R1.id}/reveal", headers=staff,
                           json={"field": "id_number"})
    assert response.status_code == 200
    assert response.get_json() == {"field": "id_number", "value": "11010119400101123X"}
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "reveal"))
    assert entry is not None
    assert (entry.actor_id, entry.target_type, entry.target_id) == (world.users["staff1"].id, "resident", world.R1.id)
    assert entry.detail == {"field": "id_number"}

    # A read-only reader gets neither the value nor an audit entry.
    response = client.post(f"/api/v1/registry/residents/{world.R1.id}/reveal", headers=auth.headers("street1"),
                           json={"field": "phone"})
    assert response.status_code == 403 and "13800000001" not in response.get_data(as_text=True)
    assert len(db.session.scalars(select(AuditEntry).where(AuditEntry.action == "reveal")).all()) == 1
