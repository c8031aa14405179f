"""Small named filters and how they respond to a spectrogram.

Lecture: local filters convolved with the input return feature maps; on a spectrogram a
filter along time finds onsets, one along frequency finds harmonics or pitch changes.
"""

from __future__ import annotations

import numpy as np

from ..core import ops

__all__ = ["KERNELS", "harmonic_kernel", "get_kernel", "parse_kernel", "apply_filter"]


def harmonic_kernel(n_harmonics: int = 3, bins_per_octave: int = 12) -> np.ndarray:
    """A frequency-only kernel that adds up a note's first harmonics on a log-frequency axis.

    Lecture: filters on spectrograms (a harmonic-pattern detector). On a CQT with
    ``bins_per_octave`` bins, harmonic ``h`` of a note lies ``bins_per_octave * log2(h)`` bins
    above its fundamental (12 bins for 2 f0, 19 for 3 f0 at 12 bins/octave), whatever the
    note: one kernel finds every pitch, which is translation invariance along pitch. The
    kernel is centred so that :func:`apply_filter` puts the response on the fundamental's bin.

    Returns
    -------
    ndarray (2 * offset + 1, 1)
        ``offset`` is the highest harmonic's distance in bins; weights ``1 / n_harmonics``.

    Examples
    --------
    >>> K = harmonic_kernel(3, 12)
    >>> K.shape, np.flatnonzero(K[:, 0]) - 19
    ((39, 1), array([ 0, 12, 19]))
    """
    if isinstance(n_harmonics, bool) or not isinstance(n_harmonics, (int, np.integer)):
        raise ValueError(f"n_harmonics must be an int, got {n_harmonics!r}")
    if isinstance(bins_per_octave, bool) or not isinstance(bins_per_octave, (int, np.integer)):
        raise ValueError(f"bins_per_octave must be an int, got {bins_per_octave!r}")
    if n_harmonics < 1 or bins_per_octave < 1:
        raise ValueError(
            f"n_harmonics and bins_per_octave must be positive, got {n_harmonics} and "
            f"{bins_per_octave}"
        )
    offsets = np.round(bins_per_octave * np.log2(np.arange(1, n_harmonics + 1))).astype(int)
    top = int(offsets[-1])
    K = np.zeros((2 * top + 1, 1))
    K[top + offsets, 0] = 1.0 / n_harmonics
    return K


KERNELS: dict[str, np.ndarray] = {
    "identity": np.array([[0, 0, 0], [0, 1, 0], [0, 0, 0]], dtype=float),
    "smooth (box 3x3)": np.full((3, 3), 1 / 9),
    "onset (time difference)": np.array([[-1, 0, 1], [-1, 0, 1], [-1, 0, 1]], dtype=float) / 3,
    "offset (negative time difference)": -np.array([[-1, 0, 1]] * 3, dtype=float) / 3,
    "pitch edge (frequency difference)": np.array([[-1, -1, -1], [0, 0, 0], [1, 1, 1]], dtype=float)
    / 3,
    "sustained (horizontal line)": np.array([[-1, -1, -1], [2, 2, 2], [-1, -1, -1]], dtype=float)
    / 6,
    "percussive (vertical line)": np.array([[-1, 2, -1]] * 3, dtype=float) / 6,
    "sharpen": np.array([[0, -1, 0], [-1, 5, -1], [0, -1, 0]], dtype=float),
    "harmonic (CQT 12 bins/octave: f0, 2f0, 3f0)": harmonic_kernel(3, 12),
}  # kernels are written (frequency, time): row 0 is the lowest band, as plotted


def get_kernel(name: str) -> np.ndarray:
    """A copy of the named kernel (see ``KERNELS``)."""
    if name not in KERNELS:
        raise ValueError(f"unknown kernel {name!r}; choose one of {sorted(KERNELS)}")
    return KERNELS[name].copy()


def parse_kernel(text: str) -> np.ndarray:
    """Read a kernel typed as rows separated by ``;`` and values by spaces or commas.

    Lecture: filters on spectrograms (the filter playground's text box). The first row is
    the lowest frequency band, as :func:`apply_filter` and the plots use it.

    Examples
    --------
    >>> parse_kernel("-1 0 1; -1, 0, 1")
    array([[-1.,  0.,  1.],
           [-1.,  0.,  1.]])
    """
    if not isinstance(text, str):
        raise ValueError(f"text must be a string such as '-1 0 1; -1 0 1', got {text!r}")
    rows = []
    for row in text.split(";"):
        if not row.strip():
            continue
        try:
            rows.append([float(v) for v in row.replace(",", " ").split()])
        except ValueError as err:
            raise ValueError(f"could not read the kernel {text!r}: {err}") from err
    if not rows:
        raise ValueError(f"the kernel {text!r} is empty: type rows such as '-1 0 1; -1 0 1'")
    lengths = sorted({len(row) for row in rows})
    if len(lengths) > 1:
        raise ValueError(
            f"every row of the kernel needs the same length, got lengths {lengths} in {text!r}"
        )
    kernel = np.array(rows, dtype=float)
    if not np.isfinite(kernel).all():
        raise ValueError(f"the kernel {text!r} has non-finite values")
    return kernel


def apply_filter(S: np.ndarray, kernel: np.ndarray, rectify: bool = False) -> np.ndarray:
    """Convolve a spectrogram ``(n_bins, n_frames)`` with a 2-D kernel, keeping its size.

    Lecture: a filter produces a feature map. Uses :func:`course_lib.ops.conv2d` with "same"
    zero padding (odd kernel sizes); ``rectify`` applies a ReLU as a CNN layer would.
    """
    S = np.asarray(S, dtype=np.float64)
    kernel = np.asarray(kernel, dtype=np.float64)
    if S.ndim != 2:
        raise ValueError(f"S must be 2-D (n_bins, n_frames), got shape {S.shape}")
    if kernel.ndim != 2 or kernel.shape[0] % 2 == 0 or kernel.shape[1] % 2 == 0:
        raise ValueError(f"kernel must be 2-D with odd sizes (e.g. 3x3), got {kernel.shape}")
    pad = (kernel.shape[0] // 2, kernel.shape[1] // 2)
    out = ops.conv2d(S[None, None], kernel[None, None], padding=pad)[0, 0]
    return np.maximum(out, 0) if rectify else out
