import numpy as np
import pytest
import torch
import torch.nn.functional as F

from course_lib import arithmetic, filters


def test_apply_filter_keeps_size_and_matches_torch():
    S = np.random.default_rng(0).random((20, 30))
    K = filters.get_kernel("pitch edge (frequency difference)")
    Y = filters.apply_filter(S, K)
    ref = F.conv2d(torch.from_numpy(S)[None, None], torch.from_numpy(K)[None, None], padding=1)
    np.testing.assert_allclose(Y, ref[0, 0].numpy())
    assert (filters.apply_filter(S, K, rectify=True) >= 0).all()


def test_onset_kernel_fires_at_onsets():
    S = np.zeros((10, 20))
    S[:, 8:] = 1.0
    Y = filters.apply_filter(S, filters.get_kernel("onset (time difference)"), rectify=True)
    assert np.argmax(Y[5]) in (7, 8) and Y[5, :6].max() == 0 and Y[5, 10:19].max() == 0


def test_named_kernels_are_copies_and_errors():
    k = filters.get_kernel("identity")
    k[1, 1] = 5
    assert filters.KERNELS["identity"][1, 1] == 1
    with pytest.raises(ValueError, match="unknown kernel"):
        filters.get_kernel("gabor")
    with pytest.raises(ValueError, match="odd sizes"):
        filters.apply_filter(np.zeros((4, 4)), np.ones((2, 2)))


def test_conv_step_and_formula():
    x = np.arange(25.0).reshape(5, 5)
    K = np.ones((3, 3))
    step = arithmetic.conv_step(x, K, step=0, stride=2, padding=1)
    assert step.output.shape == (3, 3) and step.position == (0, 0)
    assert step.value == x[0:2, 0:2].sum()
    assert arithmetic.conv_step(x, K, step=9, stride=2, padding=1).position == (0, 0)  # wraps
    assert arithmetic.output_size_formula(5, 3, 2, 1) == (
        "floor((5 + 2*1 - 1*(3-1) - 1) / 2) + 1 = 3"
    )
    with pytest.raises(ValueError, match="2-D"):
        arithmetic.conv_step(np.zeros(5), K, 0)


def test_parse_kernel_reads_rows_and_explains_mistakes():
    np.testing.assert_array_equal(
        filters.parse_kernel("-1 0 1; -1, 0, 1;"), [[-1, 0, 1], [-1, 0, 1]]
    )
    np.testing.assert_array_equal(filters.parse_kernel("2"), [[2.0]])
    with pytest.raises(ValueError, match=r"same length, got lengths \[1, 2\]"):
        filters.parse_kernel("1 2; 3")
    with pytest.raises(ValueError, match="could not read"):
        filters.parse_kernel("1 x 2")
    with pytest.raises(ValueError, match="empty"):
        filters.parse_kernel(" ; ")
    with pytest.raises(ValueError, match="non-finite"):
        filters.parse_kernel("1 nan 1")


def test_harmonic_kernel_offsets_and_errors():
    K = filters.harmonic_kernel(4, 24)  # quarter tones: 2 f0 = 24 bins, 3 f0 = 38, 4 f0 = 48
    assert K.shape == (97, 1)
    np.testing.assert_array_equal(np.flatnonzero(K[:, 0]) - 48, [0, 24, 38, 48])
    assert K.sum() == pytest.approx(1.0)
    np.testing.assert_array_equal(filters.harmonic_kernel(1), [[1.0]])
    with pytest.raises(ValueError, match="must be positive"):
        filters.harmonic_kernel(0)
    with pytest.raises(ValueError, match="bins_per_octave must be an int"):
        filters.harmonic_kernel(3, 12.5)
