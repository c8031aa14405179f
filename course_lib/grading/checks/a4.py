"""Hidden checks of assignment A4, "Event MIR: onset detection".

Lecture: event-based MIR (onset detection with a CNN over spectrogram frames, peak
picking). The hidden test set is the ``onsets`` dataset's test split rendered here with a
secret seed (new phrases on the test split's instruments); only the audio enters the
sandbox. The graded object is the student's trained CNN: exported in the sandbox and run
on the hidden clips by the grader's replay (:mod:`course_lib.grading.graded_model`), which
computes the features from the student's front end and picks the peaks of the onset
probability that reach the student's threshold. The grader scores the mean F-measure of
``mir_eval.onset.f_measure`` (50 ms window) on a threshold scale (bands 0.15 wide; the
standard error of the mean over the 48 hidden clips is at most 0.072).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np

from . import CaseResult, hidden_data_check, scaled_credit

__all__ = ["CHECKS", "FORBIDDEN", "F_MEASURE_SCALE", "WINDOW_S", "HIDDEN_SETS"]

FORBIDDEN: tuple[str, ...] = ()
F_MEASURE_SCALE = ((0.8, 1.0), (0.65, 0.75), (0.5, 0.5), (0.35, 0.25))
WINDOW_S = 0.05
# smoke-size renderings of the test split (16 clips each): 48 clips, so the standard error
# of the mean F-measure is at most 0.5 / sqrt(48) = 0.072 whatever the per-clip spread, and
# every band of the scale (0.15 wide) is at least two standard errors wide
HIDDEN_SETS = 3


def _hidden_data(seed: int) -> tuple[dict[str, np.ndarray], list[np.ndarray]]:
    import soundfile as sf

    from course_lib.data import load_dataset
    from course_lib.data.generate import build

    load_dataset("onsets", "smoke")  # the students' training data must exist too
    clips, onsets, rate = [], [], 0
    with tempfile.TemporaryDirectory(prefix="hidden-a4-") as tmp:
        for j in range(HIDDEN_SETS):
            manifest = build("onsets", Path(tmp) / f"set{j}", "smoke", seed=(seed + j) % 2**31)
            for item in manifest.split("test"):
                y, rate = sf.read(manifest.audio_path(item), dtype="float32")
                clips.append(y)
                onsets.append(np.asarray(item.labels["onsets"], dtype=np.float64))
    return {"clips": np.stack(clips), "sr": np.array(rate)}, onsets


def _f_measure_scale(got, expected: list[np.ndarray]) -> CaseResult:
    from course_lib.training.export import mean_onset_f_measure

    got = np.asarray(got, dtype=np.float64)
    if got.ndim != 2 or (got.size and got.shape[1] != 2) or not np.all(np.isfinite(got)):
        return CaseResult(False, "the onsets could not be read as times in seconds", 0.0)
    f = mean_onset_f_measure(got, expected, window=WINDOW_S)
    return scaled_credit(f, F_MEASURE_SCALE, "hidden mean F-measure")


CHECKS = (hidden_data_check("a4/test_onset_f_measure", _hidden_data, _f_measure_scale),)
