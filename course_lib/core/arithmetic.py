"""Step-by-step convolution arithmetic: which input cells one output cell reads.

Lecture: convolution mechanics — stride (sliding with hopping, like the STFT hop), padding
(zero-padding the border) and dilation. Pure functions behind the convolution-arithmetic
widget; values agree with ``torch.nn.functional.conv2d`` (tested).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import ops
from .shapes import conv_output_size

__all__ = ["ConvStep", "conv_step", "output_size_formula"]


@dataclass(frozen=True)
class ConvStep:
    """State of the sliding window at one output position.

    Attributes
    ----------
    padded : ndarray (H + 2p, W + 2p)
        Input with its zero border.
    output : ndarray (H_out, W_out)
        The whole output map.
    position : (int, int)
        Output cell being computed.
    window : ndarray of bool, same shape as ``padded``
        Cells of ``padded`` that the filter reads for ``position``.
    value : float
        ``output[position]``: the sum of window cells times filter weights.
    """

    padded: np.ndarray
    output: np.ndarray
    position: tuple[int, int]
    window: np.ndarray
    value: float


def output_size_formula(
    size: int, kernel_size: int, stride: int = 1, padding: int = 0, dilation: int = 1
) -> str:
    """The output-size formula with the numbers filled in, e.g. ``floor((5 + 2*1 - 1*(3-1) - 1)/2) + 1 = 3``."""  # noqa: E501
    out = conv_output_size(size, kernel_size, stride, padding, dilation)
    return (
        f"floor(({size} + 2*{padding} - {dilation}*({kernel_size}-1) - 1) / {stride}) + 1 = {out}"
    )


def conv_step(
    x: np.ndarray,
    kernel: np.ndarray,
    step: int,
    stride: int = 1,
    padding: int = 0,
    dilation: int = 1,
) -> ConvStep:
    """The sliding window at output cell number ``step`` (row-major) of a 2-D convolution.

    Parameters
    ----------
    x : ndarray (H, W)
        Single-channel input.
    kernel : ndarray (kH, kW)
    step : int
        0 .. H_out * W_out - 1; wraps around so an animation can loop.
    stride, padding, dilation : int
    """
    x = np.asarray(x, dtype=np.float64)
    kernel = np.asarray(kernel, dtype=np.float64)
    if x.ndim != 2 or kernel.ndim != 2:
        raise ValueError(f"x and kernel must be 2-D, got shapes {x.shape} and {kernel.shape}")
    output = ops.conv2d(
        x[None, None], kernel[None, None], stride=stride, padding=padding, dilation=dilation
    )[0, 0]
    out_h, out_w = output.shape
    i, j = divmod(int(step) % (out_h * out_w), out_w)
    padded = np.pad(x, padding)
    window = np.zeros(padded.shape, dtype=bool)
    rows = i * stride + dilation * np.arange(kernel.shape[0])
    cols = j * stride + dilation * np.arange(kernel.shape[1])
    window[np.ix_(rows, cols)] = True
    return ConvStep(padded, output, (i, j), window, float(output[i, j]))
