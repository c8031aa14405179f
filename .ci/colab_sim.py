"""Run every lecture the way a student on Colab does: `make colab` (part of `make test`).

1. Build the course_lib wheel from this checkout.
2. Create a clean virtual environment with a Colab-like base (.ci/colab_base.txt: Colab's kind
   of torch, numpy 2.0, IPython 7.34, ipykernel 6.17, ipywidgets 7.7) and nothing of the
   course: no course_lib, no tinysoundfont, no music21. It is cached by the hash of its
   requirement files (and rebuilt when they change).
3. In that environment, execute each lecture in a fresh kernel that has a stub `google.colab`
   module imported at start (as on Colab), from a working folder outside the checkout and with
   an empty home (datasets are rendered there, as on Colab). The first cell therefore runs its
   Colab branch: it installs course_lib from COURSE_LIB_SOURCE, pointed at the wheel. Then
   every other cell runs in the smoke configuration.

Each run starts from a fresh, empty runtime on top of the cached base, so what the first
cell installs is installed anew every time.

Usage: python .ci/colab_sim.py [--jobs N] [LECTURE ...]   (run with the course's .venv python)
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "build" / "colab"
BASE = ROOT / ".ci" / "colab_base.txt"
CONSTRAINTS = ROOT / ".ci" / "constraints.txt"
ANSI = re.compile(r"\x1b\[[0-9;]*m")
CELL_TIMEOUT = 240  # seconds; the install cell resolves and installs with pip

# Executed inside the simulated runtime's python (nbclient drives the kernel, like Colab's UI).
DRIVER = r"""
import importlib.util, sys, nbformat

path, out, timeout, executor = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
# the course's own client (course_lib/_execute.py, standard library only at import): nbclient
# with the Output-widget fix, per-cell timeout errors that name the cell
spec = importlib.util.spec_from_file_location("course_execute", executor)
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
nb = nbformat.read(path, as_version=4)
client = module._client_class()(nb, name=path.rsplit("/", 1)[-1], timeout=timeout,
                                 kernel_name="python3", allow_errors=False)
try:
    client.execute()
finally:
    nbformat.write(nb, out)
"""


def run(cmd: list[str], **kw) -> None:
    subprocess.run(cmd, check=True, **kw)


def build_wheel() -> Path:
    dist = WORK / "dist"
    shutil.rmtree(dist, ignore_errors=True)
    print("[colab] building the course_lib wheel", flush=True)
    run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
         "-w", str(dist), str(ROOT)],
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    (wheel,) = dist.glob("course_lib-*.whl")
    return wheel


def base_env() -> Path:
    """The cached Colab-like base environment (created when missing or stale)."""
    key = hashlib.sha256(BASE.read_bytes() + CONSTRAINTS.read_bytes()).hexdigest()[:16]
    venv = WORK / f"base-{key}"
    if (venv / ".ready").exists():
        return venv
    for old in WORK.glob("base-*"):
        shutil.rmtree(old, ignore_errors=True)
    print(f"[colab] creating the Colab-like base environment ({BASE.name})", flush=True)
    run([sys.executable, "-m", "venv", str(venv)])
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "-q"]
    log = WORK / "base-install.log"
    with log.open("w") as out:
        try:
            run([*pip, "-c", str(CONSTRAINTS), "-r", str(BASE)], stdout=out, stderr=out)
        except subprocess.CalledProcessError:
            print(log.read_text()[-5000:], file=sys.stderr)
            raise
    (venv / ".ready").write_text(key)
    return venv


def stub_colab(folder: Path) -> dict[str, str]:
    """A `google.colab` package and an IPython startup file importing it; returns the env."""
    package = folder / "stub" / "google" / "colab"
    package.mkdir(parents=True, exist_ok=True)
    (folder / "stub" / "google" / "__init__.py").write_text("")
    (package / "__init__.py").write_text(
        '"""Stand-in for Colab\'s google.colab: its presence is what notebooks test."""\n'
    )
    startup = folder / "ipython" / "profile_default" / "startup"
    startup.mkdir(parents=True, exist_ok=True)
    (startup / "00-colab.py").write_text("import google.colab  # noqa: F401\n")
    return {"PYTHONPATH": str(folder / "stub"), "IPYTHONDIR": str(folder / "ipython")}


def runtime(base: Path) -> Path:
    """A fresh, empty environment on top of the base, as a new Colab runtime: the base's
    packages are visible through a .pth file, and what a notebook installs lands here."""
    venv = WORK / "runtime"
    shutil.rmtree(venv, ignore_errors=True)
    run([sys.executable, "-m", "venv", str(venv)])
    site = next(venv.glob("lib/python*/site-packages"))
    (site / "colab_base.pth").write_text(f"{next(base.glob('lib/python*/site-packages'))}\n")
    return venv


def execute(lecture: Path, venv: Path, wheel: Path) -> tuple[str, float, str]:
    """Run one lecture in the simulated runtime; ``(name, seconds, error)``."""
    start = time.time()
    with tempfile.TemporaryDirectory(prefix="colab-") as tmp:
        tmp = Path(tmp)
        content, home = tmp / "content", tmp / "home"
        content.mkdir()
        home.mkdir()
        env = {
            "PATH": f"{venv / 'bin'}:/usr/bin:/bin",
            "HOME": str(home),
            "COURSE_LIB_SOURCE": wheel.as_uri(),
            "COURSE_CONFIG": "smoke",
            "OMP_NUM_THREADS": "1",
            "NUMBA_CACHE_DIR": str(tmp / "numba"),  # numba's cache is not multi-process safe
            "MPLBACKEND": "module://matplotlib_inline.backend_inline",
            **stub_colab(tmp),
        }
        for key in ("PIP_FIND_LINKS", "PIP_CERT", "PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL"):
            if key in os.environ:
                env[key] = os.environ[key]
        target = content / lecture.name
        shutil.copy(lecture, target)
        out = WORK / "executed" / lecture.name
        out.parent.mkdir(parents=True, exist_ok=True)
        result = subprocess.run(
            [
                str(venv / "bin" / "python"),
                "-c",
                DRIVER,
                str(target),
                str(out),
                str(CELL_TIMEOUT),
                str(ROOT / "course_lib" / "_execute.py"),
            ],
            cwd=content,
            env=env,
            capture_output=True,
            text=True,
        )
    error = "" if result.returncode == 0 else ANSI.sub("", result.stderr or result.stdout)[-3000:]
    return lecture.name, time.time() - start, error


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("lectures", nargs="*", type=Path)
    parser.add_argument("--jobs", type=int, default=int(os.environ.get("JOBS", 2)))
    args = parser.parse_args()
    lectures = args.lectures or sorted((ROOT / "lectures").glob("*.ipynb"))
    WORK.mkdir(parents=True, exist_ok=True)
    wheel = build_wheel()
    base = base_env()
    print(f"[colab] {len(lectures)} notebooks, {args.jobs} at a time, from {wheel.name}")
    venv = runtime(base)
    failures = []

    def report(name: str, seconds: float, error: str) -> None:
        print(f"[colab] {name:<45} {seconds:6.1f} s  {'FAILED' if error else 'ok'}", flush=True)
        if error:
            failures.append((name, error))

    # the first notebook alone: its first cell installs into the fresh runtime; the others
    # then run their (identical) first cell against what is installed, in parallel
    report(*execute(lectures[0], venv, wheel))
    with ThreadPoolExecutor(args.jobs) as pool:
        for result in pool.map(lambda p: execute(p, venv, wheel), lectures[1:]):
            report(*result)
    for name, error in failures:
        print(f"\n[colab] {name} failed in the simulated Colab runtime:\n{error}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
