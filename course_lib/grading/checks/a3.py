"""Hidden checks of assignment A3, "Semantic MIR: genre classification".

Lecture: classification-based MIR (genre and tag classification with CNNs on
mel spectrograms). The hidden test set is rendered here, in the grader's process, with a
secret seed (``course_lib.data.generate.build`` of the ``tagging`` dataset, ``HIDDEN_SETS``
times: 112 new songs played by the test split's instruments); only the audio enters the
sandbox. The graded object is the student's trained CNN: exported in the sandbox and run
on the hidden songs by the grader's replay (:mod:`course_lib.grading.graded_model`), which
computes the features from the student's front end and takes the argmax of the logits.
The accuracy (``course_lib.metrics.accuracy``) is scored on a threshold scale. With 112
songs its standard error is at most 0.047 (at 50 % accuracy), so every band of the scale
(0.1 or 0.15 wide) is at least two standard errors wide.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np

from . import CaseResult, hidden_data_check, scaled_credit

__all__ = ["CHECKS", "FORBIDDEN", "ACCURACY_SCALE", "HIDDEN_SETS"]

FORBIDDEN: tuple[str, ...] = ()
# (accuracy at least, fraction of the points); five genres, so chance is 0.2.
ACCURACY_SCALE = ((0.65, 1.0), (0.5, 0.75), (0.4, 0.5), (0.3, 0.25))
HIDDEN_SETS = 7  # smoke-size renderings of the test split (16 songs each): 112 songs


def _genres() -> list[str]:
    from course_lib.data.generate import GENRES

    return sorted(GENRES)


def _hidden_data(seed: int) -> tuple[dict[str, np.ndarray], np.ndarray]:
    import soundfile as sf

    from course_lib.data import load_dataset
    from course_lib.data.generate import build

    load_dataset("tagging", "smoke")  # the students' training data must exist too
    genres = _genres()
    clips, labels, rate = [], [], 0
    with tempfile.TemporaryDirectory(prefix="hidden-a3-") as tmp:
        for j in range(HIDDEN_SETS):
            manifest = build("tagging", Path(tmp) / f"set{j}", "smoke", seed=(seed + j) % 2**31)
            for item in manifest.split("test"):
                y, rate = sf.read(manifest.audio_path(item), dtype="float32")
                clips.append(y)
                labels.append(genres.index(item.labels["genre"]))
    return {"clips": np.stack(clips), "sr": np.array(rate)}, np.array(labels)


def _accuracy_scale(got, expected) -> CaseResult:
    from course_lib.training.metrics import accuracy

    got, expected = np.asarray(got), np.asarray(expected)
    if got.shape != expected.shape:
        return CaseResult(False, f"{got.shape[0]} genres for {expected.shape[0]} clips", 0.0)
    acc = accuracy(expected, got.astype(np.int64))
    return scaled_credit(acc, ACCURACY_SCALE, "hidden test accuracy")


CHECKS = (hidden_data_check("a3/test_genre_accuracy", _hidden_data, _accuracy_scale),)
