"""The grading pipeline: checks, probe, preflight, assembly, release, collect, CLI, reports."""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import numpy as np
import pytest
import torch

from course_lib import audio, ops
from course_lib.grading.__main__ import main
from course_lib.grading.autograde import grade_submission, source_notebook
from course_lib.grading.checks import checks_for, find_forbidden_imports, get_check
from course_lib.grading.collect import collect
from course_lib.grading.notebook import (
    assemble,
    cell_source,
    nbgrader_meta,
    preflight,
    strip_hidden_tests,
    strip_solutions,
    student_notebook,
)
from course_lib.grading.probe import from_jsonable, hidden_check, to_jsonable
from course_lib.grading.release import lint_source, release, solution_submission
from course_lib.grading.report import (
    feedback_notebook,
    read_manual_scores,
    write_grades_csv,
    write_manual_sheet,
)
from course_lib.grading.sandbox import SandboxPolicy, claim_uid, isolation_mode, kill_uid
from course_lib.tasks.onset import pick_peaks_adaptive

# one worker runs this whole module, so its module-scoped course is built (and graded) once
pytestmark = pytest.mark.xdist_group("grading")

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "assignments" / "source"
os.environ["PATH"] = os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", "")


@pytest.fixture(scope="module")
def source():
    return source_notebook(ROOT / "assignments", "a1")


@pytest.fixture(scope="module")
def released(source):
    return student_notebook(source)


def test_student_notebook_drops_solutions_and_hidden_tests_only(source):
    def text(nb):
        return "\n".join(cell_source(c) for c in nb.cells)

    released = student_notebook(source)
    assert "BEGIN SOLUTION" in text(source) and "BEGIN HIDDEN TESTS" in text(source)
    assert "BEGIN SOLUTION" not in text(released) and "BEGIN HIDDEN TESTS" not in text(released)
    assert [c.get("id") for c in released.cells] == [c.get("id") for c in source.cells]
    for before, after in zip(source.cells, released.cells):
        meta = nbgrader_meta(before)
        if not meta.get("solution") and not meta.get("grade"):
            assert cell_source(after) == cell_source(before)  # everything else as it was


def _by_gid(nb, gid):
    return next(c for c in nb["cells"] if nbgrader_meta(c).get("grade_id") == gid)


# --- hidden checks and the probe -------------------------------------------------------


def test_checks_cover_every_test_cell_of_a1(source):
    tests = {
        nbgrader_meta(c)["grade_id"]
        for c in source.cells
        if nbgrader_meta(c).get("grade") and not nbgrader_meta(c).get("solution")
    }
    assert set(checks_for("a1")) == tests
    assert lint_source(source, "a1") == []


def test_a2_checks_accept_course_libs_own_layers(monkeypatch):
    from course_lib.layers import LocallyConnected2d
    from course_lib.models.lenet import LeNet5

    monkeypatch.delenv("COURSE_GRADING_OUT", raising=False)
    assert lint_source(source_notebook(ROOT / "assignments", "a2"), "a2") == []
    hidden_check("a2/test_locally_connected", LocallyConnected2d)
    hidden_check("a2/test_lenet5", LeNet5)
    with pytest.raises(AssertionError, match="hidden case 1"):
        hidden_check("a2/test_lenet5", lambda: LeNet5(num_classes=9))


def test_a3_hidden_set_gives_the_sandbox_audio_only_and_scores_on_a_scale():
    from course_lib.grading.checks.a3 import _accuracy_scale, _hidden_data

    inputs, labels = _hidden_data(123)
    assert sorted(inputs) == ["clips", "sr"] and inputs["clips"].shape[0] == labels.shape[0] == 112
    assert inputs["clips"].dtype == np.float32 and int(inputs["sr"]) == 22050
    again, labels2 = _hidden_data(123)
    np.testing.assert_array_equal(again["clips"], inputs["clips"])
    truth = np.arange(20) % 5
    for n_right, fraction in [(20, 1.0), (13, 1.0), (10, 0.75), (8, 0.5), (6, 0.25), (5, 0.0)]:
        guess = truth.copy()
        guess[n_right:] = (guess[n_right:] + 1) % 5
        assert _accuracy_scale(guess, truth).fraction == fraction
    assert _accuracy_scale(truth[:3], truth).fraction == 0.0


def test_a4_onsets_scored_with_mir_eval_on_a_scale():
    from course_lib.grading.calls import DECODERS
    from course_lib.grading.checks.a4 import _f_measure_scale

    reference = [np.array([0.5, 1.0, 1.5, 2.0]), np.array([0.25, 3.0])]
    exact = np.array([[0, t] for t in reference[0]] + [[1, t] for t in reference[1]])
    assert _f_measure_scale(exact, reference).fraction == 1.0
    shifted = exact + [0, 0.03]  # inside the 50 ms window
    assert _f_measure_scale(shifted, reference).fraction == 1.0
    late = exact + [0, 0.08]
    assert _f_measure_scale(late, reference).fraction == 0.0
    half = exact[[0, 1, 4]]  # F = 2/3 on clip 0 and 2/3 on clip 1
    assert _f_measure_scale(half, reference).fraction == 0.75
    assert _f_measure_scale(np.array([[0, np.nan]]), reference).fraction == 0.0
    # the grader's decoding: local maxima of sigmoid(logits) at or above the threshold
    logits = [np.array([-5.0, 3, -5, 0.5, 1, -5]), np.array([-5.0, -1, -5, -5, 2, 2])]
    rows = DECODERS["a4/test_onset_f_measure"](logits, {"hop_length": 10}, 100, 0.6)
    np.testing.assert_allclose(rows, [[0, 0.1], [0, 0.4]])  # 0.5 -> 0.62 is not a peak


@pytest.mark.parametrize("key", ["a1", "a1/nope", "zz/test", 3])
def test_get_check_rejects_unknown_keys(key):
    with pytest.raises(ValueError, match="get_check|checks_for"):
        get_check(key)


def test_hidden_cases_depend_on_the_seed_only():
    check = get_check("a1/test_conv2d")
    a, b, c = check.cases(1), check.cases(1), check.cases(2)
    assert all(np.array_equal(x["x"], y["x"]) for x, y in zip(a, b, strict=True))
    assert not np.array_equal(a[0]["x"], c[0]["x"])


def test_probe_outside_the_sandbox_acts_as_a_hidden_test(monkeypatch):
    monkeypatch.delenv("COURSE_GRADING_OUT", raising=False)
    hidden_check("a1/test_conv2d", ops.conv2d)  # the reference passes its own check

    def flipped(x, weight, bias=None, stride=1, padding=0):
        return ops.conv2d(x, weight[:, :, ::-1, ::-1], bias, stride, padding)

    with pytest.raises(AssertionError, match="max abs error"):
        hidden_check("a1/test_conv2d", flipped)


def test_probe_records_outputs_and_errors(tmp_path, monkeypatch):
    from course_lib.grading.probe import record_path, write_cases

    data = tmp_path / "data"
    data.mkdir()
    write_cases(
        record_path(str(data), "a1/test_dense_params", ".npz"),
        get_check("a1/test_dense_params").sandbox_cases(7),
    )
    monkeypatch.setenv("COURSE_GRADING_OUT", str(tmp_path))
    monkeypatch.setenv("COURSE_GRADING_DATA", str(data))
    monkeypatch.delenv("COURSE_GRADING_SEED", raising=False)
    hidden_check("a1/test_dense_params", lambda **kw: 1 / 0)
    record = json.loads((tmp_path / "a1_test_dense_params.json").read_text())
    assert record["key"] == "a1/test_dense_params"
    assert [r["ok"] for r in record["cases"]] == [False, False, False]
    assert record["cases"][0]["error"].startswith("ZeroDivisionError")


def test_jsonable_round_trip_and_malformed_records():
    x = np.array([[1.5, np.nan], [np.inf, -2.0]])
    back = from_jsonable(json.loads(json.dumps(to_jsonable(x))))
    np.testing.assert_array_equal(back, x)
    assert from_jsonable(to_jsonable(7)).dtype == np.int64
    with pytest.raises(TypeError):
        to_jsonable(np.array(["a"]))
    for bad in (
        [],
        {"shape": [3], "kind": "float", "data": [1.0]},
        {"shape": [1], "kind": "int", "data": [1.5]},
        {"shape": [1], "kind": "pickle", "data": [1]},
        {"shape": [-1], "kind": "int", "data": []},
    ):
        with pytest.raises(ValueError):
            from_jsonable(bad)


@pytest.mark.parametrize(
    "code, found",
    [
        ("from course_lib.ops import conv2d", ["course_lib.ops"]),
        ("from course_lib import ops as o", ["course_lib.ops"]),
        ("import course_lib.params", ["course_lib.params"]),
        ("m = importlib.import_module('course_lib.shapes')", ["course_lib.shapes"]),
        ("%time x = 1\nfrom course_lib.ops import pool2d", ["course_lib.ops"]),
        ("from course_lib.config import select_config\nimport numpy", []),
    ],
)
def test_find_forbidden_imports(code, found):
    forbidden = ("course_lib.ops", "course_lib.params", "course_lib.shapes")
    assert find_forbidden_imports(code, forbidden) == found


# --- preflight and assembly ------------------------------------------------------------


def test_preflight_accepts_the_release_and_reports_nothing(tmp_path, source, released):
    path = tmp_path / "a1.ipynb"
    nbformat.write(released, path)
    check = preflight(path, source)
    assert check.ok and check.warnings == []


def test_assemble_restores_locked_cells_and_keeps_student_cells(source, released):
    sub = nbformat.from_dict(json.loads(json.dumps(released)))
    _by_gid(sub, "test_conv2d").source = "pass  # edited"
    _by_gid(sub, "conv2d").source = "def conv2d(*a):\n    return 0"
    _by_gid(sub, "conv2d").metadata["tags"] = ["skip-execution"]
    sub.cells = [c for c in sub.cells if nbgrader_meta(c).get("grade_id") != "test_pool2d"]
    index = sub.cells.index(_by_gid(sub, "conv2d"))
    sub.cells.insert(index, nbformat.v4.new_code_cell("helper = 1"))
    nb = assemble(source, json.loads(json.dumps(sub)))
    gids = [nbgrader_meta(c).get("grade_id") for c in nb.cells]
    assert (
        gids
        == [nbgrader_meta(c)["grade_id"] for c in source.cells][:12]
        + [None]
        + [nbgrader_meta(c)["grade_id"] for c in source.cells][12:]
    )
    assert _by_gid(nb, "test_conv2d").source == _by_gid(source, "test_conv2d").source
    assert "hidden_check" in _by_gid(nb, "test_pool2d").source  # put back, hidden tests in
    assert _by_gid(nb, "conv2d").source == "def conv2d(*a):\n    return 0"
    assert all("tags" not in c.metadata for c in nb.cells)
    assert len({c.id for c in nb.cells}) == len(nb.cells)
    assert all(not c.get("outputs") for c in nb.cells)


def test_preflight_rejects_a_different_assignment(tmp_path, source):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("print(1)")])
    path = tmp_path / "other.ipynb"
    nbformat.write(nb, path)
    check = preflight(path, source)
    assert not check.ok and "none of the assignment's cells" in check.errors[0]


def test_strip_helpers():
    code = "def f():\n    ### BEGIN SOLUTION\n    return 1\n    ### END SOLUTION\n"
    stub = "def f():\n    # YOUR CODE HERE\n    raise NotImplementedError()\n"
    assert strip_solutions(code) == stub
    assert strip_solutions("An answer.", "markdown") == "YOUR ANSWER HERE"
    text = "assert 1\n### BEGIN HIDDEN TESTS\nsecret()\n### END HIDDEN TESTS"
    assert strip_hidden_tests(text) == "assert 1"


def test_lint_source_reports_weak_cells(source):
    broken = nbformat.from_dict(json.loads(json.dumps(source)))
    _by_gid(broken, "test_conv2d").source = "assert True"
    broken.cells.append(nbformat.v4.new_code_cell("x = 1"))
    problems = lint_source(broken, "a1")
    assert any("test_conv2d" in p and "hidden region" in p for p in problems)
    assert any("no nbgrader grade_id" in p for p in problems)


# --- release with nbgrader, collect, the command line ----------------------------------


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    course = tmp_path_factory.mktemp("course")
    shutil.copytree(SOURCE / "a1", course / "source" / "a1")
    shutil.copy(ROOT / "assignments" / "nbgrader_config.py", course / "nbgrader_config.py")
    return course


def test_release_generates_student_notebooks_without_leaks(course, source):
    reports = release(course, ["a1"])
    assert [r.ok for r in reports] == [True], reports[0].problems
    text = (course / "release" / "a1" / "a1.ipynb").read_text()
    assert "BEGIN SOLUTION" not in text and "hidden_check" not in text
    assert "raise NotImplementedError()" in text
    assert oct((course / ".grader").stat().st_mode & 0o777) == "0o700"
    assert release(course, ["a1"])[0].cached
    with pytest.raises(ValueError, match="no source/ folder"):
        release(course / "nowhere")


def _zip_export(path: Path, files: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return path


def test_collect_from_a_zip_export(tmp_path):
    nb = json.dumps(nbformat.v4.new_notebook()).encode()
    export = _zip_export(
        tmp_path / "export.zip",
        {
            "smithjane_123_456_a1.ipynb": nb,
            "doejohn_late_77_88_A1-final.ipynb": nb,
            "doejohn_late_77_89_scratch.ipynb": b"{}",
            "lee/a1.ipynb": nb,
            "../../evil_1_2_a1.ipynb": nb,
            "__MACOSX/._x.ipynb": b"",
            "readme_1.txt": b"hi",
        },
    )
    got = collect(export, tmp_path / "course", "a1")
    assert sorted(got.submissions) == ["doejohn", "lee", "smithjane"]
    assert any("unsafe path" in n for n in got.notes)
    for path in got.submissions.values():
        assert path.resolve().is_relative_to((tmp_path / "course" / "submitted").resolve())
        assert path.name == "a1.ipynb"
    took = "doejohn: 2 notebooks, took doejohn_late_77_88_A1-final.ipynb"
    assert any(took in n for n in got.notes)
    assert any("not a notebook" in n for n in got.notes)
    with pytest.raises(ValueError, match="student"):
        collect(export, tmp_path / "course", "a1", student_pattern="(?P<name>.*)")
    with pytest.raises(ValueError, match="neither a folder nor a .zip"):
        collect(tmp_path / "missing.txt", tmp_path / "course", "a1")


def test_cli_collect_autograde_feedback_grades(course, source, released, tmp_path, capsys):
    solved = solution_submission(source, released)
    cheat = nbformat.from_dict(json.loads(json.dumps(solved)))
    _by_gid(cheat, "conv2d").source = "from course_lib.ops import conv2d"
    export = _zip_export(
        tmp_path / "export.zip",
        {
            "alice_1_1_a1.ipynb": nbformat.writes(solved).encode(),
            "bob_2_2_a1.ipynb": nbformat.writes(cheat).encode(),
            "carol_3_3_a1.ipynb": b'{"cells": [',
        },
    )
    base = ["--course-dir", str(course)]
    assert main([*base, "collect", "a1", str(export)]) == 0
    args = [*base, "autograde", "a1", "--workers", "2", "--cell-timeout-s", "30", "--no-progress"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "isolation:" in out and "bob" in out and "imports course_lib.ops" in out
    rows = {r["student"]: r for r in csv.DictReader(open(course / "grades-a1.csv"))}
    assert rows["alice"]["auto_score"] == "11" and rows["alice"]["status"] == "graded"
    assert rows["bob"]["auto_score"] == "0"
    assert (
        rows["carol"]["status"] == "preflight-error"
        and "invalid notebook JSON" in (rows["carol"]["messages"])
    )
    html = (course / "feedback" / "alice" / "a1" / "a1.html").read_text()
    assert "11 / 11" in html and "hidden_check" not in html and "HIDDEN TESTS" not in html
    assert main([*base, "grades", "a1", "--manual-sheet", str(tmp_path / "sheet.csv")]) == 0
    sheet = list(csv.DictReader(open(tmp_path / "sheet.csv")))
    assert {r["student"] for r in sheet} == {"alice", "bob", "carol"}
    alice = next(r for r in sheet if r["student"] == "alice")
    assert "8,192,064" in alice["answer"]
    for row in sheet:
        row["score"] = "2" if row["student"] == "alice" else ""
    with open(tmp_path / "sheet.csv", "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(sheet[0]))
        writer.writeheader()
        writer.writerows(sheet)
    out_csv = tmp_path / "final.csv"
    sheet_arg = ["--manual", str(tmp_path / "sheet.csv"), "-o", str(out_csv)]
    assert main([*base, "grades", "a1", *sheet_arg]) == 0
    rows = {r["student"]: r for r in csv.DictReader(open(out_csv))}
    assert rows["alice"]["total"] == "13" and rows["alice"]["max"] == "13"
    assert main([*base, "feedback", "a1"]) == 0


def test_module_entry_point_help():
    proc = subprocess.run(
        [sys.executable, "-m", "course_lib.grading", "--help"], capture_output=True, text=True
    )
    assert proc.returncode == 0 and "release" in proc.stdout and "autograde" in proc.stdout


# --- degraded sandbox, limits and reports ----------------------------------------------


def test_limits_only_mode_still_grades_and_kills_leftovers(tmp_path, source, released):
    sub = solution_submission(source, released)
    sleeper = f"311.{os.getpid()}"  # unique to this process: other test runs may grade too
    _by_gid(sub, "pool2d").source = (
        f"import subprocess\nsubprocess.Popen(['sleep', '{sleeper}'], start_new_session=True)\n"
        + (_by_gid(sub, "pool2d").source.replace("windows.max", "windows.min"))
    )
    path = tmp_path / "sub.ipynb"
    nbformat.write(sub, path)
    policy = SandboxPolicy(wall_s=60, cell_timeout_s=30, isolate=False)
    res = grade_submission(path, source, "a1", "degraded", policy=policy)
    assert res.isolation == "limits-only"
    assert res.auto_score == 8.0, [(c.grade_id, c.message) for c in res.cells]
    assert any("leftover" in w for w in res.warnings)
    sleeping = subprocess.run(["pgrep", "-f", f"sleep {sleeper}"], capture_output=True, text=True)
    assert sleeping.stdout.strip() == ""


@pytest.mark.skipif(os.geteuid() != 0, reason="a separate user needs root")
def test_user_only_mode_keeps_the_gradebook_out_of_reach(tmp_path, source, released):
    secret = tmp_path / "grader"
    secret.mkdir(mode=0o700)
    (secret / "gradebook.db").write_text("grades")
    sub = solution_submission(source, released)
    steal = f"print(open({str(secret / 'gradebook.db')!r}).read())"
    _by_gid(sub, "dense_params").source = steal + "\n" + _by_gid(sub, "dense_params").source
    path = tmp_path / "sub.ipynb"
    nbformat.write(sub, path)
    policy = SandboxPolicy(wall_s=60, cell_timeout_s=30, namespaces=False)
    if isolation_mode(policy) != "user-only":
        pytest.skip("the interpreter is not reachable by another user without namespaces")
    res = grade_submission(path, source, "a1", "user-only", policy=policy)
    assert res.isolation == "user-only"
    assert res.auto_score == 9.0  # the first answer cell stopped at the PermissionError
    outputs = json.dumps([c.get("outputs") for c in res.executed["cells"]])
    assert "PermissionError" in outputs and "grades" not in outputs


@pytest.mark.parametrize("field", ["wall_s", "cell_timeout_s", "memory_bytes", "nproc"])
def test_sandbox_policy_rejects_bad_limits(field):
    with pytest.raises(ValueError, match=field):
        SandboxPolicy(**{field: 0})


def test_concurrent_graders_never_share_a_sandbox_uid():
    with claim_uid() as a, claim_uid() as b, claim_uid(5) as c:
        assert len({a, b, c}) == 3


def test_kill_uid_refuses_root():
    if os.geteuid() != 0:
        with pytest.raises(ValueError, match="only root"):
            kill_uid(64000)
    else:
        with pytest.raises(ValueError, match="uid 0"):
            kill_uid(0)


def test_reports_from_a_preflight_error(tmp_path, source):
    bad = tmp_path / "bad.ipynb"
    bad.write_text("{not json")
    res = grade_submission(bad, source, "a1", "zed")
    assert res.status == "preflight-error" and res.auto_score == 0 and res.auto_max == 11
    fb = feedback_notebook(res)
    assert "invalid notebook JSON" in fb.cells[0].source
    write_grades_csv([res], tmp_path / "g.csv")
    row = next(csv.DictReader(open(tmp_path / "g.csv")))
    assert row["status"] == "preflight-error" and row["test_conv2d"] == "0"
    write_manual_sheet([res], tmp_path / "m.csv")
    (tmp_path / "m2.csv").write_text("student,grade_id,points,score,answer\nzed,w,2,lots,\n")
    with pytest.raises(ValueError, match="not a number"):
        read_manual_scores(tmp_path / "m2.csv")


def test_hidden_cases_round_trip_through_the_file_the_sandbox_reads(tmp_path):
    from course_lib.grading.probe import read_cases, write_cases

    cases = [
        {"x": np.arange(6, dtype=np.float32).reshape(2, 3), "stride": (1, 2), "bias": None},
        {"k": 3, "mode": "max", "flag": True, "sizes": [1, 2], "w": np.ones(2, np.int16)},
    ]
    write_cases(str(tmp_path / "c.npz"), cases)
    back = read_cases(str(tmp_path / "c.npz"))
    assert back[0]["x"].dtype == np.float32 and back[0]["x"].shape == (2, 3)
    assert back[0]["stride"] == (1, 2) and back[0]["bias"] is None
    assert back[1]["k"] == 3 and back[1]["mode"] == "max" and back[1]["flag"] is True
    assert back[1]["sizes"] == [1, 2] and back[1]["w"].dtype == np.int16
    with pytest.raises(TypeError, match="cannot store"):
        write_cases(str(tmp_path / "bad.npz"), [{"f": object()}])


def test_labels_of_a_hidden_case_stay_with_the_grader():
    check = get_check("a2/test_training")
    assert "y_test" in check.cases(5)[0]
    sandbox = check.sandbox_cases(5)[0]
    assert "y_test" not in sandbox and {"X", "y", "X_test"} <= set(sandbox)


def test_sandbox_view_of_course_lib_has_no_answers_checks_or_weights(tmp_path):
    from course_lib.grading.view import answer_paths, build_view

    view = build_view(tmp_path, "a1")
    assert answer_paths("a1") == [
        "core/ops.py",
        "core/params.py",
        "core/shapes.py",
        "core/layers.py",
    ]
    assert not (view / "grading" / "checks").exists()
    assert not list(view.rglob("*.pt")) and not list(view.rglob("__pycache__"))
    assert (view / "checkpoints" / "registry.json").is_file()
    assert (view / "grading" / "probe.py").is_file() and (view / "grading" / "calls.py").is_file()
    stub = (view / "core" / "ops.py").read_text()
    assert "conv2d" not in stub
    with pytest.raises(
        ImportError, match="course_lib.core.ops is not available while assignment A1"
    ):
        exec(stub, {})
    assert build_view(tmp_path, "a1") == view  # reused while the package is unchanged
    a2 = build_view(tmp_path, "a2")
    assert (a2 / "models" / "__init__.py").read_text().count("ImportError") == 1
    assert not (a2 / "models" / "lenet.py").exists()
    with pytest.raises(ValueError, match="unknown assignment"):
        build_view(tmp_path, "a9")


SHIPPED_ONSETS = """
import importlib

# the course's own shipped onset CNN, imported under a computed name, instead of training one
tasks = importlib.import_module("course" + "_lib.ta" + "sks")


def detect_onsets(y, sr):
    return tasks.detect_onsets(y, sr)
"""


@pytest.mark.slow
def test_a4_shipped_model_cannot_stand_in_for_the_students_cnn(tmp_path):
    from course_lib.grading.release import solution_submission
    from course_lib.grading.sandbox import isolation_mode

    if isolation_mode() != "user+bwrap":
        pytest.skip("the sandbox's view of course_lib needs root and bubblewrap")
    source = nbformat.read(ROOT / "assignments" / "source" / "a4" / "a4.ipynb", as_version=4)
    sub = solution_submission(source, student_notebook(source))
    _by_gid(sub, "features_and_model").source = "pass"
    _by_gid(sub, "train_and_detect").source = SHIPPED_ONSETS
    path = tmp_path / "a4.ipynb"
    nbformat.write(sub, path)
    policy = SandboxPolicy(wall_s=240, cell_timeout_s=120)
    res = grade_submission(path, source, "a4", "shortcut", policy=policy)
    assert res.isolation == "user+bwrap"
    assert res.auto_score == 0.0, [(c.grade_id, c.score, c.message) for c in res.cells]
    outputs = json.dumps([c.get("outputs") for c in res.executed["cells"]])
    assert "course_lib.tasks is not available while assignment A4 is graded" in outputs


class _LibrosaInForward(torch.nn.Module):
    """A "model" whose forward is librosa's onset detector, with a convolution for show."""

    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv2d(1, 1, 1)

    def forward(self, x):
        import librosa

        logits = []
        for S in x[:, 0].detach().numpy():
            env = librosa.onset.onset_strength(S=S)
            env = (env - env.min()) / (env.max() - env.min() + 1e-12)
            peaks = pick_peaks_adaptive(env, 1, 1, 4, 5, 0.07, 1)  # onset_detect's rule
            z = np.full(S.shape[-1], -10.0, dtype=np.float32)
            z[peaks] = 10.0
            logits.append(z)
        return torch.from_numpy(np.stack(logits)) + 0 * self.conv(x).mean()


def test_graded_model_runs_as_traced_so_python_around_it_is_frozen():
    from course_lib.data import load_dataset
    from course_lib.export import evaluate_exported, mean_onset_f_measure

    data = load_dataset("onsets", "smoke")
    items = data.split("valid")[:4]
    clips = [audio.load(data.audio_path(it))[0] for it in items]
    refs = [np.array(it.labels["onsets"]) for it in items]
    front = {"n_fft": 1024, "hop_length": 256, "n_mels": 64, "C": 100.0}
    cheat = _LibrosaInForward()
    # run as plain Python, the wrapped detector finds the onsets ...
    direct = []
    for i, y in enumerate(clips):
        x = torch.from_numpy(audio.log_melspectrogram(y, data.sr, **front))[None, None]
        with torch.no_grad():
            p = torch.sigmoid(cheat(x))[0].numpy()
        peaks = np.flatnonzero((p[1:-1] >= 0.5) & (p[1:-1] >= p[:-2]) & (p[1:-1] > p[2:])) + 1
        direct += [(i, t) for t in peaks * 256 / data.sr]
    assert mean_onset_f_measure(np.array(direct), refs) > 0.5
    # ... graded, it is traced on noise: the detector's output is a constant of the trace
    answer = {"model": cheat, "front_end": front, "threshold": 0.5}
    assert evaluate_exported("onsets", answer, clips, data.sr, refs) < 0.3


@pytest.mark.parametrize(
    "answer, phrase",
    [
        ("not a dict", "the answer is a dict"),
        ({"model": lambda x: x, "front_end": {}}, "must be a torch.nn.Module"),
        ({"model": torch.nn.Linear(2, 2), "front_end": {}}, "has no convolution"),
        (
            {"model": torch.nn.Conv2d(1, 1, 1), "front_end": {"n_fft": 1024, "hop_length": 256}},
            "missing",
        ),
        (
            {
                "model": torch.nn.Conv2d(1, 1, 1),
                "front_end": {"n_fft": 1, "hop_length": 256, "n_mels": 64},
            },
            "outside",
        ),
        (
            {
                "model": torch.nn.Conv2d(1, 1, 1),
                "front_end": {"n_fft": 1024, "hop_length": 256, "n_mels": 64},
                "threshold": 2,
            },
            "threshold",
        ),
    ],
)
def test_graded_model_answer_is_checked_with_clear_errors(answer, phrase):
    from course_lib.export import evaluate_exported

    clips = [np.zeros(22050, dtype=np.float32)]
    with pytest.raises(ValueError, match=phrase):
        evaluate_exported("onsets", answer, clips, 22050, [np.array([0.5])])


def test_weights_copied_from_a_shipped_checkpoint_score_zero():
    from course_lib.checkpoints import checkpoint_path, read_registry
    from course_lib.grading.autograde import _judge
    from course_lib.grading.graded_model import tensor_digests

    name = "onset_cnn"
    assert name in read_registry()
    state = torch.load(checkpoint_path(name), map_location="cpu", weights_only=True)
    state = state.get("model", state)
    digests = tensor_digests(state)
    assert digests  # the shipped model has tensors large enough to recognise
    record = {
        "key": "a4/test_onset_f_measure",
        "cases": [{"ok": True, "value": {"shape": [0, 2], "kind": "float", "data": []}}],
        "digests": digests[:1],
    }
    fraction, why = _judge(get_check("a4/test_onset_f_measure"), 0, json.dumps(record).encode())
    assert fraction == 0.0 and "shipped onset_cnn" in why


FORGED_REPLAY = """
import json, os
from course_lib.grading.probe import read_cases, record_path, to_jsonable
from course_lib.plumbing.peers import librosa_onsets

# librosa's detector on the hidden clips, written where the grader's replay writes its record
key = "a4/test_onset_f_measure"
case = read_cases(record_path(os.environ["COURSE_GRADING_DATA"], key, ".npz"))[0]
rows = [
    (i, t)
    for i, y in enumerate(case["clips"])
    for t in librosa_onsets(y, int(case["sr"]))
]
forged = {"key": key, "cases": [{"ok": True, "value": to_jsonable(rows)}], "digests": []}
forged_path = record_path(os.environ["COURSE_GRADING_OUT"], key, ".replay.json")
with open(forged_path, "w") as f:
    json.dump(forged, f)
os.chmod(forged_path, 0o444)  # the replay, running as this user, cannot overwrite it
"""


@pytest.mark.slow
def test_a4_record_forged_under_the_replays_name_is_discarded(tmp_path):
    from course_lib.grading.release import solution_submission
    from course_lib.grading.sandbox import isolation_mode

    if isolation_mode() != "user+bwrap":
        pytest.skip("grades A4 in the bubblewrap sandbox")
    source = nbformat.read(ROOT / "assignments" / "source" / "a4" / "a4.ipynb", as_version=4)
    sub = solution_submission(source, student_notebook(source))
    _by_gid(sub, "train_and_detect").source = FORGED_REPLAY
    path = tmp_path / "a4.ipynb"
    nbformat.write(sub, path)
    policy = SandboxPolicy(wall_s=240, cell_timeout_s=120)
    res = grade_submission(path, source, "a4", "forger", policy=policy)
    assert res.isolation == "user+bwrap"
    assert res.auto_score == 0.0, [(c.grade_id, c.score, c.message) for c in res.cells]
