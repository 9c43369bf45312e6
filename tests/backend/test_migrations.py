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
