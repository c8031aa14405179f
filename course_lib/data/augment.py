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
