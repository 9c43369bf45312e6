"""The registry's collections on devices: households and residents created
offline (once per id, in the user's area), households moved by their one
action, residents taking none; what devices receive of each."""

import uuid

from backend.extensions import db
from backend.registry.models import Household, Resident
from sync.areas.registry import HOUSEHOLDS, RESIDENTS


def one(phone, *args, **kwargs):
    response = phone.push_raw([phone.mutation(*args, **kwargs)])
    assert response.status_code == 200, response.get_json()
    return response.get_json()["results"][0]


def test_a_household_made_offline_reaches_the_office(world, device):
    worker, staff = device("worker1"), device("staff1")
    record_id = str(uuid.uuid4())
    result = one(worker, "households", "create", record_id, {"grid_id": world.G1.id, "address": "幸福小区9号",
                                                             "head_name": "赵六", "care_tags": ["dibao"]})
    assert result["status"] == "applied" and result["version"] > 0
    staff.pull()
    pulled = staff.get("households", record_id)
    assert pulled == {"version": result["version"], "id": record_id, "grid_id": world.G1.id, "building_id": None,
                      "community_id": world.C1.id, "address": "幸福小区9号", "head_name": "赵六", "member_count": 0,
                      "notes": None, "care_tags": ["dibao"]}
    again = one(worker, "households", "create", record_id, {"grid_id": world.G1.id, "address": "别处",
                                                            "head_name": "别人"})
    assert again["status"] == "rejected" and again["error"]["status"] == 409
    db.session.expire_all()
    assert db.session.get(Household, record_id).head_name == "赵六"


def test_a_household_outside_the_users_grids_is_refused(world, device):
    result = one(device("worker1"), "households", "create", data={"grid_id": world.G2.id, "address": "x",
                                                                  "head_name": "y"})
    assert result["status"] == "rejected" and "grid_id" in result["error"]["errors"]
    assert db.session.scalar(db.select(db.func.count()).select_from(Household)) == 4


def test_a_resident_joins_a_household_of_the_users_area(world, device):
    worker = device("worker1")
    outside = one(worker, "residents", "create", data={"household_id": world.H2.id, "name": "外人"})
    assert outside["status"] == "rejected" and outside["error"]["status"] == 422
    assert "household_id" in outside["error"]["errors"]
    unnamed = one(worker, "residents", "create", data={"name": "无户"})
    assert "household_id" in unnamed["error"]["errors"]
    record_id = str(uuid.uuid4())
    made = one(worker, "residents", "create", record_id, {"household_id": world.H1.id, "name": "张小小",
                                                          "gender": "F", "birth_date": "2020-02-29"})
    assert made["status"] == "applied"
    worker.pull()
    pulled = worker.get("residents", record_id)
    assert (pulled["household_id"], pulled["grid_id"], pulled["birth_date"]) == (world.H1.id, world.G1.id,
                                                                                "2020-02-29")
    assert worker.get("households", world.H1.id)["member_count"] == 3
    again = one(worker, "residents", "create", record_id, {"household_id": world.H1.id, "name": "重名"})
    assert again["error"]["status"] == 409
    assert db.session.get(Resident, record_id).name == "张小小"


def test_a_household_moves_by_its_one_action(world, device):
    staff, worker2 = device("staff1"), device("worker2")
    staff.pull()
    base = staff.get("households", world.H1.id)["version"]
    unknown = one(staff, "households", "action", world.H1.id, {}, action="demolish")
    assert unknown["status"] == "rejected" and unknown["error"]["title"] == "Unknown action"
    moved = one(staff, "households", "action", world.H1.id, {"grid_id": world.G2.id}, action="move")
    assert moved["status"] == "applied" and moved["version"] > base
    worker2.pull()
    assert worker2.get("households", world.H1.id)["grid_id"] == world.G2.id
    assert {world.R1.id, world.R1b.id} <= worker2.ids("residents")
    extra = staff.push_raw([staff.mutation("households", "action", world.H1.id, {"address": "x"}, action="move")])
    assert extra.status_code == 422 and "mutations.0.data.address" in extra.get_json()["errors"]


def test_residents_take_no_actions(world, device):
    result = one(device("staff1"), "residents", "action", world.R1.id, {}, action="move")
    assert result["status"] == "rejected" and result["error"]["status"] == 422
    db.session.expire_all()
    assert world.R1.household_id == world.H1.id


def test_the_collections_merge_by_their_rules_and_never_send_sensitive_columns():
    assert HOUSEHOLDS.rule == "last_write_wins" and RESIDENTS.rule == "server_wins"
    for collection in (HOUSEHOLDS, RESIDENTS):
        assert set(collection.merge_fields) <= set(collection.wire)
        assert not {"phone_enc", "id_number_enc", "id_number_hash"} & set(collection.wire.values())


def test_a_sensitive_tag_pushed_without_consent_is_rejected_naming_the_field(world, device):
    """A device that does not know consents still edits everything else; setting a sensitive tag is
    refused with a problem naming `consent` until it sends one (an additive field of the write)."""
    worker = device("worker1")
    worker.pull()
    base = worker.get("residents", world.R1.id)["version"]
    refused = one(worker, "residents", "update", world.R1.id, {"care_tags": ["elderly_alone", "rehabilitation"]},
                  base_version=base)
    assert refused["status"] == "rejected" and refused["error"]["status"] == 422
    assert list(refused["error"]["errors"]) == ["consent"]
    plain = one(worker, "residents", "update", world.R1.id, {"relation": "户主"}, base_version=base)
    assert plain["status"] == "applied"
    given = one(worker, "residents", "update", world.R1.id, {"care_tags": ["elderly_alone", "rehabilitation"],
                                                             "consent": {"basis": "verbal"}},
                base_version=plain["version"])
    assert given["status"] == "applied"
    from backend.registry.models import Consent

    db.session.expire_all()
    record = db.session.scalar(db.select(Consent))
    assert (record.resident_id, record.tag_code, record.basis, record.recorded_by_id) == (
        world.R1.id, "rehabilitation", "verbal", world.worker1.id)
    bad = one(worker, "residents", "update", world.R1.id, {"care_tags": ["elderly_alone", "community_correction"],
                                                           "consent": {"basis": "legal_duty"}},
              base_version=given["version"])
    assert bad["status"] == "rejected" and list(bad["error"]["errors"]) == ["consent.detail"]


def test_birth_dates_reach_only_those_who_may_reveal_others_get_the_year(world, device):
    """A resident's own household pulls its members with the birth year only: with
    a masked ID number, a full birth date rebuilds it. Grid workers keep the date."""
    from backend.registry import services as registry

    registry.update_resident(world.staff1, world.R1, {"birth_date": "1940-03-15"})
    db.session.commit()
    worker, resident = device("worker1"), device("resident1")
    worker.pull()
    resident.pull()
    assert (worker.get("residents", world.R1.id)["birth_date"], worker.get("residents", world.R1.id)["birth_year"]) \
        == ("1940-03-15", 1940)
    mine = resident.get("residents", world.R1.id)
    assert (mine["birth_date"], mine["birth_year"]) == (None, 1940)
    assert resident.get("residents", world.R1b.id)["birth_year"] is None  # no date known: none sent


def test_a_full_resync_of_an_officer_holds_no_birth_date(world, device):
    from backend.registry import services as registry

    registry.update_resident(world.staff1, world.R1, {"birth_date": "1940-03-15"})
    db.session.commit()
    officer = device("street1")
    officer.pull()
    records = [officer.get("residents", rid) for rid in officer.ids("residents")]
    assert records and all(r["birth_date"] is None for r in records)
    assert {r["birth_year"] for r in records if r["id"] == world.R1.id} == {1940}
