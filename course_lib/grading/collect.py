"""Collect submissions from a folder or an LMS zip export into nbgrader's layout.

Lecture: course logistics (graded assignments).

Submissions land in ``<course>/submitted/<student>/<assignment>/<assignment>.ipynb`` (folders
mode 0700). Accepted inputs: nbgrader's own layout, one folder per student, or flat files
named like LMS exports (``smithjane_12345_67890_a1.ipynb``: the student id is what
``student_pattern`` captures). Zip entries are never used as paths (no "zip slip"), sizes
are capped, and anything that is not a notebook is skipped with a note.
"""

from __future__ import annotations

import os
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

__all__ = ["Collected", "collect", "DEFAULT_STUDENT_PATTERN"]

DEFAULT_STUDENT_PATTERN = r"^(?P<student>[^_.]+)"
MAX_ENTRY_BYTES = 50 * 2**20


@dataclass
class Collected:
    """Result of :func:`collect`: where each student's notebook went, and notes."""

    submissions: dict[str, Path] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def _student_of(parts: tuple[str, ...], pattern: re.Pattern) -> str | None:
    if len(parts) >= 2:  # <student>/... (any depth)
        return parts[0]
    m = pattern.search(parts[0])
    return m.group("student") if m else None


def _safe_id(student: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]", "_", student).strip("._") or "unknown"


def _choose(candidates: list[tuple[str, bytes]], assignment: str) -> tuple[str, bytes]:
    named = [c for c in candidates if assignment.lower() in PurePosixPath(c[0]).name.lower()]
    return sorted(named or candidates)[-1]


def collect(
    source: str | Path,
    course_dir: str | Path,
    assignment: str,
    student_pattern: str = DEFAULT_STUDENT_PATTERN,
) -> Collected:
    """Copy every student's notebook of ``assignment`` into ``course_dir/submitted``.

    Parameters
    ----------
    source : str or Path
        A folder or a ``.zip`` export.
    course_dir : str or Path
        The course root.
    assignment : str
        Assignment name; the destination file is ``<assignment>.ipynb``.
    student_pattern : str
        Regular expression with a ``student`` group, applied to flat file names.
    """
    source = Path(source)
    try:
        pattern = re.compile(student_pattern)
    except re.error as err:
        raise ValueError(f"collect: student_pattern {student_pattern!r} is invalid: {err}") from err
    if "student" not in pattern.groupindex:
        raise ValueError(
            f"collect: student_pattern needs a (?P<student>...) group, got {student_pattern!r}"
        )
    found: dict[str, list[tuple[str, bytes]]] = {}
    out = Collected()

    def add(rel: str, size: int, read) -> None:
        parts = PurePosixPath(rel).parts
        if ".." in parts:
            out.notes.append(f"skipped {rel}: unsafe path")
            return
        if any(p.startswith(".") or p == "__MACOSX" for p in parts):
            return
        if not rel.endswith(".ipynb"):
            out.notes.append(f"skipped {rel}: not a notebook")
            return
        if size > MAX_ENTRY_BYTES:
            out.notes.append(f"skipped {rel}: {size / 2**20:.0f} MiB is too large")
            return
        student = _student_of(parts, pattern)
        if not student:
            out.notes.append(f"skipped {rel}: no student id in the name")
            return
        found.setdefault(_safe_id(student), []).append((rel, read()))

    if source.is_dir():
        for path in sorted(source.rglob("*.ipynb")):
            if path.is_file() and not path.is_symlink():
                rel = path.relative_to(source).as_posix()
                add(rel, path.stat().st_size, path.read_bytes)
    elif source.suffix == ".zip" and source.is_file():
        with zipfile.ZipFile(source) as zf:
            for info in zf.infolist():
                if not info.is_dir():
                    name = info.filename.replace("\\", "/").lstrip("/")
                    add(
                        name, info.file_size, lambda info=info: zf.read(info)[: MAX_ENTRY_BYTES + 1]
                    )
    else:
        raise ValueError(f"collect: {source} is neither a folder nor a .zip file")
    root = Path(course_dir) / "submitted"
    root.mkdir(parents=True, exist_ok=True)
    os.chmod(root, 0o700)
    for student, candidates in sorted(found.items()):
        rel, data = _choose(candidates, assignment)
        if len(candidates) > 1:
            out.notes.append(f"{student}: {len(candidates)} notebooks, took {rel}")
        dest = root / student / assignment / f"{assignment}.ipynb"
        dest.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        dest.write_bytes(data)
        out.submissions[student] = dest
    return out
