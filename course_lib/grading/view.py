"""The sandbox's view of ``course_lib``: the library without the answers.

Lecture: course logistics (graded assignments).

A graded notebook may use ``course_lib`` (the configuration switch, the audio front end, the
datasets, the probe that records its outputs), but it must not reach what decides its grade:
the hidden checks and their references (``course_lib.grading.checks``), the shipped model
weights (``course_lib/checkpoints/*.pt``, which could stand in for the student's own model)
and the modules that hold the assignment's answers (A1's ``ops``, ``params``, ``shapes`` and
``layers``, ...). The static scan of the submission (:func:`~course_lib.grading.checks.
find_forbidden_imports`) is only an early, friendly message; this module is the guarantee.

:func:`build_view` writes a copy of the installed package with those parts left out; the
sandbox binds it read-only over the package's own folder, so every spelling of an import
(``importlib.import_module('course' + '_lib.ops')``, ``__import__``, ``pkgutil``) and every
read of the library's files from disk finds the view. An answer module becomes a stub that
raises ``ImportError`` naming the assignment.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from pathlib import Path

__all__ = ["build_view", "answer_paths", "ANSWER_MODULES", "ALWAYS_HIDDEN"]

# Modules (dotted names; short names resolved through course_lib._LAYERS) that hold the
# answers of each assignment. A3 and A4 grade the student's own CNN: the ready-made tasks
# and the shipped models are answers there.
ANSWER_MODULES: dict[str, tuple[str, ...]] = {
    "a1": ("course_lib.ops", "course_lib.params", "course_lib.shapes", "course_lib.layers"),
    "a2": ("course_lib.ops", "course_lib.layers", "course_lib.models"),
    "a3": ("course_lib.tasks", "course_lib.models.tagging", "course_lib.plumbing.peers"),
    "a4": ("course_lib.tasks", "course_lib.models.onset", "course_lib.plumbing.peers"),
}
# Parts of the package no graded notebook may see, whatever the assignment.
ALWAYS_HIDDEN = ("grading/checks", "checkpoints/*.pt")

_STUB = '''"""Not available while assignment {assignment} is graded."""

raise ImportError(
    "{name} is not available while assignment {assignment} is graded: it holds the "
    "answers. Write your own implementation in the notebook."
)
'''


def _package_dir() -> Path:
    import course_lib

    return Path(course_lib.__file__).resolve().parent


def answer_paths(assignment: str) -> list[str]:
    """Paths, relative to the package folder, of the answer modules of ``assignment``."""
    from course_lib import _LAYERS

    if assignment not in ANSWER_MODULES:
        raise ValueError(
            f"answer_paths: unknown assignment {assignment!r}; known: {sorted(ANSWER_MODULES)}"
        )
    pkg = _package_dir()
    out = []
    for dotted in ANSWER_MODULES[assignment]:
        parts = dotted.split(".")[1:]
        if len(parts) == 1 and parts[0] in _LAYERS:
            parts = [_LAYERS[parts[0]], parts[0]]
        rel = "/".join(parts)
        if (pkg / rel).is_dir():
            out.append(rel)
        elif (pkg / f"{rel}.py").is_file():
            out.append(f"{rel}.py")
        else:
            raise ValueError(f"answer_paths: {dotted} ({rel}) is not a module of course_lib")
    return out


def _hidden(rel: str, answers: list[str]) -> bool:
    parts = rel.split("/")
    if "__pycache__" in parts or rel.endswith((".pyc", ".pyo")):
        return True
    if rel == "grading/checks" or rel.startswith("grading/checks/"):
        return True
    if rel.startswith("checkpoints/") and rel.endswith(".pt"):
        return True
    return any(rel == a or rel.startswith(a + "/") for a in answers)


def _digest(pkg: Path, assignment: str) -> str:
    h = hashlib.sha256(assignment.encode())
    for path in sorted(pkg.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            st = path.stat()
            h.update(f"{path.relative_to(pkg)}:{st.st_size}:{st.st_mtime_ns}".encode())
    return h.hexdigest()[:16]


def build_view(root: str | os.PathLike, assignment: str) -> Path:
    """Write the sandbox's ``course_lib`` for ``assignment`` under ``root``; returns its folder.

    Parameters
    ----------
    root : path
        A folder of the grader's (the grading run's private folder). The view is written to
        ``root/view-<assignment>-<digest>/course_lib`` once and reused while the package is
        unchanged.
    assignment : str
        ``"a1"`` ... ``"a4"``.

    Returns
    -------
    Path
        The view's package folder (bind it over the real package folder).
    """
    pkg = _package_dir()
    answers = answer_paths(assignment)
    target = Path(root) / f"view-{assignment}-{_digest(pkg, assignment)}" / "course_lib"
    if (target / "__init__.py").is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    os.chmod(target.parent, 0o755)
    # a private folder per writer (workers are threads of one process), renamed into place
    tmp = Path(tempfile.mkdtemp(prefix="course_lib.tmp-", dir=target.parent))
    for dirpath, dirnames, filenames in os.walk(pkg):
        rel_dir = os.path.relpath(dirpath, pkg)
        rel_dir = "" if rel_dir == "." else rel_dir.replace(os.sep, "/")
        for d in list(dirnames):
            rel = f"{rel_dir}/{d}" if rel_dir else d
            if _hidden(rel, answers):
                dirnames.remove(d)
                if rel in answers:  # an answer package: a stub package in its place
                    name = "course_lib." + rel.replace("/", ".")
                    (tmp / rel).mkdir(parents=True, exist_ok=True)
                    text = _STUB.format(name=name, assignment=assignment.upper())
                    (tmp / rel / "__init__.py").write_text(text)
        (tmp / rel_dir).mkdir(parents=True, exist_ok=True)
        for f in filenames:
            rel = f"{rel_dir}/{f}" if rel_dir else f
            if rel in answers:
                name = "course_lib." + rel[: -len(".py")].replace("/", ".")
                (tmp / rel).write_text(_STUB.format(name=name, assignment=assignment.upper()))
            elif not _hidden(rel, answers):
                shutil.copy2(os.path.join(dirpath, f), tmp / rel)
    for dirpath, _dirnames, filenames in os.walk(tmp):
        os.chmod(dirpath, 0o755)
        for f in filenames:
            os.chmod(os.path.join(dirpath, f), 0o644)
    try:
        os.rename(tmp, target)
    except OSError:  # another worker wrote it first
        shutil.rmtree(tmp, ignore_errors=True)
    return target
