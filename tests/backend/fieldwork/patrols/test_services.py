"""Filing a patrol report: checked by the schema, in a live grid of the
author's area, placed in the grid's community, by the author."""

import pytest

from backend.common import new_id, utcnow
from backend.errors import Invalid
from backend.extensions import db
from backend.fieldwork.patrols import services as patrols
from backend.fieldwork.patrols.models import PatrolReport

SHA = "c" * 64


def body(grid, **extra) -> dict:
    return {"grid_id": grid.id, "category": "safety_hazard", "description": "飞线充电",
            "reported_at": "2026-11-27T09:00:00+08:00"} | extra


def invalid(actor, data) -> dict:
    with pytest.raises(Invalid) as raised:
        patrols.validate_new(actor, new_id(), data)
    return raised.value.errors


def test_a_report_is_filed_by_its_author_in_the_grids_community(world):
    record_id = new_id()
    patrols.report(world.worker1, record_id, body(world.G1, photos=[SHA],
                                                         photo_times={SHA: "2026-11-27T08:55:00+08:00"},
                                                         location={"lat": 36.1, "lng": 117.2, "accuracy": 9}))
    db.session.expire_all()
    stored = db.session.get(PatrolReport, record_id)
    assert (stored.grid_id, stored.community_id, stored.author_id, stored.category) == (
        world.G1.id, world.C1.id, world.worker1.id, "safety_hazard")
    assert (stored.photos, stored.photo_times) == ([SHA], {SHA: "2026-11-27T08:55:00+08:00"})
    assert stored.location == {"lat": 36.1, "lng": 117.2, "accuracy": 9}
    assert stored.reported_at.isoformat() == "2026-11-27T01:00:00"


def test_a_station_operator_reports_in_its_village(world):
    assert patrols.validate_new(world.station1, new_id(), body(world.G3))["community_id"] == world.V1.id


@pytest.mark.parametrize("where", ["G2", "C1", "B1", "nope"])
def test_only_a_grid_of_ones_area(world, where):
    grid_id = world.nodes[where].id if where in world.nodes else where
    assert set(invalid(world.worker1, body(world.G1, grid_id=grid_id))) == {"grid_id"}


def test_not_in_a_retired_grid_and_not_by_readers(world):
    assert set(invalid(world.street1, body(world.G1))) == {"grid_id"}  # officers read, they do not file
    world.G1.retired_at = utcnow()
    db.session.commit()
    assert set(invalid(world.worker1, body(world.G1))) == {"grid_id"}


def test_the_schema_words_bad_input(world):
    assert set(invalid(world.worker1, {"grid_id": world.G1.id, "category": "x"})) == {
        "category", "description", "reported_at"}


def test_a_batch_looks_each_grid_up_once(world):
    grids: dict = {}
    patrols.validate_new(world.worker1, new_id(), body(world.G1), grids)
    assert grids == {world.G1.id: world.G1}
    # Once known, the batch's grid is used as it is (the rule is still asked).
    assert set(invalid(world.worker2, body(world.G1))) == {"grid_id"}
    with pytest.raises(Invalid):
        patrols.validate_new(world.worker2, new_id(), body(world.G1), grids)
