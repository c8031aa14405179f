"""Execute an assembled submission notebook; runs inside the sandbox as the student's user.

Lecture: course logistics (graded assignments).

``python -m course_lib.grading.runner IN OUT CELL_TIMEOUT SKIP_TAG`` executes ``IN`` with
nbclient (errors allowed, each cell interrupted after ``CELL_TIMEOUT`` seconds, cells tagged
``SKIP_TAG`` skipped: the grader passes a random tag, so a ``skip-execution`` tag from a
student does nothing) and saves the notebook to ``OUT`` after every cell, so a run killed at
the wall-clock limit still leaves the outputs so far. Nothing here decides a score.
"""

from __future__ import annotations

import sys

__all__ = ["execute", "MAX_OUTPUT_CHARS"]

MAX_OUTPUT_CHARS = 20_000


def _truncate_outputs(cell) -> None:
    budget = MAX_OUTPUT_CHARS
    kept = []
    for out in cell.get("outputs", []):
        text = out.get("text")
        if isinstance(text, str):
            if len(text) > budget:
                out["text"] = text[:budget] + "\n... [output truncated by the grader]\n"
            budget = max(0, budget - len(text))
        kept.append(out)
    cell["outputs"] = kept[:50]


def execute(in_path: str, out_path: str, cell_timeout: float, skip_tag: str) -> int:
    """Run every cell of ``in_path`` and write the result to ``out_path``; returns 0."""
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import DeadKernelError

    nb = nbformat.read(in_path, as_version=4)

    def save(**_kwargs) -> None:
        for cell in nb.cells:
            if cell.cell_type == "code":
                _truncate_outputs(cell)
        nbformat.write(nb, out_path)

    client = NotebookClient(
        nb,
        timeout=cell_timeout,
        startup_timeout=120,
        kernel_name="python3",
        allow_errors=True,
        interrupt_on_timeout=True,
        error_on_timeout={"ename": "Timeout", "evalue": f"cell ran over {cell_timeout:g} s"},
        skip_cells_with_tag=skip_tag,
        record_timing=False,
        on_cell_executed=save,
        resources={"metadata": {"path": "."}},
    )
    try:
        client.execute()
    except DeadKernelError as err:
        print(f"[runner] the kernel died: {err}", file=sys.stderr)
    save()
    return 0


if __name__ == "__main__":  # pragma: no cover - run by the sandbox
    sys.exit(execute(sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4]))
