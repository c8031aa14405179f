"""Classical baselines: MFCC statistics + linear classifiers, harmonic-summation multi-F0."""

import numpy as np
import pytest

from course_lib.tasks import baselines, multif0

SR = 22050


def _tone(f0: float, seconds: float = 1.0, n_partials: int = 8) -> np.ndarray:
    """A harmonic tone: partials h·f0 with amplitude 1/h."""
    t = np.arange(int(seconds * SR)) / SR
    y = sum(np.sin(2 * np.pi * h * f0 * t) / h for h in range(1, n_partials + 1))
    return (0.3 * y).astype(np.float32)


def _bin(hz: float) -> int:
    return int(np.argmin(np.abs(multif0.bin_frequencies() - hz)))


# ------------------------------------------------------------------ MFCC statistics


def test_mfcc_statistics_shape_determinism_and_values():
    from course_lib import audio

    y = np.random.default_rng(0).standard_normal(SR).astype(np.float32) * 0.1
    x = baselines.mfcc_statistics(y, SR)
    assert x.shape == (4 * baselines.N_MFCC,) == (80,) and x.dtype == np.float64
    np.testing.assert_array_equal(x, baselines.mfcc_statistics(y.copy(), SR))
    assert baselines.mfcc_statistics(y, SR, n_mfcc=13).shape == (52,)
    # the orthonormal DCT-II's first coefficient is the sum of the 128 log-mel bands / sqrt(128)
    log_mel = audio.power_to_db(audio.melspectrogram(y, SR, n_fft=2048, hop_length=512), ref=1.0)
    c0 = log_mel.astype(np.float64).sum(axis=0) / np.sqrt(128)
    assert x[0] == pytest.approx(c0.mean(), rel=1e-5)
    assert x[20] == pytest.approx(c0.std(), rel=1e-4)


def test_mfcc_deltas_follow_a_crescendo():
    t = np.arange(43 * 512) / SR
    tone = np.sin(2 * np.pi * 440 * t) * 10 ** (-40 * (1 - t / t[-1]) / 20)  # -40 dB -> 0 dB
    rising = baselines.mfcc_statistics(tone.astype(np.float32), SR)
    falling = baselines.mfcc_statistics(tone[::-1].astype(np.float32), SR)
    assert rising[40] > 1.0  # c0 grows: its mean delta is positive
    assert falling[40] == pytest.approx(-rising[40], rel=0.05)
    assert rising[0] == pytest.approx(falling[0], rel=0.02)  # same frames, reversed


def test_mfcc_statistics_of_silence_have_no_spread():
    x = baselines.mfcc_statistics(np.zeros(SR, np.float32), SR)
    # every frame is the same: the MFCCs do not vary, their deltas are zero
    np.testing.assert_allclose(x[20:], 0.0, atol=1e-4)  # float32 rounding of c0 (about -1100)


def test_mfcc_statistics_errors_say_what_is_wrong():
    with pytest.raises(ValueError, match="9 frames"):
        baselines.mfcc_statistics(np.zeros(1000, np.float32), SR)
    with pytest.raises(ValueError, match="1-D"):
        baselines.mfcc_statistics(np.zeros((2, SR), np.float32), SR)
    with pytest.raises(ValueError, match="floating-point"):
        baselines.mfcc_statistics(np.zeros(SR, np.int16), SR)
    with pytest.raises(ValueError, match="n_mfcc"):
        baselines.mfcc_statistics(np.zeros(SR, np.float32), SR, n_mfcc=0)


# ------------------------------------------------------------------ linear classifiers


def _blobs(n_per_class: int, seed: int):
    rng = np.random.default_rng(seed)
    centres = np.array([[0.0, 0.0, 0.0], [6.0, 0.0, 0.0], [0.0, 6.0, 0.0]])
    X = np.concatenate([c + rng.standard_normal((n_per_class, 3)) for c in centres])
    return X, np.repeat(np.arange(3), n_per_class)


@pytest.mark.parametrize("kind", ["logistic", "svm"])
def test_linear_baseline_separates_a_separable_toy_problem(kind):
    X, y = _blobs(30, seed=0)
    X_test, y_test = _blobs(50, seed=1)
    model = baselines.fit_linear_baseline(X * 100.0, y, kind=kind)  # scale: standardised
    assert np.mean(model.predict(X_test * 100.0) == y_test) >= 0.95
    again = baselines.fit_linear_baseline(X * 100.0, y, kind=kind)
    np.testing.assert_array_equal(model.predict(X_test * 100.0), again.predict(X_test * 100.0))


def test_linear_baseline_errors():
    X, y = _blobs(5, seed=0)
    with pytest.raises(ValueError, match="single class"):
        baselines.fit_linear_baseline(X, np.zeros(len(X)))
    with pytest.raises(ValueError, match="one label per row"):
        baselines.fit_linear_baseline(X, y[:-1])
    with pytest.raises(ValueError, match="kind must be"):
        baselines.fit_linear_baseline(X, y, kind="tree")
    with pytest.raises(ValueError, match="C must be positive"):
        baselines.fit_linear_baseline(X, y, C=0)
    X_bad = X.copy()
    X_bad[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        baselines.fit_linear_baseline(X_bad, y)
    with pytest.raises(ValueError, match="n_features"):
        baselines.fit_linear_baseline(X[:, 0], y)


def test_tag_baseline_learns_a_tag_and_keeps_constant_tags_constant():
    from course_lib import metrics

    rng = np.random.default_rng(0)
    X = rng.standard_normal((60, 4))
    Y = np.stack([X[:, 0] > 0, np.ones(60, bool), X[:, 1] + X[:, 2] > 0], axis=1).astype(int)
    model = baselines.fit_tag_baseline(X, Y)
    assert model.models[1] is None and model.constants[1] == 1.0
    X_test = rng.standard_normal((40, 4))
    P = model.predict_proba(X_test)
    assert P.shape == (40, 3) and np.all(P[:, 1] == 1.0)
    Y_test = np.stack([X_test[:, 0] > 0, X_test[:, 1] + X_test[:, 2] > 0], axis=1).astype(int)
    scores = metrics.tagging_scores(Y_test, P[:, [0, 2]])
    assert scores.roc_auc >= 0.95
    with pytest.raises(ValueError, match="0/1"):
        baselines.fit_tag_baseline(X, Y * 2)
    with pytest.raises(ValueError, match="n_clips=60"):
        baselines.fit_tag_baseline(X, Y[:10])


# ------------------------------------------------------------------ harmonic summation


def test_harmonic_summation_by_hand():
    # only bin 100 of the h = 1 channel at 0 dB; every other value at the -80 dB floor
    H = np.zeros((6, 360, 2), np.float32)
    H[multif0.HARMONICS.index(1), 100, :] = 1.0
    S = baselines.harmonic_summation(H, alpha=0.8, power=0.5)
    floor = (10 ** (-80 / 20)) ** 0.5  # magnitude 1e-4, compressed: 0.01
    weights = 0.8 ** np.arange(5)  # h = 1..5
    top = 1.0 + floor * weights[1:].sum()
    np.testing.assert_allclose(S[100], 1.0)
    np.testing.assert_allclose(S[0], floor * weights.sum() / top, rtol=1e-6)
    with pytest.raises(ValueError, match="HCQT"):
        baselines.harmonic_summation(np.zeros((6, 100, 5)))
    with pytest.raises(ValueError, match="alpha"):
        baselines.harmonic_summation(H, alpha=0.0)
    with pytest.raises(ValueError, match="power"):
        baselines.harmonic_summation(H, power=-1.0)


def test_harmonic_summation_peaks_at_f0_not_at_its_octaves():
    S = baselines.harmonic_summation(multif0.multif0_features(_tone(220.0), SR))
    profile = S[:, 20:-20].mean(axis=1)  # frames away from the edges
    assert abs(int(np.argmax(profile)) - _bin(220.0)) <= 1
    assert profile[_bin(110.0)] < 0.7 * profile[_bin(220.0)]  # the sub-octave f0/2
    assert profile[_bin(440.0)] < 0.7 * profile[_bin(220.0)]  # the octave 2·f0


def test_harmonic_summation_threshold_tuned_on_clips_decodes_the_notes():
    chord = _tone(261.63) + _tone(329.63)  # C4 + E4
    features = [multif0.multif0_features(y, SR) for y in (_tone(220.0), chord)]
    notes = [[[0.0, 1.0, 57]], [[0.0, 1.0, 60], [0.0, 1.0, 64]]]
    threshold, accuracy = baselines.fit_summation_threshold(features, notes)
    assert accuracy >= 0.95 and threshold > 0.6  # above the octave errors' salience
    times, f0s = baselines.harmonic_summation_multi_f0(chord, SR, threshold=threshold)
    assert len(times) == features[1].shape[-1]
    np.testing.assert_allclose(f0s[40], [261.63, 329.63], rtol=0.01)
    with pytest.raises(ValueError, match="one notes list"):
        baselines.fit_summation_threshold(features, notes[:1])
