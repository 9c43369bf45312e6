"""Open311's tables (backend/open311/models.py): a key's hash is unique, a
request is filed through Open311 once, tokens and times come by default."""

from datetime import timedelta

import pytest
from sqlalchemy.exc import IntegrityError

from backend import clock
from backend.extensions import db
from backend.open311 import keys
from backend.open311.models import Open311Key, Open311Submission
from backend.requests.models import Request


def _key(world) -> Open311Key:
    _, key = keys.issue_key(world.staff1, name="热线", node_id=world.C1.id)
    return key


def test_a_key_is_revoked_once_it_has_a_revocation_time(world):
    key = _key(world)
    assert not key.is_revoked and key.created_at <= clock.now() < key.created_at + timedelta(seconds=5)
    key.revoked_at = clock.now()
    assert key.is_revoked


def test_two_keys_cannot_share_a_hash(world):
    key = _key(world)
    db.session.add(Open311Key(name="抄的", node_id=world.C1.id, key_hash=key.key_hash, created_by_id=world.staff1.id))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_a_request_is_filed_through_open311_once(world, spec):
    plain, _ = keys.issue_key(world.staff1, name="热线", node_id=world.C1.id)
    db.session.commit()
    response = spec.post(api_key=plain, service_code="environment", description="垃圾满了",
                                          lat="39.9", long="116.4")
    assert response.status_code == 201, response.get_data(as_text=True)
    db.session.expire_all()
    (filed,) = db.session.scalars(db.select(Open311Submission)).all()
    assert len(filed.token) == 36 and filed.key.name == "热线"
    assert db.session.get(Request, filed.request_id).channel == "open311"
    db.session.add(Open311Submission(key_id=filed.key_id, request_id=filed.request_id))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
