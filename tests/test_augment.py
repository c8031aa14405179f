"""Audio data augmentation (``course_lib.data.augment``): values, determinism, errors."""

import numpy as np
import pytest

from course_lib.data import augment

SR = 22050


def _tone(freq=440.0, seconds=1.0):
    t = np.arange(int(seconds * SR)) / SR
    return np.sin(2 * np.pi * freq * t).astype(np.float32)


def _peak_hz(y):
    spectrum = np.abs(np.fft.rfft(y * np.hanning(len(y))))
    return np.fft.rfftfreq(len(y), 1 / SR)[np.argmax(spectrum)]


def test_random_crop_windows_and_determinism():
    x = np.arange(100)
    crop, start = augment.random_crop(x, 30, seed=4)
    np.testing.assert_array_equal(crop, np.arange(start, start + 30))
    assert augment.random_crop(x, 30, seed=4)[1] == start
    starts = {augment.random_crop(x, 98, seed=s)[1] for s in range(200)}
    assert starts == {0, 1, 2}  # every start is possible, none beyond the end
    S = np.arange(12).reshape(3, 4)
    crop, start = augment.random_crop(S, 2, seed=0)
    np.testing.assert_array_equal(crop, S[:, start : start + 2])
    assert augment.random_crop(S, 3, seed=0, axis=0)[0].shape == (3, 4)


@pytest.mark.parametrize("snr", [-5.0, 0.0, 10.0, 30.0])
def test_add_noise_gives_exactly_the_snr(snr):
    y = _tone()
    noisy = augment.add_noise(y, snr, seed=1)
    assert noisy.dtype == np.float32 and noisy.shape == y.shape
    assert augment.snr_db(y, noisy) == pytest.approx(snr, abs=1e-3)
    np.testing.assert_array_equal(noisy, augment.add_noise(y, snr, seed=1))
    assert not np.array_equal(noisy, augment.add_noise(y, snr, seed=2))


def test_snr_by_hand():
    clean = np.ones(4)
    noisy = clean + np.array([0.1, -0.1, 0.1, -0.1])  # noise power 0.01: 20 dB
    assert augment.snr_db(clean, noisy) == pytest.approx(20.0)
    assert augment.snr_db(clean, clean) == np.inf


@pytest.mark.parametrize("rate", [0.5, 0.8, 1.25, 2.0])
def test_time_stretch_changes_duration_not_pitch(rate):
    y = _tone(440.0)
    out = augment.time_stretch(y, rate)
    assert len(out) == round(len(y) / rate) and out.dtype == np.float32
    assert _peak_hz(out) == pytest.approx(440.0, abs=3)
    middle = out[len(out) // 4 : 3 * len(out) // 4]
    # about the same level (a phase vocoder loses a little at slow rates)
    assert np.sqrt(np.mean(middle**2)) == pytest.approx(np.sqrt(0.5), rel=0.2)


@pytest.mark.parametrize("semitones", [-5, -1.5, 3, 7, 12])
def test_pitch_shift_changes_pitch_not_duration(semitones):
    y = _tone(440.0)
    out = augment.pitch_shift(y, semitones)
    assert len(out) == len(y) and out.dtype == np.float32
    expected = 440.0 * 2 ** (semitones / 12)
    assert _peak_hz(out) == pytest.approx(expected, abs=3)
    np.testing.assert_allclose(augment.pitch_shift(y, 0), y)


def test_spec_augment_mask_structure_and_bounds():
    mask = augment.spec_augment_mask((64, 100), 2, 8, 3, 10, seed=0)
    rows, cols = mask.all(axis=1), mask.all(axis=0)
    # every masked cell lies in a fully masked row (frequency mask) or column (time mask)
    np.testing.assert_array_equal(mask, rows[:, None] | cols[None, :])
    assert rows.sum() <= 2 * 8 and cols.sum() <= 3 * 10
    assert not augment.spec_augment_mask((64, 100), 0, 8, 0, 10).any()
    assert not augment.spec_augment_mask((64, 100), 5, 0, 5, 0).any()
    full = augment.spec_augment_mask((4, 5), 1, 4, 0, 0, seed=0)
    assert full.all() or not full.all(axis=1).all()


def test_spec_augment_masked_fraction_on_average():
    # one frequency mask, width uniform in 0..F: on average F/2 of the n bins
    fractions = [
        augment.spec_augment_mask((80, 10), 1, 20, 0, 0, seed=s).mean() for s in range(2000)
    ]
    assert np.mean(fractions) == pytest.approx(10 / 80, rel=0.05)
    assert max(fractions) <= 20 / 80


def test_spec_augment_values_and_determinism():
    S = np.random.default_rng(0).standard_normal((2, 32, 40))  # two channels share one mask
    out = augment.spec_augment(S, 2, 6, 2, 8, seed=3, value=-100.0)
    mask = augment.spec_augment_mask((32, 40), 2, 6, 2, 8, seed=3)
    assert mask.any()
    np.testing.assert_array_equal(out[:, mask], -100.0)
    np.testing.assert_array_equal(out[:, ~mask], S[:, ~mask])
    np.testing.assert_array_equal(out, augment.spec_augment(S, 2, 6, 2, 8, seed=3, value=-100.0))
    assert S.min() > -100  # the input is not modified
    default = augment.spec_augment(S[0], 2, 6, 2, 8, seed=3)
    np.testing.assert_allclose(default[mask], S[0].mean())


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: augment.random_crop(np.arange(5), 6), "length=6"),
        (lambda: augment.random_crop(np.arange(5), 0), "length"),
        (lambda: augment.random_crop(np.arange(5), 2, axis=1), "axis"),
        (lambda: augment.add_noise(np.zeros(100, np.float32), 10), "silent"),
        (lambda: augment.add_noise(_tone(), float("nan")), "snr"),
        (lambda: augment.add_noise(_tone(), "10"), "snr"),
        (lambda: augment.add_noise(np.arange(10), 10), "floating-point"),
        (lambda: augment.snr_db(_tone(), _tone()[:10]), "one shape"),
        (lambda: augment.time_stretch(_tone(), 0), "rate"),
        (lambda: augment.time_stretch(_tone(), -1.0), "rate"),
        (lambda: augment.time_stretch(_tone(), 1.1, n_fft=256, hop_length=200), "hop_length"),
        (lambda: augment.time_stretch(np.zeros((2, 100), np.float32), 1.1), "1-D"),
        (lambda: augment.pitch_shift(_tone(), float("inf")), "semitones"),
        (lambda: augment.pitch_shift(_tone(), 60), "semitones"),
        (lambda: augment.spec_augment_mask((10, 10), 1, 11, 0, 0), "freq_width"),
        (lambda: augment.spec_augment_mask((10, 10), 0, 0, 1, 11), "time_width"),
        (lambda: augment.spec_augment_mask((10, 10), -1, 2, 0, 0), "freq_masks"),
        (lambda: augment.spec_augment_mask((10,), 1, 2, 0, 0), "shape"),
        (lambda: augment.spec_augment(np.zeros(10), 1, 2, 0, 0), "spectrogram"),
        (lambda: augment.spec_augment(np.zeros((4, 4), int), 1, 2, 0, 0), "floating-point"),
        (lambda: augment.spec_augment(np.zeros((4, 4)), 1, 2, 0, 0, value="x"), "value"),
    ],
)
def test_bad_input_raises_clear_errors(call, match):
    with pytest.raises(ValueError, match=match):
        call()
