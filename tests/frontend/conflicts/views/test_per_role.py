"""The conflict page shows each reviewer only what they may see of the record:
the values were copied from what the pushing grid worker saw (sensitive care
tags, staff notes), and street and district officers may see neither."""

import pytest

from backend.extensions import db
from backend.registry import services

SERVER_NOTE = "服务器上的备注：按时报到"
DEVICE_NOTE = "设备上的备注：近期情绪不稳"


@pytest.fixture
def conflict_id(world, device, ctx):
    """worker1 edits 张秀英's notes and care tags offline while staff change both on the server."""
    phone = device("worker1")
    phone.pull()
    base = phone.get("residents", world.R1b.id)["version"]
    services.update_resident(world.staff1, world.R1b, {"notes": SERVER_NOTE,
                                                       "care_tags": ["community_correction", "elderly_alone"]})
    db.session.commit()
    response = phone.push_raw([phone.mutation("residents", "update", world.R1b.id,
                                              {"notes": DEVICE_NOTE, "care_tags": ["community_correction"]},
                                              base_version=base)])
    outcome = response.get_json()["results"][0]
    assert outcome["status"] == "conflict"
    return outcome["conflict_id"]


@pytest.mark.parametrize("username", ["street1", "district1"])
def test_officers_see_the_conflict_without_notes_or_sensitive_tags(conflict_id, client, auth, username):
    auth.login(username)
    html = client.get("/conflicts/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert f'id="conflict-{conflict_id}"' in html
    assert SERVER_NOTE not in html and DEVICE_NOTE not in html
    assert "community_correction" not in html
    assert "elderly_alone" in html  # what they may see of the difference stays


def test_staff_see_every_field(conflict_id, client, auth):
    auth.login("staff1")
    html = client.get("/conflicts/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert SERVER_NOTE in html and DEVICE_NOTE in html and "community_correction" in html


def test_a_difference_only_in_hidden_tags_is_not_shown(world, device, ctx, client, auth):
    phone = device("worker1")
    phone.pull()
    base = phone.get("residents", world.R1b.id)["version"]
    services.update_resident(world.staff1, world.R1b, {"care_tags": []})
    db.session.commit()
    response = phone.push_raw([phone.mutation("residents", "update", world.R1b.id,
                                              {"care_tags": ["community_correction"]}, base_version=base)])
    conflict_id = response.get_json()["results"][0]["conflict_id"]
    auth.login("street1")
    html = client.get("/conflicts/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert f'id="conflict-{conflict_id}"' in html
    assert "community_correction" not in html and "Care tags" not in html
