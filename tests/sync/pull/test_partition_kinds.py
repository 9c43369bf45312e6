"""The partition kinds residents get beside their household (docs/SYNC.md,
"Partition kinds"), through a test-only collection (tests/sync/kinds_example)
that serves them: its community's public records, the street-shared records
of the street's other communities, and the records naming the resident;
retirements, deletes, moves and scope changes reach exactly the devices that
held the records; cursors made before the kinds existed continue."""

import uuid

import pytest

from backend import create_app
from backend.areas import AREAS
from backend.common import utcnow
from backend.extensions import db
from backend.registry import services as registry
from sync import cursor as cursors
from sync.models import Tombstone
from tests.factories import user
from tests.sync.conftest import Device
from tests.sync.kinds_example.models import Share

CONFIG_KEYS = ("TESTING", "SECRET_KEY", "SQLALCHEMY_DATABASE_URI", "SESSION_COOKIE_SECURE", "WTF_CSRF_SSL_STRICT")


@pytest.fixture
def shares_app(app):
    """The application with the shares area, on the tests' database, plus its table."""
    config = {key: app.config[key] for key in CONFIG_KEYS}
    extended = create_app({**config, "LINLI_AREAS": (*AREAS, "tests.sync.kinds_example")})
    extended.test_client_class = app.test_client_class
    with extended.app_context():
        Share.__table__.create(db.engine)
    yield extended
    with extended.app_context():
        db.session.remove()
        Share.__table__.drop(db.engine)
        db.engine.dispose()
    create_app(config)  # the process's sync registry: the default areas again


@pytest.fixture
def town(world, shares_app):
    """The world (C1 and C2 on street S1, V1 alone on S2) with a resident in each
    community besides resident1 (H1 in C1): resident2 in C2, resident3 in V1,
    resident4 in C1 (H2); and the ids of all of it."""
    made = {"resident2": user("resident2", "resident", home=world.H5),
            "resident3": user("resident3", "resident", home=world.H3),
            "resident4": user("resident4", "resident", home=world.H2)}
    db.session.commit()
    return {name: getattr(world, name).id for name in ("C1", "C2", "V1", "G3", "H1", "resident1")} | {
        name: account.id for name, account in made.items()}


def add(app, community, reach="community", owner=None, helper=None, title="") -> str:
    with app.app_context():
        share = Share(id=str(uuid.uuid4()), community_id=community, owner_id=owner or str(uuid.uuid4()),
                      helper_id=helper, reach=reach, title=title)
        db.session.add(share)
        db.session.commit()
        return share.id


def change(app, share_id, **values) -> None:
    with app.app_context():
        share = db.session.get(Share, share_id)
        for name, value in values.items():
            setattr(share, name, value)
        db.session.commit()


def pulled(device) -> list[dict]:
    """Pull to the end, as the device does; the changes of shares it was sent."""
    seen, pull_page = [], device.pull_page

    def page(limit=500):
        answer = pull_page(limit)
        seen.extend(c for c in answer["changes"] if c["collection"] == "shares")
        return answer

    device.pull_page = page
    try:
        device.pull()
    finally:
        del device.pull_page
    return seen


def devices(app, *names):
    client = app.test_client()
    return [Device(client, name) for name in names]


def test_a_resident_receives_the_public_records_of_their_community_and_the_street_s_shared_ones(shares_app, town):
    t = town
    public = add(shares_app, t["C1"], title="借梯子")
    private = add(shares_app, t["C1"], "private")
    street_c1 = add(shares_app, t["C1"], "street")
    public_c2 = add(shares_app, t["C2"])
    street_c2 = add(shares_app, t["C2"], "street", title="修自行车")
    public_v1, street_v1 = add(shares_app, t["V1"]), add(shares_app, t["V1"], "street")
    one, two, three, staff, worker = devices(shares_app, "resident1", "resident2", "resident3", "staff1", "worker1")
    for device in (one, two, three, staff, worker):
        device.pull()
    assert one.ids("shares") == {public, street_c1, street_c2}
    assert one.get("shares", street_c2)["title"] == "修自行车"
    assert two.ids("shares") == {public_c2, street_c2, street_c1}
    assert three.ids("shares") == {public_v1, street_v1}  # alone on its street
    assert staff.ids("shares") == {public, private, street_c1}  # "all" of C1, as before
    assert worker.ids("shares") == set()  # the collection serves no grid


def test_user_records_reach_the_users_they_name_and_never_others(shares_app, town):
    t = town
    mine = add(shares_app, t["C1"], "private", owner=t["resident1"], helper=t["resident2"])
    helped = add(shares_app, t["C2"], "private", owner=t["resident2"], helper=t["resident1"])
    theirs = add(shares_app, t["C1"], "private", owner=t["resident4"])
    far = add(shares_app, t["V1"], "private", owner=t["resident3"], helper=t["resident1"])
    one, two, three, four = devices(shares_app, "resident1", "resident2", "resident3", "resident4")
    for device in (one, two, three, four):
        device.pull()
    assert one.ids("shares") == {mine, helped}  # V1 is on another street: not one of resident1's spaces
    assert two.ids("shares") == {mine, helped}
    assert three.ids("shares") == {far}
    assert four.ids("shares") == {theirs}
    change(shares_app, mine, helper_id=t["resident4"])  # a user column changes: the old one's copy leaves
    assert [(c["id"], c["reason"]) for c in pulled(two)] == [(mine, "out_of_scope")]
    assert [c["id"] for c in pulled(four) if not c["deleted"]] == [mine]
    assert pulled(one)[0]["data"]["helper_id"] == t["resident4"]
    assert two.ids("shares") == {helped} and four.ids("shares") == {theirs, mine}


def test_retired_and_deleted_records_leave_the_devices_that_hold_them(shares_app, town):
    t = town
    public = add(shares_app, t["C1"])
    street = add(shares_app, t["C2"], "street")
    private = add(shares_app, t["C2"], "private", owner=t["resident1"])
    gone = add(shares_app, t["C1"], "private", owner=t["resident4"], helper=t["resident1"])
    one, two = devices(shares_app, "resident1", "resident2")
    one.pull()
    two.pull()
    assert one.ids("shares") == {public, street, private, gone}
    for share_id in (public, street, private):
        change(shares_app, share_id, retired_at=utcnow())
    with shares_app.app_context():
        db.session.delete(db.session.get(Share, gone))
        db.session.commit()
    with shares_app.app_context():
        named = db.session.execute(db.select(Tombstone.record_id, Tombstone.user_id, Tombstone.reason)
                                   .where(Tombstone.user_id.is_not(None))).all()
    # one for each user the deleted record named; a retirement leaves none (the row stays)
    assert sorted(named) == sorted([(gone, t["resident1"], "deleted"), (gone, t["resident4"], "deleted")])
    reasons = {c["id"]: c["reason"] for c in pulled(one)}
    assert reasons == {public: "retired", street: "retired", private: "retired", gone: "deleted"}
    assert one.ids("shares") == set()
    got = {c["id"]: c["reason"] for c in pulled(two)}
    assert got[street] == "retired" and private not in got  # resident1's, in C2: never resident2's
    assert two.ids("shares") == set()


def test_a_resident_moving_to_another_street_leaves_the_old_street_s_records_and_gets_the_new(shares_app, town,
                                                                                              world):
    t = town
    old = {add(shares_app, t["C1"]), add(shares_app, t["C1"], "street"), add(shares_app, t["C2"], "street"),
           add(shares_app, t["C2"], "private", owner=t["resident1"]), add(shares_app, t["C1"], "private",
                                                                           helper=t["resident1"])}
    new = {add(shares_app, t["V1"]), add(shares_app, t["V1"], "street"),
           add(shares_app, t["V1"], "private", owner=t["resident1"])}
    add(shares_app, t["V1"], "private", owner=t["resident3"])
    one, = devices(shares_app, "resident1")
    one.pull()
    assert one.ids("shares") == old
    registry.move_household(world.admin, world.H1, t["G3"])  # to V1, on street S2
    db.session.commit()
    changes = pulled(one)
    assert {c["id"]: c["reason"] for c in changes if c["deleted"]} == dict.fromkeys(old, "out_of_scope")
    assert {c["id"] for c in changes if not c["deleted"]} == new
    assert one.ids("shares") == new
    assert t["H1"] in one.ids("households")  # the household follows its own partition


def test_a_record_moved_to_another_community_leaves_the_user_partition_of_exactly_the_named(shares_app, town):
    t = town
    away = add(shares_app, t["C1"], "private", owner=t["resident1"], helper=t["resident2"])
    near = add(shares_app, t["C1"], "private", owner=t["resident4"], helper=t["resident2"])
    one, two, three, four, staff1, station = devices(shares_app, "resident1", "resident2", "resident3",
                                                     "resident4", "staff1", "station1")
    for device in (one, two, three, four, staff1, station):
        device.pull()
    change(shares_app, away, community_id=t["V1"])  # out of street S1
    change(shares_app, near, community_id=t["C2"])  # into resident2's own community
    with shares_app.app_context():
        named = db.session.execute(db.select(Tombstone.record_id, Tombstone.space_id, Tombstone.user_id)
                                   .where(Tombstone.user_id.is_not(None))).all()
    assert sorted(named) == sorted([(away, t["C1"], t["resident1"]), (away, t["C1"], t["resident2"]),
                                    (near, t["C1"], t["resident2"]), (near, t["C1"], t["resident4"])])
    # C1's public partition hears of both moves too (it cannot tell a private record's tombstone
    # from a public one's): a delete of a record a device does not hold changes nothing.
    assert {(c["id"], c["reason"]) for c in pulled(one)} == {(away, "out_of_scope"), (near, "out_of_scope")}
    moved = pulled(two)
    assert {(c["id"], c["reason"]) for c in moved if c["deleted"]} == {(away, "out_of_scope")}
    assert two.get("shares", near)["community_id"] == t["C2"]  # still named, in a space of theirs: no delete
    assert [c["id"] for c in pulled(four) if not c["deleted"]] == [near]  # C2 is on resident4's street
    assert pulled(three) == []  # in V1 now, naming nobody there
    staff_changes = pulled(staff1)  # "all" of C1: one delete each, never the users' copies
    assert sorted((c["id"], c["reason"]) for c in staff_changes) == sorted([(away, "out_of_scope"),
                                                                           (near, "out_of_scope")])
    assert [c["id"] for c in pulled(station)] == [away]  # "all" of V1
    assert one.ids("shares") == set() and two.ids("shares") == four.ids("shares") == {near}
    assert staff1.ids("shares") == set()


def test_a_change_of_reach_leaves_the_street_but_not_the_community(shares_app, town):
    t = town
    shared = add(shares_app, t["C1"], "street")
    one, two = devices(shares_app, "resident1", "resident2")
    one.pull()
    two.pull()
    assert shared in one.ids("shares") and shared in two.ids("shares")
    change(shares_app, shared, reach="community")
    assert [(c["id"], c["reason"]) for c in pulled(two)] == [(shared, "out_of_scope")]
    assert [c["data"]["reach"] for c in pulled(one)] == ["community"]
    assert two.ids("shares") == set() and one.ids("shares") == {shared}


def test_a_cursor_made_before_the_kinds_continues_and_gets_their_records_from_the_start(shares_app, town):
    t = town
    public, street = add(shares_app, t["C1"]), add(shares_app, t["C2"], "street")
    one, = devices(shares_app, "resident1")
    one.pull()
    held = {key: dict(value) for key, value in one.records.items() if key[0] != "shares"}
    assert {name for name, _id in held} >= {"households", "residents"}
    with shares_app.app_context():
        positions = cursors.decode(t["resident1"], one.cursor, 2)
        household = f"{t['C1']}:household:{t['H1']}"
        old = cursors.encode(t["resident1"], {household: positions[household]}, 2)  # as version 1 made them
    one.cursor, one.records = old, dict(held)
    changes = one.pull_page()
    assert changes["reset"] is False and changes["has_more"] is False
    assert {(c["collection"], c["id"]) for c in changes["changes"]} == {("shares", public), ("shares", street)}
    with shares_app.app_context():
        assert cursors.decode(t["resident1"], changes["cursor"], 2) == positions
