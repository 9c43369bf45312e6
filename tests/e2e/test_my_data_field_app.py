"""A resident reaches their rights from the phone: the field app's settings lead
to the "My data" page, which asks them to sign in on the web and then shows
their household and its downloads (tests/frontend/rights covers the page)."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e import test_field_app
from tests.e2e.test_field_app import H1_ADDRESS, PASSWORD, open_app, sign_in

pytestmark = pytest.mark.e2e

phone = test_field_app.phone  # the same fresh phone-sized context


def test_a_resident_opens_my_data_from_the_apps_settings(phone, world):
    page = open_app(phone)
    sign_in(page, "resident1")
    page.get_by_role("navigation").get_by_role("link", name="设置").click()
    link = page.get_by_role("link", name="我的信息")
    expect(link).to_be_visible()
    link.click()
    expect(page).to_have_url(re.compile(r"/sign-in"))
    page.get_by_label("用户名").fill("resident1")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_url(re.compile(r"/my-data/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("我的信息")
    expect(page.locator("main")).to_contain_text(H1_ADDRESS)
    expect(page.locator("#download-json")).to_be_visible()
    assert phone.problems == []


def test_a_grid_worker_has_no_such_link(phone, world):
    page = open_app(phone)
    sign_in(page, "worker1")
    page.get_by_role("navigation").get_by_role("link", name="设置").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("设置")
    expect(page.get_by_role("link", name="我的信息")).to_have_count(0)
