"""Helpers shared by the event- and frame-level tasks: input checks and threshold tuning.

Lecture: using trained CNNs on new audio (validate, resample, then run the model).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import torch

from .. import audio

__all__ = ["prepare_audio", "shipped_or_given", "tune_threshold", "augment_spectrogram"]


def prepare_audio(y, sr, target_sr: int, min_samples: int, what: str) -> np.ndarray:
    """Validated mono float32 audio at ``target_sr`` (resampled when ``sr`` differs).

    Raises ``ValueError`` naming the problem and its fix: stereo or batched input, integer
    samples, NaN/inf, empty input, an implausible ``sr``, or a clip shorter than
    ``min_samples`` samples at ``target_sr`` (too short for ``what``).
    """
    y = audio.check_audio(y, sr)  # shape, dtype, NaN/inf, empty, implausible sr
    sr = int(sr)
    if isinstance(y, torch.Tensor):
        y = y.detach().cpu().numpy()
    y = np.asarray(y, dtype=np.float32)
    if sr != target_sr:
        y = audio.resample(y, sr, target_sr)
    if len(y) < min_samples:
        raise ValueError(
            f"audio of {len(y) / target_sr:.3f} s is too short for {what}: need at least "
            f"{min_samples / target_sr:.3f} s ({min_samples} samples at {target_sr} Hz)"
        )
    return y


def shipped_or_given(name: str, model=None, normalisation=None) -> tuple:
    """``(model, (mean, std))``: the shipped checkpoint ``name`` unless a model is given.

    A model of your own needs its own input normalisation (``TaskSetup.info["mean"]`` and
    ``["std"]`` of the run that trained it); a missing one is a ``ValueError``.
    """
    if model is None:
        from ..checkpoints import load_checkpoint

        model, meta = load_checkpoint(name)
        normalisation = (meta["mean"], meta["std"])
    if normalisation is None:
        raise ValueError("give normalisation=(mean, std) with your own model (TaskSetup.info)")
    return model, normalisation


def tune_threshold(
    score: Callable[[float], float], candidates: Sequence[float]
) -> tuple[float, float]:
    """The candidate threshold with the highest ``score(threshold)`` (on validation data).

    Returns ``(threshold, best_score)``.
    """
    results = [(float(score(t)), float(t)) for t in candidates]
    best_score, best = max(results)
    return best, best_score


def augment_spectrogram(
    F: torch.Tensor,
    rng: np.random.Generator,
    tilt: float = 0.5,
    gain: float = 0.5,
    n_masks: int = 2,
    max_mask: int = 8,
) -> torch.Tensor:
    """Timbre augmentation of a (standardised) log spectrogram ``(..., n_bins, n_frames)``.

    Lecture: generalising to unheard instruments. A random spectral tilt (a linear ramp over
    the bins, like a tone control), a random offset (gain) and ``n_masks`` frequency masks of
    up to ``max_mask`` bins (SpecAugment, Park et al. 2019) keep a CNN from memorising the
    exact spectrum of the few SoundFont presets it trains on.
    """
    F = F.clone()
    n_bins = F.shape[-2]
    ramp = torch.linspace(-1.0, 1.0, n_bins)[:, None]
    F += float(rng.uniform(-tilt, tilt)) * ramp + float(rng.uniform(-gain, gain))
    for _ in range(n_masks):
        width = int(rng.integers(0, max_mask + 1))
        start = int(rng.integers(0, max(1, n_bins - width)))
        F[..., start : start + width, :] = F.mean()
    return F
