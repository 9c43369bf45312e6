"""Issue 14's activities in the field app, in real Chromium against the real server: a grid
worker's phone checks in an activity's residents at the door with no signal (typed codes, ticked
names, a walk-in), keeps them through a reload, and uploads them once with the phone's own times;
a second phone's copy of the same list adds nothing; volunteers' check-outs give hours that reach
the points bank. And a resident who signs up offline for the last place, taken online meanwhile,
is waitlisted as the server decided and sees it plainly."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from backend.extensions import db
from tests.e2e.test_field_app import count, open_app, sign_in, synced, unlock, waiting

pytestmark = pytest.mark.e2e


@pytest.fixture
def phones(browser, live_server):
    """Phone-sized contexts, each a device of its own (fresh IndexedDB, service worker)."""
    made = []

    def make():
        context = browser.new_context(base_url=live_server, locale="zh-CN", viewport={"width": 360, "height": 740},
                                      is_mobile=True, has_touch=True)
        context.problems = []
        made.append(context)
        return context

    yield make
    for context in made:
        assert context.problems == []
        context.close()


def now():
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


def activity(staff_id, community_id, title, *, starts_in, capacity=20, volunteers=(), made_at=None):
    """A published activity of the community by its staff, starting `starts_in` from now (two hours long)."""
    from backend.activities import menu
    from backend.auth.models import User

    staff = db.session.get(User, staff_id)
    start = now() + starts_in
    made_at = made_at or start - timedelta(days=3)
    record = menu.create_activity(db.session, staff, {
        "community_id": community_id, "title": title, "description": "社区活动室，欢迎邻居参加",
        "address": "幸福社区活动室", "starts_at": start.isoformat() + "Z",
        "ends_at": (start + timedelta(hours=2)).isoformat() + "Z", "capacity": capacity,
        "volunteer_roles": [{"role": role, "count": n} for role, n in volunteers]}, now=made_at)
    menu.publish(db.session, staff, record, now=made_at)
    db.session.commit()
    return record.id


def sign_up(actor_id, activity_id, at, **data):
    from backend.activities import signups
    from backend.auth.models import User

    record = signups.sign_up(db.session, db.session.get(User, actor_id), {"activity_id": activity_id, **data}, now=at)
    db.session.commit()
    return record


def door_scene(world):
    """一碗腊八粥 began ten minutes ago: twelve residents of G1 signed up (by staff), two volunteers of
    the community signed up themselves; C1's pool can pay their hours."""
    from backend.auth.models import User
    from backend.org.models import Node
    from backend.points import services
    from tests.factories import household, resident, user

    staff, community, grid = world.staff1.id, world.C1.id, world.G1.id
    db.session.remove()
    services.grant(db.session, db.session.get(User, staff), community, 1000, "街道拨付")
    db.session.commit()
    activity_id = activity(staff, community, "一碗腊八粥", starts_in=-timedelta(minutes=10), volunteers=[("引导", 2)])
    before = now() - timedelta(hours=1)
    people = []
    for i in range(12):
        home = household(db.session.get(Node, grid), f"幸福小区3号楼{i + 1:02d}室", f"居民{i + 1:02d}")
        people.append(resident(home, f"居民{i + 1:02d}").id)
    # Volunteers who live in the community (they take part as neighbours).
    c1 = db.session.get(Node, community)
    helpers = [user(f"volunteer{n}", "volunteer", [c1], community=c1,
                    home=household(db.session.get(Node, grid), f"幸福小区5号楼{n}室", f"志愿者{n}")).id for n in (2, 3)]
    db.session.commit()
    signups = [sign_up(staff, activity_id, before, resident_id=person) for person in people]
    volunteers = [sign_up(helper, activity_id, before, role="volunteer", volunteer_role="引导") for helper in helpers]
    return activity_id, [(s.id, s.name, s.code) for s in signups], [(s.id, s.name, s.user_id) for s in volunteers]


def door_phone(context, activity_id, username="worker1"):
    """A door phone signed in, synced, on the activity's door list."""
    context.clock.install()  # the phone's own clock (its time moves on when the test says)
    page = open_app(context)
    sign_in(page, username)
    page.evaluate("async () => { await navigator.serviceWorker.ready; }")
    page.wait_for_function("navigator.serviceWorker.controller !== null")
    page.get_by_role("navigation").get_by_role("link", name="社区活动").click()
    page.locator(f"#activity-list li[data-id='{activity_id}'] a").click()
    expect(page.locator("#activity-title")).to_have_text("一碗腊八粥")
    page.get_by_role("link", name="签到名单").click()
    expect(page.locator("#door-title")).to_contain_text("一碗腊八粥")
    expect(page.locator("#attendee-list li")).to_have_count(14)
    return page


def type_code(page, code):
    page.locator("#checkin-code").fill(code)
    page.get_by_role("button", name="签到", exact=True).click()


def tick(page, name):
    page.locator("#attendee-list").get_by_label(name, exact=True).check()
    expect(page.locator("#attendee-list li", has_text=name)).to_have_attribute("data-checked", "true")


def test_the_door_checks_in_offline_once_with_the_phones_times_and_volunteers_hours_reach_the_bank(phones, world):
    from backend.activities import attendance
    from backend.activities.models import Activity, Checkin, Signup
    from backend.auth.models import User
    from backend.points.models import PointsEntry

    staff = world.staff1.id
    activity_id, people, helpers = door_scene(world)
    a_context, b_context = phones(), phones()
    a = door_phone(a_context, activity_id)
    b = door_phone(b_context, activity_id)  # the second phone holds the same list
    a_context.set_offline(True)
    b_context.set_offline(True)
    expect(a.locator("#status-net")).to_have_text("离线")

    # Six by the code on their phones (typed), six ticked, the two volunteers ticked, one walk-in.
    for _id, name, code in people[:6]:
        type_code(a, code.lower())  # as typed: the case does not matter
        expect(a.locator(".flash")).to_contain_text(f"{name} 已签到")
    for _id, name, _code in people[6:]:
        tick(a, name)
    for _id, name, _user in helpers:
        tick(a, name)
    a.locator("#walk-in-name").fill("王大爷")
    a.get_by_role("button", name="登记现场加入").click()
    expect(a.locator("#walk-in-list li")).to_have_count(1)
    # Again: a code already in, a walk-in already added: nothing more is queued.
    type_code(a, people[0][2])
    expect(a.locator(".flash")).to_contain_text("已经签到过了")
    a.locator("#walk-in-name").fill(" 王大爷 ")
    a.get_by_role("button", name="登记现场加入").click()
    expect(a.locator(".flash")).to_contain_text("已经签到过了")
    expect(a.locator("#attendee-list li[data-checked='true'] input:disabled")).to_have_count(14)
    waiting(a, 15)

    # The volunteers leave two hours later by the phone's clock: their check-outs.
    a_context.clock.set_system_time(datetime.now(UTC) + timedelta(hours=2))
    for _id, name, _user in helpers:
        a.locator("#attendee-list li", has_text=name).get_by_role("button", name="签退").click()
        expect(a.locator("#attendee-list li", has_text=name)).to_contain_text("签退")
    waiting(a, 17)

    # The page is reloaded with no signal: the list and the queued check-ins are still there.
    a.reload()
    unlock(a)
    expect(a.locator("#door-title")).to_contain_text("一碗腊八粥")
    expect(a.locator("#attendee-list li[data-checked='true']")).to_have_count(14)
    expect(a.locator("#walk-in-list li")).to_have_count(1)
    expect(a.locator("#door-count")).to_have_attribute("data-arrived", "14")
    waiting(a, 17)
    assert count(Checkin) == 0

    # The second phone, offline too, ticks some of the same people and the same walk-in.
    for _id, name, _code in people[:3]:
        tick(b, name)
    tick(b, helpers[0][1])
    b.locator("#walk-in-name").fill("王大爷")
    b.get_by_role("button", name="登记现场加入").click()
    waiting(b, 5)

    online_at = now()
    a_context.set_offline(False)
    synced(a)
    db.session.remove()
    rows = db.session.scalars(select(Checkin).where(Checkin.activity_id == activity_id)).all()
    assert len(rows) == 17
    assert sorted((r.kind, r.signup_id or r.name) for r in rows) == sorted(
        [("check_in", s) for s, _n, _c in people] + [("check_in", s) for s, _n, _u in helpers] +
        [("check_out", s) for s, _n, _u in helpers] + [("check_in", "王大爷")])
    assert all(r.offline for r in rows)
    # Each keeps the phone's own time: check-ins before the phone came back online, the
    # check-outs two hours later by its clock; the server wrote them all after.
    ins = [r for r in rows if r.kind == "check_in"]
    assert all(online_at - timedelta(minutes=5) <= r.at <= online_at for r in ins)
    assert all(r.created_at >= online_at for r in rows)
    outs = {r.signup_id: r.at for r in rows if r.kind == "check_out"}
    came = {r.signup_id: r.at for r in ins}
    assert all(timedelta(minutes=119) <= outs[s] - came[s] <= timedelta(minutes=121) for s, _n, _u in helpers)
    statuses = {s.id: s.status for s in db.session.scalars(select(Signup).where(Signup.activity_id == activity_id))}
    assert set(statuses.values()) == {"attended"}
    expect(a.locator("#attendee-list li .badge.waiting")).to_have_count(0)

    # The second phone's upload adds nothing; its copies give way to the kept ones.
    b_context.set_offline(False)
    synced(b)
    assert count(Checkin, Checkin.activity_id == activity_id) == 17
    expect(b.locator("#attendee-list li[data-checked='true']")).to_have_count(14)
    expect(b.locator("#walk-in-list li")).to_have_count(1)
    expect(b.locator("#walk-in-list .badge.waiting")).to_have_count(0)
    assert b.evaluate("async () => (await (await import('/static/app/db.js')).all('rejections')).length") == 0

    # Staff close the attendance: each volunteer's two hours reach the points bank, once.
    for _ in range(2):
        db.session.remove()
        attendance.close_by_staff(db.session, db.session.get(User, staff),
                                  db.session.get(Activity, activity_id))
        db.session.commit()
    for signup_id, _name, _user in helpers:
        entries = db.session.scalars(select(PointsEntry).where(
            PointsEntry.reference == f"activity-hours:{signup_id}", PointsEntry.amount > 0)).all()
        assert len(entries) == 1 and entries[0].amount > 0, entries
        assert db.session.get(Signup, signup_id).hours == 2.0


def test_an_offline_sign_up_for_the_last_place_taken_meanwhile_is_waitlisted_and_says_so(phones, world):
    from backend.activities.models import Activity, Signup
    from tests.factories import user

    staff, community, r1b = world.staff1.id, world.C1.id, world.R1b.id
    neighbour = user("resident2", "resident", home=world.H2).id
    first = world.R2.id
    db.session.commit()
    activity_id = activity(staff, community, "夏至馄饨", starts_in=timedelta(days=2), capacity=2, made_at=now())
    sign_up(staff, activity_id, now(), resident_id=first)  # one place of two taken
    page = open_app(phones())
    sign_in(page, "resident1")
    page.evaluate("async () => { await navigator.serviceWorker.ready; }")
    page.wait_for_function("navigator.serviceWorker.controller !== null")
    page.get_by_role("navigation").get_by_role("link", name="社区活动").click()
    month = (now() + timedelta(days=2)).strftime("%Y-%m")
    if page.locator("#menu-month").get_attribute("data-month") != month:
        page.get_by_role("link", name="下个月 ›").click()
    item = page.locator(f"#activity-list li[data-id='{activity_id}']")
    expect(item).to_contain_text("剩余 1 个名额")
    item.locator("a").click()
    expect(page.locator("#activity-title")).to_have_text("夏至馄饨")
    page.context.set_offline(True)
    expect(page.locator("#status-net")).to_have_text("离线")
    page.get_by_label("谁参加").select_option(label="张秀英")
    page.get_by_role("button", name="报名", exact=True).click()
    expect(page.locator(".flash")).to_contain_text("报名已保存，待发送")
    card = page.locator("#signup-list li.signup")
    expect(card).to_have_attribute("data-status", "sending")
    expect(card).to_contain_text("张秀英")
    waiting(page, 1)

    # Meanwhile a neighbour with a signal takes the last place.
    sign_up(neighbour, activity_id, now())
    db.session.remove()
    assert db.session.get(Activity, activity_id).confirmed_count == 2

    page.context.set_offline(False)
    synced(page)
    db.session.remove()
    mine = db.session.scalars(select(Signup).where(Signup.resident_id == r1b)).one()
    assert (mine.status, mine.position) == ("waitlisted", 1)
    assert db.session.get(Activity, activity_id).confirmed_count == 2
    expect(card).to_have_attribute("data-status", "waitlisted")
    expect(card).to_contain_text("候补第 1 位")
    expect(card.locator(".waitlist-note")).to_contain_text("名额已满，你在候补名单第 1 位")
    expect(card).not_to_contain_text("待发送")
    expect(card.locator(".checkin-code")).to_have_count(0)  # no place, no code
    expect(page.locator("#waitlist-count")).to_have_text("候补 1 人")
    page.get_by_role("link", name="返回").click()
    expect(page.locator(f"#activity-list li[data-id='{activity_id}']")).to_contain_text(re.compile("名额已满"))
