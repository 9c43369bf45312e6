"""The sharing community over the sync protocol: posts made and edited offline, answers moved by
actions, the two-accepts race decided by the server, hidden posts leaving devices, staff-only
fields never on the wire."""

import pytest

from backend.extensions import db
from backend.sharing import moderation
from backend.sharing.models import Post, PostResponse
from tests.factories import UserFactory


@pytest.fixture
def neighbours(world):
    made = {name: UserFactory(username=name, display_name=name, role="resident", home=home)
            for name, home in (("resident2", world.H2), ("resident2b", world.H2), ("resident5", world.H5))}
    db.session.commit()
    return made


def _push_one(phone, *args, **kwargs):
    mutation = phone.record(*args, **kwargs)
    return mutation, phone.push()[mutation["id"]]


def _post(phone, **data):
    return _push_one(phone, "posts", "create", data={"kind": "lend", "title": "电钻出借", "body": "周末可借"} | data)


def test_a_post_made_offline_reaches_the_community_staff_its_grid_and_its_household(world, device):
    resident = device("resident1")
    mutation, result = _post(resident)
    assert result["status"] == "applied", result
    post_id = mutation["record_id"]
    phones = {name: device(name) for name in ("staff1", "worker1", "worker2", "staff2")}
    for phone in (resident, *phones.values()):
        phone.pull()
    record = phones["staff1"].get("posts", post_id)
    assert record["title"] == "电钻出借" and record["status"] == "open" and record["household_id"] == world.H1.id
    assert "hidden_reason" not in record and "taken" not in record
    assert resident.get("posts", post_id) and phones["worker1"].get("posts", post_id)
    assert post_id not in phones["worker2"].ids("posts") | phones["staff2"].ids("posts")


def test_an_edit_merges_field_by_field_and_only_the_author_edits(world, device, neighbours):
    resident = device("resident1")
    mutation, _ = _post(resident)
    resident.pull()
    post_id = mutation["record_id"]
    version = resident.get("posts", post_id)["version"]
    _m, result = _push_one(resident, "posts", "update", post_id, {"title": "冲击钻出借"}, base_version=version)
    assert result["status"] == "applied", result
    staff = device("staff1")
    _m, refused = _push_one(staff, "posts", "update", post_id, {"title": "x"}, base_version=version)
    assert refused["status"] == "rejected"
    neighbour = device("resident2")
    neighbour.pull()
    assert neighbour.get("posts", post_id)  # they see it, and may answer it, but not edit it
    _m, theirs = _push_one(neighbour, "posts", "update", post_id, {"title": "我的了"},
                           base_version=neighbour.get("posts", post_id)["version"])
    assert theirs["status"] == "rejected" and theirs["error"]["status"] == 403, theirs
    _m, bad = _push_one(resident, "posts", "update", post_id, {"capacity": 3}, base_version=version + 1)
    assert bad["status"] == "rejected" and "capacity" in bad["error"]["errors"]
    assert db.session.get(Post, post_id).title == "冲击钻出借"


def test_two_phones_accepting_one_item_offline_one_wins_and_the_other_is_told(world, device, neighbours):
    phone_a, phone_b = device("resident1"), device("resident1")
    mutation, _ = _post(phone_a)
    post_id = mutation["record_id"]
    answers = []
    for name in ("resident2", "resident2b"):
        _m, result = _push_one(device(name), "post_responses", "create", data={"post_id": post_id,
                                                                            "message": "我想借用"})
        assert result["status"] == "applied", result
        answers.append(_m["record_id"])
    phone_a.pull()
    phone_b.pull()
    # Both phones offline: each accepts a different neighbour.
    accept_a = phone_a.record("post_responses", "action", answers[0], {}, action="accept")
    accept_b = phone_b.record("post_responses", "action", answers[1], {}, action="accept")
    won = phone_a.push()[accept_a["id"]]
    lost = phone_b.push()[accept_b["id"]]
    assert won["status"] == "applied"
    assert lost["status"] == "rejected" and lost["error"]["status"] == 409
    assert lost["error"]["detail"] == "已答应给另一位邻居：这条信息的名额已满。"  # the default language: zh_Hans
    assert "resident2" not in lost["error"]["detail"]
    db.session.expire_all()
    assert [db.session.get(PostResponse, i).status for i in answers] == ["accepted", "pending"]
    post = db.session.get(Post, post_id)
    assert (post.taken, post.status) == (1, "full")
    phone_b.pull()
    assert phone_b.get("posts", post_id)["status"] == "full"


def test_a_hidden_post_leaves_the_authors_device_and_staff_devices(world, device):
    resident, staff = device("resident1"), device("staff1")
    mutation, _ = _post(resident)
    post_id = mutation["record_id"]
    resident.pull()
    staff.pull()
    assert resident.get("posts", post_id) and staff.get("posts", post_id)
    moderation.hide(db.session, world.staff1, db.session.get(Post, post_id), {"reason": "商业广告，违反公约"})
    db.session.commit()
    resident.pull()
    staff.pull()
    assert post_id not in resident.ids("posts") and post_id not in staff.ids("posts")
    assert "商业广告" not in str(resident.records) + str(staff.records)


def test_a_post_is_withdrawn_by_a_delete(world, device):
    resident = device("resident1")
    mutation, _ = _post(resident)
    resident.pull()
    post_id = mutation["record_id"]
    version = resident.get("posts", post_id)["version"]
    _m, result = _push_one(resident, "posts", "delete", post_id, {}, base_version=version)
    assert result["status"] == "applied", result
    resident.pull()
    assert post_id not in resident.ids("posts")
    assert db.session.get(Post, post_id).status == "withdrawn"


def test_staff_and_grid_workers_receive_exchanges_and_the_catalogue(world, device, neighbours):
    staff = device("staff1")
    category = moderation.add_category(db.session, world.staff1, {"community_id": world.C1.id, "name": "工具"})
    db.session.commit()
    resident = device("resident1")
    mutation, result = _post(resident, category=category.id)
    assert result["status"] == "applied", result
    _m, answered = _push_one(device("resident2"), "post_responses", "create",
                             data={"post_id": mutation["record_id"], "message": "我想借用"})
    assert answered["status"] == "applied", answered
    worker1, worker2 = device("worker1"), device("worker2")
    for phone in (staff, worker1, worker2, resident):
        phone.pull()
    assert staff.get("post_responses", _m["record_id"])["message"] == "我想借用"
    assert worker1.get("post_responses", _m["record_id"]) and not worker2.ids("post_responses")
    assert resident.get("share_categories", category.id)["name"] == "工具"
    assert worker2.get("share_categories", category.id)  # the catalogue is the whole community's
    _m2, refused = _push_one(staff, "share_categories", "create", data={"name": "x"})
    assert refused["status"] == "rejected"


def test_an_unknown_action_and_an_unseen_answer_are_rejected(world, device, neighbours):
    resident = device("resident1")
    mutation, _ = _post(resident)
    _m, _r = _push_one(device("resident2"), "post_responses", "create",
                       data={"post_id": mutation["record_id"], "message": "我想借用"})
    _x, unknown = _push_one(resident, "post_responses", "action", _m["record_id"], {}, action="steal")
    assert unknown["status"] == "rejected"
    _y, unseen = _push_one(device("resident5"), "post_responses", "action", _m["record_id"], {}, action="accept")
    assert unseen["status"] == "rejected" and unseen["error"]["status"] == 404


def test_a_photo_added_by_an_edit_is_served_to_the_posts_readers_only(world, client, device):
    from tests.sync.test_attachments import jpeg, put, sha

    resident = device("resident1")
    mutation, _ = _post(resident)
    resident.pull()
    post_id = mutation["record_id"]
    data = jpeg()
    assert put(client, resident, data).status_code in (200, 201)
    photo = sha(data)
    staff, outsider = device("staff1"), device("staff2")
    assert client.get(f"/api/v1/attachments/{photo}", headers=staff.headers).status_code == 404
    version = resident.get("posts", post_id)["version"]
    _m, result = _push_one(resident, "posts", "update", post_id, {"photos": [photo]}, base_version=version)
    assert result["status"] == "applied", result
    assert client.get(f"/api/v1/attachments/{photo}", headers=staff.headers).status_code == 200
    assert client.get(f"/api/v1/attachments/{photo}", headers=outsider.headers).status_code == 404


@pytest.fixture
def far(world):
    user = UserFactory(username="resident3", display_name="resident3", role="resident", home=world.H3)
    db.session.commit()
    return user


def test_residents_receive_their_communitys_posts_and_the_streets_shared_ones(world, device, neighbours, far):
    author = device("resident1")
    own, _ = _post(author, title="只给本社区")
    street, _ = _post(author, kind="give", title="整条街都可以要", reach="street")
    phones = {name: device(name) for name in ("resident2", "resident5", "resident3")}
    for phone in phones.values():
        phone.pull()
    assert phones["resident2"].ids("posts") == {own["record_id"], street["record_id"]}
    assert phones["resident5"].ids("posts") == {street["record_id"]}  # a neighbouring community of the street
    assert phones["resident3"].ids("posts") == set()  # another street
    # The author narrows the reach: the neighbouring community's phones drop it.
    author.pull()
    version = author.get("posts", street["record_id"])["version"]
    _m, result = _push_one(author, "posts", "update", street["record_id"], {"reach": "community"},
                           base_version=version)
    assert result["status"] == "applied", result
    phones["resident5"].pull()
    assert phones["resident5"].ids("posts") == set()


def test_an_exchange_reaches_its_two_sides_only(world, device, neighbours):
    author = device("resident1")
    mutation, _ = _post(author)
    post_id = mutation["record_id"]
    first, second = device("resident2"), device("resident2b")
    mine, _r = _push_one(first, "post_responses", "create", data={"post_id": post_id, "message": "我想借用"})
    theirs, _r2 = _push_one(second, "post_responses", "create", data={"post_id": post_id, "message": "我也想借"})
    for phone in (author, first, second):
        phone.pull()
    assert author.ids("post_responses") == {mine["record_id"], theirs["record_id"]}
    assert first.ids("post_responses") == {mine["record_id"]}
    assert second.ids("post_responses") == {theirs["record_id"]}
    assert author.ids("posts") == first.ids("posts") == {post_id}


def test_a_hidden_post_leaves_every_neighbours_device(world, device, neighbours):
    author = device("resident1")
    mutation, _ = _post(author, reach="street")
    post_id = mutation["record_id"]
    phones = [author, device("resident2"), device("resident5"), device("worker1")]
    for phone in phones:
        phone.pull()
    assert all(post_id in phone.ids("posts") for phone in phones)
    moderation.hide(db.session, world.staff1, db.session.get(Post, post_id), {"reason": "商业广告，违反公约"})
    db.session.commit()
    for phone in phones:
        phone.pull()
        assert post_id not in phone.ids("posts")
        assert "商业广告" not in str(phone.records)
