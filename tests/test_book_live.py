"""The book extension's handling of live widgets (no build): dead views out, scripts in.

``jupyter_book/_ext/course_book.py`` leaves the saved ipywidgets view out of a cell whose
widget has a browser twin, serves ``course-live.js`` on pages with a live spec, and drops the
widget manager from a page with no saved view left. The browser test checks the built site.
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from types import SimpleNamespace

from docutils import nodes
from sphinx.builders.html._assets import _JavaScript

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "jupyter_book"
VIEW = '<script type="application/vnd.jupyter.widget-view+json">{"model_id": "m1"}</script>'
MANAGER = {
    "requirejs/require.js": {},
    "widgets-setup.js": {},
    "html-manager/dist/embed-amd.js": {},
}


def _extension():
    spec = importlib.util.spec_from_file_location("course_book", BOOK / "_ext" / "course_book.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _live(kind: str) -> str:
    return (
        f'<div class="course-live" data-kind="{kind}" hidden><script type="application/json" '
        f'class="course-live-spec">{{"kind":"{kind}"}}</script></div>'
    )


def _cell(*outputs: str) -> nodes.container:
    output = nodes.container(classes=["cell_output"])
    for text in outputs:
        output += nodes.raw(text=text, format="html")
    cell = nodes.container(classes=["cell"])
    cell += output
    return cell


def test_dead_views_of_live_widgets_are_dropped():
    ext = _extension()
    doctree = nodes.document(None, None)
    live, kernel, plain = _cell(VIEW, _live("pooling")), _cell(VIEW, _live("kernel")), _cell(VIEW)
    doctree += [live, kernel, plain]
    ext.drop_dead_widget_views(None, doctree, "lectures/05_pooling")
    texts = [[r.astext() for r in cell.findall(nodes.raw)] for cell in (live, kernel, plain)]
    mount = ext.MOUNT
    assert texts == [[_live("pooling"), mount], [VIEW, _live("kernel"), mount], [VIEW]]
    assert mount == "<script>window.courseLive && window.courseLive.mount()</script>"


class _App:
    def __init__(self, context: dict) -> None:
        self.config = SimpleNamespace(nb_ipywidgets_js=MANAGER)
        self.context = context
        self.css: list[str] = []

    def add_css_file(self, name: str, **kwargs) -> None:
        self.css.append(name)

    def add_js_file(self, name: str, **kwargs) -> None:  # as Sphinx's builder stores it
        self.context["script_files"].append(_JavaScript(f"_static/{name}", **kwargs))


def _page(body: str) -> tuple[_App, dict]:
    scripts = [_JavaScript("_static/doctools.js")]
    scripts.append(_JavaScript(None, type="application/vnd.jupyter.widget-state+json", body="{}"))
    scripts += [_JavaScript(f"_static/{name}") for name in MANAGER]
    context = {"body": body, "script_files": scripts}
    return _App(context), context


def _names(context: dict) -> list[str]:
    return [s.filename or s.attributes.get("type") for s in context["script_files"]]


def test_a_page_with_only_live_widgets_loads_no_widget_manager():
    ext = _extension()
    app, context = _page(f"<p>text</p>{_live('pooling')}")
    ext.live_widget_assets(app, "lectures/05_pooling", "page.html", context, None)
    assert app.css == ["course-live.css"]
    assert _names(context) == ["_static/doctools.js", "_static/course-live.js"]
    assert context["script_files"][-1].attributes == {"loading_method": "async"}


def test_a_page_with_a_saved_view_keeps_the_widget_manager():
    ext = _extension()
    app, context = _page(f"{VIEW}{_live('kernel')}")
    ext.live_widget_assets(app, "lectures/07_audio_as_input", "page.html", context, None)
    names = _names(context)
    assert names[-1] == "_static/course-live.js"
    assert [f"_static/{n}" for n in MANAGER] == [
        n for n in names if re.search("require|widgets-|embed", n)
    ]
    assert "application/vnd.jupyter.widget-state+json" in names


def test_pages_without_live_widgets_are_untouched():
    ext = _extension()
    app, context = _page(f"<p>{VIEW}</p>")
    before = _names(context)
    ext.live_widget_assets(app, "intro", "page.html", context, None)
    assert _names(context) == before and app.css == []


def test_the_live_script_and_style_are_served_from_the_book():
    """No CDN: the script loads nothing from other hosts and is served with the book's own."""
    static = BOOK / "_ext" / "static"
    script = (static / "course-live.js").read_text()
    assert not re.search(r"https?://(?!colab\.research)", script.replace("www.w3.org", ""))
    assert (static / "course-live.css").is_file()
    assert not re.search(r"\b(import|require)\s*\(", script)
