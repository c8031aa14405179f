"""VGGNet (Simonyan & Zisserman, 2014): flexibility from stacks of small 3x3 filters.

Lecture: "small filter size (3x3)" and "one block of VGGNet": two stacked 3x3 convolutions
see a 5x5 region (``course_lib.shapes.receptive_field``) with fewer parameters and one more
non-linearity. Variants are configuration lists: numbers are output channels of 3x3
convolutions, ``"M"`` a 2x2 max pooling that ends a block (the paper's Table 1, columns A, B,
D and E).
"""

from __future__ import annotations

import torch
from torch import nn

from ..core.validate import as_int
from ._checks import check_dropout, check_images

__all__ = ["CFGS", "vgg_block", "VGG", "vgg11", "vgg13", "vgg16", "vgg19"]

CFGS: dict[str, list[int | str]] = {
    "vgg11": [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "vgg13": [64, 64, "M", 128, 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "vgg16": [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M",
              512, 512, 512, "M"],
    "vgg19": [64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M", 512, 512, 512, 512, "M",
              512, 512, 512, 512, "M"],
}  # fmt: skip


def vgg_block(
    in_channels: int, out_channels: int, num_convs: int, batch_norm: bool = False
) -> nn.Sequential:
    """One VGG block: ``num_convs`` 3x3 convolutions (padding 1) with ReLU, then 2x2 max pooling.

    Lecture: "one block of VGGNet". The convolutions keep H and W and grow the receptive field
    by 2 each; the pooling halves H and W.

    Parameters
    ----------
    in_channels, out_channels : int
        Depth of the block's input and of every convolution's output.
    num_convs : int
        3x3 convolutions in the block (2 to 4 in VGG-16/19).
    batch_norm : bool
        Batch normalisation after each convolution (the later ``vgg16_bn`` variant).

    Shape
    -----
    ``(N, in_channels, H, W)`` -> ``(N, out_channels, H // 2, W // 2)``.
    """
    in_channels = as_int(in_channels, "in_channels", minimum=1)
    out_channels = as_int(out_channels, "out_channels", minimum=1)
    num_convs = as_int(num_convs, "num_convs", minimum=1)
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
    """Group a configuration list into :func:`vgg_block` s (one per ``"M"``)."""
    if not cfg or cfg[-1] != "M" or cfg[0] == "M":
        raise ValueError(f"a VGG configuration starts with channels and ends with 'M', got {cfg}")
    blocks, convs = [], []
    for item in cfg:
        if item == "M":
            if not convs:
                raise ValueError(f"two 'M' in a row in the VGG configuration {cfg}")
            blocks.append(vgg_block(in_channels, convs[0], len(convs), batch_norm))
            in_channels, convs = convs[0], []
        else:
            if isinstance(item, bool) or not isinstance(item, int) or item < 1:
                raise ValueError(f"VGG configuration entries are channels or 'M', got {item!r}")
            if convs and item != convs[0]:
                raise ValueError(f"a VGG block keeps its channel count, got {cfg}")
            convs.append(item)
    return nn.Sequential(*blocks)


class VGG(nn.Module):
    """VGG network from a configuration list: blocks of 3x3 convolutions, three dense layers.

    Parameters
    ----------
    cfg : list of int or "M"
        E.g. ``CFGS["vgg16"]``.
    num_classes, in_channels : int
    batch_norm : bool
    hidden : int
        Units of the two hidden dense layers (4096 in the paper).
    dropout : float

    Shape
    -----
    ``(N, in_channels, H, W)`` with H, W >= 2 ** (number of blocks) (32 for VGG-16; 224 in the
    paper) -> ``(N, num_classes)``. Adaptive average pooling to 7x7 lets any larger input in.
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
        num_classes = as_int(num_classes, "num_classes", minimum=1)
        self.in_channels = as_int(in_channels, "in_channels", minimum=1)
        hidden = as_int(hidden, "hidden", minimum=1)
        dropout = check_dropout(dropout)
        self.features = _blocks_from_cfg(list(cfg), self.in_channels, batch_norm)
        self.min_size = 2 ** len(self.features)  # each block halves H and W
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
        check_images(x, "VGG", self.in_channels, self.min_size)
        x = self.features(x)  # (N, 512, H/32, W/32) for five blocks
        x = self.avgpool(x)  # (N, 512, 7, 7)
        x = torch.flatten(x, 1)  # (N, 25088)
        return self.classifier(x)  # (N, num_classes)


def vgg11(*, num_classes: int = 1000, in_channels: int = 3, batch_norm: bool = False) -> VGG:
    """VGG-11 (configuration "A"): 132,863,336 parameters for 1000 classes."""
    return VGG(CFGS["vgg11"], num_classes, in_channels, batch_norm)


def vgg13(*, num_classes: int = 1000, in_channels: int = 3, batch_norm: bool = False) -> VGG:
    """VGG-13 (configuration "B"): 133,047,848 parameters for 1000 classes."""
    return VGG(CFGS["vgg13"], num_classes, in_channels, batch_norm)


def vgg16(*, num_classes: int = 1000, in_channels: int = 3, batch_norm: bool = False) -> VGG:
    """VGG-16 (configuration "D"): 138,357,544 parameters for 1000 classes.

    Lecture: "VGGNet (flexibility)": thirteen 3x3 convolutions in five blocks, three dense layers.
    """
    return VGG(CFGS["vgg16"], num_classes, in_channels, batch_norm)


def vgg19(*, num_classes: int = 1000, in_channels: int = 3, batch_norm: bool = False) -> VGG:
    """VGG-19 (configuration "E"): 143,667,240 parameters for 1000 classes."""
    return VGG(CFGS["vgg19"], num_classes, in_channels, batch_norm)
