"""`flask rotate-field-key` seals every stored ciphertext again under the new
key, batch by batch, and is safe to run twice or after an interruption;
`flask rebuild-blind-index` recomputes the look-up hashes after the index key
changed. Read from the raw rows, on the real database."""

import pytest
from sqlalchemy import text

from backend.extensions import db
from backend.registry import services as registry
from backend.registry.models import Resident
from backend.sensitive import keys, rotation
from tests.factories import RequestFactory, UserFactory

OLD = "k1:test-field-key-0001"
NEW = "k2:a-brand-new-field-key"

SEALED = (("households", "phone_enc"), ("residents", "id_number_enc"), ("residents", "phone_enc"),
          ("requests", "requester_phone_enc"), ("users", "phone_enc"), ("users", "claimed_address_enc"))


def _raw(table, column):
    return [value for (value,) in db.session.execute(
        text(f"SELECT {column} FROM {table} WHERE {column} IS NOT NULL ORDER BY id"))]


def _sealed_values():
    return {(table, column): sorted(keys.decrypt(v) for v in _raw(table, column)) for table, column in SEALED}


@pytest.fixture
def sealed_world(world):
    RequestFactory(household=world.H1, requester_phone="13900000002")
    for n in range(5):
        UserFactory(role="resident", status="pending", community=world.C1, phone=f"1370000000{n}",
                    claimed_address=f"幸福小区{n}号楼")
    db.session.commit()
    assert all(_raw(table, column) for table, column in SEALED)
    return world


def _run(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


def test_rotation_seals_everything_under_the_new_key_and_it_still_reads(app, sealed_world, monkeypatch):
    r1 = sealed_world.R1.id
    before = _sealed_values()
    stamps = db.session.execute(text("SELECT id, version, updated_at FROM residents ORDER BY id")).all()
    db.session.remove()
    monkeypatch.setitem(app.config, "FIELD_KEYS", f"{NEW},{OLD}")
    result = _run(app, "rotate-field-key", "--batch-size", "2")
    assert result.exit_code == 0, result.output
    assert "under k2" in result.output
    for table, column in SEALED:
        assert all(v.startswith("k2:") for v in _raw(table, column)), (table, column)
    monkeypatch.setitem(app.config, "FIELD_KEYS", NEW)  # the old key is gone: everything still opens
    assert _sealed_values() == before
    assert registry.masked(db.session.get(Resident, r1), "id_number") \
        == "1****************X"
    # A rotation changes no record: no new version for devices, no new updated_at.
    assert db.session.execute(text("SELECT id, version, updated_at FROM residents ORDER BY id")).all() == stamps


def test_rotation_is_idempotent_and_resumable(app, sealed_world, monkeypatch):
    monkeypatch.setitem(app.config, "FIELD_KEYS", f"{NEW},{OLD}")
    users = db.metadata.tables["users"]
    columns = [users.c.phone_enc, users.c.claimed_address_enc]
    assert rotation.reseal_batch(db.session, users, columns, 2) == 2  # interrupted after one batch
    db.session.commit()
    assert rotation.stale_count(db.session, users, columns) > 0
    first = _run(app, "rotate-field-key")
    assert first.exit_code == 0, first.output
    assert rotation.stale_count(db.session, users, columns) == 0
    sealed = {(t, c): _raw(t, c) for t, c in SEALED}
    again = _run(app, "rotate-field-key")
    assert again.exit_code == 0 and "Done: 0 rows" in again.output
    assert {(t, c): _raw(t, c) for t, c in SEALED} == sealed  # nothing sealed twice


def test_rotation_with_a_missing_key_stops_loudly_and_changes_nothing(app, sealed_world, monkeypatch):
    sealed = {(t, c): _raw(t, c) for t, c in SEALED}
    db.session.remove()
    monkeypatch.setitem(app.config, "FIELD_KEYS", NEW)  # k1 forgotten
    result = _run(app, "rotate-field-key")
    assert result.exit_code != 0 and "'k1'" in result.output and "LINLI_FIELD_KEYS" in result.output
    monkeypatch.setitem(app.config, "FIELD_KEYS", OLD)
    assert {(t, c): _raw(t, c) for t, c in SEALED} == sealed


def test_rebuild_blind_index_after_the_index_key_changed(app, sealed_world, monkeypatch):
    before = _raw("residents", "id_number_hash")
    assert before == [keys.blind_index("11010119400101123X")]
    monkeypatch.setitem(app.config, "INDEX_KEY", "a-brand-new-index-key")
    assert keys.blind_index("11010119400101123X") not in before  # stale hashes until the rebuild
    db.session.remove()
    result = _run(app, "rebuild-blind-index", "--batch-size", "1")
    assert result.exit_code == 0, result.output
    assert _raw("residents", "id_number_hash") == [keys.blind_index("11010119400101123X")]
    assert _run(app, "rebuild-blind-index").exit_code == 0  # and again: nothing changes
    assert _raw("residents", "id_number_hash") == [keys.blind_index("11010119400101123X")]


def test_rebuild_blind_index_with_a_wrong_field_key_stops_loudly(app, sealed_world, monkeypatch):
    db.session.remove()
    monkeypatch.setitem(app.config, "FIELD_KEYS", "k1:not-the-key-that-sealed-it")
    result = _run(app, "rebuild-blind-index")
    assert result.exit_code != 0 and "wrong key" in result.output
