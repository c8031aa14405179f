"""The package layout: layer packages, short names that stay importable, imports that respect
the layers and the packages' privacy."""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
from pathlib import Path

import pytest

import course_lib

PKG = Path(course_lib.__file__).resolve().parent
LAYERS = course_lib._LAYERS


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_short_names_are_the_layer_modules_themselves(name):
    full = importlib.import_module(f"course_lib.{LAYERS[name]}.{name}")
    short = importlib.import_module(f"course_lib.{name}")
    assert short is full
    assert getattr(course_lib, name) is full
    assert (PKG / LAYERS[name] / f"{name}.py").is_file()
    assert not (PKG / f"{name}.py").exists(), "a flat copy would be a second source of truth"


def test_short_names_work_in_a_fresh_interpreter():
    code = (
        "from course_lib import audio, ops, train\n"
        "import course_lib.config as c\n"
        "from course_lib.shapes import conv_output_size\n"
        "assert audio.__name__ == 'course_lib.core.audio'\n"
        "assert c.__name__ == 'course_lib.plumbing.config'\n"
        "assert conv_output_size(32, 5) == 28\n"
        "assert train.Trainer.__module__ == 'course_lib.training.train'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=PKG.parent)


def _course_imports(path: Path) -> list[str]:
    """Absolute names of the course_lib modules (or packages) that ``path`` imports from."""
    rel = path.relative_to(PKG.parent).with_suffix("").parts
    package = list(rel if path.name == "__init__.py" else rel[:-1])
    if path.name == "__init__.py":
        package = package[:-1] if package[-1] == "__init__" else package
    names = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
                names += [f"{target}.{a.name}" for a in node.names] if not node.module else [target]
            elif node.module and node.module.startswith("course_lib"):
                names.append(node.module)
        elif isinstance(node, ast.Import):
            names += [a.name for a in node.names if a.name.startswith("course_lib")]
    return names


SOURCES = sorted(p for p in PKG.rglob("*.py") if "__pycache__" not in p.parts)


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.relative_to(PKG).as_posix())
def test_no_private_imports_across_packages(path):
    own = path.relative_to(PKG).parts[0]  # the top-level package (or module) of this file
    for name in _course_imports(path):
        parts = name.split(".")[1:]
        if not parts or parts[0] == own:
            continue
        private = [p for p in parts if p.startswith("_") and p != "__init__"]
        assert not private, f"{path.relative_to(PKG)} imports the private {name}"


@pytest.mark.parametrize("path", sorted((PKG / "core").glob("*.py")), ids=lambda p: p.name)
def test_core_imports_only_core(path):
    """The maths layer is the bottom one: nothing in it reaches up (audio does not import
    data any more)."""
    for name in _course_imports(path):
        parts = name.split(".")
        assert parts[1] == "core", f"core/{path.name} imports {name} from a higher layer"
