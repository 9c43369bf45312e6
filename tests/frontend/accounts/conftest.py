"""Clients for the account pages: each signed in through the real sign-in page,
each request in its own application context as in production (the shared
`ctx` fixture would otherwise let flask.g, and with it Flask-Login's cached
user, leak from one request and one client to the next)."""

import re

import pytest

from backend.extensions import db
from tests.conftest import Auth, IsolatedClient


class Session(Auth):
    """A browser: `post` sends the CSRF token of this session."""

    def __init__(self, client):
        super().__init__(client)
        self._csrf = None

    def get(self, path, **kwargs):
        return self.client.get(path, **kwargs)

    def post(self, path, data=None, **kwargs):
        if self._csrf is None:
            self._csrf = self.csrf_token("/register")
        data = dict(data or {})
        data["csrf_token"] = self._csrf
        return self.client.post(path, data=data, **kwargs)

    def login(self, username, password="demo-pass-2026"):
        response = super().login(username, password)
        self._csrf = None
        return response


@pytest.fixture
def browser(app):
    """browser() -> an anonymous Session; browser("staff1") -> signed in, in English."""

    def make(username=None, password="demo-pass-2026"):
        client = IsolatedClient(app, app.response_class, use_cookies=True)
        client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"  # assertions read the English msgids
        session = Session(client)
        if username:
            session.login(username, password)
        return session

    return make


@pytest.fixture
def fresh(ctx):
    """Read a row as the database has it now (ends the test's own transaction first)."""

    def read(model, record_id):
        db.session.rollback()
        return db.session.get(model, record_id)

    return read


def usernames_listed(html: str) -> set[str]:
    body = html.split('id="users"', 1)[1]
    return set(re.findall(r"<td>([a-z0-9_.\-]+)</td>", body))


def error_for(html: str, field: str) -> str:
    match = re.search(rf'id="e-{field}"[^>]*>([^<]*)<', html)
    return match.group(1) if match else ""
