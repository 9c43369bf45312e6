"""Issue 2, "Done means": someone signs in as staff1 and manages their
community's grids, households and residents in Chinese — in real Chromium,
against a real server, under the real Content-Security-Policy."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

PASSWORD = "demo-pass-2026"


@pytest.fixture
def errors(page):
    """Uncaught JavaScript errors on the page."""
    found = []
    page.on("pageerror", lambda exc: found.append(str(exc)))
    return found


def sign_in(page, username="staff1"):
    page.goto("/sign-in")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("button", name="退出登录")).to_be_visible()


def test_staff1_manages_grids_households_and_residents_in_chinese(page, errors, world):
    # The sign-in page speaks Simplified Chinese by default.
    page.goto("/sign-in")
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
    expect(page.get_by_role("heading", level=1)).to_have_text("登录邻里")
    expect(page).to_have_title("登录 · 邻里")
    sign_in(page)
    expect(page.locator("header .who")).to_contain_text("社区工作人员")

    # The organisation page lists staff1's community; open it and add a grid.
    nav = page.get_by_role("navigation", name="主导航")
    nav.get_by_role("link", name="组织架构").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("组织架构")
    page.get_by_role("link", name="幸福社区").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("幸福社区")
    children = page.locator("#children")
    expect(children).to_contain_text("第一网格")
    expect(children).to_contain_text("第二网格")
    page.get_by_role("link", name="添加网格").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("在幸福社区下添加区域")
    expect(page.get_by_label("类型")).to_have_value("grid")
    page.get_by_label("名称").fill("第九网格")
    page.get_by_label("编码").fill("G09")
    page.get_by_role("button", name="添加", exact=True).click()
    expect(page.locator("p.flash")).to_have_text("已添加网格“第九网格”。")
    expect(page.get_by_role("heading", level=1)).to_contain_text("第九网格")

    # A household in the new grid, through the form.
    nav.get_by_role("link", name="住户").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("住户")
    page.get_by_role("link", name="新建住户").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("新建住户")  # boosted: wait for the swap
    page.get_by_label("网格").select_option(label="幸福社区 · 第九网格")
    page.get_by_label("地址").fill("幸福小区9号楼1单元901")
    page.get_by_label("户主").fill("赵敏")
    page.get_by_label("电话").fill("13900000009")
    page.get_by_label("独居老人").check()
    page.get_by_role("button", name="新建住户").click()
    expect(page.locator("p.flash")).to_have_text("住户已创建。")
    household_url = page.url
    expect(page.get_by_role("heading", level=1)).to_have_text("幸福小区9号楼1单元901")
    facts = page.locator("dl.facts")
    expect(facts).to_contain_text("第九网格")
    expect(facts).to_contain_text("独居老人")
    expect(facts).to_contain_text("139****0009")
    # Showing the full phone number (audited) is an htmx POST carrying the CSRF header; the button must be legible.
    show = page.locator("#secret-phone").get_by_role("button", name="显示")
    assert show.evaluate("b => getComputedStyle(b).color") != "rgb(255, 255, 255)"
    show.click()
    expect(page.locator("#secret-phone")).to_have_text("13900000009")

    # A resident of that household.
    page.get_by_text("添加居民", exact=True).first.click()
    add = page.locator("#add-resident")
    add.get_by_label("姓名").fill("赵小敏")
    add.get_by_label("性别").select_option(label="女")
    add.get_by_label("出生日期").fill("2015-06-01")
    add.get_by_label("与户主关系").fill("女儿")
    add.get_by_role("button", name="添加居民").click()
    expect(page.locator("p.flash")).to_have_text("居民已添加。")
    row = page.locator("#residents tbody tr", has_text="赵小敏")
    expect(row).to_contain_text("女")
    expect(row).to_contain_text("女儿")
    expect(page.locator("dl.facts")).to_contain_text("1")

    # Edit the household's address.
    page.get_by_role("link", name="编辑", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("编辑住户")
    page.get_by_label("地址").fill("幸福小区9号楼2单元902")
    page.get_by_role("button", name="保存").click()
    expect(page.locator("p.flash")).to_have_text("住户已保存。")
    assert page.url == household_url
    expect(page.get_by_role("heading", level=1)).to_have_text("幸福小区9号楼2单元902")

    # The list's live search (htmx, no submit) finds it by address and by member name.
    nav.get_by_role("link", name="住户").click()
    rows = page.locator("#household-rows")
    expect(rows).to_contain_text("幸福小区1号楼1单元101")
    page.get_by_label("搜索", exact=True).press_sequentially("9号楼2单元", delay=50)  # typed, as a person does
    expect(rows).not_to_contain_text("幸福小区1号楼1单元101")
    expect(rows.get_by_role("link", name="幸福小区9号楼2单元902")).to_be_visible()
    expect(page).to_have_url(re.compile(r"q=9"))
    page.get_by_label("搜索", exact=True).fill("赵小敏")
    expect(rows.get_by_role("link", name="幸福小区9号楼2单元902")).to_be_visible()
    page.get_by_label("搜索", exact=True).fill("没有这户")
    expect(rows).to_contain_text("没有匹配的住户。")

    # The residents list's live search finds the new resident; her page shows her household.
    nav.get_by_role("link", name="居民").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("居民")
    resident_rows = page.locator("#resident-rows")
    expect(resident_rows).to_contain_text("张伟")
    page.get_by_label("姓名").press_sequentially("小敏", delay=50)
    expect(resident_rows).not_to_contain_text("张伟")
    resident_rows.get_by_role("link", name="赵小敏").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("赵小敏")
    expect(page.locator("main")).to_contain_text("幸福小区9号楼2单元902")

    # Traditional Chinese, then English, from the language menu.
    page.get_by_label("语言").select_option(label="繁體中文")
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hant")
    expect(page.get_by_role("heading", level=1)).to_have_text("赵小敏")
    expect(page.locator("dl.facts")).to_contain_text("性別")
    expect(page.get_by_role("navigation", name="主導航").get_by_role("link", name="住戶")).to_be_visible()
    expect(page.get_by_role("button", name="登出")).to_be_visible()
    page.get_by_label("語言").select_option(label="English")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("dl.facts")).to_contain_text("Gender")
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="Households")).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    page.goto(household_url)
    expect(page.locator("#residents h2")).to_have_text("Residents")
    expect(page.locator("#residents")).to_contain_text("女儿")  # what staff typed stays as typed
    expect(page.get_by_role("link", name="Edit", exact=True)).to_be_visible()

    assert page.csp_violations == []
    assert errors == []


def test_invalid_household_shows_the_chinese_message_next_to_the_field(page, errors, world):
    sign_in(page)
    page.goto("/registry/households/new")
    expect(page.get_by_role("heading", level=1)).to_have_text("新建住户")
    page.get_by_label("网格").select_option(label="幸福社区 · 第一网格")
    page.get_by_label("户主").fill("钱多多")
    with page.expect_response(lambda r: r.url.endswith("/registry/households/new")
                              and r.request.method == "POST") as response:
        page.get_by_role("button", name="新建住户").click()
    assert response.value.status == 422
    expect(page.locator("p.flash.error")).to_have_text("请修改标出的字段。")
    address = page.get_by_label("地址")
    expect(address).to_have_attribute("aria-invalid", "true")
    message = page.locator("#e-address")
    expect(message).to_have_text("必填。")
    # The message sits in the address field's own box, and the field says so to assistive technology.
    expect(page.locator(".field.invalid", has=page.locator("#f-address"))).to_contain_text("必填。")
    expect(address).to_have_attribute("aria-describedby", "e-address")
    expect(page.get_by_label("户主")).to_have_value("钱多多")  # what was typed is kept
    assert page.csp_violations == []
    assert errors == []
