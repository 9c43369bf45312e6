"""The JSON API of function rooms: rooms and their free/busy time (never whose or why), booking
(the loser told the next free slot), my bookings, cancel; staff approve, refuse and block;
problem+json naming the field."""

from tests.backend.rooms.conftest import DAY, at


def _post(client, path, headers, body=None):
    return client.post(path, json=body if body is not None else {}, headers=headers)


def test_book_see_free_slots_cancel_and_the_loser_is_offered_the_next_slot(world, client, auth, rooms):
    hall = rooms["hall"]
    mine, theirs = auth.headers("resident1"), auth.headers("resident2")
    listed = client.get("/api/v1/rooms", headers=theirs).get_json()["items"]
    assert {r["name"] for r in listed} == {"书法绘画室", "健康小屋"}
    made = _post(client, "/api/v1/rooms/bookings", mine, {"room_id": hall.id, "starts_at": at(DAY, "10:00"),
                                                          "ends_at": at(DAY, "11:00"), "purpose": "家庭聚会",
                                                          "recurrence": {"weekly": 2}})
    assert made.status_code == 201, made.get_json()
    booking = made.get_json()
    assert booking["status"] == "confirmed" and len(booking["occurrences"]) == 2 and booking["actions"] == ["cancel"]
    lost = _post(client, "/api/v1/rooms/bookings", theirs, {"room_id": hall.id, "starts_at": at(DAY, "10:00"),
                                                            "ends_at": at(DAY, "11:00")})
    assert lost.status_code == 409 and lost.mimetype == "application/problem+json"
    assert lost.get_json()["next_free"] == {"starts_at": "2026-11-30T03:00:00Z", "ends_at": "2026-11-30T04:00:00Z"}
    free = client.get(f"/api/v1/rooms/{hall.id}/free?from={DAY}&to={DAY}", headers=theirs)
    assert free.status_code == 200
    body = free.get_json()
    assert body["busy"] == [{"starts_at": "2026-11-30T02:00:00Z", "ends_at": "2026-11-30T03:00:00Z"}]
    assert "家庭聚会" not in free.get_data(as_text=True) and world.resident1.id not in free.get_data(as_text=True)
    assert body["free"][0] == {"starts_at": "2026-11-30T00:00:00Z", "ends_at": "2026-11-30T02:00:00Z"}
    assert client.get(f"/api/v1/rooms/bookings/{booking['id']}", headers=theirs).status_code == 404
    assert client.get("/api/v1/rooms/bookings", headers=theirs).get_json()["items"] == []
    assert [b["id"] for b in client.get("/api/v1/rooms/bookings", headers=mine).get_json()["items"]] == [booking["id"]]
    cancelled = _post(client, f"/api/v1/rooms/bookings/{booking['id']}/cancel", mine)
    assert cancelled.status_code == 200 and cancelled.get_json()["status"] == "cancelled"
    assert client.get(f"/api/v1/rooms/{hall.id}/free?from={DAY}&to={DAY}", headers=theirs).get_json()["busy"] == []


def test_staff_approve_refuse_and_block(world, client, auth, rooms):
    hut = rooms["hut"]
    resident, staff = auth.headers("resident1"), auth.headers("staff1")
    asked = _post(client, "/api/v1/rooms/bookings", resident, {"room_id": hut.id, "starts_at": at(DAY, "10:00"),
                                                               "ends_at": at(DAY, "11:00")}).get_json()
    assert asked["status"] == "pending"
    assert _post(client, f"/api/v1/rooms/bookings/{asked['id']}/approve", resident).status_code == 403
    every = client.get("/api/v1/rooms/bookings?all=1&status=pending", headers=staff).get_json()["items"]
    assert [b["id"] for b in every] == [asked["id"]]
    refused = _post(client, f"/api/v1/rooms/bookings/{asked['id']}/refuse", staff, {"reason": "场地维修"})
    assert refused.status_code == 200 and refused.get_json()["reason"] == "场地维修"
    blocked = _post(client, f"/api/v1/rooms/{hut.id}/block", staff, {"starts_at": at(DAY, "07:00"),
                                                                     "ends_at": at(DAY, "12:00"), "purpose": "消毒"})
    assert blocked.status_code == 201 and blocked.get_json()["kind"] == "maintenance"
    assert _post(client, f"/api/v1/rooms/{hut.id}/block", resident, {"starts_at": at(DAY, "13:00"),
                                                                     "ends_at": at(DAY, "14:00")}).status_code == 403
    made = _post(client, "/api/v1/rooms", staff, {"community_id": world.C1.id, "name": "图书馆",
                                                  "opening_hours": {"5": [["09:00", "16:00"]]}})
    assert made.status_code == 201 and made.get_json()["opening_hours"] == {"5": [["09:00", "16:00"]]}
    assert _post(client, "/api/v1/rooms", resident, {"community_id": world.C1.id, "name": "x"}).status_code == 403


def test_problems_name_the_field(world, client, auth, rooms):
    resident = auth.headers("resident1")
    bad = _post(client, "/api/v1/rooms/bookings", resident, {"room_id": rooms["hall"].id,
                                                             "starts_at": "2026-11-30T10:00:00", "ends_at": "soon",
                                                             "recurrence": {"weekly": 99}})
    assert bad.status_code == 422 and bad.mimetype == "application/problem+json"
    assert {"starts_at", "ends_at", "recurrence.weekly"} <= set(bad.get_json()["errors"])
    unknown = _post(client, "/api/v1/rooms/bookings", resident, {"room_id": "nope", "starts_at": at(DAY, "10:00"),
                                                                 "ends_at": at(DAY, "11:00")})
    assert unknown.status_code == 422 and set(unknown.get_json()["errors"]) == {"room_id"}
    dates = client.get(f"/api/v1/rooms/{rooms['hall'].id}/free?from=yesterday", headers=resident)
    assert dates.status_code == 400 and set(dates.get_json()["errors"]) == {"from"}
    hours = _post(client, "/api/v1/rooms", auth.headers("staff1"), {"community_id": world.C1.id, "name": "x",
                                                                    "opening_hours": {"0": [["9", "17"]]}})
    assert hours.status_code == 422 and set(hours.get_json()["errors"]) == {"opening_hours"}
    assert client.get(f"/api/v1/rooms/{rooms['hall'].id}", headers=auth.headers("staff2")).status_code == 404
