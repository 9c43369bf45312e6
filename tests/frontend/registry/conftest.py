"""Browsers for the registry pages: each signed in through the real sign-in
page, posting with the session's real CSRF token, each request in its own
application context as in production (so Flask-Login's per-request user and
the database session never leak between requests, clients and the test)."""

import re

import pytest

from backend.extensions import db
from tests.conftest import Auth, IsolatedClient


class Browser(Auth):
    def __init__(self, client):
        super().__init__(client)
        self._token = None

    def token_for_session(self):
        if self._token is None:
            self._token = self.csrf_token("/registry/care-tags" if self.staff else "/")
        return self._token

    def get(self, path, htmx=False, **kwargs):
        headers = {"HX-Request": "true"} if htmx else {}
        return self.client.get(path, headers=headers, **kwargs)

    def post(self, path, data=None, htmx=False, **kwargs):
        """A form post (token in the body) or an htmx post (token in the X-CSRFToken header)."""
        data = dict(data or {})
        headers = {}
        if htmx:
            headers = {"HX-Request": "true", "X-CSRFToken": self.token_for_session()}
        else:
            data["csrf_token"] = self.token_for_session()
        return self.client.post(path, data=data, headers=headers, **kwargs)


@pytest.fixture
def browser(app):
    """browser("staff1") -> a signed-in browser that reads English."""

    def make(username, staff=True):
        client = IsolatedClient(app, app.response_class, use_cookies=True)
        client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"  # assertions read the English msgids
        session = Browser(client)
        session.staff = staff
        session.login(username)
        return session

    return make


@pytest.fixture
def fresh(ctx):
    """Read a row as the database has it now (ends the test's own transaction first)."""

    def read(model, record_id):
        db.session.rollback()
        return db.session.get(model, record_id)

    return read


def error_for(html: str, field: str) -> str:
    match = re.search(rf'id="e-{field}"[^>]*>([^<]*)<', html)
    return match.group(1) if match else ""


def rows(html: str, container: str = "household-rows") -> str:
    """The part of a page that lists results (the fragment itself for htmx)."""
    return html.split(f'id="{container}"', 1)[1] if f'id="{container}"' in html else html
