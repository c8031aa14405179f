"""Robustness checks for the shipped MIR models: other SoundFonts, noise and reverberation.

Lecture: event- and frame-level MIR — does a CNN trained on rendered audio hold up on audio
that sounds different? Two probes that need no recorded data set:

- :func:`rerender` renders a clip of a course dataset again, with exactly the same notes and
  labels, through another SoundFont (e.g. FluidR3 instead of the TimGM6mb used for training);
- :func:`degrade` adds white noise at a given SNR and a synthetic room reverberation
  (exponentially decaying noise impulse response with a given RT60).
"""

from __future__ import annotations

import numpy as np

from ..data.generate import DATASETS, f0_from_notes, hash_name
from ..data.render import render_notes
from ._common import prepare_audio

__all__ = ["degrade", "rerender"]


def degrade(
    y: np.ndarray,
    sr: int,
    snr_db: float | None = 20.0,
    rt60: float | None = 0.4,
    seed: int = 0,
) -> np.ndarray:
    """Reverberated and noisy copy of ``y`` (same length, peak-normalised to 0.9).

    Lecture: robustness of MIR models (recordings have rooms and noise; renderings do not).

    Parameters
    ----------
    y : ndarray (n_samples,)
    sr : int
    snr_db : float, optional
        Signal-to-noise ratio of added white noise in dB (``None``: no noise).
    rt60 : float, optional
        Reverberation time in seconds (60 dB decay) of the synthetic impulse response
        (``None``: dry).
    seed : int
    """
    y = prepare_audio(y, sr, sr, 1, "degradation").astype(np.float64)
    rng = np.random.default_rng(seed)
    if rt60 is not None:
        if rt60 <= 0:
            raise ValueError(f"rt60 must be a positive time in seconds, got {rt60}")
        t = np.arange(int(rt60 * sr)) / sr
        ir = rng.standard_normal(len(t)) * 10 ** (-3 * t / rt60)  # -60 dB at t = rt60
        ir[0] = 1.0  # the direct sound
        from scipy.signal import fftconvolve

        y = fftconvolve(y, ir / np.sqrt(np.sum(ir**2)))[: len(y)]
    if snr_db is not None:
        power = np.mean(y**2) + 1e-12
        y = y + rng.standard_normal(len(y)) * np.sqrt(power / 10 ** (snr_db / 10))
    return (0.9 * y / max(np.abs(y).max(), 1e-9)).astype(np.float32)


def rerender(
    name: str, split: str, index: int, seed: int = 0, soundfont: str = "FluidR3"
) -> tuple[np.ndarray, int, dict]:
    """Clip ``index`` of ``split`` of a course dataset, rendered with another SoundFont.

    The notes are regenerated from the same random stream as :func:`course_lib.data.load_dataset`
    uses, so the labels are those of the dataset's clip. Returns ``(y, sr, labels)`` with
    ``labels`` holding ``onsets``, ``notes`` (``[onset, offset, midi]``) and, for the pitch
    dataset, ``f0`` as ``(times, f0_hz)`` arrays.
    """
    if name not in DATASETS:
        raise ValueError(f"unknown dataset {name!r}; choose one of {sorted(DATASETS)}")
    spec = DATASETS[name]
    rng = np.random.default_rng([seed, hash_name(name), hash_name(split), index])
    notes, bends, duration, _ = spec.make(rng, split, index)
    y = render_notes(notes, sr=spec.sr, duration=duration, pitch_bends=bends, soundfont=soundfont)
    labels = {
        "onsets": sorted({round(n.onset, 3) for n in notes}),
        "notes": [[n.onset, n.offset, n.pitch] for n in notes if not n.is_drum],
    }
    if name == "pitch":
        labels["f0"] = f0_from_notes(notes, bends, duration)
    return y, spec.sr, labels
