"""The engine's tables: their defaults, keys and what follows a deleted
device or account."""

import uuid

import pytest
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from backend.auth.models import Device, User
from backend.extensions import db
from sync.models import AppliedMutation, Attachment, AttachmentRef, Conflict, SyncDevice, SyncSpace, Tombstone
from tests.factories import DeviceFactory
from tests.timing import EPOCH


def committed(*rows):
    db.session.add_all(rows)
    db.session.commit()


def refused(*rows):
    db.session.add_all(rows)
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_a_space_is_a_node_and_starts_at_nothing(world):
    fresh = SyncSpace(id=world.G3.id)  # no write stamped in it yet
    committed(fresh)
    assert (fresh.version, fresh.purged_below) == (0, 0)
    refused(SyncSpace(id=str(uuid.uuid4())))  # not a node


def test_a_tombstone_says_deleted_unless_told_and_when(world):
    tomb = Tombstone(space_id=world.C1.id, version=1, collection="households", record_id="r")
    committed(tomb)
    assert tomb.reason == "deleted" and tomb.id is not None
    assert EPOCH <= tomb.at < EPOCH.replace(hour=EPOCH.hour + 1)


def test_a_conflict_opens_and_records_its_time(world):
    conflict = Conflict(id=str(uuid.uuid4()), space_id=world.C1.id, collection="households", record_id=world.H1.id,
                        mutation_id=str(uuid.uuid4()), user_id=world.worker1.id,
                        fields={"notes": {"server": "a", "client": "b", "winner": "server"}}, rule="last_write_wins")
    committed(conflict)
    db.session.expire_all()
    stored = db.session.get(Conflict, conflict.id)
    assert stored.status == "open" and stored.created_at >= EPOCH and stored.settled_at is None
    assert stored.fields["notes"]["winner"] == "server"


def test_a_photo_is_stored_once_and_named_by_many(world):
    sha = "a" * 64
    committed(Attachment(sha256=sha, content_type="image/png", size=3, data=b"png"))
    refused(Attachment(sha256=sha, content_type="image/png", size=4, data=b"png2"))
    assert db.session.get(Attachment, sha).data == b"png"
    committed(AttachmentRef(sha256=sha, collection="visits", record_id="v1"),
              AttachmentRef(sha256=sha, collection="visits", record_id="v2"))
    refused(AttachmentRef(sha256=sha, collection="visits", record_id="v1"))


def test_a_devices_sync_state_goes_with_the_device(world):
    device = DeviceFactory(user=world.worker1)
    db.session.commit()
    committed(SyncDevice(device_pk=device.id))
    assert db.session.get(SyncDevice, device.id).pushes == 0
    db.session.execute(delete(Device).where(Device.id == device.id))
    db.session.commit()
    assert db.session.scalar(select(SyncDevice.device_pk)) is None


def test_applied_mutations_are_unique_and_go_with_their_account(world):
    mutation_id = str(uuid.uuid4())
    row = dict(user_id=world.worker2.id, device_id="d", payload_hash="0" * 64, result={"status": "applied"})
    committed(AppliedMutation(id=mutation_id, **row))
    assert db.session.get(AppliedMutation, mutation_id).applied_at >= EPOCH
    refused(AppliedMutation(id=mutation_id, **row))
    db.session.execute(delete(User).where(User.id == world.worker2.id))
    db.session.commit()
    assert db.session.get(AppliedMutation, mutation_id) is None
