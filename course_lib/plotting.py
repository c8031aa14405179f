"""Plot helpers for spectrograms and signals (matplotlib imported on use).

Lecture: spectrograms as the CNN's input image. Every helper takes an optional ``ax`` and
returns the artist it drew, so notebooks and widgets can update figures in place.
"""

from __future__ import annotations

import numpy as np

__all__ = ["plot_spectrogram", "plot_feature_map"]


def _axes(ax):
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots()
    return ax


def plot_spectrogram(
    S: np.ndarray,
    sr: int = 22050,
    hop_length: int = 512,
    ax=None,
    y_label: str = "mel band",
    cmap: str = "magma",
    colorbar: bool = True,
):
    """Show a spectrogram ``S`` shaped ``(n_bins, n_frames)`` with time in seconds on the x axis.

    Returns
    -------
    matplotlib.image.AxesImage
    """
    S = np.asarray(S)
    if S.ndim != 2:
        raise ValueError(f"S must be 2-D (n_bins, n_frames), got shape {S.shape}")
    ax = _axes(ax)
    duration = S.shape[1] * hop_length / sr
    image = ax.imshow(
        S,
        origin="lower",
        aspect="auto",
        cmap=cmap,
        extent=(0, duration, 0, S.shape[0]),
        interpolation="nearest",
    )
    ax.set_xlabel("time (s)")
    ax.set_ylabel(y_label)
    if colorbar:
        ax.figure.colorbar(image, ax=ax)
    return image


def plot_feature_map(
    X: np.ndarray, ax=None, title: str = "", cmap: str = "viridis", annotate: bool = False
):
    """Show a 2-D array (image, feature map, kernel) as a grid; optionally write each value.

    Returns
    -------
    matplotlib.image.AxesImage
    """
    X = np.asarray(X)
    if X.ndim != 2:
        raise ValueError(f"X must be 2-D (H, W), got shape {X.shape}")
    ax = _axes(ax)
    image = ax.imshow(X, cmap=cmap, interpolation="nearest")
    if annotate:
        for (i, j), v in np.ndenumerate(X):
            ax.text(j, i, f"{v:.3g}", ha="center", va="center", color="w", fontsize=8)
    ax.set_title(title)
    ax.set_xticks([])
    ax.set_yticks([])
    return image
