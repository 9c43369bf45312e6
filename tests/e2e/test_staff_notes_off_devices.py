"""Staff notes never reach a resident's phone, in real Chromium against the real
server: the resident's field app holds their household and its residents in
IndexedDB without the notes, while a grid worker's phone has them
(docs/PRIVACY.md, "Staff notes")."""

import pytest

from backend.extensions import db
from backend.registry import services
from tests.e2e.test_field_app import open_app, sign_in, synced

pytestmark = pytest.mark.e2e

HOUSEHOLD_NOTE = "户主有赌博问题，勿透露给家属"
RESIDENT_NOTE = "张秀英：社区矫正，每周三报到"

READ_STORES = """async () => {
  const db = await new Promise((resolve, reject) => {
    const open = indexedDB.open("linli-field");
    open.onsuccess = () => resolve(open.result);
    open.onerror = () => reject(open.error);
  });
  const out = {};
  for (const name of ["households", "residents"]) {
    out[name] = await new Promise((resolve) => {
      const all = db.transaction(name).objectStore(name).getAll();
      all.onsuccess = () => resolve(all.result);
    });
  }
  db.close();
  return out;
}"""


@pytest.fixture
def noted(world):
    services.update_household(world.staff1, world.H1, {"notes": HOUSEHOLD_NOTE})
    services.update_resident(world.staff1, world.R1b, {"notes": RESIDENT_NOTE})
    db.session.commit()
    return type("Ids", (), {"H1": world.H1.id, "R1b": world.R1b.id})


def _device_of(browser, live_server, username):
    context = browser.new_context(base_url=live_server, locale="zh-CN", viewport={"width": 360, "height": 740},
                                  is_mobile=True, has_touch=True)
    context.problems = []
    page = open_app(context)
    sign_in(page, username)
    synced(page)
    return context, page


def test_a_residents_phone_holds_no_staff_notes(browser, live_server, noted):
    context, page = _device_of(browser, live_server, "resident1")
    try:
        stores = page.evaluate(READ_STORES)
        assert [h["id"] for h in stores["households"]] == [noted.H1]
        assert noted.R1b in {r["id"] for r in stores["residents"]}
        assert all("notes" not in record for name in stores for record in stores[name])
        assert HOUSEHOLD_NOTE not in page.content() and RESIDENT_NOTE not in page.content()
        assert context.problems == []
    finally:
        context.close()


# A worker's phone seals what it holds under the PIN (static/app/vault.js): read it the app's way,
# through its own store module, which opens each record with the key held while unlocked.
READ_OPENED = """async ([household, resident]) => {
  const store = await import("/static/app/db.js");
  return [(await store.get("households", household)).notes, (await store.get("residents", resident)).notes];
}"""


def test_a_grid_workers_phone_has_them(browser, live_server, noted):
    context, page = _device_of(browser, live_server, "worker1")
    try:
        assert page.evaluate(READ_OPENED, [noted.H1, noted.R1b]) == [HOUSEHOLD_NOTE, RESIDENT_NOTE]
        stores = page.evaluate(READ_STORES)  # at rest, sealed: not even the office's remarks in clear
        assert HOUSEHOLD_NOTE not in str(stores) and RESIDENT_NOTE not in str(stores)
    finally:
        context.close()
