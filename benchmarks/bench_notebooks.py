"""Smoke-configuration run time of every lecture notebook, and of the unit-test suite.

Each notebook is executed top to bottom (the course's nbclient client from
``course_lib._execute``, COURSE_CONFIG=smoke, one at a time, no cache) and compared with the
course's budget of 60 s per notebook; the unit tests (``pytest -n 2 tests``) with the 15-minute
CI aim. Ratios below 1 are within budget.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from ._harness import Row, report

ROOT = Path(__file__).resolve().parents[1]


def _run_notebook(path: Path) -> float:
    import nbformat

    from course_lib import _execute

    nb = nbformat.read(path, as_version=4)
    client = _execute._client_class()(
        nb, name=path.name, timeout=600, resources={"metadata": {"path": str(path.parent)}}
    )
    start = time.perf_counter()
    client.execute()
    return time.perf_counter() - start


def run() -> str:
    os.environ["COURSE_CONFIG"] = "smoke"
    os.environ.setdefault("MPLBACKEND", "Agg")
    rows, total = [], 0.0
    for path in sorted((ROOT / "lectures").glob("*.ipynb")):
        seconds = _run_notebook(path)
        total += seconds
        rows.append(Row(path.stem, seconds, 60.0, "60 s budget", target="<= 1"))
    rows.append(Row("all lectures", total, 60.0 * (len(rows)), "sum of budgets", target="<= 1"))
    start = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-n",
            "2",
            "tests",
            "-p",
            "no:cacheprovider",
            "--ignore=tests/browser",
            "--ignore=tests/executed",
        ],
        cwd=ROOT,
        check=False,
        capture_output=True,
    )
    rows.append(
        Row(
            "unit tests (pytest -n 2)",
            time.perf_counter() - start,
            900.0,
            "15 min CI aim",
            target="<= 1",
        )
    )
    return report("notebooks", "Notebook and test-suite run times (smoke)", rows)


if __name__ == "__main__":
    run()
