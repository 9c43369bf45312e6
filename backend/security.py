"""Security headers and the Content-Security-Policy: no inline script, no
third-party origin, nothing framed."""

from flask import abort, request

from backend.errors import ApiError

CSP = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: blob:",
    "font-src 'self'",
    "connect-src 'self'",
    "worker-src 'self'",
    "manifest-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])


FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _nul_fields() -> list[str]:
    """Query, path and form values holding a NUL character, which PostgreSQL
    cannot store or even compare: refused up front instead of failing deep
    inside a query."""
    sources = [request.args.items(multi=True), (request.view_args or {}).items()]
    if request.mimetype in FORM_TYPES:
        sources.append(request.form.items(multi=True))
    return sorted({key for items in sources for key, value in items
                   if isinstance(value, str) and ("\x00" in value or "\x00" in key)})


def register(app):
    @app.before_request
    def _refuse_nul_input():
        bad = _nul_fields()
        if not bad:
            return None
        if request.path.startswith("/api/"):
            raise ApiError(400, "Bad Request", "Some values are not valid.",
                           errors={name.replace("\x00", "") or "_schema": ["May not contain NUL characters."]
                                   for name in bad})
        abort(400)

    @app.after_request
    def _headers(response):
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CSP)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        headers.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        headers.setdefault("Permissions-Policy", "camera=(self), geolocation=(self), microphone=(), payment=()")
        if app.config.get("SESSION_COOKIE_SECURE"):
            headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        if response.mimetype == "text/html":
            headers.setdefault("Cache-Control", "no-store")
        return response
