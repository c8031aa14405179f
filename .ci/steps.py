"""Run make steps in order, timing each, and print a summary table (``make course`` uses it).

Usage: ``python3 .ci/steps.py install data lectures assignments book``. Each step runs as
``make STEP`` with the earlier steps marked as done (``make -o``), so a step's own
prerequisites are not run twice. The first failing step stops the run; the table shows it and
the steps skipped after it, and the exit status is that step's. Standard library only: it runs
before the virtual environment exists.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main(steps: list[str]) -> int:
    start = time.monotonic()
    rows: list[tuple[str, str, str]] = []
    status = 0
    for i, step in enumerate(steps):
        if status:
            rows.append((step, "-", "skipped"))
            continue
        print(f"\n==> [{i + 1}/{len(steps)}] make {step}", flush=True)
        began = time.monotonic()
        done = [arg for earlier in steps[:i] for arg in ("-o", earlier)]
        status = subprocess.run(["make", "--no-print-directory", *done, step], cwd=ROOT).returncode
        seconds = time.monotonic() - began
        result = "ok" if status == 0 else f"FAILED (exit {status})"
        print(
            f"==> make {step}: {result} in {seconds:.0f} s "
            f"({time.monotonic() - start:.0f} s elapsed)",
            flush=True,
        )
        rows.append((step, f"{seconds:.1f}", result))
    rows.append(("total", f"{time.monotonic() - start:.1f}", "ok" if status == 0 else "FAILED"))
    width = max(len(r[0]) for r in rows)
    print(f"\n{'step':<{width}}  {'seconds':>8}  result")
    for name, seconds, result in rows:
        print(f"{name:<{width}}  {seconds:>8}  {result}")
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
