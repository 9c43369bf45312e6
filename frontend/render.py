"""Render a full page, or just its fragment for an htmx request."""

from flask import make_response, redirect, render_template, request

from backend.extensions import htmx


def page(template: str, fragment: str | None = None, status: int = 200, **context):
    """`template` extends base.html and includes `fragment`; an htmx request
    that targets part of the page (not a boosted navigation, nor htmx restoring
    a pushed URL missing from its history cache) gets the fragment."""
    if fragment and htmx and not htmx.boosted and not htmx.history_restore_request:
        body = render_template(fragment, **context)
    else:
        body = render_template(template, **context)
    response = make_response(body, status)
    response.headers.add("Vary", "HX-Request")
    return response


def form_page(template: str, fragment: str | None, errors: dict, **context):
    """Re-render a form with its messages: 422 so htmx and tests see the failure.
    htmx swaps 4xx only when told to; app.js allows 422."""
    return page(template, fragment, status=422 if errors else 200, errors=errors, **context)


def int_arg(name: str, default: int = 1, low: int = 1, high: int = 100000) -> int:
    try:
        value = int(request.args.get(name, default))
    except (TypeError, ValueError):
        value = default  # a default outside the bounds (a year from the clock, say) is clamped too
    return min(max(value, low), high)


def done(url: str):
    """After a successful post: a redirect (htmx follows it for boosted forms; a targeted
    htmx request is told to load the page, so the flashed message shows)."""
    if htmx and not htmx.boosted:
        response = make_response("", 204)
        response.headers["HX-Redirect"] = url
        return response
    return redirect(url, 303)
