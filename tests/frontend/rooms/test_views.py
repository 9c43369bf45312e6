"""The staff pages of function rooms: the rooms list and adding one, a room's week view with its
bookings and blocks (in three locales), blocking for maintenance, the approvals queue; forms
re-render with their messages; who may open them."""

from sqlalchemy import select

from backend.extensions import db
from backend.rooms import services
from backend.rooms.models import Booking, Room
from tests.backend.rooms.conftest import DAY, at, book


def test_staff_see_their_rooms_and_add_one_and_a_bad_form_names_the_field(world, browser, rooms):
    staff1 = browser("staff1")
    html = staff1.get("/rooms/").get_data(as_text=True)
    assert "书法绘画室" in html and "健康小屋" in html
    assert "书法绘画室" not in browser("staff2").get("/rooms/").get_data(as_text=True)
    assert browser("staff2").get(f"/rooms/{rooms['hall'].id}").status_code == 404
    bad = staff1.post("/rooms/", {"community_id": world.C1.id, "name": "图书馆", "capacity": "30",
                                  "opening_hours": "0 9-17"})
    assert bad.status_code == 422 and 'id="e-opening_hours"' in bad.get_data(as_text=True)
    made = staff1.post("/rooms/", {"community_id": world.C1.id, "name": "图书馆", "capacity": "30",
                                   "opening_hours": "0 09:00-12:00,14:00-17:00; 5 09:00-16:00",
                                   "bookable_by": "residents", "needs_approval": "1"})
    assert made.status_code in (302, 303)
    room = db.session.scalar(select(Room).where(Room.name == "图书馆"))
    assert room.opening_hours == {"0": [["09:00", "12:00"], ["14:00", "17:00"]], "5": [["09:00", "16:00"]]}
    assert room.needs_approval and room.capacity == 30


def test_the_week_view_shows_bookings_and_blocks_in_three_locales(world, browser, rooms, client, auth):
    hall = rooms["hall"]
    book(world.resident1, hall, purpose="<b>书法</b>练习", recurrence={"weekly": 2})
    services.block(db.session, world.staff1, hall, {"starts_at": at(DAY, "07:00"), "ends_at": at(DAY, "08:00"),
                                                    "purpose": "消毒"})
    db.session.commit()
    page = browser("staff1").get(f"/rooms/{hall.id}?week={DAY}").get_data(as_text=True)
    assert page.count('data-test="week-entry"') == 2
    assert "&lt;b&gt;书法&lt;/b&gt;练习" in page and "<b>书法</b>" not in page and "消毒" in page
    assert "maintenance" in page and "Week of 2026-11-30" in page
    for tag, word in (("zh-CN", "维修"), ("zh-TW", "維修"), ("en", "maintenance")):
        client.environ_base["HTTP_ACCEPT_LANGUAGE"] = tag
        auth.login("staff1")
        html = client.get(f"/rooms/{hall.id}?week={DAY}").get_data(as_text=True)
        assert word in html, tag
        auth.logout()
    following = browser("staff1").get(f"/rooms/{hall.id}?week=2026-12-07").get_data(as_text=True)
    assert following.count('data-test="week-entry"') == 1


def test_block_for_maintenance_and_a_clash_re_renders_with_the_message(world, browser, rooms):
    hall = rooms["hall"]
    book(world.resident1, hall)
    staff1 = browser("staff1")
    clash = staff1.post(f"/rooms/{hall.id}/block", {"day": DAY, "start": "10:30", "end": "12:00", "purpose": "修灯"})
    assert clash.status_code == 422 and 'id="e-day"' in clash.get_data(as_text=True)
    missing = staff1.post(f"/rooms/{hall.id}/block", {"day": "", "start": "10:30", "end": "12:00"})
    assert missing.status_code == 422
    done = staff1.post(f"/rooms/{hall.id}/block", {"day": DAY, "start": "12:00", "end": "13:00", "purpose": "修灯"})
    assert done.status_code in (302, 303)
    assert db.session.scalar(select(Booking).where(Booking.kind == "maintenance")).purpose == "修灯"


def test_the_approvals_queue_approves_and_refuses(world, browser, rooms):
    first = book(world.resident1, rooms["hut"])
    second = book(world.resident1, rooms["hut"], start="14:00", end="15:00")
    staff1 = browser("staff1")
    html = staff1.get("/rooms/approvals").get_data(as_text=True)
    assert html.count('data-test="approval-row"') == 2
    assert staff1.post(f"/rooms/bookings/{first.id}/approve", {}).status_code in (302, 303)
    assert staff1.post(f"/rooms/bookings/{second.id}/refuse", {"reason": "有活动"}).status_code in (302, 303)
    db.session.expire_all()
    assert (db.session.get(Booking, first.id).status, db.session.get(Booking, second.id).status) == (
        "confirmed", "refused")
    assert staff1.get("/rooms/approvals").get_data(as_text=True).count('data-test="approval-row"') == 0
    assert browser("staff2").post(f"/rooms/bookings/{first.id}/cancel", {}).status_code == 404


def test_residents_never_open_the_office_pages(world, browser, rooms):
    resident = browser("resident1", staff=False)
    assert resident.get("/rooms/").status_code in (403, 404)
