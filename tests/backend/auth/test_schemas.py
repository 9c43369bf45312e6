"""The auth schemas (backend/auth/schemas.py): a token request loads with its
defaults and refuses, field by field, what is missing, too long, not a UUID or
unknown; the outputs dump what the API publishes."""

import uuid
from datetime import datetime

import pytest
from marshmallow import ValidationError

from backend.auth.schemas import device_out, token_request, token_response, user_summary

DEVICE = str(uuid.uuid4())


def errors_of(schema, data) -> dict:
    with pytest.raises(ValidationError) as raised:
        schema.load(data)
    return raised.value.messages


def test_a_token_request_loads_with_an_empty_device_name_by_default():
    loaded = token_request.load({"username": "worker1", "password": "demo-pass-2026", "device_id": DEVICE})
    assert loaded == {"username": "worker1", "password": "demo-pass-2026", "device_id": uuid.UUID(DEVICE),
                      "device_name": ""}


def test_a_token_request_needs_username_password_and_device():
    assert set(errors_of(token_request, {})) == {"username", "password", "device_id"}


@pytest.mark.parametrize(("field", "value"), [
    ("username", ""), ("username", "x" * 51), ("password", ""), ("password", "x" * 201),
    ("device_id", "phone-1"), ("device_id", 7), ("device_name", "x" * 101), ("username", None),
])
def test_a_token_request_names_the_field_at_fault(field, value):
    body = {"username": "worker1", "password": "demo-pass-2026", "device_id": DEVICE} | {field: value}
    assert set(errors_of(token_request, body)) == {field}


def test_the_limits_themselves_are_accepted():
    body = {"username": "x" * 50, "password": "x" * 200, "device_id": DEVICE, "device_name": "x" * 100}
    assert token_request.load(body)["device_name"] == "x" * 100


def test_an_unknown_field_is_refused_by_name():
    body = {"username": "worker1", "password": "p", "device_id": DEVICE, "role": "admin"}
    assert set(errors_of(token_request, body)) == {"role"}


def test_a_user_summary_dumps_the_account_and_its_scope():
    dumped = user_summary.dump({"id": "u1", "username": "worker1", "display_name": "网格员", "role": "grid_worker",
                                "status": "active", "household_id": None, "password_hash": "$argon2id$…",
                                "scope": [{"id": "g1", "kind": "grid", "name": "第一网格", "path": "/d/g1/"}]})
    assert dumped == {"id": "u1", "username": "worker1", "display_name": "网格员", "role": "grid_worker",
                      "status": "active", "household_id": None,
                      "scope": [{"id": "g1", "kind": "grid", "name": "第一网格"}]}


def test_a_token_response_nests_the_user():
    at = datetime(2027, 2, 25, 2, 0)
    dumped = token_response.dump({"token": "t", "expires_at": at, "user": {"id": "u1", "scope": []}})
    assert dumped == {"token": "t", "expires_at": "2027-02-25T02:00:00", "user": {"id": "u1", "scope": []}}


def test_a_device_dumps_its_times_and_never_its_token_hash():
    at = datetime(2026, 11, 27, 2, 0)

    class Row:
        id, device_id, name, token_hash = "d1", DEVICE, "测试手机", "secret-hash"
        created_at = last_seen_at = at
        expires_at = datetime(2027, 2, 25, 2, 0)
        revoked_at = None

    dumped = device_out.dump(Row())
    assert dumped == {"id": "d1", "device_id": DEVICE, "name": "测试手机", "created_at": "2026-11-27T02:00:00",
                      "last_seen_at": "2026-11-27T02:00:00", "expires_at": "2027-02-25T02:00:00",
                      "revoked_at": None}
