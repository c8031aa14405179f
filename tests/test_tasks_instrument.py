"""Instrument recognition and lead-activity tasks: features, shipped checkpoints, bad input."""

import numpy as np
import pytest

from course_lib import checkpoints
from course_lib.models.instrument import ActivityCNN, InstrumentCNN
from course_lib.tasks import activity, instrument

# Measured on the full test splits (programs never heard in training): instrument accuracy
# 0.315 (chance 0.125), activity F1 0.883. On freshly rendered smoke test splits (16 clips)
# the instrument checkpoint must stay clearly above chance and the activity checkpoint above
# the band-energy baseline.
MIN_INSTRUMENT_ACCURACY = 0.25
MIN_ACTIVITY_F1 = 0.85


def test_instrument_features_and_excerpts():
    y = np.random.default_rng(0).standard_normal(22050 * 2).astype(np.float32) * 0.1
    F = instrument.instrument_features(y, 22050)
    assert F.shape == (128, 1 + 2 * 22050 // 512)
    short = instrument.instrument_features(y[:8000], 22050)  # padded to one 1-s excerpt
    assert short.shape[1] >= instrument.EXCERPT
    ds = instrument.MelExcerpts([F, F], [1, 3], excerpts_per_clip=2)
    x, label = ds[3]
    assert len(ds) == 4 and x.shape == (1, 128, 43) and int(label) == 3


def test_shipped_instrument_checkpoint_on_a_held_out_split(rendered):
    manifest = rendered("instruments", seed=11)
    model, meta = checkpoints.load_checkpoint("instrument_cnn")
    assert isinstance(model, InstrumentCNN) and tuple(meta["classes"]) == instrument.CLASSES
    scores = instrument.evaluate_classifier(model, manifest, "test")
    assert scores["accuracy"] >= MIN_INSTRUMENT_ACCURACY, scores
    item = manifest.split("test")[0]
    from course_lib import audio

    y, sr = audio.load(manifest.audio_path(item))
    label, probs = instrument.predict_instrument(y, sr)
    assert label in instrument.CLASSES and sum(probs.values()) == pytest.approx(1.0, abs=1e-5)


def test_shipped_activity_checkpoint_beats_the_energy_baseline(rendered):
    manifest = rendered("activity", seed=11)
    model, meta = checkpoints.load_checkpoint("activity_cnn")
    assert isinstance(model, ActivityCNN)
    ours = activity.evaluate_detector(lambda y, sr: activity.detect_activity(y, sr)[1], manifest)
    baseline = activity.evaluate_detector(activity.energy_activity, manifest)
    assert ours["f1"] >= MIN_ACTIVITY_F1, ours
    assert ours["f1"] > baseline["f1"], (ours, baseline)


def test_frame_scores_by_hand():
    s = activity.frame_scores([1, 1, 0, 0, 1], [1, 0, 0, 1, 1])
    assert s["accuracy"] == pytest.approx(3 / 5)
    assert s["precision"] == pytest.approx(2 / 3) and s["recall"] == pytest.approx(2 / 3)


@pytest.mark.parametrize(
    "function", [instrument.predict_instrument, activity.detect_activity], ids=["inst", "act"]
)
@pytest.mark.parametrize(
    ("y", "sr", "message"),
    [
        (np.zeros((2, 22050), np.float32), 22050, "to_mono"),
        (np.full(22050, np.nan, np.float32), 22050, "NaN"),
        (np.zeros(100, np.float32), 22050, "too short"),
        (np.zeros(22050, np.float32), 5, "plausible sample rate"),
    ],
)
def test_functions_reject_bad_input(function, y, sr, message):
    with pytest.raises(ValueError, match=message):
        function(y, sr)
