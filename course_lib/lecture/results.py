"""A trained model's score shown next to chance, and kept where the tests can read it.

Lecture: every MIR section (a model trained in the notebook must be seen to have learned).

:func:`show_result` prints one line (``trained above: accuracy 0.750 (chance 0.125)``) and
attaches the same numbers to the cell output as metadata, so the test of the executed
lectures can assert, notebook by notebook, that each model trained there beats chance by a
margin in the smoke configuration, without running anything again.
"""

from __future__ import annotations

import math

__all__ = ["METADATA_KEY", "show_result", "beats_chance"]

METADATA_KEY = "course_lib_result"


def beats_chance(value: float, chance: float, margin: float, higher_is_better: bool = True) -> bool:
    """Whether ``value`` is better than ``chance`` by at least ``margin`` (same units).

    Lecture: every MIR section (what "has learned something" means for a score).
    """
    gain = value - chance if higher_is_better else chance - value
    return gain >= margin


def show_result(
    label: str,
    metric: str,
    value: float,
    *,
    chance: float,
    higher_is_better: bool = True,
    display=None,
) -> dict:
    """Print ``label: metric value (chance c)`` and record it in the output's metadata.

    Lecture: every MIR section (a score means little without its chance level).

    Parameters
    ----------
    label : str
        Which model, e.g. ``"trained above"``.
    metric : str
        The score's name, e.g. ``"accuracy"`` or ``"RPA"``.
    value, chance : float
        The score, and what a model that learned nothing scores (a constant or random guess).
    higher_is_better : bool
    display : callable, optional
        ``IPython.display.display`` by default (tests pass their own).

    Returns
    -------
    dict with ``label``, ``metric``, ``value``, ``chance``, ``higher_is_better``.
    """
    for name, number in (("value", value), ("chance", chance)):
        if not isinstance(number, (int, float)) or not math.isfinite(number):
            raise ValueError(f"{name} must be a finite number, got {number!r}")
    record = {
        "label": str(label),
        "metric": str(metric),
        "value": float(value),
        "chance": float(chance),
        "higher_is_better": bool(higher_is_better),
    }
    text = f"{label}: {metric} {value:.3f} (chance {chance:.3f})"
    if display is None:
        from IPython.display import display
    display({"text/plain": text}, raw=True, metadata={METADATA_KEY: record})
    return record
