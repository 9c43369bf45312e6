import pytest

from backend.extensions import db
from backend.points import earning, services


@pytest.fixture
def funded(world):
    """World with C1's pool funded with 1,000 points by staff1."""
    services.grant(db.session, world.staff1, world.C1.id, 1000)
    db.session.commit()
    return world


def give(world, user, points: int, reference: str | None = None):
    """`user` of C1 earns `points` by volunteer hours (the pool must hold them)."""
    return earning.award(db.session, community_id=world.C1.id, user_id=user.id, rule="hours",
                         reference=reference or f"test:{user.id}:{points}", quantity=points / 10)
