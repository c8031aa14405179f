"""Grading throughput: the hardened grader vs plain ``nbgrader autograde``, same submissions.

Six A1 submissions (three correct, three wrong) in a temporary nbgrader course. The
baseline is ``nbgrader autograde`` with its defaults (one process, no sandbox); ours is
``course_lib.grading.autograde.grade_all`` (preflight, one sandbox user per worker,
hidden checks judged in the grader) with one and with two workers. Run:
``python -c "from benchmarks import bench_grading; bench_grading.run()"``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

from ._harness import Row, report

ROOT = Path(__file__).resolve().parents[1]
N_SUBMISSIONS = 20  # the same 20 submissions for both graders


def _course(tmp: Path) -> tuple[Path, dict]:
    from course_lib.grading.autograde import source_notebook
    from course_lib.grading.notebook import nbgrader_meta
    from course_lib.grading.release import release, solution_submission

    course = tmp / "course"
    shutil.copytree(ROOT / "assignments" / "source" / "a1", course / "source" / "a1")
    shutil.copy(ROOT / "assignments" / "nbgrader_config.py", course / "nbgrader_config.py")
    (report_,) = release(course, ["a1"], force=True)
    if not report_.ok:
        raise RuntimeError(report_.problems)
    source = source_notebook(course, "a1")
    released = nbformat.read(course / "release" / "a1" / "a1.ipynb", as_version=4)
    solved = solution_submission(source, released)
    for i in range(N_SUBMISSIONS):
        nb = nbformat.from_dict(nbformat.reads(nbformat.writes(solved), as_version=4))
        if i % 2:
            for cell in nb.cells:
                if nbgrader_meta(cell).get("grade_id") == "conv2d":
                    cell.source = cell.source.replace("weight)", "weight[:, :, ::-1, ::-1])")
        path = course / "submitted" / f"student{i}" / "a1" / "a1.ipynb"
        path.parent.mkdir(parents=True)
        nbformat.write(nb, path)
    return course, source


def _plain_nbgrader(course: Path) -> float:
    env = dict(os.environ)
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "nbgrader", "autograde", "a1", "--force"],
        cwd=course,
        env=env,
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - start


def _ours(course: Path, source: dict, workers: int) -> tuple[float, list[float]]:
    from course_lib.grading.autograde import grade_all

    jobs = [(p.name, p / "a1" / "a1.ipynb") for p in sorted((course / "submitted").iterdir())]
    start = time.perf_counter()
    results = grade_all(jobs, source, "a1", workers=workers, progress=False)
    elapsed = time.perf_counter() - start
    return elapsed, [r.auto_score for r in results]


def run() -> str:
    with tempfile.TemporaryDirectory(prefix="bench-grading-") as tmp:
        course, source = _course(Path(tmp))
        t_plain = _plain_nbgrader(course)
        t_one, scores = _ours(course, source, 1)
        t_two, _ = _ours(course, source, 2)
    from course_lib.grading.sandbox import isolation_mode

    expected = [11.0 if i % 2 == 0 else 7.0 for i in range(N_SUBMISSIONS)]
    rows = [
        Row(
            f"{N_SUBMISSIONS} A1 submissions, 1 worker",
            t_one,
            t_plain,
            "nbgrader autograde",
            target="<= 1.5",
            extra={"scores": scores, "expected": expected},
        ),
        Row(
            f"{N_SUBMISSIONS} A1 submissions, 2 workers",
            t_two,
            t_plain,
            "nbgrader autograde",
            target="<= 1",
        ),
    ]
    notes = (
        f"Isolation: {isolation_mode()}. Scores of ours: {scores} (expected {expected}). "
        "Ours adds per submission: preflight, assembly, a fresh sandbox (bubblewrap, user, "
        "limits), the kill of leftover processes and judging in the grader; nbgrader runs "
        "everything in its own process and trusts the kernel."
    )
    return report("grading", "Grading throughput vs plain nbgrader autograde", rows, notes)


if __name__ == "__main__":
    run()
