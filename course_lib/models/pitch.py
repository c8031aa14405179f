"""CREPE-like pitch estimator after Kim, Salamon, Li & Bello (2018), "CREPE: a convolutional
representation for pitch estimation" (ICASSP).

Lecture: frame-level MIR (monophonic pitch estimation). The network reads the raw waveform —
one 1024-sample frame at 16 kHz (64 ms) — through six 1-D convolution blocks (conv, batch
norm, max-pool by 2, dropout) and outputs 360 sigmoid activations: the pitch salience on a
grid of 20-cent bins from 31.7 Hz to 2005.5 Hz (about C1 to B6). The pitch is read from the
activations by a weighted average of cents around the argmax (:func:`decode_cents`), or
around the most likely smooth path through the frames (:func:`viterbi_bins`, CREPE's own
Viterbi decoding), which removes isolated octave jumps.

Capacities multiply the filter counts ``(32, 4, 4, 4, 8, 16)``: ``"full"`` (x32, 22.2 M
parameters in the paper) down to ``"tiny"`` (x4, 0.49 M).
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

__all__ = [
    "SR",
    "FRAME_LENGTH",
    "N_BINS",
    "CENTS_PER_BIN",
    "CAPACITIES",
    "CREPE",
    "crepe",
    "bin_cents",
    "cents_to_hz",
    "hz_to_cents",
    "decode_cents",
    "viterbi_bins",
]

SR = 16000
FRAME_LENGTH = 1024
N_BINS = 360
CENTS_PER_BIN = 20
_CENTS_LOW = 1997.3794084376191  # cents above 10 Hz of the lowest bin (31.70 Hz)
CAPACITIES = {"tiny": 4, "small": 8, "medium": 16, "large": 24, "full": 32}
_FILTERS = (32, 4, 4, 4, 8, 16)  # times the capacity multiplier
_WIDTHS = (512, 64, 64, 64, 64, 64)
_STRIDES = (4, 1, 1, 1, 1, 1)


def bin_cents() -> np.ndarray:
    """Centre of each of the 360 bins in cents above 10 Hz, shape ``(360,)``."""
    return _CENTS_LOW + CENTS_PER_BIN * np.arange(N_BINS)


def hz_to_cents(f0_hz) -> np.ndarray:
    """Cents above 10 Hz (the CREPE reference); 0 Hz maps to 0 cents (unvoiced)."""
    f = np.asarray(f0_hz, dtype=float)
    return np.where(f > 0, 1200 * np.log2(np.maximum(f, 1e-9) / 10.0), 0.0)


def cents_to_hz(cents) -> np.ndarray:
    """Inverse of :func:`hz_to_cents`."""
    return 10.0 * 2 ** (np.asarray(cents, dtype=float) / 1200)


def decode_cents(
    activation: np.ndarray, radius: int = 4, centre: np.ndarray | None = None
) -> np.ndarray:
    """Pitch in cents per frame: salience-weighted mean of the bins around a centre bin.

    Lecture: frame-level MIR (decoding a pitch posterior). As in CREPE, only the ``2 radius
    + 1`` bins around the centre enter the average, so a second peak an octave away
    does not pull the estimate.

    Parameters
    ----------
    activation : ndarray (n_frames, 360)
    radius : int
    centre : ndarray (n_frames,) of int, optional
        The bin to average around in each frame; default the strongest bin (argmax). Pass
        :func:`viterbi_bins` of the activation for the smoothed path.

    Returns
    -------
    ndarray (n_frames,) of cents above 10 Hz.
    """
    a = np.asarray(activation, dtype=float)
    if a.ndim != 2 or a.shape[1] != N_BINS:
        raise ValueError(f"activation must be (n_frames, {N_BINS}), got shape {a.shape}")
    if centre is None:
        centre = a.argmax(axis=1)
    centre = np.asarray(centre)
    if centre.shape != (len(a),):
        raise ValueError(
            f"centre must have one bin per frame, shape ({len(a)},), got {centre.shape}"
        )
    idx = np.clip(centre[:, None] + np.arange(-radius, radius + 1)[None, :], 0, N_BINS - 1)
    w = np.take_along_axis(a, idx, axis=1)
    cents = bin_cents()[idx]
    return (w * cents).sum(1) / np.maximum(w.sum(1), 1e-9)


def viterbi_bins(activation: np.ndarray, max_step: int = 11) -> np.ndarray:
    """The most likely path of pitch bins through the frames (Viterbi decoding).

    Lecture: frame-level MIR (decoding a pitch posterior over time). Each frame's
    activation, normalised to sum to 1, is the observation likelihood of its bins; moving
    from bin i to bin j between two frames (10 ms) has probability proportional to
    ``max_step + 1 - |i - j|`` and is impossible beyond ``max_step`` bins (220 cents for
    the default, CREPE's choice). A single frame whose strongest bin jumps an octave
    cannot pull the path away; a real note change takes a few frames to cross, which
    costs little because it happens at a note's onset.

    Parameters
    ----------
    activation : ndarray (n_frames, 360)
    max_step : int
        The largest move in bins between neighbouring frames.

    Returns
    -------
    ndarray (n_frames,) of int, one bin per frame; pass it to :func:`decode_cents` as
    ``centre``.
    """
    a = np.asarray(activation, dtype=float)
    if a.ndim != 2 or a.shape[1] != N_BINS:
        raise ValueError(f"activation must be (n_frames, {N_BINS}), got shape {a.shape}")
    if max_step < 1:
        raise ValueError(f"max_step must be at least 1 bin, got {max_step}")
    n = len(a)
    if n == 0:
        return np.zeros(0, dtype=int)
    log_obs = np.log(np.maximum(a / np.maximum(a.sum(1, keepdims=True), 1e-12), 1e-12))
    steps = np.arange(-max_step, max_step + 1)
    log_move = np.log((max_step + 1 - np.abs(steps)) / (max_step + 1) ** 2)
    # A banded transition: for every step s, the score of arriving at bin j from j - s.
    # Steps that would leave the grid get -inf through the padding.
    back = np.zeros((n, N_BINS), dtype=np.int16)
    score = log_obs[0].copy()
    pad = np.full(max_step, -np.inf)
    for t in range(1, n):
        padded = np.concatenate([pad, score, pad])
        cand = (
            np.stack([padded[max_step - s : max_step - s + N_BINS] for s in steps])
            + log_move[:, None]
        )
        best = cand.argmax(0)
        back[t] = best
        score = cand[best, np.arange(N_BINS)] + log_obs[t]
    path = np.zeros(n, dtype=int)
    path[-1] = int(score.argmax())
    for t in range(n - 1, 0, -1):
        path[t - 1] = path[t] - steps[back[t, path[t]]]
    return path


class _ConvBlock(nn.Sequential):
    """Conv1d ('same' padding as in Keras) -> ReLU -> BatchNorm -> MaxPool 2 -> Dropout."""

    def __init__(self, c_in: int, c_out: int, width: int, stride: int, dropout: float):
        # 'same' padding of a strided convolution: out = ceil(in / stride)
        super().__init__(
            nn.Conv1d(c_in, c_out, width, stride=stride),
            nn.ReLU(),
            nn.BatchNorm1d(c_out),
            nn.MaxPool1d(2),
            nn.Dropout(dropout),
        )
        self.width, self.stride = width, stride

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n = x.shape[-1]
        out = -(-n // self.stride)
        total = max((out - 1) * self.stride + self.width - n, 0)
        x = nn.functional.pad(x, (total // 2, total - total // 2))
        return super().forward(x)


class CREPE(nn.Module):
    """CREPE pitch network (Kim et al. 2018) at a given capacity.

    Lecture: frame-level MIR (monophonic pitch estimation).

    Parameters
    ----------
    capacity : {"tiny", "small", "medium", "large", "full"}
    dropout : float

    Shape
    -----
    input ``(N, 1024)`` frames at 16 kHz (each normalised to zero mean, unit variance by
    :meth:`normalise`) -> logits ``(N, 360)`` (apply a sigmoid for the salience).
    """

    def __init__(self, capacity: str = "tiny", dropout: float = 0.25):
        super().__init__()
        if capacity not in CAPACITIES:
            raise ValueError(f"capacity must be one of {sorted(CAPACITIES)}, got {capacity!r}")
        self.capacity = capacity
        filters = [f * CAPACITIES[capacity] for f in _FILTERS]
        c_in, blocks = 1, []
        for c_out, width, stride in zip(filters, _WIDTHS, _STRIDES):
            blocks.append(_ConvBlock(c_in, c_out, width, stride, dropout))
            c_in = c_out
        self.blocks = nn.Sequential(*blocks)
        self.classifier = nn.Linear(filters[-1] * 4, N_BINS)

    @staticmethod
    def normalise(frames: torch.Tensor) -> torch.Tensor:
        """Zero mean and unit variance per frame (CREPE's input normalisation)."""
        frames = frames - frames.mean(dim=-1, keepdim=True)
        return frames / frames.std(dim=-1, keepdim=True).clamp_min(1e-8)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() != 2 or x.shape[1] != FRAME_LENGTH:
            raise ValueError(
                f"CREPE expects (N, {FRAME_LENGTH}) frames at {SR} Hz, got {tuple(x.shape)}"
            )
        h = self.blocks(x.unsqueeze(1))  # (N, 1, 1024) -> (N, C, 4): 256, 128, 64, 32, 16, 8, 4
        # flatten time-major as Keras' Permute + Flatten did: (N, 4 * C)
        return self.classifier(h.transpose(1, 2).flatten(1))  # (N, 360)


def crepe(capacity: str = "tiny", *, weights: str | None = None) -> CREPE:
    """A CREPE model; ``weights="crepe_tiny"`` loads the shipped checkpoint (sha256-checked)."""
    if weights is None:
        return CREPE(capacity)
    from ..checkpoints import load_checkpoint

    return load_checkpoint(weights)[0]
