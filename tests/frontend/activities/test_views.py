"""The staff pages of activities: the month's menu, making (bad input re-rendered with its messages),
publishing, the sign-up list and the waitlist, a check-in after the fact, cancelling with everyone
told, closing attendance; and who may open them."""

from datetime import timedelta

from sqlalchemy import select

from backend.activities.models import Activity, Signup
from backend.extensions import db
from tests.backend.activities.conftest import START, make_activity, sign
from tests.factories import UserFactory
from tests.frontend.registry.conftest import error_for


def _local(moment):
    return (moment + timedelta(hours=8)).strftime("%Y-%m-%d %H:%M")


def test_make_publish_and_see_the_month(world, browser):
    staff = browser("staff1")
    form = staff.get("/activities/new").get_data(as_text=True)
    assert 'id="activity-form"' in form
    bad = staff.post("/activities/new", {"title": "", "starts_at": "明天", "ends_at": "", "capacity": "x"})
    assert bad.status_code == 422
    html = bad.get_data(as_text=True)
    assert error_for(html, "title") and error_for(html, "starts_at")
    made = staff.post("/activities/new", {"title": "一碗腊八粥", "description": "<b>熬粥</b>", "address": "社区食堂",
                                          "starts_at": _local(START), "ends_at": _local(START + timedelta(hours=2)),
                                          "capacity": "1", "waitlist": "on", "volunteer_roles": "掌勺:2",
                                          "age_min": "60"})
    assert made.status_code == 303, made.get_data(as_text=True)[:2000]
    activity = db.session.scalar(select(Activity))
    assert (activity.starts_at, activity.volunteer_roles, activity.eligibility) == (
        START, [{"role": "掌勺", "count": 2}], {"age_min": 60})
    assert staff.post(f"/activities/{activity.id}/publish").status_code == 303
    month = staff.get(f"/activities/?month={START.strftime('%Y-%m')}").get_data(as_text=True)
    assert "一碗腊八粥" in month and 'data-test="activity-row"' in month
    page = staff.get(f"/activities/{activity.id}").get_data(as_text=True)
    assert "&lt;b&gt;熬粥&lt;/b&gt;" in page


def test_the_lists_a_checkin_after_the_fact_cancel_and_close(world, browser):
    others = [UserFactory(role="resident", home=world.H2) for _ in range(2)]
    db.session.commit()
    activity = make_activity(world, capacity=1)
    first = sign(activity, world.resident1)
    sign(activity, others[0])
    staff = browser("staff1")
    page = staff.get(f"/activities/{activity.id}").get_data(as_text=True)
    assert page.count('data-test="signup-row"') == 1 and page.count('data-test="waitlist-row"') == 1
    assert first.code in page
    bad = staff.post(f"/activities/{activity.id}/checkins", {"code": "", "name": "", "at": ""})
    assert bad.status_code == 422 and error_for(bad.get_data(as_text=True), "name")
    worker = browser("worker1")  # grid workers check in on the field app, not here
    assert worker.post(f"/activities/{activity.id}/checkins", {"name": "x"}).status_code == 403
    done = staff.post(f"/activities/{activity.id}/checkins", {"code": first.code, "at": _local(START)})
    assert done.status_code == 303
    walk_in = staff.post(f"/activities/{activity.id}/checkins", {"name": "王阿姨", "at": _local(START)})
    assert walk_in.status_code == 303
    page = staff.get(f"/activities/{activity.id}").get_data(as_text=True)
    assert page.count('data-test="checkin-row"') == 2
    assert worker.post(f"/activities/{activity.id}/cancel", {"reason": "x"}).status_code == 403
    missing = staff.post(f"/activities/{activity.id}/cancel", {"reason": ""})
    assert missing.status_code == 422 and error_for(missing.get_data(as_text=True), "reason")
    closed = staff.post(f"/activities/{activity.id}/close")
    assert closed.status_code == 303
    db.session.rollback()
    assert db.session.get(Activity, activity.id).status == "published"  # not begun yet: refused, told


def test_cancel_tells_everyone(world, browser):
    activity = make_activity(world)
    signup = sign(activity, world.resident1)
    staff = browser("staff1")
    assert staff.post(f"/activities/{activity.id}/cancel", {"reason": "天气原因"}).status_code == 303
    db.session.rollback()
    told = db.session.get(Signup, signup.id)
    assert told.status == "cancelled" and "天气原因" in told.notice


def test_who_may_open_them(world, browser):
    activity = make_activity(world)
    assert browser("resident1", staff=False).get("/activities/").status_code == 404
    assert browser("staff2").get(f"/activities/{activity.id}").status_code == 404
    assert browser("worker1").get(f"/activities/{activity.id}/edit").status_code == 403
    assert browser("street1").get(f"/activities/{activity.id}").status_code == 200


def test_an_edit_onto_a_taken_room_re_renders_naming_the_room(world, browser):
    from tests.factories import BookingFactory, RoomFactory

    room = RoomFactory(community=world.C1)
    db.session.commit()
    BookingFactory(room=room, starts_at=START + timedelta(hours=5), hours=1)
    activity = make_activity(world, room_id=room.id)
    db.session.commit()
    staff = browser("staff1")
    fields = {"title": activity.title, "room_id": room.id, "starts_at": _local(START + timedelta(hours=5)),
              "ends_at": _local(START + timedelta(hours=6)), "capacity": "2", "waitlist": "on"}
    refused = staff.post(f"/activities/{activity.id}/edit", fields)
    assert refused.status_code in (409, 422)
    assert error_for(refused.get_data(as_text=True), "room_id")
    db.session.expire_all()
    assert db.session.get(Activity, activity.id).starts_at == START


def test_staff_add_photos_checked_by_content_and_served_without_metadata(world, browser):
    import io

    from tests.sync.test_attachments import jpeg

    activity = make_activity(world)
    staff = browser("staff1")
    photo = jpeg()
    assert b"PhoneMaker" in photo
    added = staff.post(f"/activities/{activity.id}/photos", {"photo": (io.BytesIO(photo), "a.jpg", "image/jpeg")},
                       content_type="multipart/form-data")
    assert added.status_code == 303, added.get_data(as_text=True)[:1000]
    db.session.expire_all()
    names = db.session.get(Activity, activity.id).photos
    assert len(names) == 1
    served = staff.get(f"/activities/{activity.id}/photos/{names[0]}")
    assert served.status_code == 200 and served.mimetype == "image/jpeg"
    assert b"PhoneMaker" not in served.data and b"Exif" not in served.data
    assert f"/activities/{activity.id}/photos/{names[0]}" in staff.get(f"/activities/{activity.id}").get_data(
        as_text=True)
    fake = staff.post(f"/activities/{activity.id}/photos",
                      {"photo": (io.BytesIO(b"<script>alert(1)</script>"), "x.jpg", "image/jpeg")},
                      content_type="multipart/form-data")
    assert fake.status_code == 422 and error_for(fake.get_data(as_text=True), "photo")
    db.session.expire_all()
    assert db.session.get(Activity, activity.id).photos == names
    # staff of another community see neither the activity nor its photo; a worker may not add one
    assert browser("staff2").get(f"/activities/{activity.id}/photos/{names[0]}").status_code == 404
    assert browser("worker1").post(f"/activities/{activity.id}/photos", {"photo": (io.BytesIO(photo), "a.jpg")},
                                   content_type="multipart/form-data").status_code == 403


def test_the_form_offers_the_communitys_active_rooms_only(world, browser):
    from tests.factories import RoomFactory

    mine = RoomFactory(community=world.C1, name="书法绘画室")
    closed = RoomFactory(community=world.C1, name="旧仓库")
    closed.active = False
    other = RoomFactory(community=world.C2, name="别处的图书馆")
    db.session.commit()
    staff = browser("staff1")
    form = staff.get(f"/activities/new?community={world.C1.id}").get_data(as_text=True)
    assert f'<option value="{mine.id}"' in form and "书法绘画室" in form
    assert closed.id not in form and other.id not in form
    activity = make_activity(world, room_id=mine.id)
    edit = staff.get(f"/activities/{activity.id}/edit").get_data(as_text=True)
    assert f'<option value="{mine.id}" selected' in edit
