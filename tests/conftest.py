"""Shared test settings: deterministic hypothesis profile sized for 2-core CI machines, and
the held-out datasets shared by the task tests."""

import atexit
import os
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
os.environ.setdefault("MPLBACKEND", "Agg")
# numba's on-disk cache (librosa's jitted functions) is not safe for two processes compiling
# into one folder at once (numba issue 10128: the two files of a cached gufunc can come from
# different processes, and the call segfaults; a pytest-xdist worker crashed in
# librosa.util.peak_pick and in librosa.pyin). One private cache folder per test process, set
# before anything imports numba. xdist workers inherit the controller's environment, which
# already holds the controller's folder: the pid marker tells a worker to make its own.
if os.environ.get("COURSE_NUMBA_OWNER") != str(os.getpid()):
    os.environ["NUMBA_CACHE_DIR"] = tempfile.mkdtemp(prefix="course-numba-")
    os.environ["COURSE_NUMBA_OWNER"] = str(os.getpid())
    atexit.register(shutil.rmtree, os.environ["NUMBA_CACHE_DIR"], ignore_errors=True)


@pytest.fixture(scope="session")
def rendered():
    """``rendered(name, seed)``: the smoke-size dataset, rendered once and shared.

    Test modules that need held-out clips (seeds other than the course's 0) share one
    rendering per (name, seed) across the session and across pytest-xdist workers (a file lock
    makes the second worker wait for the first), and keep it between runs in the course's
    ``data/`` folder next to the default datasets (``load_dataset`` re-renders what is stale).
    """
    from filelock import FileLock

    from course_lib.data import default_root, load_dataset

    root = Path(os.environ.get("COURSE_TEST_DATA_DIR", default_root()))
    cache: dict = {}

    def get(name: str, seed: int = 11):
        if (name, seed) not in cache:
            (root / "smoke").mkdir(parents=True, exist_ok=True)
            with FileLock(str(root / "smoke" / f".{name}-seed{seed}.lock")):
                cache[name, seed] = load_dataset(name, "smoke", root=root, seed=seed)
        return cache[name, seed]

    return get


@pytest.fixture(scope="session")
def recorded_items():
    """Every item of the real-audio development set (:mod:`course_lib.data.real.recorded`),
    built once per test process and shared by the tests that read it; skips them, saying how
    to install the samples, where they are not installed (CI installs them)."""
    from course_lib.data.real import recorded

    try:
        recorded.locate()
    except FileNotFoundError as err:
        pytest.skip(
            f"recorded samples not installed ({err}): "
            "python -m course_lib.data.real.recorded install"
        )
    return recorded.load_items()
