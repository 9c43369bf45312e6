"""Real Chromium (Debian's /usr/bin/chromium) driven by Playwright against a
real Linli server on 127.0.0.1, sharing the test database."""

import os
import threading

import pytest
from werkzeug.serving import make_server

CHROMIUM = os.environ.get("LINLI_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]



@pytest.fixture(autouse=True)
def _clock():
    """A server in another process or a real browser reads the wall clock, so these
    tests keep it too, and build their data relative to it (tests/timing.py)."""
    from backend import clock

    clock.run_from(None)
    yield
    clock.run_from(None)

@pytest.fixture(scope="session")
def live_server(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI") == "true":
            pytest.fail(f"Chromium is missing at {CHROMIUM} in CI")
        pytest.skip(reason=f"Chromium is not installed at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    """A fresh context per test: fresh cookies, storage and caches."""
    context = browser.new_context(base_url=live_server, locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.csp_violations = []
    page.on("console", lambda msg: page.csp_violations.append(msg.text)
            if "Content Security Policy" in msg.text else None)
    yield page
    context.close()


def eventually(page, condition, timeout_ms=20000):
    """Wait, letting the page run, until `condition()` holds (a check outside the page, in the database say)."""
    for _ in range(timeout_ms // 100):
        if condition():
            return
        page.wait_for_timeout(100)
    raise AssertionError("timed out")


# A browser test of what happens on the phone alone (its lock, its sealed storage): the server's
# database plays no part, so it runs once, on SQLite, and PostgreSQL's browser run keeps the time.
client_side_only = pytest.mark.skipif(os.environ.get("LINLI_TEST_DB", "sqlite") == "postgres",
                                      reason="on the phone alone: the server's database plays no part")
