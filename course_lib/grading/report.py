"""Feedback without hidden tests, the grades CSV and the summary table.

Lecture: course logistics (graded assignments).

Feedback shows each test cell as it was released (hidden regions removed) with the
grader's verdict instead of the cell's own output, so neither hidden test code nor
tracebacks through it reach students. Only plain-text and PNG outputs of answer cells are
kept (no HTML or JavaScript from a submission).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from pathlib import Path

import nbformat

from .autograde import CellScore, Result
from .notebook import cell_source, nbgrader_meta, strip_hidden_tests

__all__ = [
    "feedback_notebook",
    "write_feedback_html",
    "write_grades_csv",
    "summary_table",
    "read_manual_scores",
    "write_manual_sheet",
    "save_result",
    "load_result",
]

_KEEP_MIME = ("text/plain", "image/png")


def _safe_outputs(outputs: object) -> list:
    kept = []
    if not isinstance(outputs, list):
        return kept
    for out in outputs[:20]:
        if not isinstance(out, dict):
            continue
        kind = out.get("output_type")
        if kind == "stream" and isinstance(out.get("text"), (str, list)):
            text = "".join(out["text"]) if isinstance(out["text"], list) else out["text"]
            name = "stderr" if out.get("name") == "stderr" else "stdout"
            kept.append(nbformat.v4.new_output("stream", name=name, text=text[:10_000]))
        elif kind in ("execute_result", "display_data") and isinstance(out.get("data"), dict):
            data = {k: v for k, v in out["data"].items() if k in _KEEP_MIME and isinstance(v, str)}
            if data:
                kept.append(nbformat.v4.new_output("display_data", data=data))
        elif kind == "error":
            text = f"{str(out.get('ename'))[:80]}: {str(out.get('evalue'))[:500]}\n"
            kept.append(nbformat.v4.new_output("stream", name="stderr", text=text))
    return kept


def _verdict(score: CellScore) -> str:
    if score.kind == "manual":
        return f"[grader] written answer, {score.points:g} points: graded by hand\n"
    mark = "passed" if (score.score or 0) >= score.points else "failed"
    text = f"[grader] {mark}: {score.score or 0:g}/{score.points:g} points"
    return text + (f" - {score.message}\n" if score.message else "\n")


def feedback_notebook(result: Result) -> nbformat.NotebookNode:
    """A notebook for the student: answers with their outputs, tests as released, verdicts."""
    nb = nbformat.v4.new_notebook()
    lines = [
        f"# Feedback: {result.assignment}, {result.student}",
        "",
        f"Autograded score: **{result.auto_score:g} / {result.auto_max:g}**"
        + (f" (plus {result.manual_max:g} points graded by hand)" if result.manual_max else ""),
        "",
    ]
    lines += [f"- **error:** {e}" for e in result.errors if not e.startswith("Traceback")]
    lines += [f"- note: {w}" for w in result.warnings]
    nb.cells.append(nbformat.v4.new_markdown_cell("\n".join(lines)))
    scores = {s.grade_id: s for s in result.cells}
    assembled = result.assembled or {"cells": []}
    executed = (result.executed or {}).get("cells") or []
    for i, cell in enumerate(assembled["cells"]):
        meta = nbgrader_meta(cell)
        text = cell_source(cell)
        is_test = meta.get("grade") and not meta.get("solution") and not meta.get("task")
        if is_test:
            text = strip_hidden_tests(text)
        if cell["cell_type"] == "markdown":
            new = nbformat.v4.new_markdown_cell(text)
        elif cell["cell_type"] == "code":
            new = nbformat.v4.new_code_cell(text)
            if not is_test and i < len(executed) and isinstance(executed[i], dict):
                new.outputs = _safe_outputs(executed[i].get("outputs"))
        else:
            new = nbformat.v4.new_raw_cell(text)
        out = nb.cells
        out.append(new)
        gid = meta.get("grade_id")
        if gid in scores and meta.get("grade"):
            verdict = _verdict(scores[gid])
            if new.cell_type == "code":
                new.outputs.append(nbformat.v4.new_output("stream", name="stdout", text=verdict))
            else:
                out.append(nbformat.v4.new_markdown_cell(f"`{verdict.strip()}`"))
    for cell in nb.cells:
        cell.id = f"fb{len(cell.source) % 997:03d}-{nb.cells.index(cell)}"
    return nb


def write_feedback_html(result: Result, dest: str | Path) -> Path:
    """Write :func:`feedback_notebook` as a standalone HTML page."""
    from nbconvert import HTMLExporter

    body, _ = HTMLExporter().from_notebook_node(feedback_notebook(result))
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_text(body, encoding="utf-8")
    return dest


def read_manual_scores(path: str | Path) -> dict[tuple[str, str], float]:
    """Scores typed into a manual sheet: ``{(student, grade_id): score}`` (blank: skipped)."""
    scores = {}
    with open(path, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            value = (row.get("score") or "").strip()
            if value:
                try:
                    scores[(row["student"], row["grade_id"])] = float(value)
                except ValueError as err:
                    raise ValueError(
                        f"read_manual_scores: score {value!r} of {row['student']}/"
                        f"{row['grade_id']} in {path} is not a number"
                    ) from err
    return scores


def write_manual_sheet(results: Iterable[Result], dest: str | Path) -> Path:
    """A CSV with every written answer to grade by hand (fill in the ``score`` column)."""
    with open(dest, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["student", "grade_id", "points", "score", "answer"])
        for res in results:
            answers = {}
            for cell in (res.assembled or {"cells": []})["cells"]:
                meta = nbgrader_meta(cell)
                if meta.get("grade") and meta.get("solution"):
                    answers[meta["grade_id"]] = cell_source(cell)
            for c in res.cells:
                if c.kind == "manual":
                    writer.writerow(
                        [res.student, c.grade_id, c.points, "", answers.get(c.grade_id, "")]
                    )
    return Path(dest)


def write_grades_csv(
    results: Iterable[Result],
    dest: str | Path,
    manual: dict[tuple[str, str], float] | None = None,
) -> Path:
    """One row per submission: scores per graded cell, totals, status and messages."""
    results = list(results)
    manual = manual or {}
    gids = []
    for res in results:
        for c in res.cells:
            if c.grade_id not in gids:
                gids.append(c.grade_id)
    with open(dest, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(
            [
                "student",
                "assignment",
                "status",
                *gids,
                "auto_score",
                "auto_max",
                "manual_score",
                "manual_max",
                "total",
                "max",
                "messages",
            ]
        )
        for res in results:
            by = {c.grade_id: c for c in res.cells}
            row = []
            manual_score = 0.0
            for gid in gids:
                c = by.get(gid)
                if c is None:
                    row.append("")
                elif c.kind == "manual":
                    s = manual.get((res.student, gid))
                    manual_score += s or 0.0
                    row.append("" if s is None else f"{s:g}")
                else:
                    row.append(f"{c.score or 0:g}")
            msgs = res.errors[:1] + [f"{c.grade_id}: {c.message}" for c in res.failed]
            writer.writerow(
                [
                    res.student,
                    res.assignment,
                    res.status,
                    *row,
                    f"{res.auto_score:g}",
                    f"{res.auto_max:g}",
                    f"{manual_score:g}",
                    f"{res.manual_max:g}",
                    f"{res.auto_score + manual_score:g}",
                    f"{res.auto_max + res.manual_max:g}",
                    " | ".join(msgs),
                ]
            )
    return Path(dest)


def summary_table(results: Iterable[Result], width: int = 70) -> str:
    """Who failed what and why, one line per submission (and one per failed part)."""
    lines = [f"{'student':<16} {'status':<16} {'auto':>9}  failed parts (why)", "-" * 80]
    for res in results:
        score = f"{res.auto_score:g}/{res.auto_max:g}"
        lines.append(f"{res.student[:16]:<16} {res.status:<16} {score:>9}")
        for err in res.errors:
            if not err.startswith("Traceback"):
                lines.append(f"{'':<16}   error: {err[:width]}")
        for c in res.failed:
            lines.append(f"{'':<16}   {c.grade_id}: {c.message[:width]}")
    return "\n".join(lines)


def save_result(result: Result, folder: str | Path) -> Path:
    """Write ``result.json`` and the assembled notebook with its (sanitised) outputs."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    (folder / "result.json").write_text(json.dumps(result.to_json(), indent=1))
    if result.assembled is not None:
        nb = nbformat.from_dict(json.loads(json.dumps(result.assembled)))
        executed = (result.executed or {}).get("cells") or []
        for i, cell in enumerate(nb.cells):
            if cell.cell_type == "code" and i < len(executed) and isinstance(executed[i], dict):
                cell.outputs = _safe_outputs(executed[i].get("outputs"))
        nbformat.write(nb, folder / f"{result.assignment}.ipynb")
    return folder / "result.json"


def load_result(folder: str | Path) -> Result:
    """Read back what :func:`save_result` wrote (notebooks included)."""
    folder = Path(folder)
    data = json.loads((folder / "result.json").read_text())
    data["cells"] = [CellScore(**c) for c in data["cells"]]
    res = Result(**data)
    nb_path = folder / f"{res.assignment}.ipynb"
    if nb_path.is_file():
        nb = nbformat.read(nb_path, as_version=4)
        res.executed = nb
        res.assembled = nb
    return res
