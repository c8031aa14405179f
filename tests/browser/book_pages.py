"""The pages the book's table of contents promises, computed from ``_toc.yml`` and the files.

Shared by the browser test and ``tests/test_book.py``. Patterns are expanded with Sphinx's own
matcher (the one sphinx-external-toc uses), so the expansion here is the book's expansion.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import yaml
from sphinx.util.matching import patfilter

ROOT = Path(__file__).resolve().parents[2]
BOOK = Path(os.environ.get("COURSE_BOOK", ROOT / "jupyter_book"))
SOURCE_SUFFIXES = (".md", ".ipynb", ".rst")
NOT_PAGES = ("_build", "_vendor", "_ext", "images")  # top-level folders without pages


def repository_url() -> str:
    """[project.urls] Repository of pyproject.toml (read without tomllib: Python 3.10)."""
    text = (ROOT / "pyproject.toml").read_text()
    return re.search(r'^Repository = "([^"]+)"', text, re.MULTILINE).group(1)


def book_config() -> dict:
    return yaml.safe_load((BOOK / "_config.yml").read_text())


def source_docnames(book: Path = BOOK) -> list[str]:
    """Every document in the book folder (links followed), as Sphinx names them."""
    names = []
    for folder, dirs, files in os.walk(book, followlinks=True):
        rel = Path(folder).relative_to(book)
        top = rel == Path(".")
        dirs[:] = sorted(
            d for d in dirs if d != ".ipynb_checkpoints" and not (top and d in NOT_PAGES)
        )
        for name in sorted(files):
            path = rel / name
            if path.suffix in SOURCE_SUFFIXES and path.as_posix() != "README.md":
                names.append(path.with_suffix("").as_posix())
    return names


def toc_docnames(book: Path = BOOK) -> list[str]:
    """Documents of the table of contents, in reading order (globs expanded, sorted)."""
    toc = yaml.safe_load((book / "_toc.yml").read_text())
    available = source_docnames(book)
    order: list[str] = []

    def visit(entries: list[dict]) -> None:
        for entry in entries:
            if "file" in entry:
                order.append(str(Path(entry["file"]).with_suffix("")))
            if "glob" in entry:
                order.extend(sorted(patfilter(available, entry["glob"])))
            for key in ("parts", "chapters", "sections"):
                visit(entry.get(key, []))

    order.append(str(Path(toc["root"]).with_suffix("")))
    visit(toc.get("parts", []) + toc.get("chapters", []) + toc.get("sections", []))
    return order


def notebook_docnames(book: Path = BOOK) -> list[str]:
    """The pages that are notebooks (and so have a Colab launch button)."""
    return [d for d in toc_docnames(book) if (book / f"{d}.ipynb").is_file()]


def colab_url(docname: str) -> str:
    """Colab address of a notebook page: the same file in the public repository."""
    repo = repository_url().removeprefix("https://github.com/")
    branch = book_config()["repository"]["branch"]
    return f"https://colab.research.google.com/github/{repo}/blob/{branch}/{docname}.ipynb"
