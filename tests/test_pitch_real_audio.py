"""The shipped pitch checkpoint on real recordings: a floor under its score on the recorded set.

``benchmarks/real_audio.py`` measures every shipped model and peer on the real-audio
development set (:mod:`course_lib.data.real.recorded`, installed by ``.ci/install.sh``);
this test keeps the shipped CREPE-tiny from falling back below what it was shipped with.
It scores the recorded piano notes inside CREPE's range (MIDI 24-93) and the recorded
melodies exactly as the benchmark does (mir_eval RPA with the checkpoint's own voicing
threshold and the default Viterbi decoding, mean over clips).
"""

import numpy as np
import pytest

from course_lib.tasks import pitch

# measured when the checkpoint was shipped: see benchmarks/mir/real_audio.json
# ("ours: crepe_tiny" -> notes -> rpa); the floor sits a little below it
MIN_REAL_NOTES_RPA = 0.78  # measured 0.807 (old checkpoint: 0.352)
MIN_REAL_MELODIES_RPA = 0.96  # measured 0.979; decoded frame by frame 0.946
PITCH_RANGE = (24, 93)  # as benchmarks/real_audio.PITCH_RANGE


def _mean_rpa(items) -> float:
    rpa = [
        pitch.melody_scores(it.f0[0], it.f0[1], *pitch.estimate_pitch(it.y, it.sr)[:2])["rpa"]
        for it in items
    ]
    return float(np.mean(rpa))


@pytest.fixture(scope="module")
def items(recorded_items):
    lo, hi = PITCH_RANGE
    return [
        it
        for it in recorded_items
        if it.kind == "melodies" or (it.kind == "notes" and lo <= it.notes[0, 2] <= hi)
    ]


def test_shipped_pitch_checkpoint_on_recorded_piano_notes(items):
    notes = [it for it in items if it.kind == "notes"]
    assert len(notes) == 48
    assert _mean_rpa(notes) >= MIN_REAL_NOTES_RPA


def test_shipped_pitch_checkpoint_on_recorded_piano_melodies(items):
    melodies = [it for it in items if it.kind == "melodies"]
    assert len(melodies) == 12
    assert _mean_rpa(melodies) >= MIN_REAL_MELODIES_RPA
