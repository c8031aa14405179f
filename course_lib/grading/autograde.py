"""Autograde submissions: preflight, sandboxed run, judge in the grader's process.

Lecture: course logistics (graded assignments).

:func:`grade_submission` grades one notebook and never raises for anything a student did;
:func:`grade_all` grades many with parallel workers (one sandbox user per worker) and a
progress bar. Scores come only from the hidden checks judged here
(:mod:`course_lib.grading.checks`), never from what the student's kernel reports.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import json
import os
import secrets
import shutil
import stat
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from pathlib import Path

import nbformat

from .checks import Check, checks_for, find_forbidden_imports, forbidden_for
from .notebook import assemble, graded_cells, nbgrader_meta, preflight
from .probe import DATA_ENV, OUT_ENV, from_jsonable, record_path, write_cases
from .sandbox import (
    SandboxPolicy,
    SandboxView,
    capped_folder,
    claim_uid,
    isolation_mode,
    run_sandboxed,
)
from .view import build_view

__all__ = [
    "CellScore",
    "Result",
    "grade_submission",
    "grade_all",
    "score_cells",
    "source_notebook",
]

MAX_RECORD_BYTES = 32 * 2**20
REPLAY_S = 120.0  # wall-clock limit of the replay of an exported model (A3, A4)
# Seed of the hidden data sets of this grading process (A3/A4): secret, same for every
# submission of a run, so each hidden set is rendered once.
_RUN_SEED = secrets.randbits(62)
_hidden_lock = threading.Lock()


@functools.lru_cache(maxsize=8)
def _hidden_cached(key: str, seed: int) -> tuple[dict, object]:
    from .checks import get_check

    return get_check(key).hidden_data(seed)


def hidden_data(check: Check, seed: int = _RUN_SEED) -> tuple[dict, object]:
    """``(inputs, expected)`` of a hidden-data check, rendered once per grading process."""
    with _hidden_lock:
        return _hidden_cached(check.key, seed)


@dataclass
class CellScore:
    """Score of one graded cell. ``score`` is None for manually graded cells (pending)."""

    grade_id: str
    points: float
    score: float | None
    kind: str  # "auto" or "manual"
    message: str = ""


@dataclass
class Result:
    """Everything the grader knows about one submission."""

    student: str
    assignment: str
    status: str  # "graded", "preflight-error" or "grader-error"
    auto_score: float = 0.0
    auto_max: float = 0.0
    manual_max: float = 0.0
    cells: list[CellScore] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    isolation: str = ""
    wall_s: float = 0.0
    log: str = ""
    executed: dict | None = field(default=None, repr=False)
    assembled: dict | None = field(default=None, repr=False)

    def to_json(self) -> dict:
        """JSON-ready dict without the notebooks."""
        d = asdict(self)
        d.pop("executed")
        d.pop("assembled")
        return d

    @property
    def failed(self) -> list[CellScore]:
        """Auto-graded cells that scored less than their points."""
        return [c for c in self.cells if c.kind == "auto" and (c.score or 0) < c.points]


def source_notebook(course_dir: str | Path, assignment: str) -> nbformat.NotebookNode:
    """The instructor's source notebook ``<course_dir>/source/<a>/<a>.ipynb``."""
    path = Path(course_dir) / "source" / assignment / f"{assignment}.ipynb"
    if not path.is_file():
        raise ValueError(
            f"source_notebook: no source notebook for assignment {assignment!r} at {path}; "
            "pass --course-dir pointing at the folder that holds source/"
        )
    return nbformat.read(path, as_version=4)


def _read_untrusted(dir_fd: int, name: str, limit: int) -> bytes | None:
    """Read a file the sandbox wrote, without following links, up to ``limit`` bytes."""
    try:
        fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK, dir_fd=dir_fd)
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > limit:
            return None
        with os.fdopen(fd, "rb", closefd=False) as f:
            return f.read(limit + 1)[:limit]
    finally:
        os.close(fd)


def _cell_error(executed: dict | None, index: int) -> str:
    """``ename: evalue`` of the first error output of cell ``index`` (no traceback)."""
    if not executed:
        return ""
    try:
        cell = executed["cells"][index]
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                return f"{str(out.get('ename'))[:80]}: {str(out.get('evalue'))[:300]}"
    except (KeyError, IndexError, TypeError, AttributeError):
        return ""
    return ""


def _remove_untrusted(workdir: str, name: str) -> None:
    """Delete ``workdir/out/name`` if the sandbox left one, following no link on the way."""
    flags = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW
    dir_fd = os.open(workdir, flags)
    try:
        out_fd = os.open("out", flags, dir_fd=dir_fd)
    except OSError:
        os.close(dir_fd)
        return
    try:
        os.unlink(name, dir_fd=out_fd)
    except FileNotFoundError:
        pass
    except OSError:  # e.g. a folder of that name: reading it as a record fails later
        pass
    finally:
        os.close(out_fd)
        os.close(dir_fd)


@functools.lru_cache(maxsize=1)
def _shipped_digests() -> dict[str, str]:
    from .graded_model import shipped_digests

    return shipped_digests()


def _judge(check: Check, seed: int, raw: bytes | None) -> tuple[float, str]:
    """Fraction of the points earned (0..1) and why points were lost."""
    if raw is None:
        return 0.0, ""
    try:
        record = json.loads(raw)
        results = record["cases"]
        if record.get("key") != check.key or not isinstance(results, list):
            raise ValueError("wrong key")
    except (ValueError, KeyError, TypeError):
        return 0.0, "the recorded outputs are malformed"
    if check.replay:
        digests = record.get("digests", [])
        shipped = _shipped_digests()
        copied = sorted({shipped[d] for d in digests if isinstance(d, str) and d in shipped})
        if copied:
            return 0.0, f"the model's weights are the course's shipped {', '.join(copied)}"
    if check.hidden_data is not None:
        inputs, expected = hidden_data(check)
        cases, expecteds = [inputs], [expected]
    else:
        cases = check.cases(seed)
        expecteds = [None] * len(cases)
    if len(results) != len(cases):
        return 0.0, f"{len(results)} outputs recorded for {len(cases)} hidden cases"
    fraction, notes = 1.0, []
    for i, (case, res, exp) in enumerate(zip(cases, results, expecteds, strict=True)):
        if not isinstance(res, dict):
            return 0.0, "the recorded outputs are malformed"
        if not res.get("ok"):
            return 0.0, f"hidden case {i + 1} raised {str(res.get('error'))[:200]}"
        try:
            got = from_jsonable(res.get("value"))
        except (ValueError, TypeError, OverflowError):
            return 0.0, f"hidden case {i + 1}: the recorded output is malformed"
        verdict = check.judge(got, case, exp)
        if verdict.fraction is not None:
            fraction = min(fraction, max(0.0, min(1.0, float(verdict.fraction))))
            if verdict.fraction < 1:
                notes.append(verdict.message)
        elif not verdict.ok:
            return 0.0, f"hidden case {i + 1}: {verdict.message}"
    return fraction, "; ".join(notes)


def score_cells(
    assignment: str,
    assembled: dict,
    executed: dict | None,
    seed: int,
    records: Callable[[str], bytes | None],
    status_note: str = "",
) -> list[CellScore]:
    """Score every graded cell of an assembled notebook.

    Auto-graded test cells score their points only when the hidden check's recorded outputs
    match ``course_lib``'s reference on every hidden case; manual cells stay pending.
    ``records(key)`` returns the raw bytes the probe wrote for a check key (or None).
    """
    checks = checks_for(assignment)
    scores = []
    for index, cell in enumerate(assembled["cells"]):
        meta = nbgrader_meta(cell)
        if not meta.get("grade"):
            continue
        gid, points = meta["grade_id"], float(meta.get("points", 0))
        if meta.get("solution") or meta.get("task"):
            scores.append(CellScore(gid, points, None, "manual", "to be graded by hand"))
            continue
        check = checks.get(gid)
        if check is None:  # a release check guarantees this does not happen
            scores.append(CellScore(gid, points, 0.0, "auto", "no hidden check is registered"))
            continue
        fraction, why = _judge(check, seed, records(check.key))
        if fraction == 0 and not why:
            err = _cell_error(executed, index)
            why = f"the test cell failed: {err}" if err else (status_note or "the cell did not run")
        scores.append(CellScore(gid, points, round(points * fraction, 2), "auto", why))
    return scores


def _forbidden_in(assignment: str, assembled: dict) -> list[str]:
    """Forbidden imports in the cells the student wrote (answers and added cells)."""
    forbidden = forbidden_for(assignment)
    found: set[str] = set()
    for cell in assembled["cells"]:
        meta = nbgrader_meta(cell)
        student_wrote = not meta or meta.get("solution")
        if cell["cell_type"] == "code" and student_wrote:
            found.update(find_forbidden_imports(cell["source"], forbidden))
    return sorted(found)


def _sandbox_env(workdir: str) -> dict[str, str]:
    from course_lib.data import default_root

    bindir = os.path.dirname(sys.executable)
    return {
        "COURSE_DATA_DIR": str(default_root().resolve()),
        DATA_ENV: f"{workdir}/data",
        "PATH": f"{bindir}:/usr/local/bin:/usr/bin:/bin",
        "HOME": f"{workdir}/home",
        "TMPDIR": f"{workdir}/tmp",
        "JUPYTER_RUNTIME_DIR": f"{workdir}/home/runtime",
        "JUPYTER_CONFIG_DIR": f"{workdir}/home/jupyter",
        "IPYTHONDIR": f"{workdir}/home/ipython",
        "MPLCONFIGDIR": f"{workdir}/home/mpl",
        # numba's cache is not safe for two processes writing one folder (issue 10128)
        "NUMBA_CACHE_DIR": f"{workdir}/home/numba",
        "MPLBACKEND": "Agg",
        "COURSE_CONFIG": "smoke",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "OPENBLAS_NUM_THREADS": "1",
        "MALLOC_ARENA_MAX": "2",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONNOUSERSITE": "1",
        "LANG": "C.UTF-8",
        OUT_ENV: f"{workdir}/out",
    }


def _prepare_workdir(workdir: str, uid: int | None) -> str:
    for sub in ("home", "tmp", "out", "data"):
        os.mkdir(os.path.join(workdir, sub), 0o700)
    if uid is not None:
        for path in (workdir, *(os.path.join(workdir, s) for s in ("home", "tmp", "out", "data"))):
            os.chown(path, uid, uid)
    os.chmod(workdir, 0o700)
    return workdir


def grade_submission(
    path: str | Path,
    source: dict,
    assignment: str,
    student: str = "",
    policy: SandboxPolicy | None = None,
    slot: int = 0,
    work_root: str | None = None,
) -> Result:
    """Grade one submitted notebook; anything the student did ends in the Result, not a raise.

    Parameters
    ----------
    path : str or Path
        The submitted notebook.
    source : dict
        The instructor's source notebook of ``assignment``.
    assignment : str
        Assignment name (``"a1"``...), selects the hidden checks.
    student : str
        Student id for the report.
    policy : SandboxPolicy, optional
        Limits (defaults: :class:`SandboxPolicy`).
    slot : int
        Worker slot; as root, the sandbox user is the first free uid from
        ``UID_BASE + slot`` (see :func:`~course_lib.grading.sandbox.claim_uid`).
    work_root : str, optional
        Folder for the private sandbox folders (a temporary one by default).
    """
    policy = policy or SandboxPolicy()
    start = time.monotonic()
    mode = isolation_mode(policy)
    result = Result(student or Path(path).stem, assignment, "graded", isolation=mode)
    points = [nbgrader_meta(c) for c in graded_cells(source) if nbgrader_meta(c).get("grade")]
    for meta in points:
        manual = bool(meta.get("solution") or meta.get("task"))
        if manual:
            result.manual_max += float(meta.get("points", 0))
        else:
            result.auto_max += float(meta.get("points", 0))
    check = preflight(path, source)
    result.warnings = check.warnings
    if not check.ok:
        result.status, result.errors = "preflight-error", check.errors
        result.cells = [
            CellScore(
                m["grade_id"],
                float(m.get("points", 0)),
                None if (m.get("solution") or m.get("task")) else 0.0,
                "manual" if (m.get("solution") or m.get("task")) else "auto",
                "not graded: preflight error",
            )
            for m in points
        ]
        result.wall_s = time.monotonic() - start
        return result
    own_root = work_root is None
    root = work_root or tempfile.mkdtemp(prefix="course-grading-")
    os.chmod(root, 0o711)
    workdir = logdir = None
    claims = contextlib.ExitStack()
    try:
        uid = claims.enter_context(claim_uid(slot)) if mode != "limits-only" else None
        nb = assemble(source, check.notebook)
        result.assembled = nb
        workdir = tempfile.mkdtemp(prefix="sub-", dir=root)
        capped = claims.enter_context(capped_folder(workdir, policy.workdir_bytes, uid))
        if mode == "user+bwrap" and not capped:
            result.warnings.append("the working folder could not be capped in size")
        _prepare_workdir(workdir, uid)
        logdir = tempfile.mkdtemp(prefix="log-", dir=root)
        view, env = None, _sandbox_env(workdir)
        if mode == "user+bwrap":  # the view replaces the package: nothing else is there
            from course_lib.data import default_root

            view = SandboxView(
                course_lib=str(build_view(root, assignment)),
                readonly=(str(default_root().resolve()),),
            )
        elif mode == "user-only":  # the view comes first on the path; the package's own
            # files stay readable unless they are closed to other users (the grader image)
            env["PYTHONPATH"] = str(build_view(root, assignment).parent)
        in_path = os.path.join(workdir, "submission.ipynb")
        nbformat.write(nb, in_path)
        if uid is not None:
            os.chown(in_path, uid, uid)
        seed = secrets.randbits(62)
        # The hidden inputs, drawn here from the secret seed (labels and references stay
        # here); the sandbox neither gets the seed nor can import the checks.
        for check_ in checks_for(assignment).values():
            if check_.hidden_data is not None:
                cases = [hidden_data(check_)[0]]
            else:
                cases = check_.sandbox_cases(seed)
            data_path = record_path(os.path.join(workdir, "data"), check_.key, ".npz")
            write_cases(data_path, cases)
            if uid is not None:
                os.chown(data_path, uid, uid)
        argv = [
            sys.executable,
            "-m",
            "course_lib.grading.runner",
            "submission.ipynb",
            "executed.ipynb",
            str(policy.cell_timeout_s),
            "skip-" + secrets.token_hex(8),
        ]
        run = run_sandboxed(argv, workdir, env, policy, uid, logdir, view)
        result.log = run.stderr[-3000:]
        note = ""
        if run.timed_out:
            note = f"the notebook ran over the {policy.wall_s:g} s limit and was stopped"
            result.warnings.append(note)
        elif run.returncode:
            note = f"the notebook runner stopped (exit status {run.returncode})"
            result.warnings.append(note)
        if run.leftover_killed:
            result.warnings.append(f"{run.leftover_killed} leftover process(es) were killed")
        # A3/A4: the model the notebook exported runs again, alone, in a fresh sandboxed
        # process (no student code in it): its record is the one judged.
        for check_ in checks_for(assignment).values():
            if check_.replay:
                # a record the notebook itself left under the replay's name must not count
                _remove_untrusted(workdir, record_path("", check_.key, ".replay.json"))
                replay_argv = [sys.executable, "-m", "course_lib.grading.graded_model", check_.key]
                replay_policy = dataclasses.replace(policy, wall_s=min(policy.wall_s, REPLAY_S))
                replay_log = tempfile.mkdtemp(prefix="log-", dir=root)
                replayed = run_sandboxed(
                    replay_argv, workdir, env, replay_policy, uid, replay_log, view
                )
                shutil.rmtree(replay_log, ignore_errors=True)
                if replayed.timed_out or replayed.returncode:
                    result.warnings.append(
                        f"the replay of the exported model ({check_.key}) stopped: "
                        + ("time limit" if replayed.timed_out else replayed.stderr[-300:])
                    )
        dir_fd = os.open(workdir, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
        try:
            raw_nb = _read_untrusted(dir_fd, "executed.ipynb", 64 * 2**20)
            try:
                out_fd = os.open("out", os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=dir_fd)
            except OSError:
                out_fd = None
            try:
                executed = json.loads(raw_nb) if raw_nb else None
                if not (isinstance(executed, dict) and isinstance(executed.get("cells"), list)):
                    executed = None
                elif len(executed["cells"]) != len(nb.cells):
                    executed = None
            except ValueError:
                executed = None

            replayed_keys = {c.key for c in checks_for(assignment).values() if c.replay}

            def records(key: str) -> bytes | None:
                if out_fd is None:
                    return None
                suffix = ".replay.json" if key in replayed_keys else ".json"
                name = os.path.basename(record_path("", key, suffix))
                return _read_untrusted(out_fd, name, MAX_RECORD_BYTES)

            result.executed = executed
            result.cells = score_cells(assignment, nb, executed, seed, records, note)
            banned = _forbidden_in(assignment, nb)
            if banned:
                msg = f"the submission imports {', '.join(banned)}, which holds the answers"
                result.errors.append(msg + ": autograded parts score zero")
                for c in result.cells:
                    if c.kind == "auto":
                        c.score, c.message = 0.0, msg
            if out_fd is not None:
                os.close(out_fd)
        finally:
            os.close(dir_fd)
        result.auto_score = sum(c.score or 0.0 for c in result.cells if c.kind == "auto")
    except Exception as err:  # noqa: BLE001 - a grader bug must not stop the other submissions
        result.status = "grader-error"
        result.errors.append(f"internal grader error: {type(err).__name__}: {err}")
        result.errors.append(traceback.format_exc(limit=3))
    finally:
        claims.close()  # detaches the working folder's file system, then frees the uid
        for path_ in (workdir, logdir):
            if path_:
                shutil.rmtree(path_, ignore_errors=True)
        if own_root:
            shutil.rmtree(root, ignore_errors=True)
    result.wall_s = time.monotonic() - start
    return result


def grade_all(
    jobs: Iterable[tuple[str, str | Path]],
    source: dict,
    assignment: str,
    workers: int = 2,
    policy: SandboxPolicy | None = None,
    progress: bool = True,
    on_result: Callable[[Result], None] | None = None,
) -> list[Result]:
    """Grade ``(student, path)`` pairs with ``workers`` parallel sandboxes.

    Each worker owns a slot (and, as root, its own sandbox uid), so submissions never share
    a user or a folder. Results come back in the order of ``jobs``.
    """
    jobs = list(jobs)
    if not isinstance(workers, int) or workers < 1:
        raise ValueError(f"grade_all: workers must be a positive int, got {workers!r}")
    slots = list(range(workers))
    lock = threading.Lock()
    root = tempfile.mkdtemp(prefix="course-grading-")
    os.chmod(root, 0o711)

    def one(job: tuple[str, str | Path]) -> Result:
        with lock:
            slot = slots.pop()
        try:
            return grade_submission(job[1], source, assignment, job[0], policy, slot, root)
        finally:
            with lock:
                slots.append(slot)

    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(jobs), desc=f"grading {assignment}", unit="nb", file=sys.stderr)
    results: dict[int, Result] = {}
    try:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            futures = {pool.submit(one, job): i for i, job in enumerate(jobs)}
            for fut in as_completed(futures):
                res = fut.result()
                results[futures[fut]] = res
                if on_result is not None:
                    on_result(res)
                if bar is not None:
                    bar.update(1)
                    bar.set_postfix_str(f"{res.student}: {res.auto_score:g}/{res.auto_max:g}")
    finally:
        if bar is not None:
            bar.close()
        shutil.rmtree(root, ignore_errors=True)
    return [results[i] for i in range(len(jobs))]
