import pytest

from backend.extensions import db
from backend.points import services


@pytest.fixture
def funded(world):
    """World with C1's pool funded with 1,000 points by staff1."""
    services.grant(db.session, world.staff1, world.C1.id, 1000)
    db.session.commit()
    return world
