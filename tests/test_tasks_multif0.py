"""Multi-F0 task: targets, peak picking, mir_eval accuracy, the shipped salience checkpoint."""

import warnings

import numpy as np
import pytest

from course_lib import checkpoints
from course_lib.models.salience import DeepSalience
from course_lib.tasks.multif0 import (
    HOP,
    SR,
    SaliencePatches,
    bin_frequencies,
    estimate_multi_f0,
    evaluate_estimator,
    multipitch_scores,
    notes_to_multi_f0,
    salience_target,
    salience_to_multi_f0,
)

# On 3 freshly rendered smoke test chorales (unseen instruments and chorales).
MIN_ACCURACY = 0.45


def test_bins_targets_and_decoding_round_trip():
    f = bin_frequencies()
    assert f[0] == pytest.approx(32.70, abs=0.01) and len(f) == 360
    assert f[60] == pytest.approx(65.41, abs=0.01)  # one octave = 60 bins
    notes = [[0.0, 0.5, 60], [0.0, 0.5, 64], [0.25, 0.5, 67]]  # C4, E4, then G4 joins
    n = int(0.5 * SR / HOP)
    target = salience_target(notes, n)
    assert target.shape == (360, n)
    assert target[(60 - 24) * 5, 2] == pytest.approx(1.0)  # C4 = bin 180
    times, f0s = salience_to_multi_f0(target, 0.5)
    np.testing.assert_allclose(f0s[2], [261.63, 329.63], rtol=1e-3)
    assert len(f0s[n - 2]) == 3
    ref = notes_to_multi_f0(notes, times)
    assert multipitch_scores(times, ref, times, f0s)["accuracy"] == pytest.approx(1.0)
    with pytest.raises(ValueError, match="360"):
        salience_to_multi_f0(np.zeros((100, 5)))


def test_multipitch_scores_by_hand():
    t = np.array([0.0, 0.01])
    ref = [np.array([220.0, 440.0]), np.array([220.0])]
    est = [np.array([220.0]), np.array([221.0, 660.0])]
    s = multipitch_scores(t, ref, t, est)
    # TP = 1 + 1, FP = 1, FN = 1 -> accuracy 2 / 4, precision 2 / 3, recall 2 / 3
    assert s["accuracy"] == pytest.approx(0.5)
    assert s["precision"] == pytest.approx(2 / 3) and s["recall"] == pytest.approx(2 / 3)


def test_multipitch_scores_of_an_empty_estimate_on_another_grid_are_zero_and_quiet():
    ref_t = np.arange(10) * 0.01
    ref = [np.array([220.0])] * 10
    est_t = np.arange(9) * 0.0116  # the HCQT grid, resampled to the labels' by mir_eval
    est = [np.array([])] * 9
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s = multipitch_scores(ref_t, ref, est_t, est)
    assert s == {"accuracy": 0.0, "precision": 0.0, "recall": 0.0}


def test_patches_have_the_model_input_shape():
    feats = [np.random.default_rng(0).random((6, 360, 80), dtype=np.float32)]
    ds = SaliencePatches(feats, [np.zeros((360, 80), np.float32)], patch=50, patches_per_clip=3)
    x, y = ds[2]
    assert len(ds) == 3 and x.shape == (6, 360, 50) and y.shape == (360, 50)
    short = SaliencePatches([feats[0][..., :20]], [np.zeros((360, 20), np.float32)], patch=50)
    assert short[0][0].shape == (6, 360, 50)  # zero-padded


@pytest.fixture(scope="module")
def held_out(rendered):
    return rendered("multif0", seed=11)


def test_shipped_checkpoint_on_a_held_out_rendered_split(held_out):
    scores = evaluate_estimator(estimate_multi_f0, held_out, "test", limit=3)
    assert scores["accuracy"] >= MIN_ACCURACY, scores


@pytest.mark.parametrize(
    ("y", "sr", "message"),
    [
        (np.zeros((22050, 2), np.float32), SR, "to_mono"),
        (np.full(22050, np.nan, np.float32), SR, "NaN"),
        (np.zeros(200, np.float32), SR, "too short"),
        (np.zeros(22050, np.float32), 0, "plausible sample rate"),
    ],
)
def test_estimate_multi_f0_rejects_bad_input(y, sr, message):
    with pytest.raises(ValueError, match=message):
        estimate_multi_f0(y, sr)


def test_checkpoint_entry():
    model, meta = checkpoints.load_checkpoint("salience_small")
    assert isinstance(model, DeepSalience)
    assert 0 < meta["threshold"] < 1
    assert meta["entry"]["test_metrics"]["accuracy"] >= MIN_ACCURACY


def test_constant_estimator_holds_the_most_held_pitches(held_out):
    from collections import Counter

    from course_lib.tasks.multif0 import HOP, SR, constant_estimator

    held = Counter()
    for item in held_out.split("train"):
        for onset, offset, pitch, *_ in item.labels["notes"]:
            held[int(pitch)] += offset - onset
    expected = sorted(440.0 * 2 ** ((p - 69) / 12) for p, _ in held.most_common(4))
    times, f0s = constant_estimator(held_out)(np.zeros(SR, np.float32), SR)
    assert len(times) == len(f0s) == 1 + SR // HOP
    np.testing.assert_allclose(sorted(f0s[0]), expected)
    assert all(np.array_equal(f, f0s[0]) for f in f0s)
