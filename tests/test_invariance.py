import numpy as np
import pytest

from course_lib import invariance
from course_lib.filters import get_kernel


@pytest.fixture
def note():
    """A harmonic 'note' on a 48-band log-frequency grid: 3 harmonics from frame 10 to 30."""
    S = np.zeros((48, 64))
    for band in (8, 20, 27):
        S[band, 10:30] = 1.0 / (1 + band / 10)
    return S


def test_shift_moves_and_zero_fills():
    X = np.arange(6.0).reshape(2, 3)
    np.testing.assert_array_equal(invariance.shift(X, 1), [[0, 0, 1], [0, 3, 4]])
    np.testing.assert_array_equal(invariance.shift(X, -1, axis=0), [[3, 4, 5], [0, 0, 0]])
    assert not invariance.shift(X, 5).any()


@pytest.mark.parametrize("axis", [-1, -2])
def test_convolution_is_equivariant_to_shifts_in_time_and_pitch(note, axis):
    kernel = np.random.default_rng(0).standard_normal((3, 5))
    assert invariance.equivariance_error(note, kernel, 4, axis) < 1e-12
    # A non-translation (flip) breaks it: the check can fail.
    flipped = note[:, ::-1]
    a = invariance.equivariance_error(note, kernel, 4, axis)
    assert a < invariance.equivariance_error(flipped, get_kernel("sharpen"), 0, axis) + 1


def test_invariance_grows_with_pooling_size(note):
    scores = invariance.invariance_vs_pool_size(note, 3, [1, 2, 4, 8, 16], axis=-1)
    assert scores[0] < scores[-1]
    assert np.all(np.diff(scores) > -0.05)  # (nearly) monotone
    assert scores[-1] > 0.9
    # Without pooling a 3-frame shift of a 20-frame note leaves 17/20 overlap.
    assert scores[0] == pytest.approx(17 / 20)


def test_bad_input():
    with pytest.raises(ValueError, match="2-D map"):
        invariance.invariance_score(np.zeros(5), 1, 2)
    with pytest.raises(ValueError, match="kernel must be 2-D"):
        invariance.equivariance_error(np.zeros((4, 4)), np.zeros(3), 1)


def test_pooled_similarity_of_two_real_shifts(note):
    late = invariance.shift(note, 3)
    assert invariance.pooled_similarity(note, late, 1) == pytest.approx(17 / 20)
    # one window over all 64 frames holds both notes (frames 10-29 and 13-32): identical
    assert invariance.pooled_similarity(note, late, 64) == pytest.approx(1.0)
    # windows of 16: the late note leaks into the third window, [1, 1, 0] vs [1, 1, 1]
    assert invariance.pooled_similarity(note, late, 16) == pytest.approx(2 / np.sqrt(6))
    # pooling along time does nothing for a shift in pitch (bands 8, 20, 27 -> 10, 22, 29)
    high = invariance.shift(note, 2, axis=-2)
    assert invariance.pooled_similarity(note, high, 8, axis=-1) == pytest.approx(0.0)
    assert invariance.pooled_similarity(note, high, 16, axis=-2) > 0.9
    with pytest.raises(ValueError, match="same shape"):
        invariance.pooled_similarity(note, note[:, :10], 2)
    with pytest.raises(ValueError, match="pool_size must be positive"):
        invariance.pooled_similarity(note, note, 0)
    with pytest.raises(ValueError, match="axis must be"):
        invariance.invariance_score(note, 1, 2, axis=2)
