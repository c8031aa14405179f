"""Where an output unit looks: receptive-field regions through a stack of layers.

Lecture: locality — each hidden unit is connected to a local region of the input
(its receptive field), and deeper units see larger regions.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from ._validate import as_int
from .shapes import conv_output_size

__all__ = ["Layer1d", "receptive_field_region", "output_length"]


class Layer1d(NamedTuple):
    """A convolution or pooling layer along one axis."""

    kernel: int
    stride: int = 1
    padding: int = 0
    dilation: int = 1


def _layers(layers: Sequence[Sequence[int]]) -> list[Layer1d]:
    out = []
    for i, layer in enumerate(layers):
        if isinstance(layer, (str, bytes)) or not isinstance(layer, Sequence):
            raise ValueError(
                f"layers[{i}] must be (kernel, stride, padding[, dilation]), got {layer!r}"
            )
        if not 1 <= len(layer) <= 4:
            raise ValueError(f"layers[{i}] must have 1 to 4 entries, got {layer!r}")
        layer = Layer1d(*layer)
        as_int(layer.kernel, f"layers[{i}] kernel", minimum=1)
        as_int(layer.stride, f"layers[{i}] stride", minimum=1)
        as_int(layer.padding, f"layers[{i}] padding", minimum=0)
        as_int(layer.dilation, f"layers[{i}] dilation", minimum=1)
        out.append(layer)
    return out


def output_length(size: int, layers: Sequence[Sequence[int]]) -> list[int]:
    """Length after each layer (``[size, after layer 1, ...]``), by ``conv_output_size``."""
    lengths = [as_int(size, "size", minimum=1)]
    for layer in _layers(layers):
        lengths.append(
            conv_output_size(lengths[-1], layer.kernel, layer.stride, layer.padding, layer.dilation)
        )
    return lengths


def receptive_field_region(
    layers: Sequence[Sequence[int]], index: int, size: int
) -> tuple[int, int]:
    """Input positions ``[start, stop)`` seen by output unit ``index`` of the last layer.

    Lecture: locality / receptive field. Walks back from the output through every layer:
    output positions ``[a, b]`` come from inputs ``[a*s - p, b*s - p + d*(k-1)]``. The region
    is clipped to the input (padding adds no real samples).

    Parameters
    ----------
    layers : sequence of (kernel, stride, padding[, dilation])
        From input to output, along one axis.
    index : int
        Output unit (0-based) of the last layer.
    size : int
        Input length along this axis.

    Returns
    -------
    (start, stop) : tuple of int
        Half-open range of input indices.

    Examples
    --------
    >>> receptive_field_region([(3, 1, 0), (3, 1, 0)], index=0, size=10)
    (0, 5)
    """
    parsed = _layers(layers)
    lengths = output_length(size, parsed)
    if not 0 <= index < lengths[-1]:
        raise ValueError(f"index={index} is outside the output (length {lengths[-1]})")
    lo = hi = index
    for layer in reversed(parsed):
        lo = lo * layer.stride - layer.padding
        hi = hi * layer.stride - layer.padding + layer.dilation * (layer.kernel - 1)
    return max(lo, 0), min(hi + 1, size)
