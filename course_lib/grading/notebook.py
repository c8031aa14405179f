"""nbgrader notebooks: preflight a submission and assemble the notebook the grader runs.

Lecture: course logistics (graded assignments).

A submission is untrusted JSON. :func:`preflight` reports, in words, what is wrong with it
(invalid JSON, not a notebook, empty, wrong assignment: errors; duplicated cell ids,
duplicated grade ids, edited or deleted locked cells: warnings, repaired). :func:`assemble`
then builds the notebook that runs: the student's answer cells and extra cells in their
order, every locked and test cell taken from the instructor's source (hidden tests
included), no tags or metadata from the student (so ``skip-execution`` does nothing), fresh
unique cell ids and no outputs.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

__all__ = [
    "Preflight",
    "preflight",
    "assemble",
    "nbgrader_meta",
    "cell_source",
    "strip_hidden_tests",
    "strip_solutions",
    "graded_cells",
    "grading_notebook",
    "student_notebook",
    "MAX_NOTEBOOK_BYTES",
]

MAX_NOTEBOOK_BYTES = 20 * 2**20
_BEGIN_SOL, _END_SOL = "### BEGIN SOLUTION", "### END SOLUTION"
_BEGIN_HID, _END_HID = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"
_CELL_TYPES = ("code", "markdown", "raw")


def cell_source(cell: dict) -> str:
    """A cell's source as one string (nbformat allows a list of lines)."""
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else str(src)


def nbgrader_meta(cell: dict) -> dict:
    """The cell's ``metadata.nbgrader`` dict, or ``{}``."""
    meta = cell.get("metadata")
    nbg = meta.get("nbgrader") if isinstance(meta, dict) else None
    return nbg if isinstance(nbg, dict) else {}


def graded_cells(nb: dict) -> list[dict]:
    """Cells with an nbgrader ``grade_id``, in order."""
    return [c for c in nb["cells"] if isinstance(nbgrader_meta(c).get("grade_id"), str)]


def _region_replace(text: str, begin: str, end: str, stub: str | None) -> str:
    lines, out, inside = text.split("\n"), [], False
    for line in lines:
        if line.strip() == begin:
            inside = True
            if stub is not None:
                indent = line[: len(line) - len(line.lstrip())]
                out.extend(indent + s for s in stub.split("\n"))
            continue
        if line.strip() == end:
            inside = False
            continue
        if not inside:
            out.append(line)
    return "\n".join(out)


def strip_hidden_tests(text: str) -> str:
    """Remove ``### BEGIN/END HIDDEN TESTS`` regions (what nbgrader's release does)."""
    return _region_replace(text, _BEGIN_HID, _END_HID, None).rstrip("\n")


def strip_solutions(text: str, cell_type: str = "code") -> str:
    """Replace solution regions with the stub students see (nbgrader's ``ClearSolutions``)."""
    if cell_type != "code":
        return "YOUR ANSWER HERE" if _BEGIN_SOL in text or text.strip() else text
    if _BEGIN_SOL not in text:
        return "# YOUR CODE HERE\nraise NotImplementedError()"
    return _region_replace(
        text, _BEGIN_SOL, _END_SOL, "# YOUR CODE HERE\nraise NotImplementedError()"
    )


def grading_notebook(source: dict) -> nbformat.NotebookNode:
    """The source without its solutions: all the grader needs (locked cells, hidden tests).

    Ship this, not the source, to machines that grade (containers, Kubernetes pods).
    """
    nb = nbformat.from_dict(json.loads(json.dumps(source)))
    for cell in nb.cells:
        if nbgrader_meta(cell).get("solution"):
            cell.source = strip_solutions(cell_source(cell), cell.cell_type)
    return nb


def student_notebook(source: dict) -> nbformat.NotebookNode:
    """What students receive: the source without solutions and without hidden tests.

    The same cells and ids as nbgrader's ``generate_assignment`` output, built in memory
    (for tests and for submissions made up from the release).
    """
    nb = grading_notebook(source)
    for cell in nb.cells:
        meta = nbgrader_meta(cell)
        if meta.get("grade") and not meta.get("solution"):
            cell.source = strip_hidden_tests(cell_source(cell))
    return nb


def _norm(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.strip().split("\n"))


@dataclass
class Preflight:
    """Result of :func:`preflight`: ``errors`` stop grading, ``warnings`` were repaired."""

    ok: bool
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    notebook: dict | None = None


def _load_json(path: Path) -> tuple[dict | None, str | None]:
    try:
        size = path.stat().st_size
    except OSError as err:
        return None, f"cannot read the submission: {err.strerror}"
    if size > MAX_NOTEBOOK_BYTES:
        return None, f"the notebook is {size / 2**20:.1f} MiB, above the 20 MiB limit"
    if size == 0:
        return None, "empty file: the submission has no content (0 bytes)"
    raw = path.read_bytes()
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as err:
        return None, f"the file is not UTF-8 text (byte {err.start}): not a notebook"
    except json.JSONDecodeError as err:
        return None, (
            f"invalid notebook JSON at line {err.lineno}, column {err.colno}: {err.msg} "
            "(was the file edited outside Jupyter or truncated by an upload?)"
        )
    if not isinstance(data, dict) or not isinstance(data.get("cells"), list):
        return None, "the JSON is not a Jupyter notebook (no list of 'cells')"
    return data, None


def preflight(path: str | Path, source: dict) -> Preflight:
    """Check a submitted notebook against the instructor's source notebook.

    Parameters
    ----------
    path : str or Path
        The submitted ``.ipynb``.
    source : dict
        The source notebook (with solutions), as loaded by ``nbformat``.

    Returns
    -------
    Preflight
        ``ok`` is False when the submission cannot be graded; ``errors`` say why in words.
    """
    data, error = _load_json(Path(path))
    if error:
        return Preflight(False, [error])
    if data.get("nbformat") != 4:
        try:
            data = json.loads(nbformat.writes(nbformat.reads(json.dumps(data), as_version=4)))
        except Exception as err:  # noqa: BLE001 - any failure means "not convertible"
            return Preflight(
                False, [f"unsupported notebook format {data.get('nbformat')!r}: {err}"]
            )
    warnings: list[str] = []
    cells = []
    for i, cell in enumerate(data["cells"]):
        if not isinstance(cell, dict) or cell.get("cell_type") not in _CELL_TYPES:
            warnings.append(f"cell {i} is not a valid notebook cell and was dropped")
            continue
        src = cell.get("source", "")
        if not isinstance(src, str) and not (
            isinstance(src, list) and all(isinstance(s, str) for s in src)
        ):
            warnings.append(f"cell {i} has an invalid source and was dropped")
            continue
        cells.append(cell)
    if not cells:
        return Preflight(False, ["empty notebook: it has no cells"], warnings)
    ids = [c.get("id") for c in cells if isinstance(c.get("id"), str)]
    dup_ids = sorted({i for i in ids if ids.count(i) > 1})
    if dup_ids:
        warnings.append(
            f"duplicated cell ids {dup_ids[:5]} (copy-pasted cells?): all cell ids were renumbered"
        )
    src_cells = {nbgrader_meta(c)["grade_id"]: c for c in graded_cells(source)}
    seen: dict[str, int] = {}
    for cell in cells:
        gid = nbgrader_meta(cell).get("grade_id")
        if isinstance(gid, str) and gid in src_cells:
            seen[gid] = seen.get(gid, 0) + 1
    if not seen:
        return Preflight(
            False,
            [
                "none of the assignment's cells is in this notebook (empty, a different "
                "assignment, or cells re-created by hand): submit the released notebook"
            ],
            warnings,
        )
    for gid, n in seen.items():
        if n > 1:
            warnings.append(
                f"cell {gid!r} appears {n} times (copied cell?): the first is graded, the "
                "copies run as ordinary cells"
            )
    sub_by_gid: dict[str, dict] = {}
    for cell in cells:
        gid = nbgrader_meta(cell).get("grade_id")
        if isinstance(gid, str) and gid in src_cells and gid not in sub_by_gid:
            sub_by_gid[gid] = cell
    for gid, src in src_cells.items():
        meta = nbgrader_meta(src)
        fixed = not meta.get("solution")
        if gid not in sub_by_gid:
            kind = "answer" if meta.get("solution") else "locked"
            warnings.append(f"{kind} cell {gid!r} is missing: the original was put back")
            continue
        sub = sub_by_gid[gid]
        if sub.get("cell_type") != src.get("cell_type"):
            warnings.append(
                f"cell {gid!r} was changed from {src.get('cell_type')} to "
                f"{sub.get('cell_type')}: the original was put back"
            )
        elif fixed:
            released = strip_hidden_tests(cell_source(src))
            if _norm(cell_source(sub)) != _norm(released):
                warnings.append(f"locked cell {gid!r} was edited: the original was put back")
    tagged = [
        c.get("metadata", {}).get("tags")
        for c in cells
        if isinstance(c.get("metadata"), dict) and c["metadata"].get("tags")
    ]
    if tagged:
        warnings.append("cell tags in the submission are ignored when grading")
    return Preflight(True, [], warnings, {**data, "cells": cells})


def _new_id() -> str:
    return uuid.uuid4().hex[:12]


def _clean(cell_type: str, text: str, nbgrader: dict | None) -> nbformat.NotebookNode:
    maker = {
        "code": nbformat.v4.new_code_cell,
        "markdown": nbformat.v4.new_markdown_cell,
        "raw": nbformat.v4.new_raw_cell,
    }[cell_type]
    cell = maker(text)
    cell.id = _new_id()
    if nbgrader:
        cell.metadata["nbgrader"] = dict(nbgrader)
    return cell


def assemble(source: dict, submission: dict) -> nbformat.NotebookNode:
    """The notebook to execute for a submission that passed :func:`preflight`.

    Answer cells keep the student's text; locked, test and task cells come from ``source``
    (hidden tests included); cells the student added run where they were; missing cells are
    put back in the source's order. Cells carry fresh ids and only the source's nbgrader
    metadata (each assembled cell records its grade id).
    """
    src_graded = graded_cells(source)
    order = {nbgrader_meta(c)["grade_id"]: i for i, c in enumerate(src_graded)}
    pre_graded = []  # source cells before the first graded cell (e.g. a title) are kept
    for c in source["cells"]:
        if nbgrader_meta(c).get("grade_id"):
            break
        pre_graded.append(_clean(c["cell_type"], cell_source(c), None))
    out: list = list(pre_graded)
    emitted: dict[str, int] = {}
    next_src = 0

    def emit_source(i: int, student: dict | None) -> None:
        src = src_graded[i]
        meta = nbgrader_meta(src)
        gid = meta["grade_id"]
        ctype = src["cell_type"]
        if meta.get("solution"):
            ok = student is not None and student.get("cell_type") == ctype
            text = cell_source(student) if ok else strip_solutions(cell_source(src), ctype)
        else:
            text = cell_source(src)
        emitted[gid] = len(out)
        out.append(_clean(ctype, text, meta))

    for cell in submission["cells"]:
        gid = nbgrader_meta(cell).get("grade_id")
        if isinstance(gid, str) and gid in order and order[gid] >= next_src:
            # In the source's order: put back what is missing before it, then the cell.
            j = order[gid]
            while next_src < j:
                emit_source(next_src, None)
                next_src += 1
            emit_source(j, cell)
            next_src = j + 1
            continue
        # A cell the student added, a copy, or a graded cell moved out of order: it runs
        # where it is, as an ordinary cell.
        ctype = cell.get("cell_type", "raw")
        out.append(_clean(ctype, cell_source(cell), None))
    while next_src < len(src_graded):
        emit_source(next_src, None)
        next_src += 1
    nb = nbformat.v4.new_notebook()
    nb.cells = out
    nb.metadata = {
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
        "language_info": {"name": "python"},
    }
    return nb
