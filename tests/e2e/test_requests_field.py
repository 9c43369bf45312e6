"""Issue 5 in the field app, in real Chromium against the real server: a resident
raises a request with no signal and follows it to a rating while the office
accepts, dispatches, replies and resolves in its inbox pages; a grid worker
raises one for a resident (with consent) and works their own assignment; a
rating that arrives after the office reopened the request is refused and the
app says why."""

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from backend.extensions import db
from tests.e2e.conftest import eventually
from tests.e2e.test_field_app import (
    H1_ADDRESS,
    PASSWORD,
    controlled,
    count,
    image,
    open_app,
    sign_in,
    synced,
    waiting,
)

pytestmark = pytest.mark.e2e

HOME = {"latitude": 39.9075, "longitude": 116.3972}


@pytest.fixture
def phone(browser, live_server):
    """A phone that may tell the app where it is (the resident ticks "use my location")."""
    context = browser.new_context(base_url=live_server, locale="zh-CN", viewport={"width": 360, "height": 740},
                                  is_mobile=True, has_touch=True, geolocation=HOME, permissions=["geolocation"])
    context.problems = []
    yield context
    context.close()


def ids(world, *names):
    """The ids of world records, read before any test step ends the session."""
    return type("Ids", (), {name: getattr(world, name).id for name in names})


def user(username):
    from backend.auth.models import User

    return db.session.scalars(select(User).where(User.username == username)).one()


@pytest.fixture
def office(browser, live_server, world):
    """staff1 at a desk, signed in to the office pages."""
    context = browser.new_context(base_url=live_server, locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.problems = []
    page.on("console", lambda msg: page.problems.append(msg.text) if "Content Security Policy" in msg.text else None)
    page.goto("/sign-in")
    page.get_by_label("用户名").fill("staff1")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page).not_to_have_url(re.compile("/sign-in"))
    yield page
    assert page.problems == []
    context.close()


def in_the_inbox(office, description):
    """Open the request from the inbox's list, as staff do."""
    office.goto("/requests")
    office.locator("#request-table").get_by_role("link", name=re.compile(description[:10])).click()
    expect(office.locator("#request-details")).to_contain_text(description)


def office_does(office, action, message=None, assignee=None, then=None):
    form = office.locator(f"#action-{action}")
    if assignee:
        choice = form.locator("#f-dispatch-assignee option", has_text=assignee)
        form.locator("#f-dispatch-assignee").select_option(choice.get_attribute("value"))
    if message:
        form.locator(f"#f-{action}-message").fill(message)
    form.locator(f"#do-{action}").click()
    if then:
        expect(office.locator("#request-status")).to_have_attribute("data-status", then)
    if message:
        expect(office.locator("#request-timeline")).to_contain_text(message)


def staff_step(action, request_id, data=None, username="staff1"):
    """A step done outside the pages, through the same state machine (for setting a scene)."""
    from backend.requests import services
    from backend.requests.models import Request

    db.session.remove()
    services.transition(db.session, user(username), db.session.get(Request, request_id), action, data or {})
    db.session.commit()




def the_request():
    from backend.requests.models import Request

    db.session.remove()
    return db.session.scalars(select(Request)).one()


def the_consent(model, request_id):
    db.session.remove()
    return db.session.scalars(select(model).where(model.request_id == request_id)).one()


def sync_now(page):
    page.locator("#sync-now").click()
    synced(page)


def resident_offline(phone):
    page = open_app(phone)
    sign_in(page, "resident1")
    controlled(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("我的诉求")
    expect(page.locator("html")).to_have_class(re.compile("large"))  # large text for residents by default
    phone.set_offline(True)
    expect(page.locator("#status-net")).to_have_text("离线")
    return page


def test_a_resident_raises_a_request_offline_follows_it_and_rates_it(phone, office, world):
    from backend.ratings.models import Rating
    from backend.requests.models import Request, RequestEvent
    from sync.models import Attachment, AttachmentRef

    w = ids(world, "H1", "worker1", "resident1")
    page = resident_offline(phone)
    page.get_by_role("link", name="我要反映问题").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("我要反映问题")
    expect(page.get_by_label("为哪一户反映")).to_have_count(0)  # a resident raises for their own household
    page.get_by_label("类别").select_option(label="设施报修")
    page.get_by_label("情况描述").fill("楼道灯坏了一个星期，晚上看不见台阶")
    page.get_by_label("地点（地址）").fill("1号楼1单元三楼楼道")
    page.get_by_label(re.compile("使用我的当前位置")).check()
    photo = image((2400, 1800), (90, 90, 20), "JPEG", exif=True)
    page.get_by_label("拍照或选择照片").set_input_files(files=[{"name": "灯.jpg", "mimeType": "image/jpeg",
                                                           "buffer": photo}])
    page.get_by_role("button", name="提交", exact=True).click()
    expect(page.locator(".flash")).to_contain_text("诉求已保存", timeout=15000)
    expect(page.locator("#request-description")).to_have_text("楼道灯坏了一个星期，晚上看不见台阶")
    expect(page.locator("main .badge.waiting").first).to_be_visible()
    waiting(page, 1)

    # The tab is reloaded with no signal: the request is still there, waiting.
    page.reload()
    expect(page.locator("#status-net")).to_have_text("离线")
    expect(page.locator("#request-description")).to_have_text("楼道灯坏了一个星期，晚上看不见台阶")
    page.get_by_role("navigation").get_by_role("link", name="我的诉求").click()
    item = page.locator("#request-list li")
    expect(item).to_have_count(1)
    expect(item).to_contain_text("设施报修")
    expect(item).to_contain_text("已提交")
    expect(item).to_contain_text("待发送")
    assert count(Request) == 0

    # The network returns: it syncs by itself, exactly once, with the photo.
    phone.set_offline(False)
    synced(page)
    assert count(Request) == 1
    record = the_request()
    assert (record.category, record.household_id, record.on_behalf, record.channel) == (
        "facilities", w.H1, False, "app")
    assert record.address == "1号楼1单元三楼楼道"
    assert abs(record.location["lat"] - HOME["latitude"]) < 1e-6
    assert len(record.photos) == 1 and set(record.photo_times) == set(record.photos)
    assert count(Attachment) == 1
    assert count(AttachmentRef, AttachmentRef.collection == "requests", AttachmentRef.record_id == record.id) == 1
    stored = db.session.get(Attachment, record.photos[0])
    assert b"LinliTestCam" not in stored.data and max(stored.width, stored.height) == 1600
    expect(item).not_to_contain_text("待发送")

    # The office accepts, dispatches and replies in its pages (an internal note stays with staff).
    request_id = record.id
    in_the_inbox(office, "楼道灯坏了一个星期，晚上看不见台阶")
    office_does(office, "accept", then="accepted")
    office_does(office, "dispatch", assignee="worker1", then="dispatched")
    office_does(office, "note", "内部：物业电工周四有空")
    office_does(office, "reply", "已安排电工本周四上门更换灯泡")
    assert the_request().assignee_id == w.worker1
    sync_now(page)
    expect(item).to_contain_text("已派单")
    item.get_by_role("link").click()
    timeline = page.locator("#timeline")
    expect(timeline).to_contain_text("已安排电工本周四上门更换灯泡")
    expect(timeline).to_contain_text("工作人员答复")
    expect(timeline).to_contain_text("社区已受理")
    expect(timeline).not_to_contain_text("内部：物业电工周四有空")
    expect(page.locator("#rate-form")).to_have_count(0)  # not resolved yet

    # Resolved: the open page shows it after the next sync, and the resident rates it.
    office_does(office, "resolve", "灯泡已更换", then="resolved")
    sync_now(page)
    expect(page.locator("main .badge.status")).to_have_text("已办结")
    expect(timeline).to_contain_text("灯泡已更换")
    page.get_by_label(re.compile("5 星")).check()
    page.get_by_label("评价内容（可不填）").fill("很及时，谢谢")
    page.get_by_role("button", name="提交评价").click()
    expect(page.locator("#my-rating")).to_contain_text("5 星")
    eventually(page, lambda: count(Rating) == 1)  # online: it is sent at once
    synced(page)
    rating = db.session.scalars(select(Rating)).one()
    assert (rating.target_id, rating.score, rating.comment, rating.rater_id) == (
        request_id, 5, "很及时，谢谢", w.resident1)
    assert the_request().status == "closed"
    assert count(RequestEvent, RequestEvent.kind == "rated") == 1
    expect(page.locator("main .badge.status")).to_have_text("已关闭")
    expect(page.locator("#rate-form")).to_have_count(0)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert phone.problems == []


def test_a_grid_worker_raises_one_for_a_resident_offline_and_works_an_assignment(phone, office, world):
    from backend.requests.models import Request

    w = ids(world, "H1", "R1b", "worker1")
    page = open_app(phone)
    sign_in(page, "worker1")
    controlled(page)
    phone.set_offline(True)
    expect(page.locator("#status-net")).to_have_text("离线")
    page.get_by_role("link", name=re.compile(H1_ADDRESS)).click()
    page.get_by_role("link", name="代居民反映问题").click()
    expect(page.get_by_label("为哪一户反映")).to_have_value(w.H1)
    page.get_by_label("哪位居民").select_option(label="张秀英")
    page.get_by_label("类别").select_option("elderly_care")
    page.get_by_label("情况描述").fill("张秀英老人希望社区协助申请助餐服务")
    page.get_by_role("button", name="提交", exact=True).click()
    expect(page.locator("#request-form [role=status]")).to_have_text(re.compile("须先征得居民同意"))
    assert count(Request) == 0
    page.get_by_label("居民已同意由我代为反映此问题").check()
    page.get_by_label("同意方式").select_option("guardian")
    page.get_by_role("button", name="提交", exact=True).click()
    expect(page.locator("#request-form [role=status]")).to_have_text(re.compile("须填写监护人姓名"))
    page.get_by_label("同意人（默认为居民本人）").fill("张伟")
    page.get_by_role("button", name="提交", exact=True).click()
    expect(page.locator(".flash")).to_contain_text("诉求已保存", timeout=15000)
    expect(page.locator("#on-behalf")).to_contain_text("代为反映")
    waiting(page, 1)
    page.get_by_role("navigation").get_by_role("link", name="诉求").click()
    expect(page.locator("#request-list li")).to_contain_text("待发送")

    phone.set_offline(False)
    synced(page)
    record = the_request()
    assert (record.on_behalf, record.consent, record.resident_id, record.household_id, record.requester_id,
            record.channel, record.requester_name) == (
        True, True, w.R1b, w.H1, w.worker1, "field", "张秀英")
    from backend.registry.models import Consent

    consent = the_consent(Consent, record.id)
    assert (consent.purpose, consent.resident_id, consent.basis, consent.given_by, consent.recorded_by_id) == (
        "proxy_request", w.R1b, "guardian", "张伟", w.worker1)

    # The office dispatches it to this worker, who starts and resolves it with no signal.
    in_the_inbox(office, "张秀英老人希望社区协助申请助餐服务")
    expect(office.locator("#request-details")).to_contain_text("张秀英")
    office_does(office, "accept", then="accepted")
    office_does(office, "dispatch", "请本周内上门了解", assignee="worker1", then="dispatched")
    sync_now(page)
    mine = page.locator("#assigned-list li")
    expect(mine).to_have_count(1)
    expect(mine).to_contain_text("已派单")
    mine.get_by_role("link").click()
    phone.set_offline(True)
    page.get_by_role("button", name="开始处理").click()
    expect(page.locator("#timeline .pending")).to_contain_text("开始处理")
    page.get_by_role("button", name="办结").click()
    expect(page.locator("#handle-form [role=status]")).to_have_text("请填写说明。")
    page.get_by_label(re.compile("^说明")).fill("已上门登记，助餐服务下周一开始")
    page.get_by_role("button", name="办结").click()
    waiting(page, 2)
    phone.set_offline(False)
    synced(page)
    record = the_request()
    assert record.status == "resolved" and record.assignee_id == w.worker1
    expect(page.locator("main .badge.status")).to_have_text("已办结")
    expect(page.locator("#timeline")).to_contain_text("已上门登记，助餐服务下周一开始")
    expect(page.locator("#timeline .pending")).to_have_count(0)
    assert phone.problems == []


def test_a_rating_after_the_office_reopened_the_request_shows_the_reason(phone, office, world):
    from backend.ratings.models import Rating
    from backend.requests import services

    db.session.remove()
    record = services.create_request(db.session, user("resident1"), {
        "category": "environment", "description": "垃圾桶满了没人清运"})
    db.session.commit()
    request_id = record.id
    staff_step("accept", request_id)
    staff_step("resolve", request_id, {"message": "已清运"})
    page = resident_offline(phone)
    page.locator("#request-list li").get_by_role("link").click()
    expect(page.locator("main .badge.status")).to_have_text("已办结")
    page.get_by_label(re.compile("1 星")).check()
    page.get_by_role("button", name="提交评价").click()
    expect(page.locator("#my-rating")).to_contain_text("1 星")
    waiting(page, 1)
    # Meanwhile the office finds the fix did not hold and reopens it.
    office.goto(f"/requests/{request_id}")  # resolved ones leave the inbox's default list
    office_does(office, "reopen", "复查发现仍未清运干净", then="reopened")
    phone.set_offline(False)
    synced(page)
    assert count(Rating) == 0
    notice = page.get_by_role("alert")
    expect(notice).to_contain_text("未被接受")
    expect(notice).to_contain_text("被重新打开")
    expect(page.locator("main .badge.status")).to_have_text("已重新打开")
    expect(page.locator("#my-rating")).to_have_count(0)
    expect(page.locator("#timeline")).to_contain_text("复查发现仍未清运干净")
    # The list says so too, and leads back to the reason.
    page.get_by_role("navigation").get_by_role("link", name="我的诉求").click()
    expect(page.locator("#refused-notice")).to_contain_text("1 条诉求或操作未被接受")
    page.get_by_role("link", name="查看原因").click()
    expect(page.get_by_role("alert")).to_contain_text("被重新打开")
    page.get_by_role("button", name="知道了").click()
    expect(page.get_by_role("alert")).to_have_count(0)
    page.get_by_role("navigation").get_by_role("link", name="我的诉求").click()
    expect(page.locator("#refused-notice")).to_have_count(0)
    assert phone.problems == []


def test_a_resident_reopens_one_and_withdraws_another_offline(phone, office, world):
    import hashlib

    from backend.requests import services
    from sync import attachments

    photo = image((640, 480), (10, 120, 60), "JPEG")
    sha = hashlib.sha256(photo).hexdigest()
    db.session.remove()
    resident = user("resident1")
    attachments.store(db.session, resident, sha, photo, "image/jpeg")
    fixed = services.create_request(db.session, resident, {
        "category": "facilities", "description": "单元门禁坏了", "photos": [sha]})
    mistaken = services.create_request(db.session, resident, {
        "category": "other", "description": "点错了，不需要办理"})
    db.session.commit()
    fixed_id, mistaken_id = fixed.id, mistaken.id
    staff_step("accept", fixed_id)
    staff_step("resolve", fixed_id, {"message": "门禁已修好"})

    page = resident_offline(phone)
    expect(page.locator("#request-list li")).to_have_count(2)
    page.locator(f"#request-list li[data-id='{fixed_id}'] a").click()
    expect(page.locator("main img.thumb")).to_have_count(1)  # the photo from the server, kept for offline
    page.get_by_label("还有什么问题").fill("只修好了两天，又坏了")
    page.get_by_role("button", name="重新打开").click()
    expect(page.locator(".flash")).to_have_text("已要求重新办理，待发送。")
    expect(page.locator("#timeline .pending")).to_contain_text("只修好了两天，又坏了")
    expect(page.locator("#reopen-form")).to_have_count(0)
    page.get_by_role("navigation").get_by_role("link", name="我的诉求").click()
    page.locator(f"#request-list li[data-id='{mistaken_id}'] a").click()
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="撤回诉求").click()
    expect(page.locator(".flash")).to_have_text("撤回已保存，待发送。")
    waiting(page, 2)

    phone.set_offline(False)
    synced(page)
    expect(page.locator("main .badge.status")).to_have_text("已撤回")
    from backend.requests.models import Request

    db.session.remove()
    assert db.session.get(Request, fixed_id).status == "reopened"
    assert db.session.get(Request, mistaken_id).status == "withdrawn"
    office.goto(f"/requests/{fixed_id}")
    expect(office.locator("#request-timeline")).to_contain_text("只修好了两天，又坏了")
    assert phone.problems == []


def test_a_station_operator_raises_one_for_a_villager(phone, world):
    h3 = world.H3.id
    page = open_app(phone)
    sign_in(page, "station1")
    page.get_by_role("link", name=re.compile("柳树村5组12号")).click()
    page.get_by_role("link", name="代居民反映问题").click()
    expect(page.get_by_label("为哪一户反映")).to_have_value(h3)
    page.get_by_label("哪位居民").select_option(label="刘小明")
    page.get_by_label("类别").select_option("safety")
    page.get_by_label("情况描述").fill("村口水塘没有护栏，孩子放学经过")
    page.get_by_label("居民已同意由我代为反映此问题").check()
    page.get_by_role("button", name="提交", exact=True).click()
    expect(page.locator("#on-behalf")).to_be_visible()
    expect(page.locator("main .badge.waiting")).to_have_count(0, timeout=20000)  # sent and pulled back
    synced(page)
    record = the_request()
    assert (record.channel, record.on_behalf, record.consent, record.household_id, record.requester_name) == (
        "station", True, True, h3, "刘小明")
    page.get_by_role("navigation").get_by_role("link", name="诉求").click()
    expect(page.locator("#request-list li")).to_contain_text("村口水塘没有护栏")
    expect(page.locator("#request-list li")).to_contain_text("已提交")
    assert phone.problems == []
