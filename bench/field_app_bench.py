"""Field app benchmarks (not tests): what the first load transfers, the time to
open the app offline, and the time to render and search 5,000 households from
IndexedDB with the CPU slowed four times. Prints the figures.

    .venv/bin/python bench/field_app_bench.py
"""

import gzip
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
HOUSEHOLDS = 5000
THROTTLE = 4


def make_app(tmp):
    from flask_migrate import upgrade

    from backend import create_app

    app = create_app({"SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/bench.sqlite3",
                      "SESSION_COOKIE_SECURE": False})
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)
        from tests.factories import build_world

        build_world()
    return app


def first_load_bytes(app):
    """Gzipped bytes of the shell HTML and our own JS and CSS (vendored libraries apart)."""
    from frontend.pwa.views import shell_static_files

    client = app.test_client()
    sizes = {"/app/": len(gzip.compress(client.get("/app/", headers={"Accept-Language": "zh-CN"}).data, 9))}
    for name in shell_static_files():
        if name.startswith("app/") and name.endswith((".js", ".css")):
            sizes[f"/static/{name}"] = len(gzip.compress((ROOT / "static" / name).read_bytes(), 9))
    vendor = len(gzip.compress((ROOT / "static" / "vendor" / "idb.js").read_bytes(), 9))
    return sizes, vendor


FILL = """async ([n]) => {
  const store = await import('/static/app/db.js');
  const d = await store.db();
  const tx = d.transaction(['households', 'residents'], 'readwrite');
  const surnames = '王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗'.split('');
  const given = '伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂'.split('');
  const tags = ['elderly_alone', 'dibao', 'disabled', 'left_behind_child'];
  for (let i = 0; i < n; i++) {
    const id = 'bench-h-' + i;
    const head = surnames[i % 20] + given[(i * 7) % 25] + given[(i * 13) % 25];
    const address = `幸福小区${1 + (i % 60)}号楼${1 + (i % 6)}单元${100 + (i % 30)}`;
    tx.objectStore('households').put({ id, grid_id: 'g', address,
      head_name: head, member_count: 2, care_tags: i % 9 === 0 ? [tags[i % 4]] : [], _v: i + 1 });
    for (let j = 0; j < 2; j++) {
      const name = j ? surnames[(i + 3) % 20] + given[i % 25] : head;
      tx.objectStore('residents').put({ id: id + '-r' + j, household_id: id, name,
        care_tags: [], _v: i + 1 });
    }
  }
  await tx.done;
}"""

RENDER = """async () => {
  const screens = await import('/static/app/screens.js');
  screens.invalidate();
  const t0 = performance.now();
  const view = document.createElement('div');
  await screens.householdsScreen(view, new URLSearchParams());
  document.getElementById('screen').replaceChildren(view);
  document.body.offsetHeight;
  return performance.now() - t0;
}"""

SEARCH = """async ([query]) => {
  const screens = await import('/static/app/screens.js');
  const t0 = performance.now();
  const { total, shown } = await screens.searchHouseholds(query);
  const list = document.getElementById('household-list');
  list.replaceChildren(...shown.map((hh) => {
    const li = document.createElement('li');
    li.textContent = hh.address;
    return li;
  }));
  document.body.offsetHeight;
  return { ms: performance.now() - t0, total };
}"""


def main():
    from playwright.sync_api import sync_playwright
    from werkzeug.serving import make_server

    with tempfile.TemporaryDirectory() as tmp:
        app = make_app(tmp)
        sizes, vendor = first_load_bytes(app)
        server = make_server("127.0.0.1", 0, app, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.server_port}"
        print("First load, gzipped (HTML + our JS + CSS):")
        for name, size in sizes.items():
            print(f"  {name:32} {size / 1024:6.1f} KB")
        total = sum(sizes.values()) / 1024
        print(f"  {'total':32} {total:6.1f} KB   (vendored idb.js beside it: {vendor / 1024:.1f} KB)")

        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            context = browser.new_context(base_url=base, locale="zh-CN", viewport={"width": 360, "height": 740},
                                          is_mobile=True)
            page = context.new_page()
            page.goto("/app/")
            page.get_by_label("用户名").fill("worker1")
            page.get_by_label("密码").fill("demo-pass-2026")
            page.get_by_role("button", name="登录").click()
            page.wait_for_selector("#household-list li")
            page.evaluate("async () => { await navigator.serviceWorker.ready; }")
            page.wait_for_function("navigator.serviceWorker.controller !== null")
            context.set_offline(True)
            cdp = context.new_cdp_session(page)
            for rate in (1, THROTTLE):
                cdp.send("Emulation.setCPUThrottlingRate", {"rate": rate})
                times = []
                for _ in range(5):
                    start = time.perf_counter()
                    page.reload()
                    page.wait_for_selector("#household-list li")
                    times.append((time.perf_counter() - start) * 1000)
                print(f"Open offline (reload until households shown), CPU x{rate}: "
                      f"median {statistics.median(times):.0f} ms, min {min(times):.0f} ms")
            cdp.send("Emulation.setCPUThrottlingRate", {"rate": 1})
            page.evaluate(FILL, [HOUSEHOLDS])
            cdp.send("Emulation.setCPUThrottlingRate", {"rate": THROTTLE})
            renders = [page.evaluate(RENDER) for _ in range(5)]
            first = page.evaluate(SEARCH, ["王伟"])
            searches = [page.evaluate(SEARCH, [q]) for q in ("幸福小区12号楼", "李", "张秀英", "王伟 3单元", "101")]
            print(f"{HOUSEHOLDS} households ({2 * HOUSEHOLDS} residents) from IndexedDB, CPU x{THROTTLE}:")
            print(f"  open the list (load, index, render 100 rows): median {statistics.median(renders):.0f} ms, "
                  f"max {max(renders):.0f} ms")
            print(f"  first search (joins the residents' names):   {first['ms']:.0f} ms")
            print(f"  later searches + render results:              median "
                  f"{statistics.median(r['ms'] for r in searches):.1f} ms, max {max(r['ms'] for r in searches):.1f} ms")
            browser.close()
        server.shutdown()


if __name__ == "__main__":
    main()
