"""ResNet (He et al., 2016): depth and performance from skip connections.

Lecture: "ResNet (deep and high performance)": "add skip connections between conv blocks:
better gradient flow"; the 34-layer residual network on the slide (a 7x7/2 convolution, then
3, 4, 6, 3 basic blocks of 64, 128, 256, 512 channels, global average pooling, fc 1000).
``residual=False`` removes the skip connections and gives the paper's "plain" network of the
same depth, for comparisons.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from ..core.validate import as_int
from ._checks import check_images

__all__ = ["BasicBlock", "ResNet", "resnet18", "resnet34"]


class BasicBlock(nn.Module):
    """Two 3x3 convolutions with a skip connection: ``y = relu(F(x) + shortcut(x))``.

    Parameters
    ----------
    in_channels, out_channels : int
    stride : int
        2 in the first block of a stage halves H and W (the slide's "/2").
    residual : bool
        ``False`` drops the skip connection (``y = relu(F(x))``), the plain network.

    When the block changes the size (``stride > 1``) or the channels, the shortcut is a 1x1
    convolution with batch norm ("projection", option B of the paper); otherwise it is the
    identity and costs no parameters.

    Shape
    -----
    ``(N, in_channels, H, W)`` -> ``(N, out_channels, ceil(H / stride), ceil(W / stride))``.
    """

    def __init__(
        self, in_channels: int, out_channels: int, stride: int = 1, residual: bool = True
    ) -> None:
        super().__init__()
        self.in_channels = as_int(in_channels, "in_channels", minimum=1)
        out_channels = as_int(out_channels, "out_channels", minimum=1)
        stride = as_int(stride, "stride", minimum=1)
        self.residual = bool(residual)
        self.conv1 = nn.Conv2d(in_channels, out_channels, 3, stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(out_channels)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(out_channels, out_channels, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(out_channels)
        self.shortcut: nn.Module | None = None
        if self.residual:
            self.shortcut = nn.Identity()
            if stride != 1 or in_channels != out_channels:
                self.shortcut = nn.Sequential(
                    nn.Conv2d(in_channels, out_channels, 1, stride, bias=False),
                    nn.BatchNorm2d(out_channels),
                )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        check_images(x, "BasicBlock", self.in_channels)
        out = self.relu(self.bn1(self.conv1(x)))  # (N, out, H/stride, W/stride)
        out = self.bn2(self.conv2(out))  # (N, out, H/stride, W/stride): F(x)
        if self.shortcut is not None:
            out = out + self.shortcut(x)  # the skip connection: F(x) + x
        return self.relu(out)


class ResNet(nn.Module):
    """ResNet with basic blocks: 7x7/2 stem, max pool, four stages, global average pooling.

    Parameters
    ----------
    layers : sequence of int
        Basic blocks per stage (``[3, 4, 6, 3]`` for ResNet-34).
    num_classes, in_channels : int
    widths : sequence of int
        Channels of each stage; every stage after the first starts with stride 2.
    residual : bool
        ``False`` builds the plain network of the same depth (no skip connections).

    Shape
    -----
    ``(N, in_channels, H, W)`` -> ``(N, num_classes)``; any H, W (224 in the paper gives 7x7
    maps before the average pooling).
    """

    def __init__(
        self,
        layers: Sequence[int],
        num_classes: int = 1000,
        in_channels: int = 3,
        widths: Sequence[int] = (64, 128, 256, 512),
        residual: bool = True,
    ) -> None:
        super().__init__()
        if len(layers) != len(widths) or not layers:
            raise ValueError(
                f"need one block count per stage: got layers={list(layers)} for "
                f"widths={list(widths)}"
            )
        layers = [as_int(n, f"layers[{i}]", minimum=1) for i, n in enumerate(layers)]
        widths = [as_int(n, f"widths[{i}]", minimum=1) for i, n in enumerate(widths)]
        num_classes = as_int(num_classes, "num_classes", minimum=1)
        self.in_channels = as_int(in_channels, "in_channels", minimum=1)
        self.stem = nn.Sequential(
            nn.Conv2d(self.in_channels, widths[0], 7, stride=2, padding=3, bias=False),
            nn.BatchNorm2d(widths[0]),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(3, stride=2, padding=1),
        )
        stages, channels = [], widths[0]
        for i, (blocks, width) in enumerate(zip(layers, widths, strict=True)):
            stride = 1 if i == 0 else 2
            stage = [BasicBlock(channels, width, stride, residual)]
            stage += [BasicBlock(width, width, 1, residual) for _ in range(blocks - 1)]
            stages.append(nn.Sequential(*stage))
            channels = width
        self.stages = nn.Sequential(*stages)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(channels, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        check_images(x, "ResNet", self.in_channels)
        x = self.stem(x)  # (N, 64, H/4, W/4)
        x = self.stages(x)  # (N, 512, H/32, W/32)
        x = torch.flatten(self.pool(x), 1)  # (N, 512)
        return self.fc(x)  # (N, num_classes)


def resnet34(*, num_classes: int = 1000, in_channels: int = 3, residual: bool = True) -> ResNet:
    """ResNet-34, the slide's network: 21,797,672 parameters for 1000 classes.

    Lecture: "ResNet (deep and high performance)", the 34-layer residual network.
    ``residual=False`` gives the paper's plain-34 (21,623,848 parameters: no projections).
    """
    return ResNet([3, 4, 6, 3], num_classes, in_channels, residual=residual)


def resnet18(*, num_classes: int = 1000, in_channels: int = 3, residual: bool = True) -> ResNet:
    """ResNet-18: 11,689,512 parameters for 1000 classes."""
    return ResNet([2, 2, 2, 2], num_classes, in_channels, residual=residual)
