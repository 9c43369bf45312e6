"""A patrol report's table: defaults, and its place: the grid's community,
whatever the writer says, and it follows its grid to another community."""

from backend.common import utcnow
from backend.extensions import db
from backend.fieldwork.patrols.models import PatrolReport
from backend.org.placement import services as placement
from tests.factories import PatrolReportFactory


def test_a_report_takes_its_grids_community(world):
    report = PatrolReport(grid_id=world.G3.id, community_id=world.C1.id, author_id=world.station1.id,
                          category="repair", reported_at=utcnow())
    db.session.add(report)
    db.session.flush()
    assert report.community_id == world.V1.id
    assert (report.description, report.photos, report.photo_times, report.location) == ("", [], None, None)
    assert report.version > 0 and report.created_at is not None


def test_a_report_follows_its_grid_when_the_grid_moves(world):
    report = PatrolReportFactory(grid=world.G2, author=world.worker2)
    db.session.commit()
    placement.move_node(db.session, world.G2, world.C2)
    db.session.commit()
    db.session.expire_all()
    moved = db.session.get(PatrolReport, report.id)
    assert (moved.grid_id, moved.community_id) == (world.G2.id, world.C2.id)
