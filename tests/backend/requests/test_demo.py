"""The requests' part of the demo city, seeded into the test world: departments and
reply templates everywhere, a dispatch catalogue per community, and the stories of
requests in every state, written through the services and swept once."""

from sqlalchemy import select

from backend.extensions import db
from backend.ratings.models import Rating
from backend.requests import demo
from backend.requests.models import CatalogueEntry, Department, ReplyTemplate, Request, RequestEvent
from tests.backend.requests.conftest import NOW
from tests.factories import build_world, empty_database


def _populate(world, seed=7):
    for name, code in (("C1", "C01"), ("C2", "C02"), ("V1", "C03")):  # the stories go in code order
        world.nodes[name].code = code
    db.session.commit()
    return demo.populate(seed, now=NOW)


def _requests(community):
    return db.session.scalars(select(Request).where(Request.community_id == community.id)
                              .order_by(Request.created_at, Request.id)).all()


def test_every_story_is_told_in_the_first_community_and_five_in_the_next(world):
    assert _populate(world) == {"requests": len(demo.STORIES) + 5, "departments": 8, "made": len(demo.STORIES) + 5}
    first = _requests(world.C1)
    assert sorted(r.description for r in first) == sorted(text for _c, text, _h, _s in demo.STORIES)
    assert {r.status for r in first} == {"submitted", "accepted", "dispatched", "in_progress", "returned",
                                         "escalated", "resolved", "closed", "withdrawn"}
    assert len(_requests(world.C2)) == 5
    assert _requests(world.V1) == []  # no community staff there to handle them
    for request in first:
        events = db.session.scalars(select(RequestEvent.kind).where(RequestEvent.request_id == request.id)
                                    .order_by(RequestEvent.version)).all()
        assert events[0] == "submitted" and request.created_at <= NOW, request.description


def test_the_residents_own_stories_and_the_sweep(world):
    _populate(world)
    by_text = {r.description: r for r in _requests(world.C1)}
    own = {r.description: r.status for r in by_text.values() if r.requester_id == world.resident1.id}
    assert len(own) == 4 and "withdrawn" in own.values() and "closed" in own.values()
    rated = next(r for r in by_text.values() if r.requester_id == world.resident1.id and r.status == "closed")
    assert db.session.scalar(select(Rating.score).where(Rating.target_id == rated.id)) == 5
    # Thirty hours without being accepted: flagged and escalated to the street by the sweep.
    door = by_text["3号楼单元门禁坏了，陌生人随便进出。"]
    assert door.overdue and door.overdue_stage == "accept"
    assert (door.status, door.level, door.holder_node_id) == ("escalated", "street", world.S1.id)
    fresh = by_text["楼下垃圾桶满溢三天没人清运，气味很大。"]  # an hour old: within its two hours
    assert (fresh.status, fresh.overdue) == ("submitted", False)


def test_departments_templates_and_catalogues_everywhere(world):
    _populate(world)
    names = set(db.session.scalars(select(Department.name).where(Department.node_id == world.S1.id)))
    assert names == {f"东街道{name}" for name, _contact in demo.DEPARTMENTS}
    assert set(db.session.scalars(select(Department.name).where(Department.node_id == world.D.id))) \
        == {name for name, _contact in demo.DISTRICT_DEPARTMENTS}
    for community in (world.C1, world.C2, world.V1):
        titles = db.session.scalars(select(ReplyTemplate.title).where(ReplyTemplate.community_id == community.id)
                                    .order_by(ReplyTemplate.sort_order)).all()
        assert titles == [title for title, _body in demo.REPLY_TEMPLATES], community.name
        catalogue = {e.category_code: e.department for e in db.session.scalars(
            select(CatalogueEntry).where(CatalogueEntry.community_id == community.id))}
        street = community.parent
        assert {code: (d.node_id, d.name) for code, d in catalogue.items()} == {
            code: (street.id, f"{street.name}{name}") for code, name in demo.CATALOGUE.items()}, community.name


def test_the_same_seed_tells_the_same_stories(world):
    _populate(world)
    told = [(r.id, r.status, r.description) for r in _requests(world.C2)]
    empty_database()
    _populate(build_world())
    again = db.session.scalars(select(Request).where(Request.community.has(name="和平社区"))
                               .order_by(Request.created_at, Request.id)).all()
    assert [(r.id, r.status, r.description) for r in again] == told
