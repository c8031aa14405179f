"""Torch layers the lecture names that torch lacks or names differently.

Lecture: locally connected layers (locality without weight sharing) and
sub-sampling with standard-deviation and L^p (power-average) pooling.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from .shapes import conv_output_size, pool_output_size
from .validate import as_int, as_pair

__all__ = ["LocallyConnected2d", "StdPool2d", "LpPool2d"]


def _check_input(x: torch.Tensor, channels: int | None, what: str) -> None:
    if x.dim() != 4:
        raise ValueError(f"{what} expects input shaped (N, C, H, W), got shape {tuple(x.shape)}")
    if channels is not None and x.shape[1] != channels:
        raise ValueError(
            f"{what} was built for {channels} input channels, got input of shape "
            f"{tuple(x.shape)} with {x.shape[1]}"
        )


class LocallyConnected2d(nn.Module):
    """A convolution-like layer whose filters are *not* shared across locations.

    Lecture: locally connected layer. Each output unit ``(i, j)`` looks at a local
    ``kernel_size`` patch of the input (locality) through its own weights. Tying all
    locations to the same weights turns it into :class:`torch.nn.Conv2d`
    (see :meth:`from_conv2d`).

    Parameters
    ----------
    in_channels, out_channels : int
    input_size : int or (int, int)
        ``(H, W)`` of the input; the layer has one filter bank per output location, so the
        input size is fixed.
    kernel_size, stride, padding : int or (int, int)
    bias : bool
        One bias per output unit (``out_channels x H_out x W_out``).

    Shape
    -----
    input ``(N, in_channels, H, W)`` -> output ``(N, out_channels, H_out, W_out)``;
    ``weight`` is ``(H_out, W_out, out_channels, in_channels, kH, kW)``, the layout
    :func:`course_lib.ops.locally_connected2d` uses.
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        input_size: int | Sequence[int],
        kernel_size: int | Sequence[int],
        stride: int | Sequence[int] = 1,
        padding: int | Sequence[int] = 0,
        bias: bool = True,
    ) -> None:
        super().__init__()
        self.in_channels = as_int(in_channels, "in_channels", minimum=1)
        self.out_channels = as_int(out_channels, "out_channels", minimum=1)
        self.input_size = as_pair(input_size, "input_size", minimum=1)
        self.kernel_size = as_pair(kernel_size, "kernel_size", minimum=1)
        self.stride = as_pair(stride, "stride", minimum=1)
        self.padding = as_pair(padding, "padding", minimum=0)
        self.output_size = conv_output_size(
            self.input_size, self.kernel_size, self.stride, self.padding
        )
        out_h, out_w = self.output_size
        kh, kw = self.kernel_size
        self.weight = nn.Parameter(
            torch.empty(out_h, out_w, self.out_channels, self.in_channels, kh, kw)
        )
        self.bias = nn.Parameter(torch.empty(self.out_channels, out_h, out_w)) if bias else None
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Uniform initialisation with the fan-in bound torch uses for ``Conv2d``."""
        fan_in = self.in_channels * self.kernel_size[0] * self.kernel_size[1]
        bound = 1.0 / math.sqrt(fan_in)
        nn.init.uniform_(self.weight, -bound, bound)
        if self.bias is not None:
            nn.init.uniform_(self.bias, -bound, bound)

    @classmethod
    def from_conv2d(cls, conv: nn.Conv2d, input_size: int | Sequence[int]) -> LocallyConnected2d:
        """A locally connected layer with every location tied to ``conv``'s weights.

        Lecture: weight sharing. The result computes exactly what ``conv`` computes on
        inputs of ``input_size``, with many more (copied) parameters.
        """
        if conv.groups != 1 or conv.dilation != (1, 1) or isinstance(conv.padding, str):
            raise ValueError(
                "from_conv2d supports Conv2d with groups=1, dilation=1 and numeric padding"
            )
        layer = cls(
            conv.in_channels,
            conv.out_channels,
            input_size,
            conv.kernel_size,
            conv.stride,
            conv.padding,
            bias=conv.bias is not None,
        )
        with torch.no_grad():
            layer.weight.copy_(conv.weight.expand_as(layer.weight))
            if conv.bias is not None:
                layer.bias.copy_(conv.bias[:, None, None].expand_as(layer.bias))
        return layer

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        _check_input(x, self.in_channels, "LocallyConnected2d")
        if tuple(x.shape[2:]) != self.input_size:
            raise ValueError(
                f"LocallyConnected2d was built for input_size {self.input_size}, got input of "
                f"shape {tuple(x.shape)}; build a new layer for this size"
            )
        out_h, out_w = self.output_size
        patches = F.unfold(x, self.kernel_size, padding=self.padding, stride=self.stride)
        # patches: (N, C*kH*kW, L) with L = H_out*W_out; weight: (L, O, C*kH*kW)
        weight = self.weight.reshape(out_h * out_w, self.out_channels, -1)
        out = torch.einsum("nkl,lok->nol", patches, weight)  # (N, O, L)
        out = out.reshape(x.shape[0], self.out_channels, out_h, out_w)
        if self.bias is not None:
            out = out + self.bias
        return out

    def extra_repr(self) -> str:
        return (
            f"{self.in_channels}, {self.out_channels}, input_size={self.input_size}, "
            f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
            f"bias={self.bias is not None}"
        )


class _Pool(nn.Module):
    def __init__(self, kernel_size, stride=None, padding=0) -> None:
        super().__init__()
        self.kernel_size = as_pair(kernel_size, "kernel_size", minimum=1)
        self.stride = self.kernel_size if stride is None else as_pair(stride, "stride", minimum=1)
        self.padding = as_pair(padding, "padding", minimum=0)
        pool_output_size(max(self.kernel_size), self.kernel_size, self.stride, self.padding)

    def _mean(self, x: torch.Tensor) -> torch.Tensor:
        # Padding is ignored (count_include_pad=False), as in course_lib.ops.pool2d.
        return F.avg_pool2d(x, self.kernel_size, self.stride, self.padding, count_include_pad=False)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class StdPool2d(_Pool):
    """Standard-deviation pooling: the spread of each window (population std).

    Lecture: sub-sampling, standard-deviation pooling. Matches
    ``course_lib.ops.pool2d(..., mode="std")``; padded cells are ignored.
    """

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        _check_input(x, None, "StdPool2d")
        mean = self._mean(x)
        var = self._mean(x * x) - mean * mean
        return var.clamp_min(0).sqrt()


class LpPool2d(_Pool):
    """L^p (power-average) pooling: ``(mean over the window of |x|^p) ** (1/p)``.

    Lecture: sub-sampling, L^p pooling. ``p=1`` averages magnitudes; large ``p``
    approaches max pooling. Unlike ``torch.nn.LPPool2d`` (a power *sum*), the result does
    not grow with the window size. Matches ``course_lib.ops.pool2d(..., mode="lp")``.
    """

    def __init__(self, p: float, kernel_size, stride=None, padding=0) -> None:
        super().__init__(kernel_size, stride, padding)
        if not (isinstance(p, (int, float)) and math.isfinite(p) and p > 0):
            raise ValueError(f"LpPool2d: p must be a positive finite number, got {p!r}")
        self.p = float(p)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        _check_input(x, None, "LpPool2d")
        return self._mean(x.abs().pow(self.p)).pow(1.0 / self.p)

    def extra_repr(self) -> str:
        return f"p={self.p}, " + super().extra_repr()
