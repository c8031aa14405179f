"""Every public docstring renders as reStructuredText without warnings.

The book builds its API pages with ``--warningiserror``; a malformed table or an unclosed
literal in one docstring fails the whole site build minutes in. This check converts each
docstring the way the book does (the book's own hook, then napoleon with the book's settings)
and parses it with docutils in a few seconds.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import io
import pkgutil
from pathlib import Path

import pytest
import yaml

pytest.importorskip("sphinx", reason="the book extra (pip install -e .[book]) provides Sphinx")

from docutils import nodes  # noqa: E402
from docutils.core import publish_doctree  # noqa: E402
from docutils.parsers.rst import Directive, directives, roles  # noqa: E402
from sphinx.ext.napoleon import Config  # noqa: E402
from sphinx.ext.napoleon.docstring import NumpyDocstring  # noqa: E402

import course_lib  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "jupyter_book"
_SPHINX_ROLES = ("class", "func", "mod", "data", "attr", "meth", "obj", "exc", "ref", "doc")
_SPHINX_DIRECTIVES = ("attribute", "method", "seealso", "versionadded", "versionchanged")


def _literal_role(name, rawtext, text, lineno, inliner, options=None, content=None):
    return [nodes.literal(rawtext, text)], []


class _Ignored(Directive):
    has_content = True
    optional_arguments = 10
    final_argument_whitespace = True
    option_spec = None

    def run(self):
        return []


def _book_hook():
    spec = importlib.util.spec_from_file_location("course_book", BOOK / "_ext" / "course_book.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.close_parameter_lists


def _napoleon_config() -> Config:
    config = yaml.safe_load((BOOK / "_config.yml").read_text())["sphinx"]["config"]
    return Config(**{k: v for k, v in config.items() if k.startswith("napoleon_")})


def _public_docstrings():
    """(name, what, docstring) for every module, class, function and method course_lib defines."""
    seen: set[int] = set()
    for info in pkgutil.walk_packages(course_lib.__path__, "course_lib."):
        if info.name.endswith("__main__"):
            continue
        module = importlib.import_module(info.name)
        if module.__doc__:
            yield info.name, "module", module.__doc__
        for name, obj in vars(module).items():
            if name.startswith("_") or id(obj) in seen:
                continue
            if getattr(obj, "__module__", None) != module.__name__:
                continue
            if not (inspect.isfunction(obj) or inspect.isclass(obj)):
                continue
            seen.add(id(obj))
            what = "class" if inspect.isclass(obj) else "function"
            if obj.__doc__:
                yield f"{info.name}.{name}", what, obj.__doc__
            if inspect.isclass(obj):
                for attr, member in vars(obj).items():
                    if not attr.startswith("_") and inspect.isfunction(member) and member.__doc__:
                        yield f"{info.name}.{name}.{attr}", "method", member.__doc__


def rst_problems(docstring: str, what: str, hook, config: Config) -> str:
    """Docutils warnings for one docstring after the book's hook and napoleon."""
    lines = hook(inspect.cleandoc(docstring).splitlines())
    text = str(NumpyDocstring(lines, config, what=what))
    stream = io.StringIO()
    publish_doctree(
        text,
        settings_overrides={"report_level": 2, "halt_level": 5, "warning_stream": stream},
    )
    return stream.getvalue().strip()


@pytest.fixture(scope="module")
def rst_context():
    for role in _SPHINX_ROLES:
        roles.register_local_role(role, _literal_role)
    for directive in _SPHINX_DIRECTIVES:
        directives.register_directive(directive, _Ignored)
    return _book_hook(), _napoleon_config()


def test_checker_catches_a_malformed_table(rst_context):
    hook, config = rst_context
    broken = "Title.\n\n=====  ===\na      b\n=====  ===\nlonger than the column  x\n=====  ===\n"
    assert "Malformed table" in rst_problems(broken, "module", hook, config)
    assert rst_problems("Title.\n\nA ``literal`` that closes.\n", "module", hook, config) == ""


def test_every_public_docstring_renders_cleanly(rst_context):
    hook, config = rst_context
    documented = list(_public_docstrings())
    assert len(documented) > 100, "the walk over course_lib found too few docstrings"
    problems = {}
    for name, what, docstring in documented:
        found = rst_problems(docstring, what, hook, config)
        if found:
            problems[name] = found
    assert not problems, "\n\n".join(f"{name}:\n{text}" for name, text in problems.items())
