"""VGGNet (Simonyan & Zisserman, 2014): flexibility from stacks of small 3x3 filters.

Lecture: "small filter size (3x3)": two stacked 3x3 convolutions see a 5x5 region
(``course_lib.shapes.receptive_field``) with fewer parameters and one more non-linearity.
Variants are configuration lists: numbers are output channels of 3x3 convolutions, ``"M"`` a
2x2 max pooling.
"""

from __future__ import annotations

import torch
from torch import nn

__all__ = ["VGG", "vgg_block", "vgg11", "vgg16", "CFGS"]

CFGS: dict[str, list[int | str]] = {
    "vgg11": [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "vgg16": [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M",
              512, 512, 512, "M"],
}  # fmt: skip


def vgg_block(
    in_channels: int, out_channels: int, num_convs: int, batch_norm: bool = False
) -> nn.Sequential:
    """One VGG block: ``num_convs`` 3x3 convolutions (padding 1) with ReLU, then 2x2 max pooling.

    Lecture: "one block of VGGNet". Halves H and W, keeps the receptive field growing by 2
    per convolution.
    """
    if num_convs < 1:
        raise ValueError(f"num_convs must be at least 1, got {num_convs}")
    layers: list[nn.Module] = []
    for i in range(num_convs):
        layers.append(
            nn.Conv2d(in_channels if i == 0 else out_channels, out_channels, 3, padding=1)
        )
        if batch_norm:
            layers.append(nn.BatchNorm2d(out_channels))
        layers.append(nn.ReLU(inplace=True))
    layers.append(nn.MaxPool2d(2))
    return nn.Sequential(*layers)


def _blocks_from_cfg(cfg: list[int | str], in_channels: int, batch_norm: bool) -> nn.Sequential:
    blocks, convs = [], []
    for item in cfg:
        if item == "M":
            blocks.append(vgg_block(in_channels, convs[0], len(convs), batch_norm))
            in_channels, convs = convs[0], []
        else:
            if convs and item != convs[0]:
                raise ValueError(f"a VGG block must keep its channel count, got {cfg}")
            convs.append(int(item))
    return nn.Sequential(*blocks)


class VGG(nn.Module):
    """VGG network from a configuration list.

    Shape
    -----
    input ``(N, in_channels, H, W)`` with H, W >= 32 -> ``(N, num_classes)``.
    """

    def __init__(
        self,
        cfg: list[int | str],
        num_classes: int = 1000,
        in_channels: int = 3,
        batch_norm: bool = False,
        hidden: int = 4096,
        dropout: float = 0.5,
    ) -> None:
        super().__init__()
        self.features = _blocks_from_cfg(cfg, in_channels, batch_norm)
        last = [c for c in cfg if c != "M"][-1]
        self.avgpool = nn.AdaptiveAvgPool2d((7, 7))
        self.classifier = nn.Sequential(
            nn.Linear(int(last) * 7 * 7, hidden),
            nn.ReLU(inplace=True),
            nn.Dropout(dropout),
            nn.Linear(hidden, hidden),
            nn.ReLU(inplace=True),
            nn.Dropout(dropout),
            nn.Linear(hidden, num_classes),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.features(x)  # (N, 512, H/32, W/32)
        x = self.avgpool(x)  # (N, 512, 7, 7)
        return self.classifier(torch.flatten(x, 1))  # (N, num_classes)


def vgg11(*, num_classes: int = 1000, in_channels: int = 3, batch_norm: bool = False) -> VGG:
    """VGG-11 (configuration "A")."""
    return VGG(CFGS["vgg11"], num_classes, in_channels, batch_norm)


def vgg16(*, num_classes: int = 1000, in_channels: int = 3, batch_norm: bool = False) -> VGG:
    """VGG-16 (configuration "D"): 138,357,544 parameters for 1000 classes."""
    return VGG(CFGS["vgg16"], num_classes, in_channels, batch_norm)
