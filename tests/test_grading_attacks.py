"""Attack submissions against the hardened autograder (assignment A1), each with its exact score.

Every known way to game or break a naive nbgrader setup is a submission here; all of them
are graded together by two parallel workers, as a course would, and each must get exactly
the score of its honest content (or a clear preflight error) without disturbing the others,
the gradebook or the machine (no process left behind).
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import shutil
import sqlite3
import sys
import time
from pathlib import Path

import nbformat
import pytest

from course_lib.grading.autograde import grade_all, source_notebook
from course_lib.grading.notebook import nbgrader_meta, student_notebook
from course_lib.grading.release import solution_submission
from course_lib.grading.sandbox import SandboxPolicy, _processes, isolation_mode

# one worker runs this whole module, so the attack course is built and graded once
pytestmark = [pytest.mark.xdist_group("attacks"), pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[1]
os.environ["PATH"] = os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", "")

FULL = 11.0  # autograded points of A1

WRONG = {
    "dense_params": (
        "def dense_params(in_features, out_features, bias=True):\n"
        "    return in_features * out_features\n\n\n"
        "def conv2d_params(in_channels, out_channels, kernel_size, bias=True):\n"
        "    k = kernel_size if isinstance(kernel_size, int) else kernel_size[0]\n"
        "    return out_channels * in_channels * k * k\n"
    ),
    "output_size": (
        "def conv_output_size(size, kernel_size, stride=1, padding=0, dilation=1):\n"
        "    return (size + 2 * padding - kernel_size) // stride + 1\n"
    ),
    "conv2d": (
        "def conv2d(x, weight, bias=None, stride=1, padding=0):\n"
        "    # a true convolution (flipped kernel) instead of torch's cross-correlation\n"
        "    sh, sw = (stride, stride) if isinstance(stride, int) else stride\n"
        "    ph, pw = (padding, padding) if isinstance(padding, int) else padding\n"
        "    x = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))\n"
        "    kh, kw = weight.shape[2:]\n"
        "    win = np.lib.stride_tricks.sliding_window_view(x, (kh, kw), axis=(2, 3))\n"
        "    flipped = weight[:, :, ::-1, ::-1]\n"
        "    out = np.einsum('nchwij,ocij->nohw', win[:, :, ::sh, ::sw], flipped)\n"
        "    return out if bias is None else out + bias[None, :, None, None]\n"
    ),
    "pool2d": (
        "def pool2d(x, kernel_size, stride=None, mode='max'):\n"
        "    stride = kernel_size if stride is None else stride\n"
        "    win = np.lib.stride_tricks.sliding_window_view(x, (kernel_size,) * 2, axis=(2, 3))\n"
        "    return win[:, :, ::stride, ::stride].max(axis=(-2, -1))\n"
    ),
}


def _answers(nb, answers: dict[str, str]):
    for cell in nb.cells:
        gid = nbgrader_meta(cell).get("grade_id")
        if gid in answers:
            cell.source = answers[gid]
    return nb


def _insert_before(nb, grade_id: str, code: str):
    index = next(i for i, c in enumerate(nb.cells) if nbgrader_meta(c).get("grade_id") == grade_id)
    nb.cells.insert(index, nbformat.v4.new_code_cell(code))
    return nb


def _prepend_to(nb, grade_id: str, code: str):
    for cell in nb.cells:
        if nbgrader_meta(cell).get("grade_id") == grade_id:
            cell.source = code + "\n" + cell.source
    return nb


MONKEYPATCH = """
import builtins, numpy.testing, torch.testing
import course_lib.grading.checks as checks
numpy.testing.assert_allclose = lambda *a, **k: None
numpy.testing.assert_array_equal = lambda *a, **k: None
torch.testing.assert_close = lambda *a, **k: None
np.allclose = lambda *a, **k: True
checks.compare_arrays = lambda *a, **k: checks.CaseResult(True)
checks.Check.judge = lambda self, got, case: checks.CaseResult(True)
builtins.AssertionError = type("Never", (Exception,), {})

class AlwaysEqual(int):
    def __eq__(self, other):
        return True

_wrong_dense = dense_params
def dense_params(*a, **k):
    return AlwaysEqual(_wrong_dense(*a, **k))
"""

GRADEBOOK = """
import glob, json, os, sqlite3, sys
stolen = []
for path in [{db!r}, "../gradebook.db", "../../gradebook.db", os.path.expanduser("~/gradebook.db")]:
    try:
        con = sqlite3.connect(path)
        con.execute("UPDATE grade SET score = 100")
        con.commit()
    except Exception as err:
        print("gradebook:", type(err).__name__, file=sys.stderr)
    try:
        with open(path, "ab") as f:
            f.write(b"pwned")
    except Exception as err:
        print("write:", type(err).__name__, file=sys.stderr)
try:  # copy the instructor's solutions
    src = json.load(open({source!r}))
    for cell in src["cells"]:
        if cell["metadata"].get("nbgrader", {{}}).get("solution"):
            exec("".join(cell["source"]))
    print("SOLUTIONS STOLEN")
except Exception as err:
    print("source:", type(err).__name__, file=sys.stderr)
for other in glob.glob({others!r}):
    print("OTHER SUBMISSION VISIBLE", other)
"""

# The sleepers' argument is unique to this test process: pytest-xdist may run this module in
# two workers at once, and each must only look for the processes of its own submission.
SLEEPER = f"307.{os.getpid()}"
BACKGROUND = f"""
import os, subprocess, time
subprocess.Popen(["sleep", "{SLEEPER}"], start_new_session=True)
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        os.execvp("sleep", ["sleep", "{SLEEPER}"])  # a daemon: double fork, own session
    os._exit(0)
"""

# Other copies of the course on the machine (a second clone, the checkout this test runs in,
# a copy in a temporary folder): none is among the folders the grader hides, so only an
# allow-list file system keeps their solutions out of reach.
OTHER_COPIES = """
import json, os, sys
candidates = list({paths!r})
for top in ("/", "/tmp", "/root", "/home", "/work", "/srv", "/opt"):
    for dirpath, dirnames, filenames in os.walk(top):
        if dirpath.count(os.sep) > 6:
            dirnames[:] = []
        candidates += [os.path.join(dirpath, f) for f in filenames if f == "a1.ipynb"]
for path in candidates:
    try:
        src = json.load(open(path))
        for cell in src["cells"]:
            if "BEGIN SOLUTION" in "".join(cell["source"]):
                exec("".join(cell["source"]))
        print("SOLUTIONS FOUND AT", path)
    except Exception as err:
        print("copy:", type(err).__name__, file=sys.stderr)
"""

# Imports of the answer modules that a static scan cannot see: computed names, __import__,
# pkgutil, sys.modules and the library's source file read from disk.
COMPUTED_IMPORTS = {
    "dense_params": (
        "import importlib\n"
        "name = 'course' + '_lib'\n"
        "params = importlib.import_module(name + '.par' + 'ams')\n"
        "dense_params, conv2d_params = params.dense_params, params.conv2d_params\n"
    ),
    "output_size": (
        "import sys\n"
        "name = 'course' + '_lib'\n"
        "__import__(name + '.core.sha' + 'pes')\n"
        "conv_output_size = sys.modules[name + '.core.sha' + 'pes'].conv_output_size\n"
    ),
    "conv2d": (
        "import importlib, os\n"
        "package = importlib.import_module('course' + '_lib')\n"
        "namespace = {}\n"
        "exec(open(os.path.join(package.__path__[0], 'core', 'o' + 'ps.py')).read(), namespace)\n"
        "conv2d = namespace['conv2d']\n"
    ),
    "pool2d": (
        "import importlib, pkgutil\n"
        "try:\n"
        "    importlib.import_module('course' + '_lib.grading.che' + 'cks')\n"
        "except ImportError as err:\n"
        "    print(err)\n"
        "core = importlib.import_module('course' + '_lib.core')\n"
        "found = [m.name for m in pkgutil.iter_modules(core.__path__) if m.name.startswith('o')]\n"
        "pool2d = importlib.import_module(core.__name__ + '.' + found[0]).pool2d\n"
    ),
}

# Attacks that only an allow-list sandbox (root with bubblewrap) can stop.
NEEDS_BWRAP = ("other_copies", "computed_imports")

STDERR = """
import logging, sys, warnings
print("a warning on stderr", file=sys.stderr)
warnings.warn("this is only a warning")
logging.getLogger("x").error("log output")
"""

STUBBORN_LOOP = """
while True:
    try:
        while True:
            pass
    except KeyboardInterrupt:
        pass
"""


def _build(
    tmp: Path, source: dict, course: Path, other_copies: list[Path]
) -> dict[str, tuple[Path, float | None, str]]:
    """All attack submissions: name -> (path, expected auto score or None, status)."""
    released = student_notebook(source)
    solved = solution_submission(source, released)
    all_wrong = dict(WRONG)

    def fresh(nb):
        return nbformat.from_dict(json.loads(json.dumps(nb)))

    subs: dict[str, tuple[object, float | None, str]] = {}
    subs["correct"] = (fresh(solved), FULL, "graded")
    subs["plain_wrong"] = (
        _answers(fresh(solved), {k: WRONG[k] for k in ("dense_params", "conv2d")}),
        FULL - 2 - 4,  # dense + conv2d_params share the wrong cell; conv2d is 4 points
        "graded",
    )
    nb = _answers(fresh(released), {})
    for cell in nb.cells:
        cell.metadata["tags"] = ["skip-execution"]
    _answers(nb, {"conv2d": WRONG["conv2d"]})
    subs["skip_execution_tag"] = (nb, 0.0, "graded")
    nb = _answers(fresh(released), all_wrong)
    _insert_before(nb, "test_dense_params", MONKEYPATCH)
    subs["monkeypatch_testing"] = (nb, 0.0, "graded")
    nb = _answers(fresh(released), all_wrong)
    for cell in nb.cells:
        if nbgrader_meta(cell).get("grade"):
            cell.source = "print('all tests passed')"
    subs["edited_locked_tests"] = (nb, 0.0, "graded")
    nb = fresh(solved)
    nb.cells = [c for c in nb.cells if not nbgrader_meta(c).get("grade")]
    subs["deleted_tests_correct"] = (nb, FULL, "graded")
    nb = _answers(fresh(released), all_wrong)
    for cell in nb.cells:
        if nbgrader_meta(cell).get("grade") and not nbgrader_meta(cell).get("solution"):
            cell.metadata = {}  # unlocked and un-graded: becomes an ordinary cell
            cell.source = "pass"
    subs["stripped_test_metadata"] = (nb, 0.0, "graded")
    code = GRADEBOOK.format(
        db=str(course / ".grader" / "gradebook.db"),
        source=str(course / "source" / "a1" / "a1.ipynb"),
        others=str(course / "submitted" / "*" / "a1" / "a1.ipynb"),
    )
    nb = _insert_before(_answers(fresh(released), all_wrong), "test_dense_params", code)
    subs["gradebook_and_solutions"] = (nb, 0.0, "graded")
    code = OTHER_COPIES.format(paths=[str(p) for p in other_copies])
    nb = _insert_before(_answers(fresh(released), all_wrong), "test_dense_params", code)
    subs["other_copies"] = (nb, 0.0, "graded")
    subs["computed_imports"] = (_answers(fresh(released), COMPUTED_IMPORTS), 0.0, "graded")
    subs["infinite_loop"] = (
        _prepend_to(fresh(solved), "pool2d", STUBBORN_LOOP),
        FULL - 3,
        "graded",
    )
    bomb = "_bomb = np.ones(1 << 40, dtype=np.uint8)\n"
    subs["memory_bomb"] = (_prepend_to(fresh(solved), "conv2d", bomb), FULL - 4, "graded")
    subs["fork_background"] = (
        _insert_before(fresh(solved), "a1_part2", BACKGROUND),
        FULL,
        "graded",
    )
    nb = fresh(solved)
    for cell in nb.cells:
        if nbgrader_meta(cell).get("solution") and cell.cell_type == "code":
            cell.source = STDERR + cell.source
    subs["stderr_output"] = (nb, FULL, "graded")
    nb = fresh(solved)
    for cell in nb.cells:
        cell.id = "same-id"
    subs["duplicated_cell_ids"] = (nb, FULL, "graded")
    nb = fresh(solved)
    copy = next(c for c in nb.cells if nbgrader_meta(c).get("grade_id") == "conv2d")
    nb.cells.insert(nb.cells.index(copy), nbformat.from_dict(json.loads(json.dumps(copy))))
    subs["duplicated_grade_id"] = (nb, FULL, "graded")

    out = {}
    for name, (nb, score, status) in subs.items():
        path = tmp / f"{name}.ipynb"
        path.write_text(json.dumps(nb))
        out[name] = (path, score, status)
    good = json.dumps(solved)
    (tmp / "invalid_json.ipynb").write_text(good[: len(good) // 2])
    out["invalid_json"] = (tmp / "invalid_json.ipynb", 0.0, "preflight-error")
    empty = nbformat.v4.new_notebook()
    (tmp / "empty_notebook.ipynb").write_text(json.dumps(empty))
    out["empty_notebook"] = (tmp / "empty_notebook.ipynb", 0.0, "preflight-error")
    (tmp / "zero_bytes.ipynb").write_bytes(b"")
    out["zero_bytes"] = (tmp / "zero_bytes.ipynb", 0.0, "preflight-error")
    return out


def _sleepers() -> list[int]:
    found = []
    for pid, _uid, state in _processes():
        try:
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if SLEEPER.encode() in cmd.split(b"\0") and state != "Z":
            found.append(pid)
    return found


# Graded once per test run: pytest-xdist still hands tests of one xdist_group to two workers
# at the start of a run (both set this fixture up: 2 x 105 s measured), so the first worker
# grades under a file lock in the run's shared temporary folder and the other reads its result.
@pytest.fixture(scope="session")
def graded(tmp_path_factory):
    from filelock import FileLock

    shared = tmp_path_factory.getbasetemp().parent
    if "PYTEST_XDIST_WORKER" not in os.environ:
        return _grade_attacks(tmp_path_factory.mktemp("attacks"))
    with FileLock(str(shared / "attacks.lock")):
        done = shared / "attacks.pickle"
        if done.is_file():
            return pickle.loads(done.read_bytes())
        result = _grade_attacks(tmp_path_factory.mktemp("attacks"))
        done.write_bytes(pickle.dumps(result))
        return result


def _grade_attacks(tmp: Path) -> dict:
    course = tmp / "course"
    shutil.copytree(ROOT / "assignments" / "source", course / "source")
    (course / ".grader").mkdir(mode=0o700)
    db = course / ".grader" / "gradebook.db"
    con = sqlite3.connect(db)
    con.execute("CREATE TABLE grade (id TEXT, score REAL)")
    con.execute("INSERT INTO grade VALUES ('x', 1)")
    con.commit()
    con.close()
    before = hashlib.sha256(db.read_bytes()).hexdigest()
    source = source_notebook(course, "a1")
    other = tmp / "another-clone" / "assignments" / "source" / "a1"
    other.mkdir(parents=True)
    shutil.copy(course / "source" / "a1" / "a1.ipynb", other / "a1.ipynb")
    other_copies = [other / "a1.ipynb", ROOT / "assignments" / "source" / "a1" / "a1.ipynb"]
    subs = _build(tmp, source, course, other_copies)
    # one other student's work where an attacker could look for it
    (course / "submitted" / "victim" / "a1").mkdir(parents=True)
    shutil.copy(subs["correct"][0], course / "submitted" / "victim" / "a1" / "a1.ipynb")
    policy = SandboxPolicy(
        wall_s=120,
        cell_timeout_s=20,  # generous for a loaded 2-core machine, short for the loops
        cpu_s=120,
        hide=tuple(str(course / d) for d in ("source", "submitted", ".grader")),
    )
    start = time.monotonic()
    results = grade_all(
        [(name, path) for name, (path, _, _) in subs.items()],
        source,
        "a1",
        workers=2,
        policy=policy,
        progress=False,
    )
    elapsed = time.monotonic() - start
    return {
        "results": {r.student: r for r in results},
        "expected": {k: (v[1], v[2]) for k, v in subs.items()},
        "db_unchanged": hashlib.sha256(db.read_bytes()).hexdigest() == before,
        "elapsed": elapsed,
    }


ATTACKS = [
    "correct",
    "plain_wrong",
    "skip_execution_tag",
    "monkeypatch_testing",
    "edited_locked_tests",
    "deleted_tests_correct",
    "stripped_test_metadata",
    "gradebook_and_solutions",
    "other_copies",
    "computed_imports",
    "infinite_loop",
    "memory_bomb",
    "fork_background",
    "stderr_output",
    "duplicated_cell_ids",
    "duplicated_grade_id",
    "invalid_json",
    "empty_notebook",
    "zero_bytes",
]


@pytest.mark.parametrize("name", ATTACKS)
def test_attack_gets_exact_score(graded, name):
    if name == "gradebook_and_solutions" and isolation_mode() == "limits-only":
        pytest.skip("without root the kernel runs as the grading user and can read the sources")
    if name in NEEDS_BWRAP and isolation_mode() != "user+bwrap":
        pytest.skip(f"{name}: only the allow-list sandbox (root, bubblewrap) stops it")
    result = graded["results"][name]
    score, status = graded["expected"][name]
    assert result.status == status, (result.errors, result.log)
    assert result.auto_max == FULL
    assert result.auto_score == score, [(c.grade_id, c.score, c.message) for c in result.cells]
    manual = [c for c in result.cells if c.kind == "manual"]
    assert [c.points for c in manual] == [2.0] and manual[0].score is None


@pytest.mark.parametrize(
    "name, phrase",
    [
        ("invalid_json", "invalid notebook JSON at line"),
        ("empty_notebook", "empty notebook"),
        ("zero_bytes", "0 bytes"),
    ],
)
def test_preflight_errors_are_clear(graded, name, phrase):
    assert any(phrase in e for e in graded["results"][name].errors)


@pytest.mark.parametrize(
    "name, phrase",
    [
        ("edited_locked_tests", "locked cell 'test_conv2d' was edited"),
        ("deleted_tests_correct", "locked cell 'test_pool2d' is missing"),
        ("duplicated_cell_ids", "duplicated cell ids"),
        ("duplicated_grade_id", "cell 'conv2d' appears 2 times"),
        ("skip_execution_tag", "cell tags in the submission are ignored"),
    ],
)
def test_preflight_warns_about_repairs(graded, name, phrase):
    assert any(phrase in w for w in graded["results"][name].warnings), graded["results"][
        name
    ].warnings


def test_failures_are_explained(graded):
    res = graded["results"]
    conv = {c.grade_id: c for c in res["plain_wrong"].cells}["test_conv2d"]
    assert conv.score == 0 and "AssertionError" in conv.message
    loop = {c.grade_id: c for c in res["infinite_loop"].cells}["test_pool2d"]
    assert loop.score == 0 and loop.message
    bomb = {c.grade_id: c for c in res["memory_bomb"].cells}["test_conv2d"]
    assert "NameError" in bomb.message or "MemoryError" in bomb.message


def test_other_copies_of_the_course_do_not_exist_in_the_sandbox(graded):
    if isolation_mode() != "user+bwrap":
        pytest.skip("the allow-list file system needs root and bubblewrap")
    executed = graded["results"]["other_copies"].executed
    text = json.dumps([c.get("outputs", []) for c in executed["cells"]])
    assert "SOLUTIONS FOUND" not in text
    assert "copy: FileNotFoundError" in text  # the listed paths are simply not there


def test_answer_modules_are_stubs_in_the_sandbox_whatever_the_spelling(graded):
    if isolation_mode() != "user+bwrap":
        pytest.skip("the sandbox's view of course_lib needs root and bubblewrap")
    res = graded["results"]["computed_imports"]
    text = json.dumps([c.get("outputs", []) for c in res.executed["cells"]])
    assert text.count("is not available while assignment A1 is graded") >= 3
    assert "No module named 'course_lib.grading.checks'" in text
    assert not res.errors  # the static scan saw nothing: the view did the work


def test_gradebook_solutions_and_other_submissions_out_of_reach(graded):
    if isolation_mode() not in ("user+bwrap", "user+namespaces"):
        pytest.skip("file isolation needs root")
    assert graded["db_unchanged"]
    executed = graded["results"]["gradebook_and_solutions"].executed
    text = json.dumps([c.get("outputs", []) for c in executed["cells"]])
    assert "SOLUTIONS STOLEN" not in text and "OTHER SUBMISSION VISIBLE" not in text
    assert "PermissionError" in text or "OperationalError" in text


def test_no_process_outlives_grading(graded):
    res = graded["results"]["fork_background"]
    assert res.auto_score == FULL
    assert _sleepers() == []
    if isolation_mode() != "user+bwrap":  # bubblewrap's PID namespace ends them itself
        assert any("leftover process" in w for w in res.warnings)


def test_stderr_and_warnings_do_not_cost_points(graded):
    res = graded["results"]["stderr_output"]
    assert res.auto_score == FULL
    assert "a warning on stderr" in json.dumps(res.executed)
