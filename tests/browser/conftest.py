"""Browser fixtures: Debian's Chromium driven by Playwright (sync API) against the live server.

Nothing is downloaded: the system browser at /usr/bin/chromium is launched directly. Each test
gets a fresh browser context (cookies, storage), so signing in as another person is a new context.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

CHROMIUM = os.environ.get("VANPHONG_CHROMIUM", "/usr/bin/chromium")
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}


def _slow_machine_expectations() -> None:
    """Assertions wait up to 15 s (Playwright's default is 5 s): on a loaded 2-CPU CI machine a
    request that also runs the worker's jobs inline (huey immediate mode) can take longer."""
    from playwright.sync_api import expect

    expect.set_options(timeout=15_000)


_slow_machine_expectations()


# Django keeps each thread's database connection in an asgiref Local, which switches to
# context-variable storage while an asyncio loop is running in the thread. Playwright's sync API
# keeps its loop running in the test thread, so once the browser has started Django hands out a
# new connection object, without the serialized copy of the migrated database that serialized
# rollback restores from. The browser fixture keeps that copy and the autouse fixture below puts
# it back on whichever connection object is current, before the database fixtures run. The
# browser lives for one test module only and closes those connections before it stops, so tests
# outside this folder never see the switched storage.
_SERIALIZED: dict[str, str] = {}


@pytest.fixture(scope="module")
def browser(django_db_setup: None, django_db_blocker: Any) -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}; install the Debian package 'chromium'.")
    from django.db import connections
    from playwright.sync_api import sync_playwright

    for alias in connections:
        contents = getattr(connections[alias], "_test_serialized_contents", None)
        if contents is not None:
            _SERIALIZED[alias] = contents
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS
        )
        yield instance
        instance.close()
        with django_db_blocker.unblock():
            connections.close_all()  # the connections opened while the loop was running


@pytest.fixture(autouse=True)
def _serialized_copy_on_current_connection() -> None:
    from django.db import connections

    for alias, contents in _SERIALIZED.items():
        connection = connections[alias]
        if getattr(connection, "_test_serialized_contents", None) is None:
            connection._test_serialized_contents = contents  # type: ignore[attr-defined]


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    if report.when == "call":
        item.stash[_FAILED] = report.failed
    return report


_FAILED = pytest.StashKey[bool]()

# Until the page's `load` event (its scripts have run) nothing takes the pointer, so Playwright's
# hit-target check waits and retries instead of clicking a button whose handler (Bootstrap's data
# API, the desk agent's script) is not attached yet: the click a person makes once the page has
# loaded. Keyboard input is not held back.
_NO_POINTER_BEFORE_LOAD = """
(() => {
  const style = document.createElement("style");
  style.textContent = "* { pointer-events: none !important; }";
  const attach = () => (document.head || document.documentElement).appendChild(style);
  if (document.documentElement) {
    attach();
  } else {
    new MutationObserver((_, observer) => {
      if (document.documentElement) { observer.disconnect(); attach(); }
    }).observe(document, { childList: true });
  }
  window.addEventListener("load", () => style.remove());
})();
"""


def _record_traffic(page: Any, lines: list[str], name: str) -> None:
    """Keep what the page asked and got (and its console), to explain a failed step."""

    def log(text: str) -> None:
        lines.append(f"{time.monotonic():.3f} {name} {text}")

    page.on("request", lambda r: log(f"-> {r.method} {r.url}"))
    page.on("response", lambda r: log(f"<- {r.status} {r.request.method} {r.url}"))
    page.on("requestfailed", lambda r: log(f"!! {r.method} {r.url} {r.failure}"))
    page.on("framenavigated", lambda f: log(f"nav {f.url}") if f == page.main_frame else None)
    page.on("console", lambda m: log(f"console {m.type}: {m.text}"))
    page.on("pageerror", lambda e: log(f"pageerror {e}"))
    page.on("dialog", lambda d: log(f"dialog {d.type}: {d.message}"))


def _dump_threads(path: Path) -> None:
    """Write every thread's stack (the live server's request threads included) beside the
    screenshots and to stderr: it tells a request stuck in the server from one never sent."""
    import threading
    import traceback

    names = {thread.ident: thread.name for thread in threading.enumerate()}
    lines: list[str] = []
    for ident, frame in sys._current_frames().items():
        lines.append(f"--- thread {names.get(ident, ident)} ---\n")
        lines.extend(traceback.format_stack(frame))
    text = "".join(lines)
    path.write_text(text, encoding="utf-8")
    sys.stderr.write(text)


@pytest.fixture
def new_page(browser: Any, request: pytest.FixtureRequest) -> Iterator[Callable[..., Any]]:
    """Open a page in a fresh context: `new_page(viewport=PHONE)`; all are closed afterwards.

    When the test fails, every open page is saved to var/browser-failures/ to show what the
    browser saw."""
    contexts: list[Any] = []
    traffic: list[str] = []

    def open_page(viewport: dict[str, int] | None = None) -> Any:
        # Reduced motion: Bootstrap then opens collapses and modals without a transition. With
        # the 0.35 s animation a click could press a button that the opening panel moved before
        # the release, so the click landed on the form and nothing was submitted (seen on a
        # loaded CI machine).
        context = browser.new_context(
            locale="vi-VN",
            timezone_id="Asia/Ho_Chi_Minh",
            viewport=viewport or DESKTOP,
            reduced_motion="reduce",
        )
        context.set_default_timeout(15_000)
        context.add_init_script(script=_NO_POINTER_BEFORE_LOAD)
        contexts.append(context)
        page = context.new_page()
        _record_traffic(page, traffic, f"page {len(contexts) - 1}")
        return page

    yield open_page
    if request.node.stash.get(_FAILED, False):
        folder = Path(settings.VAR_DIR) / "browser-failures"
        folder.mkdir(parents=True, exist_ok=True)
        _dump_threads(folder / f"{request.node.name}-threads.txt")
        (folder / f"{request.node.name}-traffic.txt").write_text("\n".join(traffic), "utf-8")
        sys.stderr.write("\n".join(traffic[-60:]) + "\n")
        for n, context in enumerate(contexts):
            for m, page in enumerate(context.pages):
                page.screenshot(
                    path=str(folder / f"{request.node.name}-{n}-{m}.png"), full_page=True
                )
    for context in contexts:
        context.close()


@pytest.fixture
def sign_in(new_page: Callable[..., Any], live_server: Any, password: str) -> Callable[..., Any]:
    """Sign in through the real sign-in form; returns the page, on the dashboard."""

    def run(username: str, viewport: dict[str, int] | None = None) -> Any:
        page = new_page(viewport)
        page.goto(f"{live_server.url}/dang-nhap/")
        page.get_by_label("Tên đăng nhập").fill(username)
        page.get_by_label("Mật khẩu").fill(password)
        page.get_by_role("button", name="Đăng nhập").click()
        page.wait_for_url(f"{live_server.url}/")
        return page

    return run
