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


# --- acoustic augmentation ----------------------------------------------------------------

SR16 = 16000


def _sine(freq, seconds=1.0, amp=1.0, sr=SR16):
    t = np.arange(int(seconds * sr)) / sr
    return (amp * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def _gain_db(y, out, skip=4000):
    return 20 * np.log10(np.std(out[skip:]) / np.std(y[skip:]))


@pytest.mark.parametrize(("rt60", "drr"), [(0.3, 0.0), (0.8, 5.0), (2.0, -10.0)])
def test_room_impulse_response_has_the_rt60_and_drr(rt60, drr):
    h = augment.room_impulse_response(SR16, rt60, seed=3, drr_db=drr)
    assert h.dtype == np.float32 and len(h) == round(rt60 * SR16) + 1 and h[0] == 1.0
    tail = h[1:].astype(np.float64)
    assert 10 * np.log10(1 / np.sum(tail**2)) == pytest.approx(drr, abs=1e-3)
    # Schroeder backward integration; T30 (the -5 to -35 dB slope) extrapolated to 60 dB
    edc = np.cumsum(tail[::-1] ** 2)[::-1]
    edc_db = 10 * np.log10(edc / edc[0])
    t = np.arange(len(edc)) / SR16
    fit = (edc_db <= -5) & (edc_db >= -35)
    measured = -60 / np.polyfit(t[fit], edc_db[fit], 1)[0]
    assert measured == pytest.approx(rt60, rel=0.1)
    np.testing.assert_array_equal(h, augment.room_impulse_response(SR16, rt60, 3, drr))


def test_reverberate_keeps_length_level_and_onset():
    y = np.zeros(SR16, np.float32)
    y[4000:4400] = _sine(440, 0.025)
    wet = augment.reverberate(y, SR16, 0.5, seed=1, drr_db=0.0)
    assert wet.shape == y.shape and wet.dtype == np.float32
    assert np.sqrt(np.mean(wet.astype(float) ** 2)) == pytest.approx(np.sqrt(np.mean(y**2.0)))
    assert np.abs(wet[:4000]).max() < 1e-9  # nothing before the direct sound (FFT rounding)
    assert np.abs(wet[6000:]).max() > 0.01  # a tail after the dry note has ended
    with pytest.raises(ValueError, match="rt60"):
        augment.reverberate(y, SR16, 0.0)


@pytest.mark.parametrize(
    ("kind", "freq", "gain", "expected"),
    [
        ("peak", 1000, 6.0, {50: 0, 1000: 6, 7000: 0}),
        ("lowshelf", 200, -10.0, {50: -10, 1000: 0, 7000: 0}),
        ("highshelf", 4000, 8.0, {50: 0, 1000: 0, 7000: 8}),
        ("lowpass", 1000, 0.0, {50: 0, 1000: -3, 7000: -50}),
        ("highpass", 1000, 0.0, {50: -50, 1000: -3, 7000: 0}),
    ],
)
def test_equalize_gains_at_test_frequencies(kind, freq, gain, expected):
    for f, want in expected.items():
        y = _sine(f)
        got = _gain_db(y, augment.equalize(y, SR16, kind, freq, gain))
        if want <= -50:
            assert got < -45
        else:
            assert got == pytest.approx(want, abs=0.3)


def test_random_eq_is_seeded_and_keeps_the_level():
    y = _sine(300) + _sine(3000, amp=0.3)
    a, p = augment.random_eq(y, SR16, seed=5)
    b, q = augment.random_eq(y, SR16, seed=5)
    np.testing.assert_array_equal(a, b)
    assert p == q and p["kind"] in ("lowshelf", "highshelf", "peak", "lowpass", "highpass")
    assert np.std(a) == pytest.approx(np.std(y), rel=1e-3)
    kinds = {augment.random_eq(y, SR16, seed=s)[1]["kind"] for s in range(40)}
    assert len(kinds) == 5
    with pytest.raises(ValueError, match="kind"):
        augment.equalize(y, SR16, "notch", 1000)
    with pytest.raises(ValueError, match="freq"):
        augment.equalize(y, SR16, "peak", 9000)


def test_compress_follows_the_static_curve():
    y = _sine(440, amp=0.5)  # RMS -9.03 dB
    level = 20 * np.log10(0.5 / np.sqrt(2))
    out = augment.compress(y, SR16, threshold_db=-20, ratio=4)
    assert 20 * np.log10(np.std(out[4000:])) == pytest.approx(-20 + (level + 20) / 4, abs=0.1)
    quiet = _sine(440, amp=0.01)  # below the threshold: unchanged
    np.testing.assert_allclose(augment.compress(quiet, SR16, -20, 4)[4000:], quiet[4000:], 1e-5)
    assert augment.compress(y, SR16, -20, 1.0) == pytest.approx(y, abs=1e-6)
    with pytest.raises(ValueError, match="ratio"):
        augment.compress(y, SR16, ratio=0.5)


@pytest.mark.parametrize("soft", [False, True])
def test_clip_is_bounded(soft):
    y = _sine(440, amp=0.8)
    out = augment.clip(y, 0.5, soft=soft)
    assert out.dtype == np.float32 and out.shape == y.shape
    assert np.abs(out).max() <= 0.4 + 1e-6
    small = np.abs(y) < 0.1
    if not soft:
        np.testing.assert_array_equal(out[np.abs(y) <= 0.4], y[np.abs(y) <= 0.4])
    else:
        np.testing.assert_allclose(out[small], y[small], atol=2e-3)
    with pytest.raises(ValueError, match="level"):
        augment.clip(y, 1.5)


def test_resample_artifacts_remove_what_the_low_rate_cannot_carry():
    low, high = _sine(1000), _sine(6000)
    assert _gain_db(low, augment.resample_artifacts(low, SR16, 8000)) == pytest.approx(0, abs=0.2)
    assert _gain_db(high, augment.resample_artifacts(high, SR16, 8000)) < -40
    assert augment.resample_artifacts(high, SR16, 8000).shape == high.shape
    with pytest.raises(ValueError, match="low_sr"):
        augment.resample_artifacts(low, SR16, 22050)


def test_quantize_levels_and_peak():
    y = _sine(440, amp=0.7)
    out = augment.quantize(y, bits=6)
    assert len(np.unique(out)) <= 64 and np.abs(out).max() <= 0.7 + 1e-6
    assert augment.snr_db(y, out) > 15  # coarse but recognisable
    assert augment.snr_db(y, augment.quantize(y, bits=12)) > augment.snr_db(y, out) + 20


def test_random_acoustic_chain_is_seeded_and_reaches_0_db():
    y = _sine(440, seconds=2.0, amp=0.3) + _sine(880, seconds=2.0, amp=0.1)
    a, p = augment.random_acoustic_chain(y, SR16, seed=7, return_params=True)
    np.testing.assert_array_equal(a, augment.random_acoustic_chain(y, SR16, seed=7))
    assert not np.array_equal(a, augment.random_acoustic_chain(y, SR16, seed=8))
    assert a.dtype == np.float32 and a.shape == y.shape and np.isfinite(a).all()
    assert np.std(a) == pytest.approx(np.std(y), rel=1e-3)
    # every stage runs with probability 1; its SNR is drawn from the range asked for
    b, q = augment.random_acoustic_chain(y, SR16, 1, (0.0, 0.0), 1.0, return_params=True)
    assert set(q) == {"eq", "compress", "reverb", "resample", "noise", "clip", "quantize"}
    assert q["noise"]["snr_db"] == 0.0
    snrs = [
        augment.random_acoustic_chain(y, SR16, s, probability=1.0, return_params=True)[1]
        for s in range(30)
    ]
    assert min(r["noise"]["snr_db"] for r in snrs) < 5
    c, r = augment.random_acoustic_chain(y, SR16, 3, probability=0.0, return_params=True)
    assert r == {}
    np.testing.assert_allclose(c, y, atol=1e-6)
    with pytest.raises(ValueError, match="silent"):
        augment.random_acoustic_chain(np.zeros(SR16, np.float32), SR16)
