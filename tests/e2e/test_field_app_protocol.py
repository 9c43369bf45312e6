"""SYNC_PROTOCOL.md paths the field app's client must take in real Chromium
against the real server: a push too large (413) is split, a pull that says
`reset` starts over without losing the outbox, and an upgrade demand (426)
keeps the outbox, updates the app and pushes afterwards."""

import json
import re
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from backend.extensions import db
from tests.e2e.conftest import eventually
from tests.e2e.test_field_app import (
    H1_ADDRESS,
    controlled,
    count,
    open_app,
    phone,  # noqa: F401 — the phone-sized context fixture
    record_visit,
    sign_in,
    signed_in_offline,
    synced,
    unlock,
    waiting,
)

pytestmark = pytest.mark.e2e

PUSH = "**/api/v1/sync/push"
PULL = "**/api/v1/sync/pull*"
STALE_ADDRESS = "已拆除的旧楼9号"


def problem(route, status, title, detail):
    route.fulfill(status=status, content_type="application/problem+json",
                  body=json.dumps({"type": "about:blank", "title": title, "status": status, "detail": detail}))




def household_visits(page, address=H1_ADDRESS):
    page.get_by_role("navigation").get_by_role("link", name="住户").click()
    page.get_by_role("link", name=re.compile(address)).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(address)
    return page.locator("#visit-list li")


def test_a_push_too_large_is_split_until_the_server_takes_it(phone, world):  # noqa: F811
    from backend.fieldwork.visits.models import Visit

    page = signed_in_offline(phone)
    for notes in ("拆分一", "拆分二", "拆分三"):
        record_visit(page, notes)
    waiting(page, 3)
    sizes, accepted = [], []

    def at_most_one(route):
        mutations = json.loads(route.request.post_data)["mutations"]
        sizes.append(len(mutations))
        if len(mutations) > 1:
            problem(route, 413, "Payload Too Large", "At most 1 mutation per push here.")
        else:
            accepted.append(mutations[0]["record_id"])
            route.continue_()

    phone.route(PUSH, at_most_one)
    phone.set_offline(False)
    synced(page)
    assert sizes[0] == 3 and sizes.count(1) == 3  # the whole batch first, then halves down to single mutations
    assert len(accepted) == 3 and len(set(accepted)) == 3  # each mutation reached the server once
    assert count(Visit) == 3
    assert sorted(v.notes for v in db.session.scalars(select(Visit))) == ["拆分一", "拆分三", "拆分二"]
    assert sorted(str(v.id) for v in db.session.scalars(select(Visit))) == sorted(accepted)
    waiting(page, 0)
    visits = household_visits(page)
    expect(visits).to_have_count(3)
    expect(page.locator("#visit-list")).not_to_contain_text("待发送")
    page.get_by_role("navigation").get_by_role("link", name="同步").click()
    expect(page.locator("#rejection-list li")).to_have_count(0)
    assert phone.problems == []


def test_a_reset_pull_drops_the_synced_copy_keeps_the_outbox_and_starts_over(phone, world):  # noqa: F811
    from backend.fieldwork.visits.models import Visit

    page = open_app(phone)
    sign_in(page)
    controlled(page)
    # A synced record the server has since forgotten (its tombstone long gone): only a reset removes it.
    page.evaluate("""async (address) => {
      const d = await new Promise((ok, ko) => {
        const r = indexedDB.open("linli-field");
        r.onsuccess = () => ok(r.result);
        r.onerror = () => ko(r.error);
      });
      await new Promise((ok, ko) => {
        const tx = d.transaction("households", "readwrite");
        tx.objectStore("households").put({ id: crypto.randomUUID(), address, head_name: "无人", member_count: 0,
                                           care_tags: [], _v: 1 });
        tx.oncomplete = ok;
        tx.onerror = () => ko(tx.error);
      });
      d.close();
    }""", STALE_ADDRESS)
    page.reload()
    unlock(page)
    synced(page)
    expect(page.get_by_role("link", name=re.compile(STALE_ADDRESS))).to_be_visible()
    expect(page.get_by_role("link", name=re.compile(H1_ADDRESS))).to_be_visible()

    held, cursors, pushes = [], [], []
    push_blocked = [True]

    def pull(route):
        cursors.append(parse_qs(urlparse(route.request.url).query).get("cursor", [""])[0])
        if len(cursors) == 1:
            held.append(route)  # answered below, once a visit waits in the outbox
        else:
            route.continue_()

    def push(route):
        pushes.append(json.loads(route.request.post_data)["mutations"])
        if push_blocked[0]:
            route.abort("internetdisconnected")
        else:
            route.continue_()

    phone.route(PULL, pull)
    phone.route(PUSH, push)
    # Start a sync (a click on the disabled button of a running one does nothing; that one's pull went
    # through before the route, so click again until a pull is held).
    eventually(page, lambda: held or page.evaluate("document.getElementById('sync-now').click()"))
    assert cursors[0]  # an incremental pull, from the cursor of the initial sync
    assert pushes == []  # nothing was waiting when this sync pushed
    record_visit(page, "重置期间等待的走访")
    waiting(page, 1)

    route = held.pop()
    response = route.fetch()
    body = response.json()
    body["reset"] = True
    route.fulfill(response=response, json=body)

    # The client started over from an empty cursor; then the sync that the saved visit asked for
    # tried to push it (blocked here), so it still waits.
    expect(page.locator("#status-text")).to_contain_text("同步失败", timeout=20000)
    assert cursors[1] == ""
    assert len(pushes) >= 1 and all(len(m) == 1 for m in pushes)
    waiting(page, 1)
    assert count(Visit) == 0
    page.get_by_role("navigation").get_by_role("link", name="住户").click()
    expect(page.get_by_role("link", name=re.compile(H1_ADDRESS))).to_be_visible()
    expect(page.get_by_role("link", name=re.compile(STALE_ADDRESS))).to_have_count(0)
    visits = household_visits(page)
    expect(visits).to_have_count(1)  # the worker's own waiting visit was not dropped with the synced copy
    expect(visits.filter(has_text="待发送")).to_have_count(1)

    push_blocked[0] = False
    page.get_by_role("button", name="立即同步").click()
    synced(page)
    assert count(Visit) == 1
    assert db.session.scalars(select(Visit)).one().notes == "重置期间等待的走访"
    visits = household_visits(page)
    expect(visits).to_have_count(1)
    expect(page.locator("#visit-list")).not_to_contain_text("待发送")
    expect(page.locator("#visit-list")).to_contain_text("重置期间等待的走访")
    assert phone.problems == []


def test_an_upgrade_demand_keeps_the_outbox_updates_the_app_and_pushes_after(phone, world, app):  # noqa: F811
    from backend.fieldwork.visits.models import Visit

    page = open_app(phone)
    sign_in(page)
    controlled(page)
    old_build = page.locator("meta[name=linli-build]").get_attribute("content")
    new_build = "deploy-" + old_build[:8] + "-426"
    answers = []

    def upgrade_required(route):
        if not answers:
            # The server moved on: a new version of the app is deployed and this one is too old.
            app.config["PWA_BUILD"] = new_build
            answers.append(426)
            problem(route, 426, "Upgrade Required", "This version of the app is too old; update it.")
        else:
            answers.append("blocked")
            route.abort("internetdisconnected")

    phone.route(PUSH, upgrade_required)
    previous = app.config["PWA_BUILD"]
    try:
        record_visit(page, "要求升级时等待的走访")  # online: saving it syncs at once
        # The 426 makes the app look for its new version, which takes over and reloads the page.
        page.wait_for_function("(build) => document.querySelector('meta[name=linli-build]').content === build",
                               arg=new_build, timeout=20000)
        assert answers[0] == 426 and answers.count(426) == 1
        assert page.evaluate("caches.keys()") == ["linli-shell-" + new_build]
        waiting(page, 1)  # the outbox survived the 426 and the update
        assert count(Visit) == 0
        unlock(page)  # the new version's reload locked the app

        phone.unroute(PUSH)
        page.get_by_role("button", name="立即同步").click()
        synced(page)
        assert count(Visit) == 1
        assert db.session.scalars(select(Visit)).one().notes == "要求升级时等待的走访"
        visits = household_visits(page)
        expect(visits).to_have_count(1)
        expect(page.locator("#visit-list")).not_to_contain_text("待发送")
    finally:
        app.config["PWA_BUILD"] = previous
    assert phone.problems == []
