"""Issue 14's function rooms in the field app, in real Chromium against the real server: two
residents' phones book the same hour of 书法绘画室 with no signal; after both sync exactly one
holds it, and the other phone says why and offers the next free slot, which it books in a tap."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from backend.extensions import db
from tests.e2e.test_field_app import open_app, sign_in, synced, waiting

pytestmark = pytest.mark.e2e

SHANGHAI = "Asia/Shanghai"


@pytest.fixture
def phones(browser, live_server):
    """Residents' phones in Shanghai's time zone, each a device of its own."""
    made = []

    def make():
        context = browser.new_context(base_url=live_server, locale="zh-CN", timezone_id=SHANGHAI,
                                      viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True)
        context.problems = []
        made.append(context)
        return context

    yield make
    for context in made:
        assert context.problems == []
        context.close()


def room(world):
    """书法绘画室 of C1, open every day 08:00–21:00, booked without approval."""
    from backend.auth.models import User
    from backend.rooms import services

    staff, community = world.staff1.id, world.C1.id
    made = services.create_room(db.session, db.session.get(User, staff), {
        "community_id": community, "name": "书法绘画室", "capacity": 12, "rules": "请保持安静，用后清洁桌面。",
        "opening_hours": {str(day): [["08:00", "21:00"]] for day in range(7)}, "bookable_by": ["residents"]})
    db.session.commit()
    return made.id


def to_room(page, day):
    page.get_by_role("navigation").get_by_role("link", name="功能室").click()
    page.get_by_role("link", name="书法绘画室").click()
    expect(page.locator("#room-name")).to_have_text("书法绘画室")
    expect(page.locator("#room-rules")).to_contain_text("请保持安静")
    page.locator("#free-day").fill(day)
    page.locator("#free-day").dispatch_event("change")
    expect(page.locator("#free-slots li")).to_have_count(1)
    expect(page.locator("#free-slots li")).to_contain_text("08:00")


def book_offline(page, day, purpose):
    page.context.set_offline(True)
    expect(page.locator("#status-net")).to_have_text("离线")
    form = page.locator("#booking-form")
    form.get_by_label("日期").fill(day)
    form.get_by_label("开始时间").fill("10:00")
    form.get_by_label("结束时间").fill("11:00")
    form.get_by_label("用途").fill(purpose)
    form.get_by_role("button", name="提交预约").click()
    expect(page.locator(".flash")).to_contain_text("预约已保存，待发送")
    expect(page.locator("#booking-list li")).to_have_attribute("data-status", "sending")
    waiting(page, 1)


def test_two_phones_book_one_slot_offline_one_holds_it_the_other_is_told_and_offered_the_next(phones, world):
    from backend.rooms.models import Booking
    from tests.factories import user

    room_id = room(world)
    user("resident2", "resident", home=world.H2)
    db.session.commit()
    day = (datetime.now(UTC).astimezone(ZoneInfo(SHANGHAI)) + timedelta(days=1)).date()
    pages = []
    for username in ("resident1", "resident2"):
        page = open_app(phones())
        sign_in(page, username)
        page.evaluate("async () => { await navigator.serviceWorker.ready; }")
        page.wait_for_function("navigator.serviceWorker.controller !== null")
        to_room(page, day.isoformat())
        pages.append(page)
    a, b = pages
    book_offline(a, day.isoformat(), "书法兴趣小组")
    book_offline(b, day.isoformat(), "老年合唱排练")

    a.context.set_offline(False)
    synced(a)
    expect(a.locator("#booking-list li")).to_have_attribute("data-status", "confirmed")
    b.context.set_offline(False)
    synced(b)
    db.session.remove()
    held = db.session.scalars(select(Booking).where(Booking.room_id == room_id)).all()
    assert [(x.purpose, x.status) for x in held] == [("书法兴趣小组", "confirmed")]

    # The second phone says why, and offers the next free hour, 11:00–12:00.
    refusal = b.locator("#booking-refusals li")
    expect(refusal).to_have_count(1)
    expect(refusal).to_contain_text("未被接受")
    expect(refusal.locator(".reason")).to_contain_text("书法绘画室")
    expect(refusal.locator(".next-free")).to_contain_text("11:00")
    expect(b.locator("#booking-list li")).to_have_count(0)
    b.get_by_role("button", name="改约这个时段").click()
    synced(b)
    expect(b.locator("#booking-refusals li")).to_have_count(0)
    mine = b.locator("#booking-list li")
    expect(mine).to_have_attribute("data-status", "confirmed")
    expect(mine).to_contain_text("11:00")
    db.session.remove()
    held = db.session.scalars(select(Booking).where(Booking.room_id == room_id).order_by(Booking.starts_at)).all()
    assert [(x.purpose, x.status) for x in held] == [("书法兴趣小组", "confirmed"), ("老年合唱排练", "confirmed")]
    assert held[1].starts_at - held[0].starts_at == timedelta(hours=1)
    assert held[1].ends_at - held[1].starts_at == timedelta(hours=1)
