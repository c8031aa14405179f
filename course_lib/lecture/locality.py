"""Where an output unit looks: receptive-field regions through a stack of layers.

Lecture: locality — each hidden unit is connected to a local region of the input
(its receptive field), and deeper units see larger regions.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from ..core.shapes import conv_output_size, receptive_field
from ..core.validate import as_int, as_pair

__all__ = [
    "Layer1d",
    "ReceptiveRegion",
    "receptive_field_region",
    "receptive_field_region_2d",
    "output_length",
]


class Layer1d(NamedTuple):
    """A convolution or pooling layer along one axis."""

    kernel: int
    stride: int = 1
    padding: int = 0
    dilation: int = 1


def _check_layer(i: int, layer) -> None:
    """``layers[i]`` must be a sequence of 1 to 4 settings (kernel, stride, padding, dilation)."""
    if isinstance(layer, (str, bytes)) or not isinstance(layer, Sequence):
        raise ValueError(
            f"layers[{i}] must be (kernel, stride, padding[, dilation]), got {layer!r}"
        )
    if not 1 <= len(layer) <= 4:
        raise ValueError(f"layers[{i}] must have 1 to 4 entries, got {layer!r}")


def _layers(layers: Sequence[Sequence[int]]) -> list[Layer1d]:
    out = []
    for i, layer in enumerate(layers):
        _check_layer(i, layer)
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


class ReceptiveRegion(NamedTuple):
    """The input rectangle one output unit of a 2-D layer stack depends on.

    ``rows`` and ``cols`` are half-open ``[start, stop)`` ranges clipped to the input;
    ``size`` and ``jump`` are the nominal receptive field (before clipping) and the distance
    between neighbouring units, per axis, from :func:`course_lib.shapes.receptive_field`.
    """

    rows: tuple[int, int]
    cols: tuple[int, int]
    unit: tuple[int, int]
    output_shape: tuple[int, int]
    size: tuple[int, int]
    jump: tuple[int, int]


def _axis_layers(layers: Sequence[Sequence], axis: int) -> list[Layer1d]:
    """One axis of 2-D layers whose entries are ints or (height, width) pairs."""
    names = ("kernel", "stride", "padding", "dilation")
    minimums = (1, 1, 0, 1)
    out = []
    for i, layer in enumerate(layers):
        _check_layer(i, layer)
        values = [
            as_pair(v, f"layers[{i}] {name}", minimum=lo)[axis]
            for v, name, lo in zip(layer, names, minimums)
        ]
        out.append(Layer1d(*values))
    return out


def receptive_field_region_2d(
    layers: Sequence[Sequence], unit: Sequence[int], input_shape: Sequence[int]
) -> ReceptiveRegion:
    """The input rectangle seen by output unit ``unit = (row, col)`` of a 2-D layer stack.

    Lecture: locality / receptive field (the state behind the receptive-field explorer).

    Parameters
    ----------
    layers : sequence of (kernel, stride, padding[, dilation])
        From input to output; each entry an int (both axes) or a (height, width) pair, so a
        1-D temporal filter on a spectrogram is ``((1, 5), 1, (0, 2))``.
    unit : (int, int)
        Row and column of the unit in the last layer's output.
    input_shape : (int, int)
        Input (H, W), e.g. a spectrogram's (n_bins, n_frames).

    Returns
    -------
    ReceptiveRegion

    Examples
    --------
    >>> r = receptive_field_region_2d([(3, 1, 0), (2, 2, 0)], (1, 2), (10, 10))
    >>> r.rows, r.cols, r.output_shape, r.size
    ((2, 6), (4, 8), (4, 4), (4, 4))
    """
    if isinstance(unit, (str, bytes)) or not isinstance(unit, Sequence) or len(unit) != 2:
        raise ValueError(f"unit must be (row, col), got {unit!r}")
    height, width = as_pair(tuple(input_shape), "input_shape", minimum=1)
    ranges, out_shape, sizes, jumps = [], [], [], []
    for axis, (index, size, name) in enumerate([(unit[0], height, "row"), (unit[1], width, "col")]):
        axis_layers = _axis_layers(layers, axis)
        length = output_length(size, axis_layers)[-1]
        index = as_int(index, f"unit {name}", minimum=0)
        if index >= length:
            raise ValueError(
                f"unit {name}={index} is outside the output ({length} {name}s): "
                f"choose 0..{length - 1}"
            )
        ranges.append(receptive_field_region(axis_layers, index, size))
        rf = receptive_field([(la.kernel, la.stride, la.dilation) for la in axis_layers])
        out_shape.append(length)
        sizes.append(rf.size)
        jumps.append(rf.jump)
    return ReceptiveRegion(
        ranges[0],
        ranges[1],
        (int(unit[0]), int(unit[1])),
        tuple(out_shape),
        tuple(sizes),
        tuple(jumps),
    )
