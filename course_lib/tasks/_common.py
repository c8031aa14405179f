"""Helpers shared by the MIR tasks: input checks, running a model on its device, thresholds.

Lecture: using trained CNNs on new audio (validate, resample, then run the model).
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable, Sequence

import numpy as np
import torch

from ..core import audio

__all__ = [
    "prepare_audio",
    "model_device",
    "attach_preprocessing",
    "preprocessing_of",
    "standardise",
    "resolve_model",
    "threshold_of",
    "run_model",
    "tune_threshold",
    "augment_spectrogram",
]

PREPROCESSING_ATTR = "course_preprocessing"


def prepare_audio(y, sr, target_sr: int, min_samples: int, what: str) -> np.ndarray:
    """Validated mono float32 audio at ``target_sr`` (resampled when ``sr`` differs).

    Lecture: running a trained CNN on new audio (the checks every task function makes; also
    used by :mod:`course_lib.peers`).

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


def model_device(model: torch.nn.Module) -> torch.device:
    """The device of ``model``'s first parameter (or buffer); the CPU for a model without any.

    Lecture: running a trained CNN (inputs go where the weights are).
    """
    for tensor in itertools.chain(model.parameters(), model.buffers()):
        return tensor.device
    return torch.device("cpu")


def attach_preprocessing(model: torch.nn.Module, **meta) -> torch.nn.Module:
    """Record what ``model`` expects of its input (``mean``, ``std``) and its ``threshold``.

    Lecture: using trained CNNs on new audio. The task functions read these back with
    :func:`preprocessing_of`, so a model carries its input normalisation wherever it goes
    (``build_task`` sets the training statistics, ``load_checkpoint`` the stored ones). Values
    that are ``None`` are left out; returns ``model``.
    """
    stored = dict(getattr(model, PREPROCESSING_ATTR, {}) or {})
    for key, value in meta.items():
        if value is None:
            continue
        stored[key] = np.asarray(value, np.float32) if key in ("mean", "std") else value
    object.__setattr__(model, PREPROCESSING_ATTR, stored)
    return model


def preprocessing_of(model: torch.nn.Module) -> dict:
    """What :func:`attach_preprocessing` recorded on ``model`` (an empty dict if nothing)."""
    return dict(getattr(model, PREPROCESSING_ATTR, {}) or {})


def standardise(features: np.ndarray, model: torch.nn.Module) -> np.ndarray:
    """``(features - mean) / std`` with the statistics carried by ``model``.

    Raises ``ValueError`` when the model carries none: a model of your own gets them from the
    run that trained it, ``attach_preprocessing(model, mean=setup.info["mean"],
    std=setup.info["std"])`` (``build_task`` does this for ``setup.model``).
    """
    meta = preprocessing_of(model)
    if "mean" not in meta or "std" not in meta:
        raise ValueError(
            "this model carries no input normalisation: use the model of a TaskSetup "
            "(build_task attaches it) or call course_lib.tasks.attach_preprocessing(model, "
            "mean=setup.info['mean'], std=setup.info['std'])"
        )
    return ((features - meta["mean"]) / meta["std"]).astype(np.float32)


@functools.cache
def _shipped_model(name: str, device: str) -> torch.nn.Module:
    from ..checkpoints import load_checkpoint

    model, _ = load_checkpoint(name)
    return model.to(device)


def resolve_model(name: str, model=None, device=None) -> tuple[torch.nn.Module, torch.device]:
    """``(model, device)``: ``model`` (default: the shipped checkpoint ``name``) on ``device``.

    Lecture: running a trained CNN. ``device=None`` keeps the model where it is (the shipped
    model: on the CPU). An explicit ``device`` moves a given model there (in place, as
    ``model.to`` does). The shipped checkpoint is read and its sha256 checked once per
    process and device.
    """
    if model is None:
        dev = torch.device(device) if device is not None else torch.device("cpu")
        return _shipped_model(name, str(dev)), dev
    if not isinstance(model, torch.nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    if device is not None:
        model.to(device)
    return model, model_device(model)


def threshold_of(model: torch.nn.Module, threshold: float | None, default: float) -> float:
    """``threshold`` if given, else the model's stored one, else ``default``."""
    if threshold is not None:
        return float(threshold)
    return float(preprocessing_of(model).get("threshold", default))


def run_model(
    model: torch.nn.Module,
    x,
    device: torch.device,
    forward: Callable | None = None,
    batch_size: int | None = None,
) -> np.ndarray:
    """Outputs of ``model`` (eval mode, no gradients) for input ``x``, as float32 NumPy on the CPU.

    Lecture: running a trained CNN on new audio. ``x`` (array or tensor) is moved to
    ``device`` first; ``forward(model, batch)`` (default ``model(batch)``) computes the output;
    ``batch_size`` splits the first axis. The model's training mode is restored afterwards.
    """
    x = torch.as_tensor(np.ascontiguousarray(x) if isinstance(x, np.ndarray) else x)
    x = x.to(device=device, dtype=torch.float32)
    forward = forward or (lambda m, b: m(b))
    chunks = x.split(batch_size) if batch_size else (x,)
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            out = torch.cat([forward(model, b).float() for b in chunks])
    finally:
        model.train(was_training)
    return out.cpu().numpy()


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
