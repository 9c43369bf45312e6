"""Issue 12: a lost or revoked phone. In real Chromium against a real server: the
field app locks on every start and asks for the PIN offline; what it keeps in
IndexedDB is sealed (no resident's name, address or token readable at rest);
five wrong PINs erase the phone; a phone staff report lost pushes its unsent
work, erases itself and says so; a revoked token (a password change) asks to
sign in again, keeps the sealed outbox and pushes it once after."""

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from backend.extensions import db
from tests.e2e.conftest import client_side_only, eventually
from tests.e2e.test_field_app import (
    H1_ADDRESS,
    PASSWORD,
    PIN,
    controlled,
    count,
    open_app,
    phone,  # noqa: F401 — the phone-sized context fixture
    record_visit,
    set_pin,
    sign_in,
    signed_in_offline,
    synced,
    unlock,
    waiting,
)

pytestmark = pytest.mark.e2e

LOCK_TITLE = "输入 PIN 解锁"

# Every value of every IndexedDB store as text: strings, numbers, and the bytes of any
# ArrayBuffer decoded as UTF-8, so a name sealed or not would show.
RAW_DUMP = """async () => {
  const d = await new Promise((ok, ko) => {
    const r = indexedDB.open("linli-field");
    r.onsuccess = () => ok(r.result);
    r.onerror = () => ko(r.error);
  });
  const text = (v) => {
    if (v instanceof ArrayBuffer) return new TextDecoder().decode(v);
    if (ArrayBuffer.isView(v)) return new TextDecoder().decode(v);
    if (v instanceof Blob) return "[blob " + v.size + "]";
    if (Array.isArray(v)) return v.map(text).join(" ");
    if (v && typeof v === "object") return Object.entries(v).map(([k, x]) => k + "=" + text(x)).join(" ");
    return String(v);
  };
  const out = {};
  for (const name of Array.from(d.objectStoreNames)) {
    const values = await new Promise((ok, ko) => {
      const r = d.transaction(name).objectStore(name).getAll();
      r.onsuccess = () => ok(r.result);
      r.onerror = () => ko(r.error);
    });
    out[name] = values.map(text);
  }
  d.close();
  return out;
}"""


def raw_store(page):
    return page.evaluate(RAW_DUMP)


def visits_noted(notes):
    from backend.fieldwork.visits.models import Visit

    return count(Visit, Visit.notes == notes)


def worker_device():
    from backend.auth.models import Device, User

    db.session.remove()
    return db.session.scalars(select(Device).join(User, User.id == Device.user_id)
                              .where(User.username == "worker1")).one()


@client_side_only
def test_it_locks_on_every_start_and_after_lock_now_and_opens_with_the_pin_offline(phone, world):  # noqa: F811
    page = signed_in_offline(phone)
    record_visit(page, "锁屏前记录的走访")
    waiting(page, 1)
    page.reload()
    expect(page.get_by_role("heading", level=1)).to_have_text(LOCK_TITLE)
    expect(page.get_by_role("navigation")).to_be_hidden()
    expect(page.locator("#screen")).not_to_contain_text(H1_ADDRESS)
    waiting(page, 1)  # what waits is counted while locked, never shown
    page.get_by_label("PIN", exact=True).fill("135790")
    page.get_by_role("button", name="解锁").click()
    expect(page.get_by_role("alert")).to_have_text("PIN 不正确。再错 4 次，本机数据将被清除。")
    unlock(page)
    expect(page.locator("#screen")).to_contain_text(H1_ADDRESS)  # where the worker was
    # A right PIN starts the count again.
    page.get_by_role("navigation").get_by_role("link", name="设置").click()
    page.get_by_role("button", name="立即锁定").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(LOCK_TITLE)
    page.get_by_label("PIN", exact=True).fill("135790")
    page.get_by_role("button", name="解锁").click()
    expect(page.get_by_role("alert")).to_contain_text("再错 4 次")
    unlock(page)
    waiting(page, 1)
    phone.set_offline(False)
    synced(page)
    assert visits_noted("锁屏前记录的走访") == 1
    assert phone.problems == []


@client_side_only
def test_a_pin_is_set_at_the_first_sign_in_and_a_short_or_mismatched_one_is_refused(phone, world):  # noqa: F811
    tokens = []
    page = open_app(phone)
    page.on("response", lambda r: tokens.append(r.json()["token"]) if r.url.endswith("/api/v1/auth/token") else None)
    page.get_by_label("用户名").fill("station1")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("设置 PIN")
    expect(page.get_by_role("navigation")).to_be_hidden()
    page.get_by_label("PIN", exact=True).fill("1234")
    page.get_by_label("再次输入 PIN").fill("1234")
    page.get_by_role("button", name="设置 PIN").click()
    expect(page.get_by_role("alert")).to_have_text("PIN 需为 6 到 12 位数字。")
    page.get_by_label("PIN", exact=True).fill("123456")
    page.get_by_label("再次输入 PIN").fill("123465")
    page.get_by_role("button", name="设置 PIN").click()
    expect(page.get_by_role("alert")).to_have_text("两次输入的 PIN 不一致。")
    # Nothing was pulled before the PIN was set, and the token waits in memory only.
    stores = raw_store(page)
    assert all(not values for name, values in stores.items() if name != "meta")
    assert tokens and tokens[0] not in "\n".join(stores["meta"])
    set_pin(page, "123456")
    expect(page.locator("#status-last")).to_contain_text("上次同步", timeout=15000)
    assert phone.problems == []


@client_side_only
def test_the_data_at_rest_is_sealed(phone, world):  # noqa: F811
    tokens = []
    page = open_app(phone)
    page.on("response", lambda r: tokens.append(r.json()["token"]) if r.url.endswith("/api/v1/auth/token") else None)
    sign_in(page)
    controlled(page)
    expect(page.get_by_role("link", name=re.compile(H1_ADDRESS))).to_be_visible()
    phone.set_offline(True)
    record_visit(page, "独居老人张伟今天血压偏高")
    waiting(page, 1)
    stores = raw_store(page)
    assert stores["households"] and stores["residents"] and stores["outbox"]
    everything = "\n".join(v for values in stores.values() for v in values)
    for secret in ("张伟", "张秀英", H1_ADDRESS, "13800000001", "11010119400101123X", "血压偏高", tokens[0]):
        assert secret not in everything
    assert all("_s=" in v for v in stores["households"] + stores["outbox"] + stores["residents"])
    # A resident holds only their own household's data and sets no PIN (documented); the
    # worker's phone above was the one to seal.
    assert phone.problems == []


@client_side_only
def test_five_wrong_pins_erase_the_phone_outbox_too(phone, world):  # noqa: F811
    page = signed_in_offline(phone)
    record_visit(page, "被猜 PIN 的手机上的走访")
    waiting(page, 1)
    page.reload()
    for left in (4, 3, 2, 1):
        expect(page.get_by_role("heading", level=1)).to_have_text(LOCK_TITLE)
        page.get_by_label("PIN", exact=True).fill(f"99999{left}")
        page.get_by_role("button", name="解锁").click()
        expect(page.get_by_role("alert")).to_have_text(f"PIN 不正确。再错 {left} 次，本机数据将被清除。")
    page.get_by_label("PIN", exact=True).fill("999990")
    page.get_by_role("button", name="解锁").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("登录邻里")
    expect(page.get_by_role("alert")).to_have_text("PIN 输错次数过多，本机数据已清除。请重新登录。")
    waiting(page, 0)
    stores = raw_store(page)
    assert all(not values for name, values in stores.items() if name != "meta")
    assert len(stores["meta"]) <= 3  # the device's id, the notice, the text size: nothing of anyone
    # Reloading does not bring the lock back: there is nothing left to open.
    page.reload()
    expect(page.get_by_role("heading", level=1)).to_have_text("登录邻里")
    phone.set_offline(False)
    sign_in(page)
    assert visits_noted("被猜 PIN 的手机上的走访") == 0
    assert phone.problems == []


def test_a_phone_reported_lost_pushes_its_unsent_visit_then_erases_itself(phone, world):  # noqa: F811
    from backend.auth import services as auth
    from backend.auth.models import Device, User

    staff_id = world.staff1.id
    page = signed_in_offline(phone)
    record_visit(page, "丢失的手机上没发出的走访")
    waiting(page, 1)
    device = worker_device()
    auth.mark_lost(db.session.get(User, staff_id), device)
    db.session.commit()
    device_id = device.id
    phone.set_offline(False)
    expect(page.get_by_role("heading", level=1)).to_have_text("登录邻里", timeout=20000)
    expect(page.get_by_role("alert")).to_contain_text("本机数据已按管理人员的要求清除")
    waiting(page, 0)
    assert visits_noted("丢失的手机上没发出的走访") == 1
    stores = raw_store(page)
    assert all(not values for name, values in stores.items() if name != "meta")
    assert "张伟" not in "\n".join(stores["meta"])

    def confirmed():
        db.session.remove()
        found = db.session.get(Device, device_id)
        return found.wiped_at is not None and found.revoked_at is not None

    eventually(page, confirmed)
    # The worker found the phone again: a fresh sign-in on it works and sends nothing twice.
    page.reload()
    sign_in(page)
    synced(page)
    assert visits_noted("丢失的手机上没发出的走访") == 1
    assert phone.problems == []


def test_a_password_change_asks_to_sign_in_again_keeps_the_sealed_outbox_and_pushes_it_once(phone, world):  # noqa: F811
    from backend.auth import services as auth
    from backend.auth.models import User

    worker_id = world.worker1.id
    page = signed_in_offline(phone)
    record_visit(page, "改密码前没发出的走访")
    waiting(page, 1)
    db.session.remove()
    worker = db.session.get(User, worker_id)
    auth.change_password(worker, worker, "a-new-pass-2026", PASSWORD)  # on the web: every token of the account ends
    db.session.commit()
    phone.set_offline(False)
    expect(page.get_by_role("heading", level=1)).to_have_text("登录邻里", timeout=20000)
    expect(page.get_by_role("alert")).to_contain_text("未发送的记录仍保存在本机")
    waiting(page, 1)
    assert visits_noted("改密码前没发出的走访") == 0
    # Closed and opened again: still locked, still sealed, still waiting.
    page.reload()
    waiting(page, 1)
    assert "改密码前没发出的走访" not in "\n".join(raw_store(page)["outbox"])
    unlock(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("登录邻里")
    expect(page.get_by_label("用户名")).to_have_value("worker1")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("alert")).to_have_text("用户名或密码不正确。")
    page.get_by_label("密码").fill("a-new-pass-2026")
    page.get_by_role("button", name="登录").click()
    synced(page)  # no new PIN: the phone's lock stays the worker's
    assert visits_noted("改密码前没发出的走访") == 1
    page.get_by_role("button", name="立即同步").click()
    synced(page)
    assert visits_noted("改密码前没发出的走访") == 1
    page.reload()
    unlock(page, PIN)
    assert phone.problems == []


@client_side_only
def test_a_phone_signed_in_before_the_lock_sets_a_pin_first_then_seals_what_it_held(phone, world):  # noqa: F811
    import uuid

    page = open_app(phone)
    expect(page.get_by_role("heading", level=1)).to_have_text("登录邻里")
    device_id = str(uuid.uuid4())
    body = page.request.post("/api/v1/auth/token", data={"username": "worker1", "password": PASSWORD,
                                                          "device_id": device_id, "device_name": "旧版本"}).json()
    # What an app version without the lock left in IndexedDB: everything plain.
    page.evaluate("""async ([token, user, deviceId]) => {
      const d = await new Promise((ok, ko) => {
        const r = indexedDB.open("linli-field");
        r.onsuccess = () => ok(r.result);
        r.onerror = () => ko(r.error);
      });
      await new Promise((ok, ko) => {
        const tx = d.transaction(["meta", "households"], "readwrite");
        tx.objectStore("meta").put(token, "token");
        tx.objectStore("meta").put(user, "user");
        tx.objectStore("meta").put(deviceId, "device_id");
        tx.objectStore("households").put({ id: crypto.randomUUID(), address: "旧版本留下的地址", head_name: "旧户主",
                                           member_count: 1, care_tags: [] });
        tx.oncomplete = ok;
        tx.onerror = () => ko(tx.error);
      });
      d.close();
    }""", [body["token"], body["user"], device_id])
    page.reload()
    set_pin(page)  # nothing opens, nothing syncs, before the PIN
    expect(page.locator("#status-last")).to_contain_text("上次同步", timeout=15000)
    stores = raw_store(page)
    everything = "\n".join(v for values in stores.values() for v in values)
    for secret in ("旧户主", "旧版本留下的地址", "张伟", body["token"]):
        assert secret not in everything
    expect(page.get_by_role("link", name=re.compile(H1_ADDRESS))).to_be_visible()
    assert phone.problems == []
