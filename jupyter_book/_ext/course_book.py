"""Sphinx extension of the course book: figure alt text, a local Colab badge, clean pages.

The notebooks' title cells show the "Open in Colab" badge image from colab.research.google.com;
on the site it is replaced by ``images/open-in-colab.svg`` so that pages load nothing from
other hosts (the link itself is unchanged).

The role ``{lecture}`05``` links to the lecture notebook numbered 05 by its title, whatever
the rest of its file name; a number with no notebook (yet) is written as plain text. Pages
using it are re-read on every build, so links appear as lectures are added.

Docstrings: a paragraph of free text placed right after a numpy-style ``Parameters`` list
(a common slip) would be read by napoleon as more parameters and rendered as broken markup;
such a paragraph is given its own ``Notes`` heading first (``close_parameter_lists``).

Two fixes keep the browser console free of errors: a script registered twice is written once
(sphinx-thebe registers its inline configuration on every ``env-before-read-docs``, which
declares a ``const`` twice), and the theme gets an explicit light/dark default mode
(pydata-sphinx-theme logs an error for the empty default).

myst-nb writes a figure output as an ``<img>`` whose only description is its file name. Here
every such image gets an ``alt`` text, in this order of preference:

1. the notebook's own cell metadata ``{"mystnb": {"image": {"alt": "..."}}}`` (myst-nb applies it;
   lecture authors use it for figures whose content the code does not describe);
2. the titles and axis labels the cell's code gives the plot (``set_title``, ``suptitle``,
   ``set_xlabel``, ``set_ylabel`` and their ``pyplot`` forms) and the ``plot_*`` helpers it calls;
3. the heading of the section the figure appears in.

Live widgets: displaying a concept widget of ``course_lib.widgets`` also writes an inert
``<div class="course-live">`` output carrying a JSON description of it (see
``course_lib/widgets/_base.py``). On pages with one, ``static/course-live.js`` (and its CSS)
rebuilds the widget's controls and recomputes its figure in the browser, so it responds
without a kernel. The saved ipywidgets view of such a cell would only show dead controls: it
is left out of the page (``drop_dead_widget_views``), and a page left with no saved view at
all loads neither the widget state nor the ipywidgets manager (about 3.7 MB of scripts)
(``live_widget_assets``). The script loads ``async`` and an inline call after each spec
mounts it as soon as it is parsed, without waiting for the page's deferred scripts (MathJax,
icons). A widget that needs a kernel (``data-kind="kernel"``) keeps its
saved view; the script hides its controls and links the notebook on Colab instead.
"""

from __future__ import annotations

import re

from docutils import nodes
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxRole

COLAB_BADGE = "https://colab.research.google.com/assets/colab-badge.svg"
LOCAL_BADGE = "/images/open-in-colab.svg"  # relative to the book's source folder

_TEXT_CALL = re.compile(
    r"\b(set_title|suptitle|title|set_xlabel|xlabel|set_ylabel|ylabel)\(\s*[fFrR]?"
    r"(\"\"\"|'''|\"|')(.+?)\2"
)
_PLOT_HELPER = re.compile(r"\b(plot_\w+)\(")
_ROLES = {"set_title": "title", "suptitle": "title", "title": "title"}
_ROLES.update({"set_xlabel": "x", "xlabel": "x", "set_ylabel": "y", "ylabel": "y"})

LIVE_MARK = 'class="course-live"'  # the inert output of Explorer.live_html
KERNEL_ONLY_MARK = 'data-kind="kernel"'
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
MOUNT = "<script>window.courseLive && window.courseLive.mount()</script>"


def _literal_text(text: str) -> str:
    """A string literal as a reader would see it: ``{name}`` kept as the name, other ``{...}``
    replacement fields (computed values) shown as an ellipsis."""
    text = re.sub(r"\{([A-Za-z_][\w.]*)(![rsa])?(:[^{}]*)?\}", r"\1", text)
    return re.sub(r"\{[^{}]*\}", "…", text).strip()


def describe_figure(code: str, section: str | None) -> str:
    """Alt text for a figure drawn by ``code`` (the cell source) under heading ``section``."""
    found: dict[str, list[str]] = {"title": [], "x": [], "y": []}
    for call, _, text in _TEXT_CALL.findall(code):
        text = _literal_text(text)
        if text and text not in found[_ROLES[call]]:
            found[_ROLES[call]].append(text)
    if found["title"]:
        parts = ["Figure: " + "; ".join(found["title"])]
    elif section:
        parts = [f"Figure in the section '{section}'"]
    else:
        parts = ["Figure from a code cell"]
    parts += [f"{name} axis: {', '.join(found[name])}" for name in ("x", "y") if found[name]]
    helpers = sorted(set(_PLOT_HELPER.findall(code)))
    if helpers:
        parts.append("drawn by " + ", ".join(f"{h}()" for h in helpers))
    return "; ".join(parts)


def _cell_source(node: nodes.Node) -> str:
    """Source code of the notebook cell that produced ``node`` ('' outside a cell)."""
    parent = node.parent
    while parent is not None and "cell" not in parent.get("classes", []):
        parent = parent.parent
    if parent is None:
        return ""
    return "\n".join(block.astext() for block in parent.findall(nodes.literal_block))


def _section_title(node: nodes.Node) -> str | None:
    parent = node.parent
    while parent is not None:
        if isinstance(parent, nodes.section) and parent.children:
            return parent[0].astext()
        parent = parent.parent
    return None


def use_local_badge(app: Sphinx, doctree: nodes.document) -> None:
    """Point the Colab badge images at the copy shipped with the book."""
    for image in doctree.findall(nodes.image):
        if image["uri"] == COLAB_BADGE:
            image["uri"] = LOCAL_BADGE
            image["candidates"] = {"*": LOCAL_BADGE.lstrip("/")}


def add_alt_text(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """Give every notebook figure without an explicit ``alt`` a description."""
    if not str(app.env.doc2path(docname)).endswith(".ipynb"):
        return
    for image in doctree.findall(nodes.image):
        if image.get("alt"):
            continue
        image["alt"] = describe_figure(_cell_source(image), _section_title(image))


class LectureRole(SphinxRole):
    """``{lecture}`NN``` -> link to ``lectures/NN_*`` (its title as text)."""

    def run(self) -> tuple[list[nodes.Node], list[nodes.system_message]]:
        number = self.text.strip()
        self.env.course_book_lecture_pages = getattr(
            self.env, "course_book_lecture_pages", set()
        ) | {self.env.docname}
        pattern = re.compile(rf"lectures/{re.escape(number)}_[^/]+")
        found = sorted(d for d in self.env.found_docs if pattern.fullmatch(d))
        if not found:
            return [nodes.strong(text=f"Lecture {number}")], []
        ref = addnodes.pending_xref(
            self.rawtext,
            refdomain="std",
            reftype="doc",
            reftarget="/" + found[0],
            refexplicit=False,
            refwarn=True,
            refdoc=self.env.docname,
        )
        ref += nodes.inline(self.rawtext, found[0])
        return [ref], []


def _reread_lecture_links(app: Sphinx, env, added, changed, removed) -> list[str]:
    return sorted(getattr(env, "course_book_lecture_pages", set()) - set(removed))


_PARAMETER_SECTIONS = {"parameters", "other parameters", "keyword arguments", "args"}
_PARAMETER_SPEC = re.compile(r"^\*{0,2}\w+(\s*,\s*\*{0,2}\w+)*\s*(:.*)?$")


def close_parameter_lists(lines: list[str]) -> list[str]:
    """Start a ``Notes`` section where free text follows a numpy-style parameter list."""
    out: list[str] = []
    in_parameters = False
    for i, line in enumerate(lines):
        following = lines[i + 1].strip() if i + 1 < len(lines) else ""
        if line.strip() and following and set(following) == {"-"}:
            in_parameters = line.strip().lower() in _PARAMETER_SECTIONS
        elif (
            in_parameters
            and line.strip()
            and not line[0].isspace()
            and not set(line.strip()) == {"-"}
            and not _PARAMETER_SPEC.match(line.strip())
        ):
            if out and out[-1].strip():
                out.append("")
            out += ["Notes", "-----"]
            in_parameters = False
        out.append(line)
    return out


def _on_docstring(app: Sphinx, what, name, obj, options, lines: list[str]) -> None:
    lines[:] = close_parameter_lists(lines)


def clean_page_context(app: Sphinx, pagename, templatename, context, doctree) -> None:
    """Light mode by default; write each <script> (same file, attributes, body) once."""
    context.setdefault("default_mode", "light")
    if not context.get("default_mode"):
        context["default_mode"] = "light"
    seen, unique = set(), []
    for script in context.get("script_files", []):
        attributes = getattr(script, "attributes", {})
        key = (str(getattr(script, "filename", script) or ""), repr(sorted(attributes.items())))
        if key not in seen:
            seen.add(key)
            unique.append(script)
    if "script_files" in context:
        context["script_files"][:] = unique


def drop_dead_widget_views(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """Leave out the saved ipywidgets view of every cell whose widget has a live twin, and
    mount each live spec as soon as it is parsed (an inline call after it: the widget works
    before the rest of the page and its deferred scripts have loaded)."""
    for output in list(doctree.findall(nodes.container)):
        if "cell_output" not in output.get("classes", []):
            continue
        raws = list(output.findall(nodes.raw))
        specs = [r for r in raws if LIVE_MARK in r.astext()]
        for raw in specs:
            raw.parent.insert(raw.parent.index(raw) + 1, nodes.raw(text=MOUNT, format="html"))
        if not any(KERNEL_ONLY_MARK not in r.astext() for r in specs):
            continue
        for raw in raws:
            if WIDGET_VIEW in raw.astext():
                raw.parent.remove(raw)


def live_widget_assets(app: Sphinx, pagename, templatename, context, doctree) -> None:
    """Serve course-live.js on pages with live widgets; drop the ipywidgets manager where no
    saved widget view is left to render."""
    body = context.get("body", "")
    if LIVE_MARK not in body:
        return
    app.add_css_file("course-live.css")
    app.add_js_file("course-live.js", loading_method="async")
    if WIDGET_VIEW in body or "script_files" not in context:
        return
    manager = {f"_static/{name}" for name in app.config.nb_ipywidgets_js}  # as Sphinx adds them
    context["script_files"][:] = [
        script
        for script in context["script_files"]
        if str(getattr(script, "filename", script) or "") not in manager
        and getattr(script, "attributes", {}).get("type") != WIDGET_STATE
    ]


def setup(app: Sphinx) -> dict:
    app.add_role("lecture", LectureRole())
    app.connect("env-get-outdated", _reread_lecture_links)
    app.connect("autodoc-process-docstring", _on_docstring, priority=400)  # before napoleon
    app.connect("html-page-context", clean_page_context)
    app.connect("doctree-read", use_local_badge, priority=400)
    app.connect("doctree-resolved", add_alt_text)
    app.connect("doctree-resolved", drop_dead_widget_views)
    app.connect("html-page-context", live_widget_assets, priority=800)  # after myst-nb's
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1"}
