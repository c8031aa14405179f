"""Output sizes and receptive fields of convolution and pooling layers.

Lecture: convolution mechanics (stride, padding) and sub-sampling (pooling).
One formula each, for one spatial axis or for an ``(H, W)`` pair.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import NamedTuple

from .validate import as_int, as_pair

__all__ = ["conv_output_size", "pool_output_size", "receptive_field", "ReceptiveField"]


def _is_pair(*values: object) -> bool:
    return any(not isinstance(v, int) for v in values if v is not None)


def _axis_output(size: int, k: int, s: int, p: int, d: int, what: str, axis: str) -> int:
    span = d * (k - 1) + 1
    padded = size + 2 * p
    if span > padded:
        raise ValueError(
            f"{what}: kernel_size{axis} with dilation spans {span} samples, larger than the "
            f"padded input ({size} + 2*{p} = {padded}); use a smaller kernel or more padding"
        )
    return (padded - span) // s + 1


def conv_output_size(
    size: int | Sequence[int],
    kernel_size: int | Sequence[int],
    stride: int | Sequence[int] = 1,
    padding: int | Sequence[int] = 0,
    dilation: int | Sequence[int] = 1,
) -> int | tuple[int, int]:
    """Output length of a convolution along each axis.

    Lecture: convolution mechanics (stride, padding).

    ``out = floor((size + 2 * padding - dilation * (kernel_size - 1) - 1) / stride) + 1``,
    the formula ``torch.nn.Conv2d`` documents.

    Parameters
    ----------
    size, kernel_size, stride, padding, dilation : int or (int, int)
        Input length and layer settings; an int applies to every axis.

    Returns
    -------
    int or (int, int)
        An int when every argument is an int, otherwise an ``(H_out, W_out)`` pair.

    Examples
    --------
    >>> conv_output_size(5, 3, stride=2, padding=1)
    3
    """
    pair = _is_pair(size, kernel_size, stride, padding, dilation)
    n = as_pair(size, "size", minimum=1)
    k = as_pair(kernel_size, "kernel_size", minimum=1)
    s = as_pair(stride, "stride", minimum=1)
    p = as_pair(padding, "padding", minimum=0)
    d = as_pair(dilation, "dilation", minimum=1)
    out = tuple(
        _axis_output(n[i], k[i], s[i], p[i], d[i], "conv_output_size", f"[{i}]" if pair else "")
        for i in range(2)
    )
    return out if pair else out[0]


def pool_output_size(
    size: int | Sequence[int],
    kernel_size: int | Sequence[int],
    stride: int | Sequence[int] | None = None,
    padding: int | Sequence[int] = 0,
) -> int | tuple[int, int]:
    """Output length of a pooling layer along each axis.

    Lecture: sub-sampling (or pooling).

    Same formula as :func:`conv_output_size` with dilation 1, but ``stride`` defaults to
    ``kernel_size`` (non-overlapping windows), and, as in torch, ``padding`` may be at most
    half the kernel.

    Examples
    --------
    >>> pool_output_size(4, 2)
    2
    """
    pair = _is_pair(size, kernel_size, stride, padding)
    k = as_pair(kernel_size, "kernel_size", minimum=1)
    s = k if stride is None else as_pair(stride, "stride", minimum=1)
    p = as_pair(padding, "padding", minimum=0)
    n = as_pair(size, "size", minimum=1)
    for i in range(2):
        if 2 * p[i] > k[i]:
            raise ValueError(
                f"pool_output_size: padding={padding!r} must be at most half of "
                f"kernel_size={kernel_size!r} (as in torch pooling layers)"
            )
    out = tuple(
        _axis_output(n[i], k[i], s[i], p[i], 1, "pool_output_size", f"[{i}]" if pair else "")
        for i in range(2)
    )
    return out if pair else out[0]


class ReceptiveField(NamedTuple):
    """Receptive field of one output unit of a layer stack, in input samples.

    Attributes
    ----------
    size : int
        How many consecutive input samples one output unit sees.
    jump : int
        Distance, in input samples, between neighbouring output units (product of strides).
    """

    size: int
    jump: int


def receptive_field(layers: Iterable[Sequence[int]]) -> ReceptiveField:
    """Receptive field size and jump of a stack of conv/pool layers along one axis.

    Lecture: locality (local receptive fields) and deep stacks of small filters (VGG).

    Parameters
    ----------
    layers : iterable of (kernel, stride) or (kernel, stride, dilation)
        The layers from input to output.

    Returns
    -------
    ReceptiveField
        ``size = 1 + sum_l dilation_l * (kernel_l - 1) * jump_{l-1}`` and
        ``jump = prod_l stride_l``.

    Examples
    --------
    Two 3x3 convolutions see as far as one 5x5:

    >>> receptive_field([(3, 1), (3, 1)])
    ReceptiveField(size=5, jump=1)
    """
    size, jump = 1, 1
    for i, layer in enumerate(layers):
        if isinstance(layer, (str, bytes)) or not isinstance(layer, Sequence):
            raise ValueError(
                f"receptive_field: layer {i} must be (kernel, stride) or "
                f"(kernel, stride, dilation), got {layer!r}"
            )
        if len(layer) not in (2, 3):
            raise ValueError(
                f"receptive_field: layer {i} must have 2 or 3 entries "
                f"(kernel, stride[, dilation]), got {layer!r}"
            )
        k = as_int(layer[0], f"layers[{i}] kernel", minimum=1)
        s = as_int(layer[1], f"layers[{i}] stride", minimum=1)
        d = as_int(layer[2], f"layers[{i}] dilation", minimum=1) if len(layer) == 3 else 1
        size += d * (k - 1) * jump
        jump *= s
    return ReceptiveField(size, jump)
