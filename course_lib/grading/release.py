"""Student releases of the assignments, and the check that the sources score full marks.

Lecture: course logistics (graded assignments).

:func:`lint_source` checks the structure the hardened grader relies on; :func:`release`
runs ``nbgrader generate_assignment`` and verifies that nothing hidden leaked into the
release; :func:`check_assignment` grades the release filled with the source's solutions
(must score full marks) and the bare release (must score zero), in the sandbox, exactly as
students are graded. Results are cached on the content of the source and of ``course_lib``,
so running it again is instant.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from .checks import ASSIGNMENT_MODULES, checks_for
from .notebook import cell_source, graded_cells, nbgrader_meta

__all__ = [
    "ReleaseReport",
    "lint_source",
    "release",
    "check_assignment",
    "solution_submission",
    "list_assignments",
    "nbgrader_env",
]

_LEAKS = ("### BEGIN SOLUTION", "### BEGIN HIDDEN TESTS", "hidden_check", "course_lib.grading")


@dataclass
class ReleaseReport:
    """What :func:`release` did for one assignment."""

    assignment: str
    released: Path | None = None
    cached: bool = False
    problems: list[str] = field(default_factory=list)
    solution_score: float | None = None
    blank_score: float | None = None
    auto_max: float = 0.0
    manual_max: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.problems


def list_assignments(course_dir: str | Path) -> list[str]:
    """Assignment names with a source notebook ``source/<a>/<a>.ipynb``, sorted."""
    src = Path(course_dir) / "source"
    return sorted(p.name for p in src.iterdir() if (p / f"{p.name}.ipynb").is_file())


def nbgrader_env() -> dict[str, str]:
    """Environment for nbgrader: its ``alembic`` must be on PATH (the venv's ``bin``)."""
    env = dict(os.environ)
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    return env


def lint_source(source: dict, assignment: str) -> list[str]:
    """Problems in a source notebook that would weaken grading (empty list: fine).

    Every cell is an nbgrader cell with a unique grade id; answer cells have solution
    regions; every autograded test cell ends with a hidden region calling
    ``hidden_check("<assignment>/<grade_id>", ...)`` and has a registered check.
    """
    problems = []
    if assignment not in ASSIGNMENT_MODULES:
        return [f"{assignment}: no hidden checks module (course_lib.grading.checks)"]
    checks = checks_for(assignment)
    ids = []
    for i, cell in enumerate(source["cells"]):
        meta = nbgrader_meta(cell)
        gid = meta.get("grade_id")
        text = cell_source(cell)
        if not isinstance(gid, str):
            problems.append(f"cell {i} has no nbgrader grade_id (make it read-only or graded)")
            continue
        ids.append(gid)
        is_test = meta.get("grade") and not meta.get("solution") and not meta.get("task")
        if meta.get("solution") and cell.get("cell_type") == "code":
            if "### BEGIN SOLUTION" not in text or "### END SOLUTION" not in text:
                problems.append(f"answer cell {gid!r} has no BEGIN/END SOLUTION region")
        if is_test:
            key = f'hidden_check("{assignment}/{gid}"'
            if "### BEGIN HIDDEN TESTS" not in text or key not in text:
                problems.append(f"test cell {gid!r} lacks a hidden region calling {key}...)")
            if gid not in checks:
                problems.append(f"test cell {gid!r} has no check in course_lib.grading.checks")
            if not meta.get("points"):
                problems.append(f"test cell {gid!r} is worth no points")
        elif "### BEGIN HIDDEN TESTS" in text or "hidden_check(" in text:
            problems.append(f"cell {gid!r} has hidden tests but is not an autograded test cell")
    dups = sorted({g for g in ids if ids.count(g) > 1})
    if dups:
        problems.append(f"duplicated grade ids: {dups}")
    tests = {nbgrader_meta(c)["grade_id"] for c in graded_cells(source)}
    for gid in checks:
        if gid not in tests:
            problems.append(f"check {assignment}/{gid} has no test cell in the notebook")
    return problems


def solution_submission(source: dict, released: dict) -> nbformat.NotebookNode:
    """The release notebook with every answer cell filled in from the source."""
    answers = {
        nbgrader_meta(c)["grade_id"]: cell_source(c)
        for c in graded_cells(source)
        if nbgrader_meta(c).get("solution")
    }
    nb = nbformat.from_dict(json.loads(json.dumps(released)))
    for cell in nb.cells:
        gid = nbgrader_meta(cell).get("grade_id")
        if gid in answers:
            cell.source = answers[gid]
    return nb


# What a release check depends on besides the source notebook: the grader and the modules
# the hidden checks take their reference values from.
_FINGERPRINT_GLOBS = ("**/*.py",)


def _fingerprint(source_path: Path) -> str:
    import course_lib

    pkg = Path(course_lib.__file__).parent
    h = hashlib.sha256(source_path.read_bytes())
    files = sorted({p for pattern in _FINGERPRINT_GLOBS for p in pkg.glob(pattern)})
    for py in files:
        h.update(py.relative_to(pkg).as_posix().encode() + py.read_bytes())
    return h.hexdigest()


def _generate(course_dir: Path, assignment: str) -> list[str]:
    grader = course_dir / ".grader"
    grader.mkdir(mode=0o700, exist_ok=True)
    os.chmod(grader, 0o700)
    proc = subprocess.run(
        [sys.executable, "-m", "nbgrader", "generate_assignment", assignment, "--force"],
        cwd=course_dir,
        env=nbgrader_env(),
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout)[-2000:]
        return [f"nbgrader generate_assignment {assignment} failed:\n{tail}"]
    return []


def _leaks(released: dict) -> list[str]:
    problems = []
    for cell in released["cells"]:
        text = cell_source(cell)
        for leak in _LEAKS:
            if leak in text:
                gid = nbgrader_meta(cell).get("grade_id")
                problems.append(f"the release leaks {leak!r} in cell {gid!r}")
    return problems


def check_assignment(
    course_dir: str | Path, assignment: str, source: dict, released: dict, workers: int = 2
) -> tuple[float, float, list[str]]:
    """Grade the solved and the blank release in the sandbox; returns (solved, blank, problems)."""
    from .autograde import grade_all

    problems = []
    with tempfile.TemporaryDirectory(prefix="release-check-") as tmp:
        solved, blank = Path(tmp) / "solution.ipynb", Path(tmp) / "blank.ipynb"
        nbformat.write(solution_submission(source, released), solved)
        nbformat.write(nbformat.from_dict(released), blank)
        os.chmod(tmp, 0o700)
        results = grade_all(
            [("solution", solved), ("blank", blank)],
            source,
            assignment,
            workers=min(2, workers),
            progress=False,
        )
    good, bad = results
    for res, want in ((good, "full marks"), (bad, "zero")):
        target = res.auto_max if want == "full marks" else 0.0
        if res.status != "graded" or res.auto_score != target:
            failed = "; ".join(f"{c.grade_id}: {c.message}" for c in res.cells if c.message)
            problems.append(
                f"{assignment}: the {res.student} notebook scored {res.auto_score:g}/"
                f"{res.auto_max:g}, expected {want} ({res.status}; {failed}; "
                f"{' '.join(res.errors)})"
            )
    if good.warnings:
        problems.append(f"{assignment}: the solved release raised warnings: {good.warnings}")
    return good.auto_score, bad.auto_score, problems


def release(
    course_dir: str | Path = "assignments",
    assignments: list[str] | None = None,
    check: bool = False,
    workers: int = 2,
    force: bool = False,
) -> list[ReleaseReport]:
    """Generate student releases (``release/<a>/<a>.ipynb``) and optionally check them.

    Parameters
    ----------
    course_dir : str or Path
        The nbgrader course root holding ``source/`` and ``nbgrader_config.py``.
    assignments : list of str, optional
        Names to release (default: every source notebook).
    check : bool
        Also grade the solved release (full marks expected) and the blank one (zero).
    workers : int
        Parallel sandboxes for the check.
    force : bool
        Ignore the cache.
    """
    course_dir = Path(course_dir).resolve()
    if not (course_dir / "source").is_dir():
        raise ValueError(f"release: {course_dir} has no source/ folder; pass --course-dir")
    names = assignments or list_assignments(course_dir)
    reports = []
    for name in names:
        rep = ReleaseReport(name)
        src_path = course_dir / "source" / name / f"{name}.ipynb"
        if not src_path.is_file():
            rep.problems.append(f"no source notebook {src_path}")
            reports.append(rep)
            continue
        source = nbformat.read(src_path, as_version=4)
        for meta in (nbgrader_meta(c) for c in graded_cells(source)):
            if meta.get("grade"):
                manual = meta.get("solution") or meta.get("task")
                key = "manual_max" if manual else "auto_max"
                setattr(rep, key, getattr(rep, key) + float(meta.get("points", 0)))
        rel_path = course_dir / "release" / name / f"{name}.ipynb"
        stamp = course_dir / "release" / f".{name}.check.json"
        fingerprint = _fingerprint(src_path)
        if not force and rel_path.is_file() and stamp.is_file():
            cached = json.loads(stamp.read_text())
            if cached.get("fingerprint") == fingerprint and (cached.get("checked") or not check):
                rep.released, rep.cached = rel_path, True
                rep.solution_score = cached.get("solution_score")
                rep.blank_score = cached.get("blank_score")
                reports.append(rep)
                continue
        rep.problems += lint_source(source, name)
        if not rep.problems:
            rep.problems += _generate(course_dir, name)
        if not rep.problems:
            rep.released = rel_path
            released = nbformat.read(rel_path, as_version=4)
            rep.problems += _leaks(released)
            if check and not rep.problems:
                solved, blank, problems = check_assignment(
                    course_dir, name, source, released, workers
                )
                rep.solution_score, rep.blank_score = solved, blank
                rep.problems += problems
        if rep.ok:
            stamp.write_text(
                json.dumps(
                    {
                        "fingerprint": fingerprint,
                        "checked": check,
                        "solution_score": rep.solution_score,
                        "blank_score": rep.blank_score,
                    }
                )
            )
        elif stamp.exists():
            stamp.unlink()
        reports.append(rep)
    return reports
