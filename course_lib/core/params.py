"""Parameter counts of dense, locally connected and convolutional layers, and model summaries.

Lecture: motivation (a fully connected layer on an image or a spectrogram has too many
weights), locally connected layers and weight sharing, and the tables of classic CNNs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import torch
from torch import nn

from .shapes import conv_output_size
from .validate import as_int, as_pair

__all__ = [
    "dense_params",
    "conv2d_params",
    "locally_connected2d_params",
    "count_params",
    "summary",
    "Summary",
    "LayerRow",
]


def dense_params(in_features: int, out_features: int, bias: bool = True) -> int:
    """Number of parameters of a fully connected (dense) layer.

    Lecture: motivation (fully connected layers on images and spectrograms).

    ``in_features * out_features`` weights plus ``out_features`` biases.

    Examples
    --------
    A 256x256 RGB image into 256 hidden units:

    >>> dense_params(256 * 256 * 3, 256, bias=False)
    50331648
    """
    n_in = as_int(in_features, "in_features", minimum=1)
    n_out = as_int(out_features, "out_features", minimum=1)
    return n_in * n_out + (n_out if bias else 0)


def conv2d_params(
    in_channels: int,
    out_channels: int,
    kernel_size: int | Sequence[int],
    bias: bool = True,
    groups: int = 1,
) -> int:
    """Number of parameters of a 2-D convolution layer (same as ``torch.nn.Conv2d``).

    Lecture: weight sharing (a convolution's count does not depend on the input size).

    ``out_channels * (in_channels / groups) * kH * kW`` weights plus ``out_channels`` biases.
    """
    c_in = as_int(in_channels, "in_channels", minimum=1)
    c_out = as_int(out_channels, "out_channels", minimum=1)
    g = as_int(groups, "groups", minimum=1)
    kh, kw = as_pair(kernel_size, "kernel_size", minimum=1)
    if c_in % g or c_out % g:
        raise ValueError(
            f"conv2d_params: in_channels={c_in} and out_channels={c_out} must both be "
            f"divisible by groups={g}"
        )
    return c_out * (c_in // g) * kh * kw + (c_out if bias else 0)


def locally_connected2d_params(
    in_channels: int,
    out_channels: int,
    input_size: int | Sequence[int],
    kernel_size: int | Sequence[int],
    stride: int | Sequence[int] = 1,
    padding: int | Sequence[int] = 0,
    bias: bool = True,
) -> int:
    """Number of parameters of a locally connected layer (unshared weights per location).

    Lecture: locally connected layer. Every output location ``(i, j)`` of the
    ``H_out x W_out`` grid has its own ``out_channels x in_channels x kH x kW`` filters and
    its own ``out_channels`` biases, matching :class:`course_lib.layers.LocallyConnected2d`.
    """
    c_in = as_int(in_channels, "in_channels", minimum=1)
    c_out = as_int(out_channels, "out_channels", minimum=1)
    kh, kw = as_pair(kernel_size, "kernel_size", minimum=1)
    out_h, out_w = conv_output_size(
        as_pair(input_size, "input_size", minimum=1), (kh, kw), stride, padding
    )
    per_location = c_out * c_in * kh * kw + (c_out if bias else 0)
    return out_h * out_w * per_location


def count_params(module: nn.Module, trainable_only: bool = False) -> int:
    """Total number of parameters of a torch module (``sum(p.numel())``).

    Parameters shared between sub-modules are counted once.
    """
    if not isinstance(module, nn.Module):
        raise ValueError(f"count_params expects a torch.nn.Module, got {type(module).__name__}")
    return sum(p.numel() for p in module.parameters() if p.requires_grad or not trainable_only)


@dataclass(frozen=True)
class LayerRow:
    """One row of a :class:`Summary`: a leaf layer, its output shape and its own parameters."""

    name: str
    type: str
    output_shape: tuple[int, ...]
    params: int


@dataclass
class Summary:
    """Per-layer table of a model, as returned by :func:`summary`; prints as a table."""

    input_shape: tuple[int, ...]
    output_shape: tuple[int, ...]
    rows: list[LayerRow] = field(default_factory=list)
    total_params: int = 0
    trainable_params: int = 0

    def __iter__(self):
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, index: int) -> LayerRow:
        return self.rows[index]

    def __str__(self) -> str:
        header = ("Layer", "Type", "Output shape", "Params")
        body = [
            (r.name, r.type, "x".join(map(str, r.output_shape)), f"{r.params:,}") for r in self.rows
        ]
        widths = [max(len(row[i]) for row in [header, *body]) for i in range(4)]

        def fmt(row):
            return "  ".join(
                cell.rjust(w) if i == 3 else cell.ljust(w)
                for i, (cell, w) in enumerate(zip(row, widths, strict=True))
            )

        rule = "-" * len(fmt(header))
        lines = [
            f"Input shape: {'x'.join(map(str, self.input_shape))}",
            rule,
            fmt(header),
            rule,
            *map(fmt, body),
            rule,
            f"Output shape: {'x'.join(map(str, self.output_shape))}",
            f"Total params: {self.total_params:,}",
            f"Trainable params: {self.trainable_params:,}",
        ]
        return "\n".join(lines)

    __repr__ = __str__


def summary(model: nn.Module, input_shape: Sequence[int]) -> Summary:
    """Run a zero input through ``model`` and tabulate every leaf layer.

    Lecture: CNN architectures (LeNet-5, AlexNet, VGG, GoogLeNet, ResNet tables).

    Parameters
    ----------
    model : torch.nn.Module
    input_shape : sequence of int
        Full input shape including the batch axis, e.g. ``(1, 1, 32, 32)``.

    Returns
    -------
    Summary
        Rows of (name, type, output shape, parameters) for every module that has no
        children or owns parameters directly, in the order they run. Printing it shows a
        table; ``total_params`` equals :func:`count_params`.
    """
    if not isinstance(model, nn.Module):
        raise ValueError(f"summary expects a torch.nn.Module, got {type(model).__name__}")
    shape = tuple(input_shape)
    if not shape or not all(isinstance(n, int) and n > 0 for n in shape):
        raise ValueError(
            f"summary: input_shape must be positive ints including the batch axis, "
            f"e.g. (1, 1, 32, 32); got {input_shape!r}"
        )
    rows: list[LayerRow] = []
    hooks = []

    def record(name: str):
        def hook(module: nn.Module, _inputs, output) -> None:
            out = output[0] if isinstance(output, (tuple, list)) else output
            out_shape = tuple(out.shape) if isinstance(out, torch.Tensor) else ()
            own = sum(p.numel() for p in module.parameters(recurse=False))
            rows.append(LayerRow(name, type(module).__name__, out_shape, own))

        return hook

    for name, module in model.named_modules():
        has_own = any(True for _ in module.parameters(recurse=False))
        if has_own or not list(module.children()):
            hooks.append(module.register_forward_hook(record(name or type(module).__name__)))
    param = next(model.parameters(), None)
    device = param.device if param is not None else torch.device("cpu")
    dtype = param.dtype if param is not None and param.is_floating_point() else torch.float32
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            output = model(torch.zeros(shape, device=device, dtype=dtype))
    except RuntimeError as err:
        raise ValueError(
            f"summary: the model could not run on an input of shape {shape}: {err}"
        ) from err
    finally:
        for h in hooks:
            h.remove()
        model.train(was_training)
    out = output[0] if isinstance(output, (tuple, list)) else output
    return Summary(
        input_shape=shape,
        output_shape=tuple(out.shape),
        rows=rows,
        total_params=count_params(model),
        trainable_params=count_params(model, trainable_only=True),
    )
