"""Graded assignments on top of nbgrader, with an autograder students cannot game.

Lecture: course logistics (graded assignments A1-A4).

- :mod:`~course_lib.grading.release` - student releases with nbgrader, and the check that
  every source notebook scores full marks;
- :mod:`~course_lib.grading.collect` - submissions from a folder or an LMS zip export;
- :mod:`~course_lib.grading.notebook` - preflight of a submission and the notebook the
  grader assembles from it;
- :mod:`~course_lib.grading.sandbox` - one unprivileged user per worker, resource limits,
  no network, hidden gradebook and solutions, leftover processes killed;
- :mod:`~course_lib.grading.autograde` - grading in parallel, judged in the grader's process;
- :mod:`~course_lib.grading.report` - feedback without hidden tests, grades CSV, summary;
- :mod:`~course_lib.grading.checks` and :mod:`~course_lib.grading.probe` - the hidden checks.

The command line is ``python -m course_lib.grading --help``. Submodules are imported on
first use: a student's kernel that imports :mod:`course_lib.grading.probe` loads nothing
else of the grader.
"""

from __future__ import annotations

import importlib

__all__ = ["autograde", "checks", "collect", "notebook", "probe", "release", "report", "sandbox"]


def __getattr__(name: str):
    if name in __all__:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
