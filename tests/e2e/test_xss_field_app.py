"""The XSS sweep in the field app (tests/security/test_xss.py sweeps the pages
and APIs): markup typed into names, notes, care tags, requests, their replies
and ratings reaches a grid worker's and a resident's phone as data, and the
app shows it as text. Nothing it carries becomes an element, runs, or breaks
the page, online and offline."""

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import update

from backend.extensions import db
from backend.registry.models import CareTag, Household, Resident
from backend.requests.models import Request, RequestEvent
from backend.sharing.models import Post, PostResponse
from tests.e2e import test_field_app
from tests.e2e.test_field_app import H1_ADDRESS, controlled, open_app, sign_in, unlock
from tests.factories import PostFactory, PostResponseFactory, RequestFactory

pytestmark = pytest.mark.e2e

phone = test_field_app.phone  # the same fresh phone-sized context

MARKUP = "<img src=x onerror=window.__xss=1><x-xss>"


@pytest.fixture
def poisoned(world):
    """worker1's and resident1's household H1 with markup in every field a phone shows."""
    request = RequestFactory(household=world.H1, status="dispatched", assignee=world.worker1,
                             description=MARKUP + "楼道灯坏了")
    db.session.flush()
    db.session.execute(update(Resident).where(Resident.household_id == world.H1.id)
                       .values(name=MARKUP, notes=MARKUP, relation="<x-xss>"))
    db.session.execute(update(Household).where(Household.id == world.H1.id)
                       .values(head_name=MARKUP, notes=MARKUP))
    db.session.execute(update(CareTag).values(name_zh_hans=MARKUP[:50]))
    db.session.execute(update(RequestEvent).where(RequestEvent.request_id == request.id)
                       .values(message=MARKUP, actor_name=MARKUP))
    db.session.execute(update(Request).where(Request.id == request.id).values(requester_name=MARKUP))
    # resident1's post in the sharing community and a neighbour's answer to it
    post = PostFactory(author=world.resident1, kind="help", title=MARKUP, body=MARKUP, availability=MARKUP)
    answer = PostResponseFactory(post=post, message=MARKUP)
    db.session.execute(update(Post).where(Post.id == post.id).values(author_name=MARKUP))
    db.session.execute(update(PostResponse).where(PostResponse.id == answer.id).values(responder_name=MARKUP))
    db.session.commit()
    return world


def clean(page):
    """No element was made from the markup and nothing of it ran."""
    assert page.evaluate("document.querySelectorAll('x-xss, img[src=x]').length") == 0
    assert page.evaluate("window.__xss === undefined")


def test_a_grid_workers_phone_shows_markup_as_text_online_and_offline(phone, poisoned):
    page = open_app(phone)
    sign_in(page, "worker1")
    controlled(page)
    households = page.locator("#household-list")
    expect(households).to_contain_text("<x-xss>")  # the care tag's name, as text
    clean(page)
    page.get_by_role("link", name=re.compile(H1_ADDRESS)).click()
    expect(page.locator("main")).to_contain_text("<img src=x onerror")
    clean(page)
    page.get_by_role("navigation").get_by_role("link", name="诉求").click()
    mine = page.locator("#assigned-list li")
    expect(mine).to_contain_text("<img src=x")
    mine.get_by_role("link").click()
    expect(page.locator("main")).to_contain_text("<x-xss>")
    clean(page)
    phone.set_offline(True)
    page.reload()
    unlock(page)
    expect(page.locator("main")).to_contain_text("<x-xss>")
    clean(page)
    assert phone.problems == []


def test_a_residents_phone_shows_markup_as_text(phone, poisoned):
    page = open_app(phone)
    sign_in(page, "resident1")
    controlled(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("我的诉求")
    items = page.locator("#request-list li")
    expect(items).to_contain_text("<img src=x")
    clean(page)
    items.get_by_role("link").first.click()
    expect(page.locator("main")).to_contain_text("<x-xss>")
    clean(page)
    page.get_by_role("navigation").get_by_role("link", name="邻里共享").click()
    expect(page.locator("#post-list")).to_contain_text("<img src=x")
    clean(page)
    page.locator("#post-list li a").first.click()
    expect(page.locator("#post-body")).to_contain_text("<x-xss>")
    expect(page.locator("#exchange-list")).to_contain_text("<img src=x")
    clean(page)
    assert phone.problems == []
