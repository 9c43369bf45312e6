"""Bearer-token authentication of the JSON API (backend/auth/bearer.py): no
token, another scheme, an unknown, revoked or expired token, or a disabled
account is a 401 problem+json with its WWW-Authenticate challenge; a live
token runs the view as its account; the hourly slide of its expiry is
committed on its own, whatever the view then answers."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from backend import clock
from backend.auth import services
from backend.auth.models import Device
from backend.extensions import db
from tests.backend.shared import is_problem
from tests.timing import EPOCH

ME = "/api/v1/auth/me"


@pytest.fixture
def token(world):
    token, _device = services.issue_device_token(world.worker1, "d-1", "phone", "10.0.0.1")
    db.session.commit()
    return token


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def stored(column):
    """A device column as committed (read outside the test's session)."""
    with db.engine.connect() as connection:
        return connection.execute(select(column).where(Device.device_id == "d-1")).scalar_one()


@pytest.mark.parametrize("header", [None, "", "Bearer", "Bearer    ", "Basic d29ya2VyMTpwYXNz", "Token abc"])
def test_without_a_bearer_token_the_call_is_refused_with_the_challenge(world, client, header):
    response = client.get(ME, headers={"Authorization": header} if header is not None else {})
    body = is_problem(response, 401)
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="linli"'
    assert "Bearer" in body["detail"]


def test_an_unknown_token_is_an_invalid_token(world, client, token):
    response = client.get(ME, headers=bearer(token + "x"))
    is_problem(response, 401)
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="linli", error="invalid_token"'


def test_the_scheme_is_read_in_any_case_and_the_token_trimmed(world, client, token):
    response = client.get(ME, headers={"Authorization": f"bearer  {token} "})
    assert response.status_code == 200 and response.get_json()["username"] == "worker1"


def test_a_revoked_token_is_refused_at_once(world, client, token):
    assert client.get(ME, headers=bearer(token)).status_code == 200
    services.revoke_device(world.worker1, db.session.scalar(select(Device)))
    db.session.commit()
    response = client.get(ME, headers=bearer(token))
    is_problem(response, 401)
    assert "invalid_token" in response.headers["WWW-Authenticate"]


def test_an_expired_token_is_refused(world, client, token):
    clock.run_from(EPOCH + timedelta(days=91))
    response = client.get(ME, headers=bearer(token))
    is_problem(response, 401)
    assert "invalid_token" in response.headers["WWW-Authenticate"]


def test_a_disabled_accounts_token_is_refused_with_its_device_untouched(world, client, token):
    world.worker1.is_active_flag = False
    db.session.commit()
    is_problem(client.get(ME, headers=bearer(token)), 401)
    assert stored(Device.revoked_at) is None


def test_within_the_hour_a_call_writes_nothing(world, client, token):
    expires, seen = stored(Device.expires_at), stored(Device.last_seen_at)
    clock.run_from(EPOCH + timedelta(minutes=50))
    assert client.get(ME, headers=bearer(token)).status_code == 200
    assert (stored(Device.expires_at), stored(Device.last_seen_at)) == (expires, seen)


def test_after_an_hour_a_call_slides_the_expiry_and_commits_it(world, client, token):
    clock.run_from(EPOCH + timedelta(days=60))
    response = client.get(ME, headers=bearer(token), environ_base={"REMOTE_ADDR": "10.0.0.7"})
    assert response.status_code == 200
    slid = stored(Device.expires_at) - (EPOCH + timedelta(days=60))
    assert timedelta(days=90) <= slid < timedelta(days=90, minutes=1)
    assert stored(Device.last_address) == "10.0.0.7"
    # The token that would have expired at day 90 lives on.
    clock.run_from(EPOCH + timedelta(days=100))
    assert client.get(ME, headers=bearer(token)).status_code == 200


def test_the_slide_is_kept_when_the_view_then_fails(world, client, token):
    clock.run_from(EPOCH + timedelta(days=60))
    is_problem(client.delete("/api/v1/auth/devices/no-such-device", headers=bearer(token)), 404)
    assert stored(Device.expires_at) > EPOCH + timedelta(days=149)
