"""Fixtures of the browser test: the built site on a loopback port and Debian's chromium.

The site is the output of ``make book`` (``jupyter_book/_build/html``; the environment
variables ``COURSE_BOOK`` and ``COURSE_SITE`` may name another book folder or built copy).
Chromium is the Debian package at ``/usr/bin/chromium`` (installed by ``.ci/install.sh``),
driven by playwright; playwright's own browser download is not used. Every request that
leaves the loopback server is aborted and recorded, so a page that needs the internet fails
the test.
"""

from __future__ import annotations

import functools
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from book_pages import BOOK, ROOT

SITE = Path(os.environ.get("COURSE_SITE", BOOK / "_build" / "html"))
SCREENSHOTS = ROOT / "build" / "screenshots"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - signature of the base class
        pass


@pytest.fixture(scope="session")
def site() -> Path:
    """The built site; the test fails (not skips) when it has not been built."""
    if not (SITE / "index.html").is_file():
        pytest.fail(f"no built site at {SITE}: run `make book` first", pytrace=False)
    return SITE


@pytest.fixture(scope="session")
def base_url(site: Path) -> Iterator[str]:
    """URL of the site served from a thread on 127.0.0.1 (a free port)."""
    handler = functools.partial(_QuietHandler, directory=str(site))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def browser():
    """Headless Debian chromium; a missing browser is a failure with the fix in the message."""
    if not CHROMIUM.is_file():
        pytest.fail(
            f"{CHROMIUM} not found: the browser test needs Debian's chromium. "
            "Run `make install` as root (it runs `apt-get install -y chromium`), "
            "or install the `chromium` package yourself.",
            pytrace=False,
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@dataclass
class PageLog:
    """What a page did while it was open."""

    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)


@pytest.fixture
def open_page(browser, base_url: str):
    """``open_page(path)`` -> (page, log): a fresh page, external requests aborted."""
    contexts = []

    def _open(path: str, width: int = 1280, height: int = 900):
        context = browser.new_context(viewport={"width": width, "height": height})
        contexts.append(context)
        log = PageLog()

        def route(r):
            if r.request.url.startswith(base_url) or r.request.url.startswith("data:"):
                r.continue_()
            else:
                log.blocked.append(r.request.url)
                r.abort()

        context.route("**/*", route)
        page = context.new_page()
        page.on(
            "console",
            lambda m: (
                log.console_errors.append(f"{m.text} @ {m.location.get('url')}")
                if m.type == "error"
                else None
            ),
        )
        page.on("pageerror", lambda e: log.page_errors.append(str(e)))
        response = page.goto(base_url + path, wait_until="load")
        assert response is not None and response.status == 200, f"{path}: {response}"
        return page, log

    yield _open
    for context in contexts:
        context.close()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
