"""ResNet (He et al., 2016): depth and performance from skip connections.

Lecture: "add skip connections between conv blocks: better gradient flow"; the 34-layer
residual network on the slide (3, 4, 6, 3 basic blocks of 64, 128, 256, 512 channels).
"""

from __future__ import annotations

import torch
from torch import nn

__all__ = ["BasicBlock", "ResNet", "resnet34", "resnet18"]


class BasicBlock(nn.Module):
    """Two 3x3 convolutions with a skip connection: ``y = relu(F(x) + shortcut(x))``.

    When the block changes the size (``stride > 1``) or the channels, the shortcut is a 1x1
    convolution ("projection"); otherwise it is the identity.
    """

    def __init__(self, in_channels: int, out_channels: int, stride: int = 1) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, out_channels, 3, stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(out_channels)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(out_channels, out_channels, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(out_channels)
        self.shortcut: nn.Module = nn.Identity()
        if stride != 1 or in_channels != out_channels:
            self.shortcut = nn.Sequential(
                nn.Conv2d(in_channels, out_channels, 1, stride, bias=False),
                nn.BatchNorm2d(out_channels),
            )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        identity = self.shortcut(x)  # (N, out, H/stride, W/stride)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.relu(out + identity)  # the skip connection


class ResNet(nn.Module):
    """ResNet with basic blocks: 7x7/2 stem, max pool, four stages, global average pooling.

    Shape
    -----
    ``(N, in_channels, H, W)`` -> ``(N, num_classes)``; any H, W >= 32.
    """

    def __init__(
        self,
        layers: list[int],
        num_classes: int = 1000,
        in_channels: int = 3,
        widths: tuple[int, ...] = (64, 128, 256, 512),
    ) -> None:
        super().__init__()
        if len(layers) != len(widths):
            raise ValueError(f"need one block count per stage, got {layers} for {widths}")
        self.stem = nn.Sequential(
            nn.Conv2d(in_channels, widths[0], 7, stride=2, padding=3, bias=False),
            nn.BatchNorm2d(widths[0]),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(3, stride=2, padding=1),
        )
        stages, channels = [], widths[0]
        for i, (blocks, width) in enumerate(zip(layers, widths, strict=True)):
            stride = 1 if i == 0 else 2
            stage = [BasicBlock(channels, width, stride)]
            stage += [BasicBlock(width, width) for _ in range(blocks - 1)]
            stages.append(nn.Sequential(*stage))
            channels = width
        self.stages = nn.Sequential(*stages)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(channels, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.stem(x)  # (N, 64, H/4, W/4)
        x = self.stages(x)  # (N, 512, H/32, W/32)
        x = torch.flatten(self.pool(x), 1)  # (N, 512)
        return self.fc(x)  # (N, num_classes)


def resnet34(*, num_classes: int = 1000, in_channels: int = 3) -> ResNet:
    """ResNet-34, the slide's network: 21,797,672 parameters for 1000 classes."""
    return ResNet([3, 4, 6, 3], num_classes, in_channels)


def resnet18(*, num_classes: int = 1000, in_channels: int = 3) -> ResNet:
    """ResNet-18: 11,689,512 parameters for 1000 classes."""
    return ResNet([2, 2, 2, 2], num_classes, in_channels)
