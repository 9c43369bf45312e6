"""The migrations and the models agree, on the database this run uses
(LINLI_TEST_DB: SQLite or PostgreSQL), and the migrations go down and up."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import func, inspect, select

from backend import create_app
from backend.extensions import db
from backend.registry.models import CareTag
from tests.backend.shared import scratch_database_url


@pytest.fixture(scope="module")
def fresh_app(tmp_path_factory):
    url, drop = scratch_database_url(tmp_path_factory.mktemp("migrations"))
    app = create_app({"TESTING": True, "SECRET_KEY": "test-secret", "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    drop()


def _differences(app) -> list:
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={
            "compare_type": True,
            "compare_server_default": True,
            "render_as_batch": True,
        })
        return compare_metadata(context, db.metadata)


def _tables(app) -> set[str]:
    with app.app_context():
        return set(inspect(db.engine).get_table_names())


def test_models_and_migrations_agree(fresh_app):
    assert _tables(fresh_app) >= {t.name for t in db.metadata.sorted_tables}
    assert _differences(fresh_app) == []


def test_downgrade_to_base_and_upgrade_again(fresh_app):
    directory = fresh_app.extensions["migrate"].directory
    with fresh_app.app_context():
        downgrade(directory=directory, revision="base")
    assert _tables(fresh_app) <= {"alembic_version"}
    with fresh_app.app_context():
        upgrade(directory=directory)
        assert db.session.scalar(select(func.count()).select_from(CareTag).where(CareTag.builtin)) == 9
        db.session.remove()
    assert _differences(fresh_app) == []


def test_0015_seals_legacy_values_and_accounts_clear_contacts(tmp_path_factory):
    """A database from before key ids: ciphertexts without a key id (under the
    key derived from SECRET_KEY), accounts' phones and addresses in clear, the
    blind index under the old key. After the upgrade everything is under the
    current key id, reads back the same, and the clear columns are empty."""
    import base64
    import hashlib

    from cryptography.fernet import Fernet
    from sqlalchemy import text

    from backend.sensitive import keys
    from tests.factories import UserFactory, build_world

    url, drop = scratch_database_url(tmp_path_factory.mktemp("legacy"))
    app = create_app({"TESTING": True, "SECRET_KEY": "the-old-secret-key", "SQLALCHEMY_DATABASE_URI": url,
                      "FIELD_KEYS": "k7:the-new-field-key-77", "INDEX_KEY": "the-new-index-key-77"})
    directory = app.extensions["migrate"].directory
    legacy = Fernet(base64.urlsafe_b64encode(hashlib.sha256(b"linli-field-encryption:the-old-secret-key").digest()))
    try:
        with app.app_context():
            upgrade(directory=directory)
            world = build_world()
            UserFactory(username="newcomer", role="resident", status="pending", community=world.C1,
                        phone="13700000007", claimed_address="幸福小区9号楼")
            db.session.commit()
            ids = {"H1": world.H1.id, "R1": world.R1.id}
            for table, column in (("households", "phone_enc"), ("residents", "id_number_enc"),
                                  ("residents", "phone_enc")):
                for row_id, value in db.session.execute(text(f"SELECT id, {column} FROM {table} "
                                                             f"WHERE {column} IS NOT NULL")).all():
                    old = legacy.encrypt(keys.decrypt(value).encode()).decode()
                    db.session.execute(text(f"UPDATE {table} SET {column} = :v WHERE id = :id"),
                                       {"v": old, "id": row_id})
            db.session.execute(text("UPDATE residents SET id_number_hash = 'an-old-hash'"))
            db.session.commit()
            downgrade(directory=directory, revision="0014_consent")
            clear = db.session.execute(text("SELECT phone, claimed_address FROM users "
                                            "WHERE username = 'newcomer'")).one()
            assert tuple(clear) == ("13700000007", "幸福小区9号楼")  # as Linli kept them before
            db.session.remove()

            upgrade(directory=directory)
            user = db.session.execute(text("SELECT phone, claimed_address, phone_enc, claimed_address_enc "
                                           "FROM users WHERE username = 'newcomer'")).one()
            assert (user.phone, user.claimed_address) == (None, None)
            assert user.phone_enc.startswith("k7:") and keys.decrypt(user.phone_enc) == "13700000007"
            assert keys.decrypt(user.claimed_address_enc) == "幸福小区9号楼"
            household = db.session.execute(text("SELECT phone_enc FROM households WHERE id = :id"),
                                           {"id": ids["H1"]}).scalar_one()
            resident = db.session.execute(text("SELECT id_number_enc, phone_enc, id_number_hash FROM residents "
                                               "WHERE id = :id"), {"id": ids["R1"]}).one()
            assert household.startswith("k7:") and keys.decrypt(household) == "13800000001"
            assert resident.id_number_enc.startswith("k7:")
            assert keys.decrypt(resident.id_number_enc) == "11010119400101123X"
            assert resident.id_number_hash == keys.blind_index("11010119400101123X")
            db.session.remove()
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        drop()
