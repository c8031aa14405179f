"""Command line of the grading pipeline: ``python -m course_lib.grading --help``.

Lecture: course logistics (graded assignments).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

__all__ = ["main"]


def _policy(args: argparse.Namespace, course_dir: Path, hide: tuple[str, ...] | None = None):
    from .sandbox import SandboxPolicy

    if hide is None:
        folders = ("source", "submitted", "autograded", "feedback", ".grader")
        hide = tuple(str((course_dir / d).resolve()) for d in folders)
    return SandboxPolicy(
        wall_s=args.wall_s,
        cell_timeout_s=args.cell_timeout_s,
        cpu_s=int(args.wall_s),
        memory_bytes=int(args.memory_gb * 2**30),
        hide=hide,
    )


def _limits(p: argparse.ArgumentParser) -> None:
    p.add_argument("--wall-s", type=float, default=600.0, help="wall-clock limit per notebook")
    p.add_argument("--cell-timeout-s", type=float, default=120.0, help="limit per cell")
    p.add_argument("--memory-gb", type=float, default=6.0, help="address-space limit")


def _cmd_release(args: argparse.Namespace) -> int:
    from .release import release

    reports = release(
        args.course_dir, args.assignments or None, args.check, args.workers, args.force
    )
    status = 0
    for rep in reports:
        state = "cached" if rep.cached else "generated"
        line = f"[release] {rep.assignment}: {state} {rep.released or ''}"
        if rep.solution_score is not None:
            line += (
                f"; solution scores {rep.solution_score:g}/{rep.auto_max:g} autograded "
                f"(+{rep.manual_max:g} by hand), blank scores {rep.blank_score:g}"
            )
        print(line)
        for problem in rep.problems:
            print(f"[release] {rep.assignment}: PROBLEM {problem}", file=sys.stderr)
            status = 1
    return status


def _cmd_collect(args: argparse.Namespace) -> int:
    from .collect import collect

    got = collect(args.source, args.course_dir, args.assignment, args.student_pattern)
    for note in got.notes:
        print(f"[collect] {note}")
    print(f"[collect] {len(got.submissions)} submissions in {Path(args.course_dir) / 'submitted'}")
    return 0


def _submissions(course_dir: Path, assignment: str, students: list[str]) -> list[tuple[str, Path]]:
    root = course_dir / "submitted"
    jobs = []
    for folder in sorted(root.iterdir()) if root.is_dir() else []:
        nb = folder / assignment / f"{assignment}.ipynb"
        if nb.is_file() and (not students or folder.name in students):
            jobs.append((folder.name, nb))
    return jobs


def _cmd_autograde(args: argparse.Namespace) -> int:
    from .autograde import grade_all, source_notebook
    from .report import save_result, summary_table, write_feedback_html, write_grades_csv
    from .sandbox import isolation_mode

    course_dir = Path(args.course_dir)
    source = source_notebook(course_dir, args.assignment)
    jobs = _submissions(course_dir, args.assignment, args.student)
    if not jobs:
        print(f"[autograde] no submissions in {course_dir / 'submitted'}; run collect first")
        return 1
    mode = isolation_mode()
    print(f"[autograde] {len(jobs)} submissions, {args.workers} workers, isolation: {mode}")
    if mode == "limits-only":
        print(
            "[autograde] WARNING: not running as root, so submissions run as this user with "
            "resource limits only (no separate user, no network or file-system isolation). "
            "Grade as root (e.g. in the grader container) for the full sandbox."
        )
    elif mode == "user+namespaces":
        print(
            "[autograde] WARNING: bubblewrap is not installed, so the sandbox hides only the "
            "course's own folders (a deny-list): other copies of the course on this machine "
            "and the answer modules stay readable. Install the bubblewrap package."
        )
    elif mode == "user-only":
        print(
            "[autograde] WARNING: no namespaces here, so submissions run as their own user "
            "with limits, but with the network and every file readable by other users "
            "within reach; the answer modules are protected only if the installed package "
            "is readable by root alone (as in the grader image)."
        )

    def done(res) -> None:
        folder = course_dir / "autograded" / res.student / args.assignment
        save_result(res, folder)
        if not args.no_feedback:
            dest = (
                course_dir / "feedback" / res.student / args.assignment / f"{args.assignment}.html"
            )
            write_feedback_html(res, dest)

    results = grade_all(
        jobs,
        source,
        args.assignment,
        workers=args.workers,
        policy=_policy(args, course_dir.resolve()),
        progress=not args.no_progress,
        on_result=done,
    )
    print(summary_table(results))
    out = write_grades_csv(results, args.output or course_dir / f"grades-{args.assignment}.csv")
    print(f"[autograde] grades: {out}")
    return 0


def _load_results(course_dir: Path, assignment: str):
    from .report import load_result

    root = course_dir / "autograded"
    return [
        load_result(f / assignment)
        for f in sorted(root.iterdir())
        if (f / assignment / "result.json").is_file()
    ]


def _cmd_feedback(args: argparse.Namespace) -> int:
    from .report import write_feedback_html

    course_dir = Path(args.course_dir)
    results = _load_results(course_dir, args.assignment)
    for res in results:
        dest = course_dir / "feedback" / res.student / args.assignment / f"{args.assignment}.html"
        write_feedback_html(res, dest)
    print(f"[feedback] {len(results)} pages in {course_dir / 'feedback'}")
    return 0


def _cmd_grades(args: argparse.Namespace) -> int:
    from .report import read_manual_scores, summary_table, write_grades_csv, write_manual_sheet

    course_dir = Path(args.course_dir)
    results = _load_results(course_dir, args.assignment)
    if args.manual_sheet:
        print(f"[grades] manual sheet: {write_manual_sheet(results, args.manual_sheet)}")
        return 0
    manual = read_manual_scores(args.manual) if args.manual else None
    out = write_grades_csv(
        results, args.output or course_dir / f"grades-{args.assignment}.csv", manual
    )
    print(summary_table(results))
    print(f"[grades] {out}")
    return 0


def _cmd_kube(args: argparse.Namespace) -> int:
    from .kube import write_manifests

    paths = write_manifests(
        args.course_dir,
        args.assignment,
        args.output,
        image=args.image,
        parallelism=args.parallelism,
        wall_s=args.wall_s,
        cell_timeout_s=args.cell_timeout_s,
        memory_gb=args.memory_gb,
    )
    for path in paths:
        print(f"[kube] {path}")
    print("[kube] kubectl apply -f " + " -f ".join(str(p) for p in paths))
    return 0


def _cmd_grade_one(args: argparse.Namespace) -> int:
    import json
    import os

    import nbformat

    from .autograde import grade_submission
    from .report import save_result, summary_table, write_feedback_html

    index = args.index if args.index is not None else os.environ.get("JOB_COMPLETION_INDEX")
    if index is None:
        raise ValueError("grade-one: pass --index or set JOB_COMPLETION_INDEX")
    students = json.loads(Path(args.jobs).read_text())
    student = students[int(index)]
    path = Path(args.submissions) / student / args.assignment / f"{args.assignment}.ipynb"
    source = nbformat.read(args.grader_notebook, as_version=4)
    hide = (args.submissions, args.results, str(Path(args.grader_notebook).parent))
    policy = _policy(args, Path(args.results), hide=tuple(str(Path(h).resolve()) for h in hide))
    result = grade_submission(path, source, args.assignment, student, policy)
    results = Path(args.results)
    save_result(result, results / "autograded" / student / args.assignment)
    write_feedback_html(
        result, results / "feedback" / student / args.assignment / f"{args.assignment}.html"
    )
    print(summary_table([result]))
    return 1 if result.status == "grader-error" else 0


def main(argv: list[str] | None = None) -> int:
    """Parse ``argv`` and run one subcommand; returns the exit status."""
    parser = argparse.ArgumentParser(prog="python -m course_lib.grading", description=__doc__)
    parser.add_argument(
        "--course-dir",
        default="assignments",
        type=Path,
        help="nbgrader course root with source/ (default: assignments)",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("release", help="generate student releases into <course>/release")
    p.add_argument("assignments", nargs="*", help="names (default: all)")
    p.add_argument(
        "--check",
        action="store_true",
        help="grade the solved release (full marks) and the blank one (zero)",
    )
    p.add_argument("--force", action="store_true", help="ignore the cache")
    p.add_argument("--workers", type=int, default=2)
    p.set_defaults(func=_cmd_release)

    p = sub.add_parser("collect", help="copy submissions from a folder or LMS zip export")
    p.add_argument("assignment")
    p.add_argument("source", type=Path, help="folder or .zip")
    p.add_argument(
        "--student-pattern",
        default=r"^(?P<student>[^_.]+)",
        help="regex with a 'student' group for flat file names",
    )
    p.set_defaults(func=_cmd_collect)

    p = sub.add_parser("autograde", help="preflight and grade in the sandbox")
    p.add_argument("assignment")
    p.add_argument("--student", action="append", default=[], help="only these (repeatable)")
    p.add_argument("--workers", type=int, default=2)
    _limits(p)
    p.add_argument("--no-progress", action="store_true")
    p.add_argument("--no-feedback", action="store_true")
    p.add_argument("-o", "--output", type=Path, help="grades CSV")
    p.set_defaults(func=_cmd_autograde)

    p = sub.add_parser("feedback", help="HTML feedback from the autograded results")
    p.add_argument("assignment")
    p.set_defaults(func=_cmd_feedback)

    p = sub.add_parser("grades", help="grades CSV (with hand-graded scores) and summary")
    p.add_argument("assignment")
    p.add_argument("--manual", type=Path, help="filled-in manual sheet CSV")
    p.add_argument("--manual-sheet", type=Path, help="write the sheet of written answers")
    p.add_argument("-o", "--output", type=Path)
    p.set_defaults(func=_cmd_grades)

    p = sub.add_parser("kube", help="Kubernetes indexed Job (one pod per collected submission)")
    p.add_argument("assignment")
    p.add_argument("--image", default="cnn-music-course-grader:latest")
    p.add_argument("--parallelism", type=int, default=20)
    _limits(p)
    p.add_argument("-o", "--output", type=Path, default=Path("build/kube"))
    p.set_defaults(func=_cmd_kube)

    p = sub.add_parser("grade-one", help="grade one submission (the command of a pod)")
    p.add_argument("assignment")
    p.add_argument("--grader-notebook", type=Path, required=True)
    p.add_argument("--jobs", type=Path, required=True, help="JSON list of student ids")
    p.add_argument("--index", type=int, help="index into --jobs (default: JOB_COMPLETION_INDEX)")
    p.add_argument("--submissions", type=Path, required=True)
    p.add_argument("--results", type=Path, required=True)
    _limits(p)
    p.set_defaults(func=_cmd_grade_one)

    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except ValueError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
