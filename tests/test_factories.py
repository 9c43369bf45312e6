"""The factories build what the services would: placement follows the grid, members are counted,
sensitive fields are encrypted, and records are flushed (stamped for sync) with the test's session."""

from backend.extensions import db
from backend.registry import sensitive
from tests.factories import (
    DeviceFactory,
    HouseholdFactory,
    NodeFactory,
    PatrolReportFactory,
    ResidentFactory,
    UserFactory,
    VisitFactory,
    VisitTaskFactory,
)


def test_a_household_and_its_residents_are_placed_counted_and_encrypted(ctx):
    community = NodeFactory(kind="community", name="测试社区")
    grid = NodeFactory(kind="grid", name="一网格", parent=community)
    home = HouseholdFactory(grid=grid, tags=["dibao"], phone="13800000009")
    ResidentFactory(home=home, id_number="11010119400101123X", tags=["elderly_alone"])
    ResidentFactory(home=home)
    db.session.commit()
    db.session.expire_all()
    assert grid.path == f"/{community.id}/{grid.id}/" and community.invite_code
    assert (home.grid_id, home.community_id, home.member_count) == (grid.id, community.id, 2)
    assert [t.code for t in home.care_tags] == ["dibao"]
    assert sensitive.decrypt(home.phone_enc) == "13800000009"
    tagged = next(r for r in home.residents if r.care_tags)
    assert tagged.id_number_hash == sensitive.blind_index("11010119400101123X")


def test_field_records_follow_their_household_and_are_stamped(ctx):
    grid = NodeFactory(kind="grid", parent=NodeFactory(kind="community", name="测试社区"))
    home = HouseholdFactory(grid=grid)
    worker = UserFactory(role="grid_worker", scopes=[grid])
    task, visit = VisitTaskFactory(household=home), VisitFactory(household=home, author=worker)
    patrol = PatrolReportFactory(grid=grid, author=worker)
    device = DeviceFactory(user=worker)
    db.session.commit()
    for record in (task, visit, patrol):
        assert (record.grid_id, record.community_id) == (grid.id, grid.parent_id)
        assert record.version  # the change feed stamped it on flush
    assert worker.scope_nodes == [grid] and device.user_id == worker.id
