"""Execute notebooks top to bottom into ``build/lectures``: the one executor of the course.

Usage (from the repository root; ``make lectures`` runs the first line)::

    python -m course_lib._execute                        # every lectures/*.ipynb
    python -m course_lib._execute lectures/04_*.ipynb    # some of them
    python -m course_lib._execute --force --timeout 300  # ignore the cache, longer cells

Each notebook runs in its own kernel (``JOBS`` at a time, default 2, each with
``OMP_NUM_THREADS=1``), in the ``COURSE_CONFIG`` configuration (default ``smoke``), with
matplotlib's inline backend so figures stay in the outputs, and with the widget state saved
in the notebook (the book renders it). A cell that runs longer than the per-cell timeout
(``--timeout``/``CELL_TIMEOUT``, default 120 s) or raises fails its notebook at once, with
the notebook, the cell index and the cell's first line in the message (what ran is kept in
``build/lectures/failed/``).

Cache: next to ``build/lectures/NAME.ipynb`` lies ``NAME.run.json`` with the key of the run
(a sha256 over the notebook, every ``course_lib/**/*.py`` file — the checkpoint registry
included — the data manifests under ``data/`` and ``COURSE_CONFIG``), its duration and the
seconds of every code cell. A notebook whose key is unchanged is not executed again.

Why a client of our own: nbclient (0.11) imitates a front end for ``ipywidgets.Output``:
while a cell captures output into an ``Output`` (``with out: clear_output(wait=True);
display(...)``, as the course widgets do), the imitation sends each new state back to the
kernel on the shell socket, from the task reading IOPub, while the main task waits on that
same socket for the cell's ``execute_reply``. Now and then the reply's wake-up is lost and
the wait lasts the whole cell timeout with an idle kernel (the reply is then found and the run
goes on as if nothing happened). :class:`CourseClient` keeps the captured outputs in the
saved widget state but does not send them back, so nothing but our own requests goes on the
shell socket. ``tests/test_notebook_stall.py`` guards it.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "build" / "lectures"
CACHE_VERSION = "1"  # bump when what a run writes changes
INLINE = "module://matplotlib_inline.backend_inline"


def _digest_files(digest, paths) -> None:
    for path in paths:
        digest.update(path.relative_to(ROOT).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")


def cache_key(notebook: Path, config: str) -> str:
    """sha256 of what an executed notebook depends on (see the module docstring)."""
    digest = hashlib.sha256(f"course-execute {CACHE_VERSION} {config}\0".encode())
    _digest_files(digest, [Path(notebook).resolve()])
    _digest_files(digest, sorted((ROOT / "course_lib").rglob("*.py")))
    _digest_files(digest, sorted((ROOT / "data").glob("*/*/manifest.json")))
    return digest.hexdigest()


def kernel_env(config: str) -> dict[str, str]:
    """Environment of a notebook's kernel: one BLAS thread, the configuration, inline figures."""
    env = dict(os.environ)
    env["COURSE_CONFIG"] = config
    env["OMP_NUM_THREADS"] = "1"
    env["MPLBACKEND"] = INLINE  # Agg would drop every figure from the outputs
    env.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    return env


def _first_line(source: str) -> str:
    lines = [line for line in source.splitlines() if line.strip()]
    return (lines[0][:80] if lines else "").strip()


def _client_class():
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError
    from nbclient.output_widget import OutputWidget

    class _OutputWidget(OutputWidget):
        """nbclient's ``Output`` imitation, without the state sent back on the shell socket."""

        def sync_state(self) -> None:
            pass

    class CourseClient(NotebookClient):
        """``NotebookClient`` with the safe ``Output`` imitation and per-cell timings."""

        def __init__(self, nb, name: str = "notebook", **kw: Any) -> None:
            super().__init__(nb, **kw)
            self.widget_registry = {"@jupyter-widgets/output": {"OutputModel": _OutputWidget}}
            self.notebook_name = name
            self.cell_seconds: list[tuple[int, float]] = []

        async def async_execute_cell(self, cell, cell_index, *args, **kw):
            start = time.monotonic()
            try:
                return await super().async_execute_cell(cell, cell_index, *args, **kw)
            except CellTimeoutError as err:
                raise NotebookFailed(
                    f"{self.notebook_name}: cell {cell_index} ({_first_line(cell.source)!r}) "
                    f"ran past the {self.timeout} s cell timeout"
                ) from err
            except CellExecutionError as err:
                tail = "\n".join(str(err).strip().splitlines()[-6:])
                raise NotebookFailed(
                    f"{self.notebook_name}: cell {cell_index} ({_first_line(cell.source)!r}) "
                    f"raised an error:\n{tail}"
                ) from err
            finally:
                if cell.cell_type == "code":
                    self.cell_seconds.append((cell_index, round(time.monotonic() - start, 3)))

    return CourseClient


class NotebookFailed(RuntimeError):
    """A notebook's cell raised or ran past its timeout (the message names the cell)."""


def execute_one(source: Path, out_dir: Path, timeout: int, config: str, key: str) -> dict:
    """Execute ``source`` in this process's kernel env; write NAME.ipynb and NAME.run.json."""
    import nbformat

    os.environ.update(kernel_env(config))
    source = Path(source).resolve()
    # numba's on-disk cache (librosa's jitted functions) is not safe for two processes
    # compiling into one folder at once (numba issue 10128; it crashed a test worker): one
    # folder per notebook, kept between builds, under NUMBA_CACHE_DIR if the caller set one.
    base = os.environ.get("NUMBA_CACHE_DIR") or str(Path(out_dir).resolve() / ".numba")
    os.environ["NUMBA_CACHE_DIR"] = str(Path(base) / source.stem)
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / source.name
    record = out_dir / (source.stem + ".run.json")
    record.unlink(missing_ok=True)
    nb = nbformat.read(source, as_version=4)
    name = source.relative_to(ROOT).as_posix() if source.is_relative_to(ROOT) else source.name
    client = _client_class()(
        nb,
        name=name,
        timeout=timeout,
        kernel_name="python3",
        allow_errors=False,
        store_widget_state=True,
        resources={"metadata": {"path": str(source.parent)}},
    )
    partial = out_dir / "failed" / source.name
    partial.unlink(missing_ok=True)
    start = time.monotonic()
    try:
        client.execute()
    except BaseException:
        target.unlink(missing_ok=True)  # no stale output of an older run
        partial.parent.mkdir(exist_ok=True)
        nbformat.write(nb, partial)  # what ran, for a look at the failing cell
        raise
    seconds = round(time.monotonic() - start, 2)
    info = {
        "key": key,
        "config": config,
        "seconds": seconds,
        "cell_seconds": dict(client.cell_seconds),
    }
    with tempfile.NamedTemporaryFile("w", dir=out_dir, suffix=".tmp", delete=False) as tmp:
        nbformat.write(nb, tmp)
    os.replace(tmp.name, target)
    record.write_text(json.dumps(info) + "\n")
    return info


def is_cached(source: Path, out_dir: Path, key: str) -> bool:
    record = out_dir / (source.stem + ".run.json")
    if not (record.is_file() and (out_dir / source.name).is_file()):
        return False
    try:
        return json.loads(record.read_text()).get("key") == key
    except ValueError:
        return False


_PRINT = threading.Lock()


def _log(message: str, stream=None) -> None:
    with _PRINT:  # one whole line at a time from the worker threads
        stream = stream or sys.stdout
        stream.write(f"[lectures] {message}\n")
        stream.flush()


def run(
    notebooks: list[Path],
    out_dir: Path = OUT,
    jobs: int = 2,
    timeout: int = 120,
    config: str = "smoke",
    force: bool = False,
) -> int:
    """Execute the notebooks not cached yet, ``jobs`` at a time; return the number that failed."""
    out_dir = Path(out_dir)
    start = time.monotonic()
    keys = {nb: cache_key(nb, config) for nb in notebooks}
    todo = [nb for nb in notebooks if force or not is_cached(nb, out_dir, keys[nb])]
    for nb in notebooks:
        if nb not in todo:
            _log(f"{nb.stem}: cached (unchanged since its last run)")
    running: dict[str, float] = {}
    lock = threading.Lock()
    failed: list[str] = []
    done = 0

    def one(nb: Path) -> tuple[Path, int, str, float]:
        with lock:
            running[nb.stem] = time.monotonic()
        _log(f"{nb.stem}: running ({len(running)} running)")
        cmd = [sys.executable, "-m", "course_lib._execute", "--one", str(nb)]
        cmd += ["--out", str(out_dir), "--timeout", str(timeout), "--key", keys[nb]]
        proc = subprocess.run(cmd, cwd=ROOT, env=kernel_env(config), capture_output=True, text=True)
        with lock:
            began = running.pop(nb.stem)
        return nb, proc.returncode, proc.stderr, time.monotonic() - began

    if todo:
        _log(
            f"executing {len(todo)} of {len(notebooks)} notebook(s), {jobs} at a time, "
            f"COURSE_CONFIG={config}, cell timeout {timeout} s"
        )
    with concurrent.futures.ThreadPoolExecutor(max(1, jobs)) as pool:
        pending = {pool.submit(one, nb) for nb in todo}
        while pending:
            finished, pending = concurrent.futures.wait(
                pending, timeout=30, return_when=concurrent.futures.FIRST_COMPLETED
            )
            for future in finished:
                nb, rc, err, seconds = future.result()
                done += 1
                status = "done" if rc == 0 else "FAILED"
                _log(
                    f"{nb.stem}: {status} in {seconds:.1f} s ({done}/{len(todo)}, "
                    f"{time.monotonic() - start:.0f} s elapsed)"
                )
                if rc:
                    failed.append(nb.stem)
                    if "[execute-error]" in err:
                        err = err.split("[execute-error]", 1)[1]
                    else:
                        err = "\n".join(err.strip().splitlines()[-15:])
                    _log(err.strip(), sys.stderr)
            if pending and not finished:
                now = time.monotonic()
                with lock:
                    busy = ", ".join(f"{n} {now - t:.0f} s" for n, t in running.items())
                _log(f"still running: {busy} ({now - start:.0f} s elapsed)")
    total = time.monotonic() - start
    _log(
        f"{len(notebooks) - len(failed)}/{len(notebooks)} ok, {len(failed)} failed "
        f"({', '.join(failed) or 'none'}), {total:.0f} s; outputs in {_show(out_dir)}"
    )
    return len(failed)


def _show(path: Path) -> str:
    path = Path(path).resolve()
    return path.relative_to(ROOT).as_posix() if path.is_relative_to(ROOT) else str(path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: lectures/*.ipynb")
    parser.add_argument("--out", type=Path, default=OUT, help="default: build/lectures")
    parser.add_argument("--jobs", type=int, default=int(os.environ.get("JOBS", 2)))
    parser.add_argument(
        "--timeout",
        type=int,
        default=int(os.environ.get("CELL_TIMEOUT", 120)),
        help="seconds one cell may run (default 120, or CELL_TIMEOUT)",
    )
    parser.add_argument("--force", action="store_true", help="ignore the cache")
    parser.add_argument("--one", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--key", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    config = os.environ.get("COURSE_CONFIG") or "smoke"
    if args.one is not None:  # worker: one notebook in this process
        try:
            execute_one(args.one, args.out, args.timeout, config, args.key)
        except NotebookFailed as err:
            print(f"[execute-error] {err}", file=sys.stderr, flush=True)
            return 1
        return 0
    notebooks = [p.resolve() for p in args.notebooks] or sorted((ROOT / "lectures").glob("*.ipynb"))
    return 1 if run(notebooks, args.out, args.jobs, args.timeout, config, args.force) else 0


if __name__ == "__main__":
    sys.exit(main())
