"""Issue 13 in the field app, in real Chromium against the real server: a resident asks for
help with no signal (a photo included), a neighbour on another phone answers "I can help",
both confirm and the helper's points arrive in the helper's app; and two phones of one
author accept the same lend offline: exactly one wins and the other is told why."""

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from backend.extensions import db
from tests.e2e.conftest import eventually
from tests.e2e.test_field_app import count, image, open_app, sign_in, synced, waiting

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


def neighbour(world, username, home="H2"):
    """Another resident of community C1 (幸福社区), with an account of their own."""
    from tests.factories import user

    person = user(username, "resident", home=getattr(world, home))
    db.session.commit()
    return person.id


def fund_pool(world, amount=1000):
    """Staff fund C1's pool, which pays the help points."""
    from backend.auth.models import User
    from backend.points import services

    staff_id, community = world.staff1.id, world.C1.id
    db.session.remove()
    services.grant(db.session, db.session.get(User, staff_id), community, amount, "街道拨付")
    db.session.commit()


def resident_phone(context, username):
    page = open_app(context)
    sign_in(page, username)
    expect(page.locator("#status-last")).to_contain_text("上次同步", timeout=15000)
    page.evaluate("async () => { await navigator.serviceWorker.ready; }")
    page.wait_for_function("navigator.serviceWorker.controller !== null")
    return page


def to_sharing(page):
    page.get_by_role("navigation").get_by_role("link", name="邻里共享").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("邻里共享")


def sync_now(page):
    page.locator("#sync-now").click()
    synced(page)


def exchange(page, status):
    """The exchange card on a post's page, once it shows `status`."""
    card = page.locator("#exchange-list li.exchange")
    expect(card).to_have_attribute("data-status", status, timeout=20000)
    return card


def the_exchange():
    from backend.sharing.models import PostResponse

    db.session.remove()
    return db.session.scalars(select(PostResponse)).one()


def step(page, status, button, then):
    """Take a step on the exchange shown in `status`; the server has it once `then(exchange)` holds."""
    exchange(page, status).get_by_role("button", name=button).click()
    eventually(page, lambda: then(the_exchange()))
    synced(page)


def test_a_help_post_made_offline_is_answered_confirmed_and_pays_the_helper(phones, world):
    from backend.points.models import PointsEntry
    from backend.sharing.models import Post, PostResponse
    from sync.models import Attachment, AttachmentRef

    author_id, community = world.resident1.id, world.C1.id
    helper_id = neighbour(world, "resident2")
    fund_pool(world)
    author = phones()
    page = resident_phone(author, "resident1")
    author.set_offline(True)
    expect(page.locator("#status-net")).to_have_text("离线")
    to_sharing(page)
    page.get_by_role("link", name="发布", exact=True).click()
    page.get_by_label("类型").select_option("help")
    page.get_by_label("标题").fill("水龙头漏水，谁能帮忙看看")
    page.get_by_label("详细说明").fill("厨房水龙头一直滴水，家里没有工具")
    page.get_by_label("方便的时间").fill("周末上午")
    photo = image((2400, 1800), (40, 90, 160), "JPEG", exif=True)
    page.get_by_label("拍照或选择照片").set_input_files(files=[{"name": "tap.jpg", "mimeType": "image/jpeg",
                                                           "buffer": photo}])
    page.get_by_role("button", name="发布", exact=True).click()
    expect(page.locator(".flash")).to_contain_text("已保存", timeout=15000)
    expect(page.locator("#post-title")).to_have_text("水龙头漏水，谁能帮忙看看")
    expect(page.locator("main img.thumb")).to_have_count(1)
    waiting(page, 1)

    # Reloaded with no signal: the post is still there, waiting; the server has nothing yet.
    page.reload()
    expect(page.locator("#status-net")).to_have_text("离线")
    expect(page.locator("#post-title")).to_have_text("水龙头漏水，谁能帮忙看看")
    to_sharing(page)
    item = page.locator("#post-list li")
    expect(item).to_have_count(1)
    expect(item).to_contain_text("求助")
    expect(item).to_contain_text("待发送")
    assert count(Post) == 0

    # The network returns: sent exactly once, with its photo (resized, EXIF gone).
    author.set_offline(False)
    synced(page)
    expect(item).not_to_contain_text("待发送")
    assert count(Post) == 1
    db.session.remove()
    post = db.session.scalars(select(Post)).one()
    assert (post.kind, post.title, post.author_id, post.community_id, post.status) == (
        "help", "水龙头漏水，谁能帮忙看看", author_id, community, "open")
    assert len(post.photos) == 1
    assert count(AttachmentRef, AttachmentRef.record_id == post.id) == 1
    stored = db.session.get(Attachment, post.photos[0])
    assert b"LinliTestCam" not in stored.data and max(stored.width, stored.height) == 1600
    post_id = post.id

    # The author edits it: an `update` of the changed fields (base_version), merged by the server.
    page.locator(f"#post-list li[data-id='{post_id}'] a").click()
    page.locator("#edit-post").click()
    expect(page.get_by_label("保留这张照片")).to_be_checked()
    page.get_by_label("标题").fill("水龙头漏水，求修理")
    page.get_by_label("方便的时间").fill("周六全天")
    page.get_by_role("button", name="保存", exact=True).click()
    expect(page.locator("#post-title")).to_have_text("水龙头漏水，求修理")

    def edited_on_the_server():  # the status bar may say nothing waits before the outbox has the edit
        db.session.remove()
        return db.session.get(Post, post_id).title == "水龙头漏水，求修理"

    eventually(page, edited_on_the_server)
    synced(page)
    db.session.remove()
    edited = db.session.get(Post, post_id)
    assert (edited.title, edited.availability, edited.photos, edited.body) == (
        "水龙头漏水，求修理", "周六全天", post.photos, "厨房水龙头一直滴水，家里没有工具")
    to_sharing(page)

    # A neighbour's phone pulls it, with its photo, and answers "I can help".
    other = phones()
    helper = resident_phone(other, "resident2")
    to_sharing(helper)
    helper.locator(f"#post-list li[data-id='{post_id}'] a").click()
    expect(helper.locator("#post-title")).to_have_text("水龙头漏水，求修理")
    expect(helper.locator("#post-body")).to_have_text("厨房水龙头一直滴水，家里没有工具")
    expect(helper.locator("main img.thumb")).to_have_count(1)
    helper.get_by_label("留言").fill("我有扳手，周六上午过来")
    helper.get_by_role("button", name="我可以帮忙").click()
    expect(helper.locator(".flash")).to_have_text("回应已保存，待发送。")
    synced(helper)
    assert count(PostResponse) == 1

    # The author accepts, marks it done and confirms; the helper confirms too.
    sync_now(page)
    page.locator(f"#post-list li[data-id='{post_id}'] a").click()
    card = exchange(page, "pending")
    expect(card).to_contain_text("我有扳手，周六上午过来")
    step(page, "pending", "接受", lambda r: r.status == "accepted")
    step(page, "accepted", "已完成", lambda r: r.status == "done")
    step(page, "done", "确认完成", lambda r: r.confirmed_by_author)
    expect(exchange(page, "done").get_by_role("button", name="确认完成")).to_have_count(0)  # once is enough
    sync_now(helper)
    expect(exchange(helper, "done")).to_contain_text("发布人已确认")
    step(helper, "done", "确认完成", lambda r: r.status == "confirmed")
    response = the_exchange()
    assert (response.confirmed_by_author, response.confirmed_by_responder) == (True, True)
    entries = db.session.scalars(select(PointsEntry).where(PointsEntry.owner_id == helper_id)).all()
    assert [(e.kind, e.amount) for e in entries] == [("help", 10)]

    # The helper's points arrive in the helper's app: the balance and its history.
    sync_now(helper)
    helper.get_by_role("navigation").get_by_role("link", name="我的积分").click()
    expect(helper.locator("#points-balance")).to_have_text("10")
    expect(helper.locator("#points-history li")).to_have_count(1)
    expect(helper.locator("#points-history")).to_contain_text("帮助邻居")
    # Each rates the other, the author with a word.
    sync_now(page)
    card = exchange(page, "confirmed")
    card.get_by_label(re.compile("5 星")).check()
    card.get_by_label("一句话评价（可不填）").fill("热心")
    card.get_by_role("button", name="提交评价").click()
    eventually(page, lambda: the_exchange().author_score == 5)
    assert the_exchange().author_comment == "热心"
    synced(page)
    expect(exchange(page, "confirmed").locator(".my-score")).to_contain_text("5 星")
    assert helper.evaluate("document.documentElement.scrollWidth") <= 360


def test_two_phones_accept_the_same_lend_offline_and_exactly_one_wins(phones, world):
    from backend.auth.models import User
    from backend.sharing import exchanges, posts
    from backend.sharing.models import PostResponse

    author_id = world.resident1.id
    first_id = neighbour(world, "resident2")
    second_id = neighbour(world, "resident3")
    db.session.remove()
    lend = posts.create_post(db.session, db.session.get(User, author_id), {
        "kind": "lend", "title": "借电钻一把", "body": "周末可以借", "reach": "community"})
    db.session.flush()
    first = exchanges.respond(db.session, db.session.get(User, first_id), {"post_id": lend.id, "message": "周六想借"})
    second = exchanges.respond(db.session, db.session.get(User, second_id), {"post_id": lend.id, "message": "我也想借"})
    db.session.commit()
    post_id, first, second = lend.id, first.id, second.id

    # The author's two phones, both synced, both lose signal.
    one, two = phones(), phones()
    a, b = resident_phone(one, "resident1"), resident_phone(two, "resident1")
    for context, page in ((one, a), (two, b)):
        to_sharing(page)
        page.locator(f"#post-list li[data-id='{post_id}'] a").click()
        expect(page.locator("#exchange-list li")).to_have_count(2)
        context.set_offline(True)
    a.locator(f"#exchange-list li[data-id='{first}']").get_by_role("button", name="接受").click()
    b.locator(f"#exchange-list li[data-id='{second}']").get_by_role("button", name="接受").click()
    waiting(a, 1)
    waiting(b, 1)

    # The first phone to reach the server wins; the second is told why.
    one.set_offline(False)
    synced(a)
    two.set_offline(False)
    synced(b)
    db.session.remove()
    statuses = {r.id: r.status for r in db.session.scalars(select(PostResponse))}
    assert statuses == {first: "accepted", second: "pending"}
    notice = b.get_by_role("alert")
    expect(notice).to_contain_text("未被接受")
    expect(notice).to_contain_text("已答应给另一位邻居")  # the server's reason, in the phone's language
    expect(b.locator(f"#exchange-list li[data-id='{first}']")).to_have_attribute("data-status", "accepted")
    expect(b.locator(f"#exchange-list li[data-id='{second}']")).to_have_attribute("data-status", "pending")

    # The drill went out three days ago for a day and has not come back: both phones badge it overdue.
    from datetime import timedelta

    from backend.common import utcnow

    db.session.remove()
    then = utcnow() - timedelta(days=3)
    exchanges.transition(db.session, db.session.get(User, author_id), db.session.get(PostResponse, first),
                         "hand_over", {"due_at": (then + timedelta(days=1)).isoformat() + "Z"}, now=then)
    assert exchanges.sweep(db.session)["overdue"] == 1
    db.session.commit()
    sync_now(b)
    lent = b.locator(f"#exchange-list li[data-id='{first}']")
    expect(lent).to_have_attribute("data-status", "lent")
    expect(lent.locator(".overdue-badge")).to_have_text("逾期未还")
    b.get_by_role("link", name="返回").click()
    b.get_by_role("link", name="我的发布和交换").click()
    expect(b.locator(f"#my-exchanges li[data-id='{first}'] .overdue-badge")).to_be_visible()


def test_a_grid_worker_posts_for_a_resident_with_no_phone_offline(phones, world):
    from backend.registry.models import Consent
    from backend.sharing.models import Post
    from tests.e2e.test_field_app import controlled

    household, worker = world.H1.id, world.worker1.id
    context = phones()
    page = open_app(context)
    sign_in(page, "worker1")
    controlled(page)
    context.set_offline(True)
    expect(page.locator("#status-net")).to_have_text("离线")
    to_sharing(page)
    page.get_by_role("link", name="发布", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("代居民发布")
    page.get_by_label("为哪一户发布").select_option(household)
    page.get_by_label("类型").select_option("give")
    page.get_by_label("标题").fill("旧轮椅一台，送给需要的邻居")
    page.get_by_role("button", name="发布", exact=True).click()
    expect(page.locator("#post-form [role=status]")).to_contain_text("须先征得居民同意")
    page.get_by_label("居民已同意由我代为发布").check()
    page.get_by_label("同意方式").select_option("written")
    page.get_by_role("button", name="发布", exact=True).click()
    expect(page.locator("#post-title")).to_have_text("旧轮椅一台，送给需要的邻居")
    waiting(page, 1)
    assert count(Post) == 0

    context.set_offline(False)
    synced(page)
    db.session.remove()
    post = db.session.scalars(select(Post)).one()
    assert (post.on_behalf, post.consent, post.household_id, post.author_id, post.author_name, post.kind) == (
        True, True, household, worker, "张伟", "give")
    consent = db.session.scalars(select(Consent).where(Consent.purpose == "proxy_share")).one()
    assert (consent.basis, consent.household_id, consent.recorded_by_id) == ("written", household, worker)
    expect(page.locator("main")).to_contain_text("由工作人员代为发布")
