"""What a rotation reaches: every column the models declare sealed (and
nothing else), and the blind index with its source; a batch seals only what
is not under the current key yet."""

from sqlalchemy import text

from backend.extensions import db
from backend.sensitive import keys, rotation


def test_every_sealed_column_of_the_models_is_found(ctx):
    found = {(table.name, column.name) for table, columns in rotation.sealed_columns(db.metadata)
             for column in columns}
    assert found >= {("households", "phone_enc"), ("residents", "id_number_enc"), ("residents", "phone_enc"),
                     ("requests", "requester_phone_enc"), ("users", "phone_enc"), ("users", "claimed_address_enc")}
    assert all(name.endswith("_enc") for _table, name in found)
    assert [(t.name, i.name, s.name) for t, i, s in rotation.indexed_columns(db.metadata)] == [
        ("residents", "id_number_hash", "id_number_enc")]


def test_a_batch_seals_legacy_and_old_ciphertexts_only(app, world, monkeypatch):
    households = db.metadata.tables["households"]
    legacy = keys.keyring().legacy.encrypt(b"13800000009").decode()  # before key ids
    db.session.execute(text("UPDATE households SET phone_enc = :v WHERE id = :id"), {"v": legacy, "id": world.H2.id})
    db.session.execute(text("UPDATE households SET phone_enc = '' WHERE id = :id"), {"id": world.H5.id})
    db.session.commit()
    assert rotation.stale_count(db.session, households, [households.c.phone_enc]) == 1  # H1 is under k1 already
    monkeypatch.setitem(app.config, "FIELD_KEYS", "k2:a-brand-new-field-key,k1:test-field-key-0001")
    assert rotation.stale_count(db.session, households, [households.c.phone_enc]) == 2
    assert rotation.reseal_batch(db.session, households, [households.c.phone_enc], 10) == 2
    assert rotation.reseal_batch(db.session, households, [households.c.phone_enc], 10) == 0
    rows = dict(db.session.execute(text("SELECT id, phone_enc FROM households")).all())
    assert keys.decrypt(rows[world.H2.id]) == "13800000009" and rows[world.H2.id].startswith("k2:")
    assert keys.decrypt(rows[world.H1.id]) == "13800000001" and rows[world.H1.id].startswith("k2:")
    assert rows[world.H5.id] == ""
