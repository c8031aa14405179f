"""Hidden checks of assignment A4, "Event MIR: onset detection".

Lecture: event-based MIR (onset detection with a CNN over spectrogram frames, peak
picking). The hidden test set is the ``onsets`` dataset's test split rendered here with a
secret seed (new phrases on the test split's instruments); only the audio enters the
sandbox. The student's ``detect_onsets`` returns onset times per clip and the grader scores
the mean F-measure of ``mir_eval.onset.f_measure`` (50 ms window) on a threshold scale.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np

from . import CaseResult, hidden_data_check, scaled_credit

__all__ = ["CHECKS", "FORBIDDEN", "F_MEASURE_SCALE", "WINDOW_S"]

FORBIDDEN: tuple[str, ...] = ()
F_MEASURE_SCALE = ((0.8, 1.0), (0.65, 0.75), (0.5, 0.5), (0.35, 0.25))
WINDOW_S = 0.05
MAX_ONSETS_PER_CLIP = 2000


def _hidden_data(seed: int) -> tuple[dict[str, np.ndarray], list[np.ndarray]]:
    import soundfile as sf

    from course_lib.data import load_dataset
    from course_lib.data.generate import build

    load_dataset("onsets", "smoke")  # the students' training data must exist too
    clips, onsets, rate = [], [], 0
    with tempfile.TemporaryDirectory(prefix="hidden-a4-") as tmp:
        manifest = build("onsets", Path(tmp) / "onsets", "smoke", seed=seed % 2**31)
        for item in manifest.split("test"):
            y, rate = sf.read(manifest.audio_path(item), dtype="float32")
            clips.append(y)
            onsets.append(np.asarray(item.labels["onsets"], dtype=np.float64))
    return {"clips": np.stack(clips), "sr": np.array(rate)}, onsets


def _f_measure_scale(got, expected: list[np.ndarray]) -> CaseResult:
    import mir_eval

    got = np.asarray(got, dtype=np.float64)
    if got.ndim != 2 or (got.size and got.shape[1] != 2) or not np.all(np.isfinite(got)):
        return CaseResult(False, "the onsets could not be read as times in seconds", 0.0)
    scores = []
    for i, reference in enumerate(expected):
        estimate = np.sort(got[got[:, 0] == i, 1]) if got.size else np.zeros(0)
        estimate = estimate[estimate >= 0]
        scores.append(mir_eval.onset.f_measure(reference, estimate, window=WINDOW_S)[0])
    f = float(np.mean(scores))
    return scaled_credit(f, F_MEASURE_SCALE, "hidden mean F-measure")


CHECKS = (hidden_data_check("a4/test_onset_f_measure", _hidden_data, _f_measure_scale),)
