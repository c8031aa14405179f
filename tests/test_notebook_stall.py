"""Regression test: no cell waits out its timeout after the kernel has replied.

nbclient's imitation of an ``ipywidgets.Output`` front end sent each captured output back to
the kernel on the shell socket while nbclient waited on that socket for the cell's reply;
now and then the reply's wake-up was lost and the cell "ran" for the whole timeout with an
idle kernel (lecture 04's ``FilterPlayground`` stood still 15 min in ``make course``). The
course's executor (``course_lib._execute``) does not send them; these tests execute a
notebook that provokes the race and lectures 04 and 07 (the widgets with audio in an
``Output``) several times the way ``make lectures`` does, and bound every cell's wall time.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from course_lib import _execute

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
CELL_LIMIT = 60  # seconds; the cells need a few at most, a stall waits out the timeout

STRESS = [
    "import ipywidgets as W\nfrom IPython.display import HTML, clear_output, display\n"
    "out = W.Output()\ndisplay(out)",
    "for i in range(200):\n    with out:\n        clear_output(wait=True)\n"
    "        display(HTML('x' * 20000))",
    "for i in range(50):\n    with out:\n        clear_output(wait=True)\n        print(i)",
    "1 + 1",
]


def test_output_widget_updates_do_not_stall(monkeypatch):
    """Many ``clear_output(wait=True)`` + display in an Output: every cell returns promptly.

    With nbclient's own client about one run in six stood still for the whole timeout.
    """
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    client_class = _execute._client_class()
    for run in range(6):
        nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in STRESS])
        client = client_class(nb, name="stress", timeout=20, kernel_name="python3")
        client.execute()
        slow = [(i, s) for i, s in client.cell_seconds if s > 5]
        assert not slow, f"run {run}: cells (index, seconds) {slow} waited for nothing"
        state = nb.metadata.widgets["application/vnd.jupyter.widget-state+json"]["state"]
        outputs = [
            v["state"]["outputs"] for v in state.values() if v["model_name"] == "OutputModel"
        ]
        assert outputs == [[{"output_type": "stream", "name": "stdout", "text": "49\n"}]]


@pytest.mark.parametrize(
    "name", ["04_convolution_mechanics", "07_audio_as_input"], ids=lambda n: n[:2]
)
def test_widget_lectures_never_stall(name, tmp_path):
    """The lecture, twice through ``python -m course_lib._execute`` after an untimed warm-up run
    (three executions in all): no cell near 60 s."""
    source = ROOT / "lectures" / f"{name}.ipynb"
    cmd = [sys.executable, "-m", "course_lib._execute", "--force", "--jobs", "1"]
    cmd += ["--timeout", str(CELL_LIMIT), "--out", str(tmp_path), str(source)]
    # one numba cache for the runs, filled by a first run that is not timed: compiling
    # librosa's jitted functions (CQT, Griffin-Lim) is work, not a stall
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path / "numba")}
    warm = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=600, env=env)
    assert warm.returncode == 0, warm.stdout + warm.stderr
    for run in range(2):
        began = time.monotonic()
        proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=600, env=env)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        record = json.loads((tmp_path / f"{name}.run.json").read_text())
        slow = {i: s for i, s in record["cell_seconds"].items() if s > CELL_LIMIT / 2}
        assert not slow, f"run {run}: cells {slow} (index: seconds) took far longer than needed"
        assert time.monotonic() - began < 4 * CELL_LIMIT, f"run {run}: {name} took too long"
