"""What the security sweeps share: the routes of the app sorted into pages and
the machine APIs, real ids for their path arguments, and signed-in browsers."""

import contextvars
import re
import uuid

from flask.testing import FlaskClient
from sqlalchemy import select

from backend.extensions import db

MACHINE_PREFIXES = ("/api/", "/open311/")  # tokens and keys, never cookies
CHANGING = {"POST", "PUT", "PATCH", "DELETE"}


class IsolatedClient(FlaskClient):
    """Each request in its own context, as in production (flask.g never leaks)."""

    def open(self, *args, **kwargs):
        return contextvars.Context().run(super().open, *args, **kwargs)


def meta_token(client, path="/sign-in"):
    html = client.get(path, follow_redirects=True).get_data(as_text=True)
    match = re.search(r'name="csrf-token" content="([^"]+)"', html)
    assert match, f"{path} carries no CSRF token"
    return match.group(1)


def browser(app, username=None, password="demo-pass-2026"):
    """A client signed in through the real sign-in page (or anonymous), English pages."""
    client = IsolatedClient(app, app.response_class, use_cookies=True)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    if username:
        response = client.post("/sign-in", data={"username": username, "password": password,
                                                 "csrf_token": meta_token(client)})
        assert response.status_code == 302, response.get_data(as_text=True)[:300]
    return client


def rules(app, machine: bool):
    """The app's routes (no static files), pages or machine APIs."""
    return sorted((rule for rule in app.url_map.iter_rules()
                   if rule.endpoint != "static" and rule.rule.startswith(MACHINE_PREFIXES) == machine),
                  key=lambda rule: rule.rule)


def first_id(model, column="id"):
    return db.session.scalar(select(getattr(model, column)).order_by(getattr(model, column)).limit(1))


def path_of(rule, values: dict) -> str:
    """The rule's path with each argument taken from `values` by its name (a fresh uuid if unknown)."""
    args = {name: values.get(name, str(uuid.uuid4())) for name in rule.arguments}
    path = rule.rule
    for name, value in args.items():
        path = re.sub(r"<(?:[^:<>]+:)?" + re.escape(name) + ">", str(value), path)
    return path
