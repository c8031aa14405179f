"""Data augmentation for audio: label-preserving changes to a waveform or a spectrogram.

Lecture: audio as input, section "Data augmentation for audio". Each function is one
deterministic transformation (a random one takes a ``seed``), so the lecture can show and
play them one by one; :class:`course_lib.data.datasets.Augment` draws random gains, noise,
time shifts and pitch shifts for training.

On the waveform:

- :func:`random_crop` - a window of a longer clip (a random time shift for clip-level labels)
- :func:`add_noise` - white noise at an exact signal-to-noise ratio (:func:`snr_db` measures it)
- :func:`time_stretch` - faster or slower, same pitch (phase vocoder)
- :func:`pitch_shift` - higher or lower, same duration (phase vocoder, then resampling)

Acoustic augmentation - the "recording setup" changes, not the music (each takes the sample
rate; the random ones a ``seed``):

- :func:`room_impulse_response` / :func:`reverberate` - a room: exponentially decaying noise
  with a given reverberation time RT60
- :func:`equalize` / :func:`random_eq` - EQ: low/high shelf, band (peaking), low/high-pass
- :func:`compress` - dynamic range compression (threshold, ratio)
- :func:`clip` - hard or soft clipping of an overdriven input
- :func:`resample_artifacts` - down- then up-sampling (band limit, aliasing filters)
- :func:`quantize` - mu-law quantisation to a few bits (a telephone-codec-like distortion)
- :func:`random_acoustic_chain` - all of them at random, with noise down to 0 dB SNR

On the spectrogram:

- :func:`spec_augment` - SpecAugment's frequency and time masks (Park et al., 2019)
"""

from __future__ import annotations

import math

import numpy as np
import torch

from ..core.audio import check_audio
from ..core.validate import as_int

__all__ = [
    "random_crop",
    "add_noise",
    "snr_db",
    "time_stretch",
    "pitch_shift",
    "spec_augment",
    "spec_augment_mask",
    "room_impulse_response",
    "reverberate",
    "equalize",
    "random_eq",
    "compress",
    "clip",
    "resample_artifacts",
    "quantize",
    "random_acoustic_chain",
]

_SR_FOR_CHECKS = 16000  # the waveform functions below need no sample rate; checks want one


def _waveform(y, name: str = "y") -> np.ndarray:
    return np.asarray(check_audio(y, _SR_FOR_CHECKS, name=name), dtype=np.float64)


def _positive(value: float, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.number)):
        raise ValueError(f"{name} must be a number, got {value!r}")
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"{name} must be a positive finite number, got {value!r}")
    return float(value)


def random_crop(
    x: np.ndarray, length: int, seed: int | None = None, axis: int = -1
) -> tuple[np.ndarray, int]:
    """A window of ``length`` samples (or frames) of ``x`` at a random start.

    Lecture: data augmentation for audio (time shift / random crop). Training on a
    different window of a clip each epoch shows the network the same music shifted in
    time; it is label-preserving for clip-level labels (genre, tags, instrument), not for
    frame-level ones unless the labels are cropped alike.

    Parameters
    ----------
    x : ndarray
        A waveform ``(n_samples,)`` or a spectrogram ``(n_bins, n_frames)``.
    length : int
        Length of the window along ``axis``, at most ``x.shape[axis]``.
    seed : int, optional
        Seed of the start position (``None``: a fresh one).
    axis : int
        The time axis.

    Returns
    -------
    (ndarray, int)
        The window (a view of ``x``) and its start index; every start in
        ``0 .. x.shape[axis] - length`` is equally likely.
    """
    x = np.asarray(x)
    if x.ndim == 0:
        raise ValueError("x must be an array with a time axis, got a scalar")
    if not -x.ndim <= axis < x.ndim:
        raise ValueError(f"axis={axis} is out of range for x of shape {x.shape}")
    length = as_int(length, "length", minimum=1)
    total = x.shape[axis]
    if length > total:
        raise ValueError(f"length={length} is longer than x along axis {axis} ({total})")
    start = int(np.random.default_rng(seed).integers(0, total - length + 1))
    index = [slice(None)] * x.ndim
    index[axis] = slice(start, start + length)
    return x[tuple(index)], start


def add_noise(y: np.ndarray, snr: float, seed: int | None = 0) -> np.ndarray:
    """``y`` plus white Gaussian noise at exactly ``snr`` dB.

    Lecture: data augmentation for audio (added noise). The noise is scaled so that
    ``10 log10(mean(y**2) / mean(noise**2))`` equals ``snr`` for this very noise draw
    (:func:`course_lib.tasks.robustness.degrade` and ``datasets.Augment`` scale by the
    expected power instead, so their SNR is exact only on average).

    Parameters
    ----------
    y : ndarray (n_samples,)
        Floating-point audio, not silent.
    snr : float
        Signal-to-noise ratio in dB (finite; lower is noisier, 0 dB: equal powers).
    seed : int, optional

    Returns
    -------
    ndarray (n_samples,), float32
        Not renormalised: a low SNR can push samples beyond [-1, 1].
    """
    y = _waveform(y)
    if isinstance(snr, bool) or not isinstance(snr, (int, float, np.number)):
        raise ValueError(f"snr must be a number of dB, got {snr!r}")
    if not math.isfinite(snr):
        raise ValueError(f"snr must be a finite number of dB, got {snr!r}")
    power = float(np.mean(y**2))
    if power == 0:
        raise ValueError("y is silent: a signal-to-noise ratio needs a signal with power > 0")
    noise = np.random.default_rng(seed).standard_normal(len(y))
    noise *= math.sqrt(power / 10 ** (snr / 10) / np.mean(noise**2))
    return (y + noise).astype(np.float32)


def snr_db(clean: np.ndarray, noisy: np.ndarray) -> float:
    """Signal-to-noise ratio of ``noisy`` in dB, taking ``noisy - clean`` as the noise.

    Lecture: data augmentation for audio (added noise).
    """
    clean, noisy = _waveform(clean, "clean"), _waveform(noisy, "noisy")
    if clean.shape != noisy.shape:
        raise ValueError(f"clean and noisy must have one shape, got {clean.shape}, {noisy.shape}")
    noise = float(np.mean((noisy - clean) ** 2))
    if noise == 0:
        return math.inf
    return 10 * math.log10(float(np.mean(clean**2)) / noise)


def time_stretch(
    y: np.ndarray, rate: float, n_fft: int = 1024, hop_length: int = 256
) -> np.ndarray:
    """Play ``y`` ``rate`` times faster without changing its pitch (phase vocoder).

    Lecture: data augmentation for audio (time stretching). The STFT frames are resampled
    in time and their phases advanced consistently
    (``torchaudio.functional.phase_vocoder``), then turned back into audio.

    Parameters
    ----------
    y : ndarray (n_samples,)
    rate : float
        Speed factor: 2 halves the duration, 0.5 doubles it.
    n_fft, hop_length : int
        STFT size and hop of the vocoder (``hop_length <= n_fft // 2``).

    Returns
    -------
    ndarray (round(n_samples / rate),), float32
    """
    import torchaudio.functional as AF

    y = _waveform(y)
    rate = _positive(rate, "rate")
    n_fft = as_int(n_fft, "n_fft", minimum=4)
    hop_length = as_int(hop_length, "hop_length", minimum=1)
    if hop_length > n_fft // 2:
        raise ValueError(f"hop_length must be at most n_fft // 2 = {n_fft // 2}, got {hop_length}")
    length = max(1, round(len(y) / rate))
    window = torch.hann_window(n_fft, dtype=torch.float64)
    # zero padding, not torch's default reflection: the vocoder carries the phases of the
    # first frame to every later one, and a reflected border makes them disagree across the
    # bins of one partial, which then cancel (the level of a stretched sine drops ten-fold)
    S = torch.stft(
        torch.from_numpy(y),
        n_fft,
        hop_length,
        window=window,
        center=True,
        pad_mode="constant",
        return_complex=True,
    )
    advance = torch.linspace(0, math.pi * hop_length, S.shape[0], dtype=torch.float64)[:, None]
    stretched = AF.phase_vocoder(S, rate, advance)
    out = torch.istft(stretched, n_fft, hop_length, window=window, center=True, length=length)
    return out.numpy().astype(np.float32)


def pitch_shift(
    y: np.ndarray, semitones: float, n_fft: int = 1024, hop_length: int = 256
) -> np.ndarray:
    """Transpose ``y`` by ``semitones`` keeping its duration.

    Lecture: data augmentation for audio (pitch shift). Stretch the clip in time by the
    frequency ratio ``r = 2 ** (semitones / 12)`` (:func:`time_stretch` with rate ``1/r``),
    then resample it back to the original length, which multiplies every frequency by ``r``.
    The resampling is FFT-based (``scipy.signal.resample``): fast for any ratio, where
    ``torchaudio.functional.pitch_shift`` builds a polyphase filter whose size grows with
    the denominator of the ratio.

    Parameters
    ----------
    y : ndarray (n_samples,)
    semitones : float
        Positive: higher, negative: lower.
    n_fft, hop_length : int
        Of the phase vocoder.

    Returns
    -------
    ndarray (n_samples,), float32
    """
    from scipy.signal import resample

    y = _waveform(y)
    if isinstance(semitones, bool) or not isinstance(semitones, (int, float, np.number)):
        raise ValueError(f"semitones must be a number, got {semitones!r}")
    if not (math.isfinite(semitones) and abs(semitones) <= 48):
        raise ValueError(f"semitones must be a finite number in [-48, 48], got {semitones!r}")
    if semitones == 0:
        return y.astype(np.float32)
    ratio = 2 ** (semitones / 12)
    stretched = time_stretch(y, 1 / ratio, n_fft=n_fft, hop_length=hop_length)
    return resample(stretched.astype(np.float64), len(y)).astype(np.float32)


def _mask_count_and_width(count: int, width: int, size: int, what: str) -> tuple[int, int]:
    count = as_int(count, f"{what}_masks", minimum=0)
    width = as_int(width, f"{what}_width", minimum=0)
    if width > size:
        raise ValueError(
            f"{what}_width={width} is wider than the spectrogram's {size} "
            f"{'bins' if what == 'freq' else 'frames'}"
        )
    return count, width


def spec_augment_mask(
    shape: tuple[int, int],
    freq_masks: int = 2,
    freq_width: int = 8,
    time_masks: int = 2,
    time_width: int = 16,
    seed: int | None = 0,
) -> np.ndarray:
    """The boolean mask of :func:`spec_augment` (``True``: masked) for a ``shape`` spectrogram.

    Lecture: data augmentation for audio (SpecAugment). Each frequency mask covers ``f``
    consecutive bins, ``f`` drawn uniformly from ``0 .. freq_width`` and its first bin
    uniformly from ``0 .. n_bins - f``; each time mask likewise covers ``t`` frames,
    ``0 <= t <= time_width``. Masks may overlap.

    Parameters
    ----------
    shape : (int, int)
        ``(n_bins, n_frames)``.
    freq_masks, time_masks : int
        Number of masks along each axis (0: none).
    freq_width, time_width : int
        Largest width of one mask (bins, frames).
    seed : int, optional

    Returns
    -------
    ndarray of bool, shape ``shape``
    """
    if len(shape) != 2:
        raise ValueError(f"shape must be (n_bins, n_frames), got {shape!r}")
    n_bins = as_int(shape[0], "shape[0] (n_bins)", minimum=1)
    n_frames = as_int(shape[1], "shape[1] (n_frames)", minimum=1)
    freq_masks, freq_width = _mask_count_and_width(freq_masks, freq_width, n_bins, "freq")
    time_masks, time_width = _mask_count_and_width(time_masks, time_width, n_frames, "time")
    rng = np.random.default_rng(seed)
    mask = np.zeros((n_bins, n_frames), dtype=bool)
    for count, width, size, axis in (
        (freq_masks, freq_width, n_bins, 0),
        (time_masks, time_width, n_frames, 1),
    ):
        for _ in range(count):
            w = int(rng.integers(0, width + 1))
            start = int(rng.integers(0, size - w + 1))
            if axis == 0:
                mask[start : start + w, :] = True
            else:
                mask[:, start : start + w] = True
    return mask


def spec_augment(
    S: np.ndarray,
    freq_masks: int = 2,
    freq_width: int = 8,
    time_masks: int = 2,
    time_width: int = 16,
    seed: int | None = 0,
    value: float | None = None,
) -> np.ndarray:
    """SpecAugment masking: hide random bands of frequency bins and stretches of frames.

    Lecture: data augmentation for audio (SpecAugment, Park et al., 2019). The network
    must recognise the music from what is left, so it cannot rely on one narrow band or
    one moment. Masks are drawn by :func:`spec_augment_mask`.

    Parameters
    ----------
    S : ndarray, shape (..., n_bins, n_frames)
        A (log-)spectrogram; leading axes (channels, batch) share one mask.
    freq_masks, freq_width, time_masks, time_width, seed
        See :func:`spec_augment_mask`.
    value : float, optional
        What masked cells are set to; default the mean of ``S`` (the paper sets them to
        zero after normalising the input to zero mean).

    Returns
    -------
    ndarray, shape of ``S``
        A copy with the masked cells set to ``value``.
    """
    S = np.asarray(S)
    if S.ndim < 2:
        raise ValueError(f"S must be a spectrogram shaped (..., n_bins, n_frames), got {S.shape}")
    if not np.issubdtype(S.dtype, np.floating):
        raise ValueError(f"S must hold floating-point values, got dtype {S.dtype}")
    mask = spec_augment_mask(S.shape[-2:], freq_masks, freq_width, time_masks, time_width, seed)
    fill = float(S.mean()) if value is None else value
    if isinstance(fill, bool) or not isinstance(fill, (int, float, np.number)):
        raise ValueError(f"value must be a number, got {value!r}")
    out = S.copy()
    out[..., mask] = fill
    return out


# --- acoustic augmentation ----------------------------------------------------------------

_EQ_KINDS = ("lowshelf", "highshelf", "peak", "lowpass", "highpass")


def _sr(sr) -> int:
    sr = as_int(sr, "sr", minimum=1)
    if not 1000 <= sr <= 384000:
        raise ValueError(f"sr must be a sample rate in Hz between 1000 and 384000, got {sr}")
    return sr


def _number(value, name: str, low: float = -math.inf, high: float = math.inf) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.number)):
        raise ValueError(f"{name} must be a number, got {value!r}")
    if not (math.isfinite(value) and low <= value <= high):
        raise ValueError(f"{name} must be a finite number in [{low}, {high}], got {value!r}")
    return float(value)


def _rms(y: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(y, dtype=np.float64))))


def room_impulse_response(
    sr: int, rt60: float, seed: int | None = 0, drr_db: float = 0.0
) -> np.ndarray:
    """A synthetic room impulse response: a direct sound and an exponentially decaying tail.

    Lecture: audio as input, data augmentation (room reverberation). A diffuse reverberant
    tail is well modelled by Gaussian noise whose amplitude decays exponentially; the
    reverberation time RT60 is the time it takes to decay by 60 dB, so the envelope is
    ``exp(-ln(1000) * t / rt60)``. Convolving a dry recording with it
    (:func:`reverberate`) puts the recording in that "room".

    Parameters
    ----------
    sr : int
        Sample rate in Hz.
    rt60 : float
        Reverberation time in seconds (0.05 to 5; a living room ~0.4, a church ~3).
    seed : int, optional
        Seed of the noise.
    drr_db : float
        Direct-to-reverberant ratio: the energy of the direct sound (the first sample, 1.0)
        over the energy of the tail, in dB (-20 to 40; lower: wetter).

    Returns
    -------
    ndarray (round(rt60 * sr) + 1,), float32
        ``h[0] = 1`` (the direct sound), then the tail, which has decayed by 60 dB at its end.
    """
    sr = _sr(sr)
    rt60 = _number(rt60, "rt60", 0.05, 5.0)
    drr_db = _number(drr_db, "drr_db", -20.0, 40.0)
    n = int(round(rt60 * sr))
    t = np.arange(1, n + 1) / sr
    tail = np.random.default_rng(seed).standard_normal(n) * np.exp(-math.log(1000) * t / rt60)
    tail *= math.sqrt(10 ** (-drr_db / 10) / np.sum(tail**2))
    return np.concatenate([[1.0], tail]).astype(np.float32)


def reverberate(
    y: np.ndarray, sr: int, rt60: float, seed: int | None = 0, drr_db: float = 0.0
) -> np.ndarray:
    """``y`` played in a synthetic room (convolved with :func:`room_impulse_response`).

    Lecture: audio as input, data augmentation (room reverberation). The output keeps the
    length and the RMS level of ``y`` (the tail beyond the end is cut), so labels on the time
    axis still line up: the direct sound is not delayed.

    Parameters
    ----------
    y : ndarray (n_samples,)
    sr : int
    rt60, seed, drr_db
        Of the room, see :func:`room_impulse_response`.

    Returns
    -------
    ndarray (n_samples,), float32
    """
    from scipy.signal import fftconvolve

    y = _waveform(y)
    h = room_impulse_response(sr, rt60, seed, drr_db).astype(np.float64)
    wet = fftconvolve(y, h)[: len(y)]
    level, wet_level = _rms(y), _rms(wet)
    return (wet * (level / wet_level if wet_level > 0 else 0.0)).astype(np.float32)


def _biquad(kind: str, freq: float, sr: int, gain_db: float, q: float) -> np.ndarray:
    """Second-order section ``[b0, b1, b2, 1, a1, a2]`` (Bristow-Johnson's Audio EQ Cookbook)."""
    w0 = 2 * math.pi * freq / sr
    cos, alpha = math.cos(w0), math.sin(w0) / (2 * q)
    a = 10 ** (gain_db / 40)
    if kind == "peak":
        b = [1 + alpha * a, -2 * cos, 1 - alpha * a]
        den = [1 + alpha / a, -2 * cos, 1 - alpha / a]
    elif kind == "lowpass":
        b = [(1 - cos) / 2, 1 - cos, (1 - cos) / 2]
        den = [1 + alpha, -2 * cos, 1 - alpha]
    elif kind == "highpass":
        b = [(1 + cos) / 2, -(1 + cos), (1 + cos) / 2]
        den = [1 + alpha, -2 * cos, 1 - alpha]
    else:  # shelves
        sq = 2 * math.sqrt(a) * alpha
        sign = 1 if kind == "lowshelf" else -1
        b = [
            a * ((a + 1) - sign * (a - 1) * cos + sq),
            sign * 2 * a * ((a - 1) - sign * (a + 1) * cos),
            a * ((a + 1) - sign * (a - 1) * cos - sq),
        ]
        den = [
            (a + 1) + sign * (a - 1) * cos + sq,
            -sign * 2 * ((a - 1) + sign * (a + 1) * cos),
            (a + 1) + sign * (a - 1) * cos - sq,
        ]
    return np.array(b + den) / den[0]


def equalize(
    y: np.ndarray, sr: int, kind: str, freq: float, gain_db: float = 0.0, q: float = 0.707
) -> np.ndarray:
    """One EQ filter (a biquad) applied to ``y``.

    Lecture: audio as input, data augmentation (EQ / filtering). Microphones, rooms,
    loudspeakers and mixing engineers colour the spectrum; a model should not care.

    Parameters
    ----------
    y : ndarray (n_samples,)
    sr : int
    kind : {"lowshelf", "highshelf", "peak", "lowpass", "highpass"}
        Shelves change the level below / above ``freq`` by ``gain_db``; ``"peak"`` changes a
        band around ``freq`` (bandwidth ``freq / q``); the passes cut above / below ``freq``
        (12 dB per octave, ``gain_db`` unused).
    freq : float
        Corner or centre frequency in Hz, below ``sr / 2``.
    gain_db : float
        Boost (positive) or cut in dB, within +-40.
    q : float
        Quality factor (0.1 to 20; 0.707: the flattest passes and shelves).

    Returns
    -------
    ndarray (n_samples,), float32
    """
    from scipy.signal import sosfilt

    y = _waveform(y)
    sr = _sr(sr)
    if kind not in _EQ_KINDS:
        raise ValueError(f"kind must be one of {_EQ_KINDS}, got {kind!r}")
    freq = _number(freq, "freq", 1.0, sr / 2 * 0.999)
    gain_db = _number(gain_db, "gain_db", -40.0, 40.0)
    q = _number(q, "q", 0.1, 20.0)
    return sosfilt(_biquad(kind, freq, sr, gain_db, q)[None], y).astype(np.float32)


def random_eq(y: np.ndarray, sr: int, seed: int | None = 0, max_gain_db: float = 12.0):
    """One random :func:`equalize` filter: kind, frequency (log-uniform), gain and Q.

    Lecture: audio as input, data augmentation (EQ / filtering). Shelves and bands change
    the level by up to ``max_gain_db``; a low-pass cuts above 1.5-7 kHz (but below
    ``sr / 2``), a high-pass below 40-300 Hz. The output keeps the RMS level of ``y``.

    Returns
    -------
    (ndarray (n_samples,) float32, dict)
        The filtered audio and the filter drawn (``kind``, ``freq``, ``gain_db``, ``q``).
    """
    sr = _sr(sr)
    max_gain_db = _number(max_gain_db, "max_gain_db", 0.0, 40.0)
    rng = np.random.default_rng(seed)
    kind = str(rng.choice(_EQ_KINDS))
    low, high = {
        "lowshelf": (80, 800),
        "highshelf": (1500, 6000),
        "peak": (150, 5000),
        "lowpass": (1500, 7000),
        "highpass": (40, 300),
    }[kind]
    high = min(high, 0.45 * sr)
    low = min(low, high)
    params = {
        "kind": kind,
        "freq": float(np.exp(rng.uniform(np.log(low), np.log(high)))),
        "gain_db": float(rng.uniform(-max_gain_db, max_gain_db)),
        "q": float(rng.uniform(0.5, 2.0)) if kind == "peak" else 0.707,
    }
    out = equalize(y, sr, **params)
    level, out_level = _rms(_waveform(y)), _rms(out)
    scale = level / out_level if out_level > 0 else 0.0
    return (out * scale).astype(np.float32), params


def compress(
    y: np.ndarray,
    sr: int,
    threshold_db: float = -20.0,
    ratio: float = 4.0,
    time_constant: float = 0.01,
    makeup_db: float = 0.0,
) -> np.ndarray:
    """Dynamic range compression: levels above ``threshold_db`` grow ``ratio`` times slower.

    Lecture: audio as input, data augmentation (dynamics and compression). Broadcast and
    pop productions squash loud passages; a note's level then says less about its velocity.
    The level is the RMS envelope (one-pole smoothing of ``y**2`` with ``time_constant``) in
    dB full scale; where it exceeds the threshold by ``x`` dB the gain is
    ``-x * (1 - 1 / ratio)`` dB, so a steady tone at ``L`` dB comes out at
    ``threshold + (L - threshold) / ratio`` (plus ``makeup_db``).

    Parameters
    ----------
    y : ndarray (n_samples,)
    sr : int
    threshold_db : float
        In dB relative to a full-scale RMS of 1 (-80 to 0).
    ratio : float
        1 (no compression) to 100 (a limiter).
    time_constant : float
        Seconds (0.0001 to 1) of the level detector.
    makeup_db : float
        Gain added after compression (-40 to 40).

    Returns
    -------
    ndarray (n_samples,), float32
    """
    from scipy.signal import lfilter

    y = _waveform(y)
    sr = _sr(sr)
    threshold_db = _number(threshold_db, "threshold_db", -80.0, 0.0)
    ratio = _number(ratio, "ratio", 1.0, 100.0)
    time_constant = _number(time_constant, "time_constant", 1e-4, 1.0)
    makeup_db = _number(makeup_db, "makeup_db", -40.0, 40.0)
    pole = math.exp(-1.0 / (time_constant * sr))
    power = lfilter([1 - pole], [1, -pole], y**2)
    level_db = 10 * np.log10(np.maximum(power, 1e-12))
    gain_db = -np.maximum(level_db - threshold_db, 0.0) * (1 - 1 / ratio) + makeup_db
    return (y * 10 ** (gain_db / 20)).astype(np.float32)


def clip(y: np.ndarray, level: float = 0.5, soft: bool = False) -> np.ndarray:
    """Clipping: samples beyond ``level`` times the peak of ``y`` are cut off (an overdriven
    input or converter).

    Lecture: audio as input, data augmentation (clipping). Hard clipping flattens the tops
    of the waveform (odd harmonics appear); ``soft`` passes it through
    ``level * peak * tanh(y / (level * peak))`` instead, a saturating amplifier.

    Parameters
    ----------
    y : ndarray (n_samples,)
    level : float
        Clipping level as a fraction of the peak, in (0, 1] (1: nothing is clipped when hard).
    soft : bool

    Returns
    -------
    ndarray (n_samples,), float32
        ``|out| <= level * max|y|`` everywhere; samples below the level are unchanged (hard).
    """
    y = _waveform(y)
    level = _number(level, "level", 0.0, 1.0)
    if level == 0:
        raise ValueError("level must be in (0, 1], got 0")
    bound = level * float(np.abs(y).max())
    if bound == 0:
        return y.astype(np.float32)
    out = bound * np.tanh(y / bound) if soft else np.clip(y, -bound, bound)
    return np.clip(out, -bound, bound).astype(np.float32)


def resample_artifacts(y: np.ndarray, sr: int, low_sr: int) -> np.ndarray:
    """``y`` resampled down to ``low_sr`` and back up to ``sr`` (same length).

    Lecture: audio as input, data augmentation (resampling and codec artefacts). Content
    above ``low_sr / 2`` is lost (as in a telephone line at 8 kHz or an old recording), and
    the anti-aliasing filters leave their ripple and phase. Polyphase filtering
    (``scipy.signal.resample_poly``).

    Parameters
    ----------
    y : ndarray (n_samples,)
    sr : int
    low_sr : int
        The intermediate rate, 1000 to ``sr``.

    Returns
    -------
    ndarray (n_samples,), float32
    """
    from scipy.signal import resample_poly

    y = _waveform(y)
    sr = _sr(sr)
    low_sr = _sr(low_sr)
    if low_sr > sr:
        raise ValueError(f"low_sr={low_sr} must be at most sr={sr}")
    if low_sr == sr:
        return y.astype(np.float32)
    g = math.gcd(sr, low_sr)
    down = resample_poly(y, low_sr // g, sr // g)
    up = resample_poly(down, sr // g, low_sr // g)
    out = np.zeros(len(y))
    out[: min(len(y), len(up))] = up[: len(y)]
    return out.astype(np.float32)


def quantize(y: np.ndarray, bits: int = 8, mu: float = 255.0) -> np.ndarray:
    """mu-law companding and quantisation to ``bits`` bits (a G.711-like codec's distortion).

    Lecture: audio as input, data augmentation (codec artefacts). The waveform is scaled to
    its peak, compressed with ``sign(x) log(1 + mu |x|) / log(1 + mu)``, rounded to
    ``2**bits`` levels and expanded back: quiet passages keep their detail, loud ones get
    coarse steps (quantisation noise that follows the signal).

    Parameters
    ----------
    y : ndarray (n_samples,)
    bits : int
        2 to 16.
    mu : float
        Companding strength (1 to 1000; 255 as in telephony).

    Returns
    -------
    ndarray (n_samples,), float32
        At most ``2**bits`` distinct values; the peak of ``y`` is kept.
    """
    y = _waveform(y)
    bits = as_int(bits, "bits", minimum=2)
    if bits > 16:
        raise ValueError(f"bits must be in 2..16, got {bits}")
    mu = _number(mu, "mu", 1.0, 1000.0)
    peak = float(np.abs(y).max())
    if peak == 0:
        return y.astype(np.float32)
    x = y / peak
    c = np.sign(x) * np.log1p(mu * np.abs(x)) / math.log1p(mu)
    steps = 2 ** (bits - 1) - 0.5  # levels at (k + 0.5) / steps, k = -2**(bits-1) .. 2**(bits-1)-1
    c = (np.clip(np.floor(c * steps), -(2 ** (bits - 1)), 2 ** (bits - 1) - 1) + 0.5) / steps
    x = np.sign(c) * np.expm1(np.abs(c) * math.log1p(mu)) / mu
    return (x * peak).astype(np.float32)


def random_acoustic_chain(
    y: np.ndarray,
    sr: int,
    seed: int | None = 0,
    snr_range: tuple[float, float] = (0.0, 40.0),
    probability: float = 0.5,
    return_params: bool = False,
):
    """A random "recording setup": EQ, compression, room, resampling, noise, clipping, codec.

    Lecture: audio as input, data augmentation (a chain of acoustic transformations). Each
    stage is applied with ``probability``, in the order a signal meets them: EQ
    (:func:`random_eq`), compression (:func:`compress`, threshold 10-30 dB below the RMS
    level, ratio 2-10), a room (:func:`reverberate`, RT60 0.1-1.5 s, DRR -5 to 15 dB),
    resampling (:func:`resample_artifacts` through 4, 8 or 11.025 kHz, below ``sr``), white
    noise at an SNR uniform in ``snr_range`` (:func:`add_noise`, exact for the draw),
    clipping at 30-90 % of the peak (:func:`clip`, hard or soft) and mu-law quantisation to
    6-10 bits (:func:`quantize`). The output is finally scaled to the RMS level of ``y``.
    Labels that hold for the clean audio (pitch, onsets, instruments) still hold.

    Parameters
    ----------
    y : ndarray (n_samples,)
        Not silent.
    sr : int
    seed : int, optional
        Everything random comes from it: the same seed gives the same output.
    snr_range : (float, float)
        Lowest and highest SNR in dB (-10 to 100), e.g. ``(0, 40)``.
    probability : float
        Of each stage, in [0, 1] (0: ``y`` unchanged but for the level).
    return_params : bool
        Also return what was drawn.

    Returns
    -------
    ndarray (n_samples,), float32, or (ndarray, dict) with ``return_params``
        The dict has one key per stage applied, with its parameters.
    """
    y = _waveform(y)
    sr = _sr(sr)
    if len(snr_range) != 2:
        raise ValueError(f"snr_range must be (low, high) in dB, got {snr_range!r}")
    lo = _number(snr_range[0], "snr_range[0]", -10.0, 100.0)
    hi = _number(snr_range[1], "snr_range[1]", lo, 100.0)
    probability = _number(probability, "probability", 0.0, 1.0)
    level = _rms(y)
    if level == 0:
        raise ValueError("y is silent: the chain needs a signal (its SNR and level)")
    rng = np.random.default_rng(seed)
    seeds = rng.integers(0, 2**31, size=4)
    # every draw is made whether or not the stage is applied: stages do not shift each other
    use = rng.random(7) < probability
    params: dict = {}
    x = y
    if use[0]:
        x, params["eq"] = random_eq(x, sr, seed=int(seeds[0]))
    c = {
        "threshold_db": float(20 * np.log10(level) - rng.uniform(10, 30)),
        "ratio": float(rng.uniform(2, 10)),
    }
    if use[1]:
        c["threshold_db"] = max(c["threshold_db"], -80.0)
        x = compress(x, sr, c["threshold_db"], c["ratio"])
        params["compress"] = c
    r = {"rt60": float(rng.uniform(0.1, 1.5)), "drr_db": float(rng.uniform(-5, 15))}
    if use[2]:
        x = reverberate(x, sr, r["rt60"], int(seeds[1]), r["drr_db"])
        params["reverb"] = r
    low = int(rng.choice([4000, 8000, 11025]))
    if use[3] and low < sr:
        x = resample_artifacts(x, sr, low)
        params["resample"] = {"low_sr": low}
    snr = float(rng.uniform(lo, hi))
    if use[4] and _rms(x) > 0:
        x = add_noise(x, snr, seed=int(seeds[2]))
        params["noise"] = {"snr_db": snr}
    k = {"level": float(rng.uniform(0.3, 0.9)), "soft": bool(rng.random() < 0.5)}
    if use[5]:
        x = clip(x, **k)
        params["clip"] = k
    bits = int(rng.integers(6, 11))
    if use[6]:
        x = quantize(x, bits)
        params["quantize"] = {"bits": bits}
    x = np.asarray(x, dtype=np.float64)
    out_level = _rms(x)
    out = (x * (level / out_level if out_level > 0 else 0.0)).astype(np.float32)
    return (out, params) if return_params else out
