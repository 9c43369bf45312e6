"""Issue 13's points bank in the field app, in real Chromium: a redemption made with no signal
waits in the outbox, is reserved by the server when the network returns (stock and points
held inside its write transaction), and the balance on the phone follows."""

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from backend.extensions import db
from tests.e2e.conftest import eventually
from tests.e2e.test_field_app import count, open_app, sign_in, synced, waiting

pytestmark = pytest.mark.e2e


@pytest.fixture
def phone(browser, live_server):
    context = browser.new_context(base_url=live_server, locale="zh-CN", viewport={"width": 360, "height": 740},
                                  is_mobile=True, has_touch=True)
    context.problems = []
    yield context
    assert context.problems == []
    context.close()


def scene(world):
    """resident1 holds 120 points (earned by helping, paid from C1's funded pool); C1 offers a
    haircut (50 points, 2 left) and a rice cooker (200 points), and is paired with the village V1."""
    from backend.auth.models import User
    from backend.points import earning, rewards, rules, services

    staff_id, community, resident = world.staff1.id, world.C1.id, world.resident1.id
    village = world.V1.id
    db.session.remove()
    staff = db.session.get(User, staff_id)
    services.grant(db.session, staff, community, 1000, "街道拨付")
    earning.award(db.session, community_id=community, user_id=resident, rule="hours",
                  reference="hours:test", quantity=12, actor_id=staff.id, memo="社区清洁")
    haircut = rewards.create_reward(db.session, staff, community, {"title": "理发一次", "points": 50, "stock": 2})
    rewards.create_reward(db.session, staff, community, {"title": "电饭煲", "points": 200, "stock": 1})
    rules.pair(db.session, staff, community, village)
    db.session.commit()
    return haircut.id


def test_a_redemption_made_offline_is_reserved_after_sync_and_the_balance_follows(phone, world):
    from backend.points.models import Donation, Redemption, Reward

    resident, village = world.resident1.id, world.V1.id
    haircut = scene(world)
    page = open_app(phone)
    sign_in(page, "resident1")
    page.evaluate("async () => { await navigator.serviceWorker.ready; }")
    page.wait_for_function("navigator.serviceWorker.controller !== null")
    page.get_by_role("navigation").get_by_role("link", name="我的积分").click()
    expect(page.locator("#points-balance")).to_have_text("120")
    expect(page.locator("#points-history")).to_contain_text("志愿服务时长")
    phone.set_offline(True)
    expect(page.locator("#status-net")).to_have_text("离线")
    page.get_by_role("link", name="兑换奖励").click()
    rewards = page.locator("#reward-list li")
    expect(rewards).to_have_count(2)
    cooker = rewards.filter(has_text="电饭煲")
    expect(cooker).to_contain_text("积分不足")  # 200 > 120: not offered
    expect(cooker.get_by_role("button")).to_have_count(0)
    page.once("dialog", lambda dialog: dialog.accept())
    rewards.filter(has_text="理发一次").get_by_role("button", name="兑换").click()
    expect(page.locator(".flash")).to_contain_text("待发送")
    mine = page.locator("#redemption-list li")
    expect(mine).to_have_count(1)
    expect(mine).to_contain_text("待发送")
    expect(page.locator("#points-available")).to_contain_text("可用 70 分")
    waiting(page, 1)
    page.reload()
    expect(page.locator("#redemption-list li")).to_contain_text("理发一次")
    assert count(Redemption) == 0

    # Back online: the server reserves it (stock and points held), and the phone follows.
    phone.set_offline(False)
    synced(page)
    db.session.remove()
    redemption = db.session.scalars(select(Redemption)).one()
    assert (redemption.reward_id, redemption.user_id, redemption.points, redemption.status) == (
        haircut, resident, 50, "reserved")
    assert db.session.get(Reward, haircut).stock_available == 1
    expect(page.locator("#redemption-list li")).to_have_attribute("data-status", "reserved")
    expect(page.locator("#redemption-list li")).not_to_contain_text("待发送")
    expect(page.locator("#points-balance")).to_have_text("70")
    expect(page.locator("#reward-list li").filter(has_text="理发一次")).to_contain_text("剩余 1 件")
    page.get_by_role("link", name="返回").click()
    expect(page.locator("#points-balance")).to_have_text("70")
    expect(page.locator("#points-history li")).to_have_count(2)
    expect(page.locator("#points-history")).to_contain_text("兑换奖励")

    # The pairing came with the sync: the resident gives 20 points to the paired village's pool.
    page.locator("#to-donate").click()
    page.locator("select[name=to_kind]").select_option(label="捐给结对的乡村社区")
    expect(page.locator("select[name=partner_id]")).to_be_visible()
    expect(page.locator("select[name=partner_id] option")).to_have_text(["柳树村"])
    page.locator("input[name=amount]").fill("20")
    page.get_by_role("button", name="转赠", exact=True).click()

    def donated():  # the status bar may read "nothing waiting" before the donation reaches the outbox
        db.session.remove()
        return db.session.scalars(select(Donation)).first() is not None

    eventually(page, donated)
    synced(page)
    db.session.remove()
    gift = db.session.scalars(select(Donation)).one()
    assert (gift.to_kind, gift.to_id, gift.amount) == ("paired_community", village, 20)
    expect(page.locator("#points-balance")).to_have_text("50")
