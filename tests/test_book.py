"""The course website's sources: table of contents, repository URL, offline settings, alt text.

Fast checks on the committed files (no build). The built site is checked in a browser by
``tests/browser`` (``make browser``).
"""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

import nbformat
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "browser"))
from book_pages import (  # noqa: E402
    BOOK,
    book_config,
    colab_url,
    repository_url,
    source_docnames,
    toc_docnames,
)

LECTURES = sorted((ROOT / "lectures").glob("*.ipynb"))
COLAB_LINK = r"https://colab\.research\.google\.com/github/[^)\s\"']+"
RELEASED = sorted((ROOT / "assignments" / "release").glob("*/*.ipynb"))


def _load_extension():
    spec = importlib.util.spec_from_file_location("course_book", BOOK / "_ext" / "course_book.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_lecture_is_in_the_toc_in_order():
    assert LECTURES, "no lectures found"
    toc = toc_docnames()
    in_toc = [d for d in toc if d.startswith("lectures/")]
    expected = [p.relative_to(ROOT).with_suffix("").as_posix() for p in LECTURES]
    missing = sorted(set(expected) - set(in_toc))
    assert not missing, f"lecture notebooks missing from jupyter_book/_toc.yml: {missing}"
    assert in_toc == expected


def test_every_released_assignment_is_in_the_toc():
    toc = set(toc_docnames())
    expected = {p.relative_to(ROOT).with_suffix("").as_posix() for p in RELEASED}
    assert expected <= toc, f"missing from the toc: {sorted(expected - toc)}"


def test_toc_pages_exist_and_come_once():
    toc = toc_docnames()
    assert len(toc) == len(set(toc)), "a page is listed twice"
    available = set(source_docnames())
    generated = {d for d in toc if d.startswith("_autosummary/")}  # written by the build
    assert not (set(toc) - generated - available), sorted(set(toc) - generated - available)
    for page in ("intro", "overview", "api", "assignments/index"):
        assert page in toc


def test_toc_rejects_a_misnamed_lecture(tmp_path: Path):
    """The lecture pattern only takes NN_name notebooks: others would be silently left out."""
    (tmp_path / "lectures").mkdir()
    for name in ("01_a.ipynb", "02_b.ipynb", "3_c.ipynb", "notes.ipynb"):
        (tmp_path / "lectures" / name).write_text("{}")
    (tmp_path / "_toc.yml").write_text((BOOK / "_toc.yml").read_text())
    pages = toc_docnames(tmp_path)
    assert [p for p in pages if p.startswith("lectures/")] == ["lectures/01_a", "lectures/02_b"]


def test_repository_url_has_one_value():
    """_config.yml, pyproject.toml and every notebook's Colab badge name the same repository."""
    assert book_config()["repository"]["url"] == repository_url()
    assert book_config()["repository"]["path_to_book"] == ""  # pages use their repo paths
    for path in [*LECTURES, *RELEASED]:
        nb = nbformat.read(path, as_version=4)
        docname = path.relative_to(ROOT).with_suffix("").as_posix()
        badges = re.findall(
            r"https://colab\.research\.google\.com/github/[^)\s\"']+", nb.cells[0].source
        )
        assert badges == [colab_url(docname)], f"{path.name}: {badges}"


def test_pages_load_nothing_from_other_hosts():
    sphinx = book_config()["sphinx"]["config"]
    scripts = [sphinx["mathjax_path"], *sphinx["nb_ipywidgets_js"]]
    assert not [s for s in scripts if "://" in s or s.startswith("//")], scripts
    assert sphinx["intersphinx_mapping"] == {}
    assert book_config()["launch_buttons"]["thebe"] is False
    assert not (BOOK / "_static").exists(), "Jupyter Book adds every .js under _static to pages"


def test_warning_allow_list_is_documented():
    config_text = (BOOK / "_config.yml").read_text()
    allowed = yaml.safe_load(config_text)["sphinx"]["config"]["suppress_warnings"]
    for entry in allowed:
        assert re.search(rf"#\s+{re.escape(entry)}:", config_text), f"undocumented: {entry}"


@pytest.mark.parametrize(
    ("code", "section", "expected"),
    [
        (
            'ax.set_title("Max pooling")\nax.set_xlabel("time (frames)")\n'
            'ax.set_ylabel("mel band")',
            "Pooling",
            "Figure: Max pooling; x axis: time (frames); y axis: mel band",
        ),
        (
            "fig.suptitle(f'kernel {k}, {len(xs)} items, {v:.2f}')\n"
            "plotting.plot_spectrogram(S, sr=sr, ax=ax)",
            None,
            "Figure: kernel k, … items, v; drawn by plot_spectrogram()",
        ),
        (
            "plot_spectrogram(S)",
            "3. Stride",
            "Figure in the section '3. Stride'; drawn by plot_spectrogram()",
        ),
        ('plt.ylabel("Hz")', None, "Figure from a code cell; y axis: Hz"),
    ],
)
def test_describe_figure(code, section, expected):
    assert _load_extension().describe_figure(code, section) == expected


def test_free_text_after_parameters_gets_a_notes_heading():
    lines = [
        "Summary.",
        "",
        "Parameters",
        "----------",
        "in_channels, out_channels : int",
        "seed : int",
        "    Seed of the chunk positions.",
        "x",
        "Random draws use torch's generator (see ``Trainer``).",
        "",
        "Returns",
        "-------",
        "Tensor shaped ``(N, C)``",
    ]
    out = _load_extension().close_parameter_lists(lines)
    assert out[:8] == lines[:8]
    assert out[8:12] == ["", "Notes", "-----", lines[8]]
    assert out[12:] == lines[9:]  # other sections untouched
    assert _load_extension().close_parameter_lists(lines[:8]) == lines[:8]


def test_overview_links_every_lecture():
    """The course overview mentions each lecture notebook (through the {lecture} role)."""
    referenced = set(re.findall(r"\{lecture\}`(\d\d)`", (BOOK / "overview.md").read_text()))
    numbers = {p.name[:2] for p in LECTURES}
    assert numbers <= referenced, f"add to overview.md: {sorted(numbers - referenced)}"
