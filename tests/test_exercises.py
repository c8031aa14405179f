"""The lectures' exercises: registry, notebooks and solutions agree, and ``check`` judges fairly.

Every exercise id used in a lecture notebook is in ``course_lib.exercises.EXERCISES`` and
vice versa; each lecture 01-12 ends with an "Exercises" section of 2 to 4 checks; the expected
values agree with answers worked out here by hand (independently of the library) and with
``lectures/solutions.md``; wrong answers fail without the answer being printed; malformed
answers raise an error that says what is expected.
"""

from __future__ import annotations

import ast
import math
import re
import time
from pathlib import Path

import nbformat
import numpy as np
import pytest

from course_lib import exercises
from course_lib.exercises import EXERCISES, AnswerFormatError, check

ROOT = Path(__file__).resolve().parents[1]
LECTURES = {
    p.name[:2]: p for p in sorted((ROOT / "lectures").glob("[0-9][0-9]_*.ipynb")) if p.name >= "01"
}
SOLUTIONS = ROOT / "lectures" / "solutions.md"
CHECK_CALL = re.compile(r"""exercises\.check\(\s*["']([^"']+)["']\s*,\s*(\w+)\s*\)""")


def _exercise_cells(path: Path) -> list:
    """The cells after the notebook's "## Exercises" heading (empty if there is none)."""
    cells = nbformat.read(path, as_version=4).cells
    for i, cell in enumerate(cells):
        if cell.cell_type == "markdown" and cell.source.lstrip().startswith("## Exercises"):
            return cells[i + 1 :]
    return []


def _notebook_ids() -> dict[str, list[str]]:
    return {
        number: [
            m.group(1)
            for cell in _exercise_cells(path)
            if cell.cell_type == "code"
            for m in CHECK_CALL.finditer(cell.source)
        ]
        for number, path in LECTURES.items()
    }


def _solutions() -> dict[str, str]:
    """id -> the literal after "**Answer:**" in lectures/solutions.md."""
    text = SOLUTIONS.read_text()
    found = {}
    for block in re.split(r"^### ", text, flags=re.MULTILINE)[1:]:
        name = block.split("\n", 1)[0].strip()
        answer = re.search(r"^\*\*Answer:\*\* `([^`]+)`", block, flags=re.MULTILINE)
        assert answer, f"solutions.md: {name} has no '**Answer:** `...`' line"
        found[name] = answer.group(1)
    return found


# Answers worked out by hand, with plain arithmetic and without course_lib.
BY_HAND = {
    "01-dense-mel": 128 * 128 * 512 + 512,
    "01-conv-mel": (32 * 9 + 32, 32 * 9 + 32),
    "01-local-mel": (128 - 5 + 1) ** 2 * (32 * 25 + 32),
    "02-transpose-bins": 5 * 36 // 12,
    "02-receptive-region": (2 * 5 - 1, 2 * 5 + 2, 2 * 10 - 1, 2 * 10 + 2),
    "02-receptive-deeper": 1 + 2 * 1 + 1 * 1 + 2 * 2 + 1 * 2 + 2 * 4 + 2 * 4,
    "03-untied-params": 32 * 48 * 25,
    "03-lc-conv-ratio": ((64 + 2 - 3) // 2 + 1) ** 2,
    "04-conv-arithmetic": (7 + 2 - (2 * 2 + 1)) // 2 + 1,
    "04-stft-frames": 4 * 16000 // 160 + 1,
    "04-same-padding": 3 * (5 - 1) // 2,
    "04-filter-shift": -1,
    "05-overlapping-max": [[5, 9, 9], [5, 9, 9], [8, 7, 8]],
    "05-pool-patch": (4, 7 / 4, math.sqrt(25 / 4)),
    "05-pool-chain": (96 // 2 // 4 // 3, 1366 // 4 // 5 // 8),
    "06-vgg-block": (256 * 128 * 9 + 256) + 2 * (256 * 256 * 9 + 256),
    "06-inception-3x3": (96 * 192 + 96) + (128 * 96 * 9 + 128),
    "06-resnet-block": 128 * 64 * 9 + 128 * 128 * 9 + 128 * 64 + 3 * 2 * 128,
    "07-temporal-conv": 64 * 128 * 3 + 64,
    "07-chunk-frames": 5 * 22050 // 512 + 1,
    "08-auc-by-hand": (3 / 4, (1 + 2 / 3) / 2),
    "08-tagging-windows": 1 + math.ceil((round(29.1 * 22050) - 3 * 22050) / (3 * 22050 // 2)),
    "09-onset-f-measure": (2 * 0.6 * 0.75 / 1.35, 2 * 0.2 * 0.25 / 0.45),
    "09-onset-target": (300, 301, 302),
    "09-dense-inputs": 20 * ((80 - 2) // 3 - 2) // 3 * (15 - 6 - 2),
    "10-excerpts-per-clip": (130 - 43) // 21 + 1,
    "10-activity-scores": (5 / 8, 2 * 3 / (2 * 3 + 2 + 1)),
    "11-crepe-bin": round(1200 * math.log2(440 / 31.7) / 20),
    "11-cents-error": 1200 * math.log2(445 / 440),
    "11-rpa-rca": (1 / 4, 2 / 4),
    "12-hcqt-shift": round(60 * math.log2(3)),
    "12-note-frames": 86 - 44 + 1,
    "12-multipitch-accuracy": 2 / (2 + 2 + 1),
}


def test_every_lecture_has_an_exercises_section_with_two_to_four_checks():
    assert sorted(LECTURES) == [f"{n:02d}" for n in range(1, 13)]
    for number, ids in _notebook_ids().items():
        assert 2 <= len(ids) <= 4, f"lecture {number} has {len(ids)} exercise checks: {ids}"
        assert len(set(ids)) == len(ids), f"lecture {number} checks an exercise twice: {ids}"


def test_notebook_ids_and_the_registry_agree():
    used = _notebook_ids()
    in_notebooks = {i for ids in used.values() for i in ids}
    assert in_notebooks - set(EXERCISES) == set(), "notebooks use unknown exercise ids"
    assert set(EXERCISES) - in_notebooks == set(), "registered exercises no notebook uses"
    for number, ids in used.items():
        assert all(i.startswith(f"{number}-") for i in ids), (number, ids)
        assert exercises.exercises_of(int(number)) == ids, "registry order = notebook order"


def test_notebook_answers_are_placeholders():
    """Committed notebooks run top to bottom: every checked answer is the ``None`` placeholder."""
    for number, path in LECTURES.items():
        source = "\n".join(c.source for c in _exercise_cells(path) if c.cell_type == "code")
        assert "from course_lib import exercises" in source, number
        for m in CHECK_CALL.finditer(source):
            assert re.search(rf"^{m.group(2)} = None  # your ", source, re.MULTILINE), m.group(0)


def test_exercises_name_their_lecture_section():
    for exercise_id, e in EXERCISES.items():
        assert re.fullmatch(r"\d\d-[a-z0-9-]+", exercise_id)
        assert e.id == exercise_id and e.section.startswith(f"{e.lecture} · "), e.section
        assert e.question and e.hint and e.answer_format
        assert exercise_id in exercises.question(exercise_id)


def test_the_worked_answers_agree_with_the_registry():
    assert set(BY_HAND) == set(EXERCISES)
    for exercise_id, answer in BY_HAND.items():
        e = EXERCISES[exercise_id]
        np.testing.assert_allclose(e.expected(), answer, atol=1e-9, err_msg=exercise_id)


@pytest.mark.parametrize("exercise_id", sorted(EXERCISES))
def test_a_correct_answer_passes(exercise_id, capsys):
    assert check(exercise_id, BY_HAND[exercise_id]) is True
    assert capsys.readouterr().out.strip() == f"{exercise_id}: correct."


def test_every_exercise_has_a_solution_that_passes(capsys):
    solutions = _solutions()
    assert set(solutions) == set(EXERCISES), "solutions.md and the registry list other ids"
    for exercise_id, literal in solutions.items():
        assert check(exercise_id, ast.literal_eval(literal)) is True, (exercise_id, literal)
    capsys.readouterr()


def _wrong(exercise_id: str):
    e = EXERCISES[exercise_id]
    value = e.expected()
    step = max(1.0, 10 * e.tolerance)
    if not e.shape:
        return float(value) + step
    value = value.copy()
    value.flat[0] += step
    return value.tolist()


@pytest.mark.parametrize("exercise_id", sorted(EXERCISES))
def test_a_wrong_answer_fails_with_a_hint_and_without_the_answer(exercise_id, capsys):
    e = EXERCISES[exercise_id]
    assert check(exercise_id, _wrong(exercise_id)) is False
    out = capsys.readouterr().out
    assert out.startswith(f"{exercise_id}: not yet.") and e.hint in out
    for value in np.atleast_1d(e.expected()).ravel():
        if abs(value) >= 100:  # large enough that it cannot be a number of the hint
            assert f"{value:g}" not in out and f"{value:,.0f}" not in out


def test_partly_right_answers_say_which_entries_to_look_at(capsys):
    assert check("02-receptive-region", (9, 12, 0, 22)) is False
    assert "3 of 4 values are right; look again at entry 3." in capsys.readouterr().out
    assert check("05-overlapping-max", [[5, 9, 9], [5, 9, 9], [8, 8, 8]]) is False
    assert "8 of 9 values are right" in capsys.readouterr().out


def test_answers_within_the_tolerance_pass(capsys):
    assert check("11-cents-error", 19.6) is True
    assert check("09-onset-f-measure", [0.667, 0.222]) is True
    assert check("05-pool-patch", np.array([4, 1.75, 2.5])) is True
    assert check("01-dense-mel", 8389120.0) is True  # a whole float for an int
    assert check("01-dense-mel", np.int64(8389120)) is True
    assert check("11-cents-error", 20.0) is False
    capsys.readouterr()


@pytest.mark.parametrize("exercise_id", sorted(EXERCISES))
def test_none_asks_for_an_answer(exercise_id, capsys):
    assert check(exercise_id, None) is False
    out = capsys.readouterr().out
    assert out.startswith(f"{exercise_id}: write your answer first")


@pytest.mark.parametrize(
    ("exercise_id", "answer", "message"),
    [
        ("01-dense-mel", "8389120", r"01-dense-mel expects an int, got str"),
        ("01-dense-mel", [8389120], r"expects an int, got list"),
        ("01-dense-mel", True, r"expects an int, got bool"),
        ("11-cents-error", float("nan"), r"NaN or infinite"),
        ("01-conv-mel", 320, r"expects \(on_128, on_512\), got int"),
        ("01-conv-mel", (320, 320, 320), r"\(shape 2\), got shape 3"),
        ("01-conv-mel", (320, "320"), r"every entry must be a number"),
        ("05-overlapping-max", [[5, 9], [5, 9]], r"\(shape 3x3\), got shape 2x2"),
        ("05-overlapping-max", [5, 9, 9, 5, 9, 9, 8, 7, 8], r"got shape 9"),
        ("05-overlapping-max", [[5, 9, 9], [5, 9], [8, 7, 8]], r"expects a 3 x 3 array"),
        ("02-receptive-region", {"rows": (9, 12)}, r"got dict"),
    ],
)
def test_malformed_answers_raise_saying_what_is_expected(exercise_id, answer, message):
    with pytest.raises(AnswerFormatError, match=message):
        check(exercise_id, answer)
    assert issubclass(AnswerFormatError, ValueError)


def test_unknown_ids_raise_with_a_suggestion():
    with pytest.raises(KeyError, match="did you mean '04-stft-frames'"):
        check("04-stft-frame", 1)
    with pytest.raises(KeyError, match="no exercise"):
        exercises.hint("99-nothing")


def test_checks_are_fast():
    """The self-checks run on a laptop without a GPU: well under 2 s each (imports warmed)."""
    for exercise_id, e in EXERCISES.items():
        e.expected()  # first use imports sklearn / mir_eval
        start = time.perf_counter()
        e.expected()
        assert time.perf_counter() - start < 2.0, exercise_id
