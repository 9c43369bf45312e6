"""Browsers for the request pages (signed in through the real sign-in page, posting
with the session's real CSRF token) and requests put in place through the services."""

import re
from datetime import timedelta

import pytest

from backend.common import utcnow
from backend.extensions import db
from backend.requests import services
from backend.requests.models import Request
from tests.conftest import IsolatedClient
from tests.frontend.registry.conftest import Browser

HERE = {"lat": 39.9, "lng": 116.4, "accuracy": 10.0}


@pytest.fixture
def browser(app):
    """browser("staff1") -> a signed-in browser reading English."""

    def make(username, staff=True):
        client = IsolatedClient(app, app.response_class, use_cookies=True)
        client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
        session = Browser(client)
        session.staff = staff
        session.login(username)
        return session

    return make


def raise_request(world, actor=None, hours_ago=1, **data):
    """A request of H1 (or `household_id`) raised through the services `hours_ago` hours ago."""
    actor = actor or world.staff1
    payload = {"category": "environment", "description": "楼下垃圾桶满溢", "household_id": world.H1.id,
               "on_behalf": True, "consent": True, "requester_phone": "13912345678"} | data
    record = services.create_request(db.session, actor, payload, now=utcnow() - timedelta(hours=hours_ago))
    db.session.commit()
    return record


def act(world, record, actor, action, **data):
    services.transition(db.session, actor, record, action, data)
    db.session.commit()
    db.session.refresh(record)
    return record


def fresh(record_id) -> Request:
    db.session.rollback()
    db.session.expire_all()
    return db.session.get(Request, record_id)


def error_for(html: str, id_: str) -> str:
    match = re.search(rf'id="{id_}"[^>]*>([^<]*)<', html)
    return match.group(1) if match else ""


def rows(html: str) -> str:
    return html.split('id="request-rows"', 1)[1] if 'id="request-rows"' in html else html
