"""show_result: the printed line, the metadata the executed-lecture test reads, bad input."""

import math

import pytest

from course_lib.lecture.results import METADATA_KEY, beats_chance, show_result


def test_show_result_prints_and_records():
    shown = []
    record = show_result(
        "trained above",
        "accuracy",
        0.75,
        chance=0.125,
        display=lambda *a, **k: shown.append((a, k)),
    )
    (bundle,), kwargs = shown[0]
    assert bundle == {"text/plain": "trained above: accuracy 0.750 (chance 0.125)"}
    assert kwargs["raw"] is True
    assert kwargs["metadata"][METADATA_KEY] == record
    assert record == {
        "label": "trained above",
        "metric": "accuracy",
        "value": 0.75,
        "chance": 0.125,
        "higher_is_better": True,
    }


@pytest.mark.parametrize("bad", [math.nan, math.inf, "0.5", None])
def test_show_result_rejects_non_numbers(bad):
    with pytest.raises(ValueError, match="finite number"):
        show_result("x", "accuracy", bad, chance=0.5, display=lambda *a, **k: None)
    with pytest.raises(ValueError, match="chance"):
        show_result("x", "accuracy", 0.5, chance=bad, display=lambda *a, **k: None)


def test_beats_chance_needs_the_margin_in_the_right_direction():
    assert beats_chance(0.25, 0.125, 0.05)
    assert not beats_chance(0.16, 0.125, 0.05)
    assert beats_chance(0.1, 0.5, 0.05, higher_is_better=False)  # an error rate
    assert not beats_chance(0.6, 0.5, 0.05, higher_is_better=False)
