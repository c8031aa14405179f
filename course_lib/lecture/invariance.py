"""Translation equivariance of convolution and (approximate) invariance from pooling.

Lecture: translation invariance — a note is the same note whenever it is played (a shift in
time) and a pattern of harmonics keeps its shape when transposed (a shift along a log-frequency
axis). Convolution is *equivariant* (shift the input, the output shifts the same way); pooling
makes the representation approximately *invariant* to small shifts.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..core import ops

__all__ = [
    "shift",
    "equivariance_error",
    "pooled_similarity",
    "invariance_score",
    "invariance_vs_pool_size",
]


def shift(X: np.ndarray, n: int, axis: int = -1) -> np.ndarray:
    """Shift ``X`` by ``n`` positions along ``axis`` with zero fill (no wrap-around).

    Lecture: translation in time (``axis=-1``) or in pitch (``axis=-2`` of a spectrogram).
    """
    X = np.asarray(X)
    out = np.zeros_like(X)
    if abs(n) >= X.shape[axis]:
        return out
    src = [slice(None)] * X.ndim
    dst = [slice(None)] * X.ndim
    if n >= 0:
        src[axis], dst[axis] = slice(0, X.shape[axis] - n), slice(n, None)
    else:
        src[axis], dst[axis] = slice(-n, None), slice(0, X.shape[axis] + n)
    out[tuple(dst)] = X[tuple(src)]
    return out


def _as_batch(X: np.ndarray) -> np.ndarray:
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2:
        raise ValueError(f"X must be a 2-D map (n_bins, n_frames), got shape {X.shape}")
    return X[None, None]


def equivariance_error(X: np.ndarray, kernel: np.ndarray, n: int, axis: int = -1) -> float:
    """Relative difference between ``conv(shift(X))`` and ``shift(conv(X))``.

    Zero (up to the border) means the convolution is equivariant to the shift. Only the
    interior, away from the zero-filled border, is compared.
    """
    kernel = np.asarray(kernel, dtype=np.float64)
    if kernel.ndim != 2:
        raise ValueError(f"kernel must be 2-D (kH, kW), got shape {kernel.shape}")
    w = kernel[None, None]
    a = ops.conv2d(_as_batch(shift(X, n, axis)), w)[0, 0]
    b = shift(ops.conv2d(_as_batch(X), w)[0, 0], n, axis)
    margin = abs(n) + max(kernel.shape)
    interior = [slice(None)] * 2
    interior[axis] = slice(margin, -margin if margin else None)
    a, b = a[tuple(interior)], b[tuple(interior)]
    return float(np.linalg.norm(a - b) / (np.linalg.norm(b) + 1e-12))


def _pool_kernel(pool_size: int, axis: int) -> tuple[int, int]:
    if isinstance(pool_size, bool) or not isinstance(pool_size, (int, np.integer)):
        raise ValueError(f"pool_size must be an int, got {pool_size!r}")
    if pool_size < 1:
        raise ValueError(f"pool_size must be positive, got {pool_size}")
    if axis not in (-1, -2, 0, 1):
        raise ValueError(f"axis must be -1 (time) or -2 (frequency) of a 2-D map, got {axis}")
    kernel = [1, 1]
    kernel[axis] = int(pool_size)
    return kernel[0], kernel[1]


def _cosine(a: np.ndarray, b: np.ndarray) -> float:
    a, b = a.ravel(), b.ravel()
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b) + 1e-12))


def pooled_similarity(
    A: np.ndarray, B: np.ndarray, pool_size: int, axis: int = -1, mode: str = "max"
) -> float:
    """Cosine similarity of two maps after pooling both along ``axis``.

    Lecture: translation invariance, measured on two real recordings of "the same thing"
    (e.g. a note and the same note played later or transposed), not a synthetic shift.
    Pooling uses non-overlapping windows of ``pool_size`` (stride = size); 1 = no pooling.

    Parameters
    ----------
    A, B : ndarray (n_bins, n_frames)
        Two maps of the same shape, e.g. log-magnitude CQTs (non-negative).
    pool_size : int
    axis : -1 (time) or -2 (frequency)
    mode : {"max", "avg", "std", "lp"}
    """
    A, B = _as_batch(A), _as_batch(B)
    if A.shape != B.shape:
        raise ValueError(f"A and B must have the same shape, got {A.shape[2:]} and {B.shape[2:]}")
    kernel = _pool_kernel(pool_size, axis)
    return _cosine(ops.pool2d(A, kernel, mode=mode), ops.pool2d(B, kernel, mode=mode))


def invariance_score(
    X: np.ndarray, n: int, pool_size: int, axis: int = -1, mode: str = "max"
) -> float:
    """Cosine similarity of the pooled maps of ``X`` and of ``X`` shifted by ``n``.

    Lecture: pooling summarises a neighbourhood, so a shift smaller than the pooling window
    changes the pooled map little: the score approaches 1 as ``pool_size`` grows. Pooling uses
    non-overlapping windows (stride = size); the score is averaged over the ``pool_size``
    possible alignments of ``X`` with the pooling grid, i.e. over where the pattern happens to
    start.
    """
    kernel = _pool_kernel(pool_size, axis)
    X = _as_batch(X)[0, 0]
    scores = []
    for phase in range(kernel[axis]):
        a = ops.pool2d(_as_batch(shift(X, phase, axis)), kernel, mode=mode)
        b = ops.pool2d(_as_batch(shift(X, phase + n, axis)), kernel, mode=mode)
        scores.append(_cosine(a, b))
    return float(np.mean(scores))


def invariance_vs_pool_size(
    X: np.ndarray, n: int, pool_sizes: Sequence[int], axis: int = -1, mode: str = "max"
) -> np.ndarray:
    """:func:`invariance_score` for each pooling size: how invariance grows with pooling."""
    return np.array([invariance_score(X, n, p, axis, mode) for p in pool_sizes])
