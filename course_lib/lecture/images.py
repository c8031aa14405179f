"""Small synthetic images for the image half of the lectures (no download, no image library).

Lecture: locality, convolution and pooling are introduced on images before spectrograms; these
generators give a reproducible picture with edges at known places and a texture.
"""

from __future__ import annotations

import numpy as np

from ..core.validate import as_int

__all__ = ["generate_checkerboard"]


def generate_checkerboard(size: int = 32, square: int = 8, ripple: float = 0.3) -> np.ndarray:
    """A ``size`` x ``size`` grey-level checkerboard with a horizontal ripple.

    Lecture: sub-sampling (pooling) on an image. Squares of ``square`` pixels alternate
    between 0 and 1 (edges every ``square`` pixels, in both directions); ``ripple`` adds
    ``ripple * sin(x / 3)`` along the width, a fine texture that pooling smooths away.

    Returns
    -------
    ndarray (size, size), float64

    Examples
    --------
    >>> generate_checkerboard(4, 2, ripple=0)
    array([[0., 0., 1., 1.],
           [0., 0., 1., 1.],
           [1., 1., 0., 0.],
           [1., 1., 0., 0.]])
    """
    size = as_int(size, "size", minimum=1)
    square = as_int(square, "square", minimum=1)
    if not np.isfinite(ripple):
        raise ValueError(f"ripple must be a finite number, got {ripple!r}")
    rows, cols = np.mgrid[0:size, 0:size]
    board = ((rows // square + cols // square) % 2).astype(float)
    return board + ripple * np.sin(cols / 3.0)
