"""The built course website, checked in a real browser (Debian chromium through playwright).

Run with ``make browser`` (it builds the book first). Every page of the table of contents
loads from a loopback server with all external requests aborted, shows its title, logs no
console error outside ``CONSOLE_ALLOWED``, and links only to files and anchors that exist;
notebook pages carry a Colab button for the same notebook in the public repository; the
embedded widgets and the audio players work. Screenshots go to ``build/screenshots/``.
"""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from book_pages import BOOK, colab_url, notebook_docnames, toc_docnames

PAGES = toc_docnames()
NOTEBOOKS = set(notebook_docnames())
POOLING = "lectures/05_pooling"

# Console errors that do not mean a broken page. Each entry: (regex, why it is harmless).
CONSOLE_ALLOWED: list[tuple[str, str]] = []

# a saved view's figure (the controls of a widget that needs a kernel are hidden)
WIDGET_SELECTOR = ".jupyter-widgets.widget-output"


def notebook_title(docname: str) -> str:
    """Text of the notebook's first heading (its page title)."""
    cells = json.loads((BOOK / f"{docname}.ipynb").read_text())["cells"]
    first = "".join(cells[0]["source"])
    return re.match(r"#\s+(.+)", first).group(1).strip()


def _plain(text: str) -> str:
    """Undo Sphinx's smart quotes and dashes, to compare a page heading with its source."""
    for fancy, plain in (("’", "'"), ("‘", "'"), ("“", '"'), ("”", '"'), ("—", "---"), ("–", "--")):
        text = text.replace(fancy, plain)
    return text


def _unexplained(errors: list[str]) -> list[str]:
    return [e for e in errors if not any(re.search(p, e) for p, _ in CONSOLE_ALLOWED)]


@functools.cache
def _ids(html_file: Path) -> set[str]:
    return set(re.findall(r'\bid="([^"]+)"', html_file.read_text(errors="replace")))


@pytest.mark.parametrize("docname", PAGES)
def test_page(docname: str, open_page, base_url: str, site: Path):
    page, log = open_page(f"{docname}.html")
    page.wait_for_load_state("networkidle")

    h1 = page.locator("article h1").first.inner_text().rstrip("#").strip()
    assert h1, f"{docname}: no heading"
    assert page.title().startswith(h1), f"{docname}: title {page.title()!r} vs heading {h1!r}"
    if docname in NOTEBOOKS:
        assert _plain(h1) == _plain(notebook_title(docname))

    assert not log.page_errors, f"{docname}: JavaScript errors {log.page_errors}"
    assert not _unexplained(log.console_errors), f"{docname}: console {log.console_errors}"
    assert not log.blocked, f"{docname} tried to load from the internet: {log.blocked}"

    # Internal links: the file exists and so does the anchor.
    own_ids = set(page.eval_on_selector_all("[id]", "els => els.map(e => e.id)"))
    broken = []
    for href in set(page.eval_on_selector_all("a[href]", "els => els.map(a => a.href)")):
        if not href.startswith(base_url):
            continue
        parts = urlsplit(href)
        rel = unquote(parts.path.removeprefix(urlsplit(base_url).path))
        target = site / (rel or "index.html")
        if target.is_dir():
            target = target / "index.html"
        if not target.is_file():
            broken.append(href)
        elif parts.fragment:
            ids = own_ids if target == site / f"{docname}.html" else _ids(target)
            if target.suffix == ".html" and unquote(parts.fragment) not in ids:
                broken.append(href)
    assert not broken, f"{docname}: broken internal links {sorted(broken)}"

    # Figures are described for screen readers (explicit alt, not a file name).
    # (Images drawn by a widget at view time come from its saved state and carry no alt.)
    figures = "article img:not(.jupyter-widgets img)"
    for alt in page.eval_on_selector_all(figures, "els => els.map(i => i.alt)"):
        assert alt.strip() and not re.search(r"\.(png|jpe?g|svg|gif)$", alt), (docname, alt)

    if docname in NOTEBOOKS:
        launch = page.locator(".dropdown-launch-buttons a[href*='colab.research.google.com']")
        assert launch.count() == 1, f"{docname}: no Colab launch button"
        assert launch.get_attribute("href") == colab_url(docname)
        for href in page.eval_on_selector_all(
            "article a[href*='colab.research.google.com']", "els => els.map(a => a.href)"
        ):
            assert href == colab_url(docname), f"{docname}: Colab badge points at {href}"


def test_navigation_lists_every_page_in_order(open_page, base_url: str):
    page, _ = open_page("intro.html")
    hrefs = page.eval_on_selector_all(
        ".bd-docs-nav a.reference.internal", "els => els.map(a => a.href)"
    )
    listed = [h.removeprefix(base_url).split("#")[0].removesuffix(".html") for h in hrefs]
    # The API pages also appear nested under their package: compare them as a set.
    api = "_autosummary/"
    chapters = [d for d in listed if not d.startswith(api)]
    assert chapters == [d for d in PAGES if not d.startswith(api)]
    assert {d for d in listed if d.startswith(api)} == {d for d in PAGES if d.startswith(api)}


def _html(site: Path, docname: str) -> str:
    page = site / f"{docname}.html"
    if not page.is_file():
        pytest.fail(f"{docname} is in the table of contents but not built: run `make book`")
    return page.read_text()


def _widget_pages(site: Path) -> list[str]:
    state = "application/vnd.jupyter.widget-state+json"
    return [d for d in NOTEBOOKS if state in _html(site, d)]


def test_widgets_render(open_page, site: Path):
    """Saved widget views left on the site (widgets that need a kernel) still render.

    The concept widgets with a browser twin carry no saved view: tests/browser/
    test_live_widgets.py drives them.
    """
    pages = _widget_pages(site)
    live = [d for d in NOTEBOOKS if 'class="course-live"' in _html(site, d)]
    assert POOLING in live, f"{POOLING} has no live widget (pages with one: {live})"
    for docname in sorted(pages):
        page, log = open_page(f"{docname}.html", height=1100)
        widget = page.locator(WIDGET_SELECTOR).first
        widget.wait_for(state="visible", timeout=20_000)
        assert widget.bounding_box()["height"] > 0
        assert not log.blocked and not log.page_errors, (docname, log)


def test_audio_plays(open_page, site: Path):
    pages = [d for d in sorted(NOTEBOOKS) if "<audio" in _html(site, d)]
    assert pages, "no page has an audio player"
    for docname in pages:
        page, log = open_page(f"{docname}.html")
        result = page.evaluate(
            """async () => {
                const audio = document.querySelector('article audio');
                audio.muted = true;
                if (audio.readyState < 1) {
                    await new Promise((ok, fail) => {
                        audio.addEventListener('loadedmetadata', ok, {once: true});
                        audio.addEventListener('error', () => fail('cannot decode'), {once: true});
                        audio.load();
                    });
                }
                await audio.play();
                for (let i = 0; i < 50 && audio.currentTime === 0; i++) {
                    await new Promise(ok => setTimeout(ok, 100));
                }
                const state = {duration: audio.duration, time: audio.currentTime};
                audio.pause();
                return state;
            }"""
        )
        assert result["duration"] > 0, (docname, result)
        assert result["time"] > 0, f"{docname}: audio did not advance {result}"
        assert not log.blocked and not log.page_errors, (docname, log)


def test_home_page_screenshot(open_page, screenshots: Path):
    page, log = open_page("intro.html")
    page.wait_for_load_state("networkidle")
    assert page.locator(".bd-docs-nav a.reference.internal").count() >= len(PAGES) - 1
    path = screenshots / "home.png"
    page.screenshot(path=str(path))
    assert path.stat().st_size > 10_000
    assert not log.blocked
