"""GoogLeNet's inception module (Szegedy et al., 2015): efficiency from 1x1 reductions.

Lecture: "GoogLeNet (efficiency)": "1x1 filter: reduce the depth (significantly reduce
parameters)" and "inception module: multiple parallel convolution layers". Four branches see
the same input at different scales and are concatenated along the channel axis. The whole
22-layer network (:func:`googlenet`) is a stem and nine inception modules from the paper's
Table 1 (:data:`INCEPTION_CFGS`).
"""

from __future__ import annotations

from collections import OrderedDict

import torch
from torch import nn

from ..core.validate import as_int
from ._checks import check_dropout, check_images

__all__ = ["conv_relu", "InceptionModule", "INCEPTION_CFGS", "GoogLeNet", "googlenet"]


def conv_relu(in_channels: int, out_channels: int, kernel_size: int, **kwargs) -> nn.Sequential:
    """A convolution followed by ReLU (keyword arguments go to ``nn.Conv2d``)."""
    return nn.Sequential(
        nn.Conv2d(in_channels, out_channels, kernel_size, **kwargs), nn.ReLU(inplace=True)
    )


class InceptionModule(nn.Module):
    """Inception module with dimension reduction (GoogLeNet, Fig. 2b).

    Parameters
    ----------
    in_channels : int
    ch1x1 : int
        1x1 branch.
    ch3x3_reduce, ch3x3 : int
        1x1 reduction to ``ch3x3_reduce`` channels, then 3x3 to ``ch3x3``.
    ch5x5_reduce, ch5x5 : int
        1x1 reduction, then 5x5.
    pool_proj : int
        3x3 max pooling (stride 1), then 1x1 projection.

    Shape
    -----
    ``(N, in_channels, H, W)`` -> ``(N, ch1x1 + ch3x3 + ch5x5 + pool_proj, H, W)``.
    GoogLeNet's "inception (3a)" is ``InceptionModule(192, 64, 96, 128, 16, 32, 32)`` -> 256.
    """

    def __init__(
        self,
        in_channels: int,
        ch1x1: int,
        ch3x3_reduce: int,
        ch3x3: int,
        ch5x5_reduce: int,
        ch5x5: int,
        pool_proj: int,
    ) -> None:
        super().__init__()
        names = ("in_channels", "ch1x1", "ch3x3_reduce", "ch3x3", "ch5x5_reduce", "ch5x5")
        values = (in_channels, ch1x1, ch3x3_reduce, ch3x3, ch5x5_reduce, ch5x5)
        for name, value in [*zip(names, values, strict=True), ("pool_proj", pool_proj)]:
            as_int(value, name, minimum=1)
        self.in_channels = in_channels
        self.branch1 = conv_relu(in_channels, ch1x1, 1)
        self.branch2 = nn.Sequential(
            conv_relu(in_channels, ch3x3_reduce, 1),  # 1x1 reduction
            conv_relu(ch3x3_reduce, ch3x3, 3, padding=1),
        )
        self.branch3 = nn.Sequential(
            conv_relu(in_channels, ch5x5_reduce, 1),  # 1x1 reduction
            conv_relu(ch5x5_reduce, ch5x5, 5, padding=2),
        )
        self.branch4 = nn.Sequential(
            nn.MaxPool2d(3, stride=1, padding=1), conv_relu(in_channels, pool_proj, 1)
        )
        self.out_channels = ch1x1 + ch3x3 + ch5x5 + pool_proj

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        check_images(x, "InceptionModule", self.in_channels)
        branches = [
            self.branch1(x),  # (N, ch1x1, H, W)
            self.branch2(x),  # (N, ch3x3, H, W)
            self.branch3(x),  # (N, ch5x5, H, W)
            self.branch4(x),  # (N, pool_proj, H, W)
        ]
        return torch.cat(branches, dim=1)  # (N, out_channels, H, W)


# GoogLeNet, Table 1: name -> (#1x1, #3x3 reduce, #3x3, #5x5 reduce, #5x5, pool proj);
# "M" marks a 3x3/2 max pooling between the groups.
INCEPTION_CFGS: list[tuple[str, tuple[int, ...]] | str] = [
    ("3a", (64, 96, 128, 16, 32, 32)),
    ("3b", (128, 128, 192, 32, 96, 64)),
    "M",
    ("4a", (192, 96, 208, 16, 48, 64)),
    ("4b", (160, 112, 224, 24, 64, 64)),
    ("4c", (128, 128, 256, 24, 64, 64)),
    ("4d", (112, 144, 288, 32, 64, 64)),
    ("4e", (256, 160, 320, 32, 128, 128)),
    "M",
    ("5a", (256, 160, 320, 32, 128, 128)),
    ("5b", (384, 192, 384, 48, 128, 128)),
]


class GoogLeNet(nn.Module):
    """GoogLeNet (Table 1 of the paper) without the two auxiliary classifiers.

    A stem of plain convolutions (7x7/2, 3x3/2 pooling, 1x1 reduction, 3x3, 3x3/2 pooling),
    nine inception modules, global average pooling, dropout 0.4 and one linear layer. Local
    response normalisation of the paper is left out (it has no parameters; batch
    normalisation replaced it in later versions).

    Shape
    -----
    ``(N, in_channels, H, W)`` -> ``(N, num_classes)``; 224x224 gives 7x7 maps before the
    average pooling, any H, W >= 1 runs.
    """

    def __init__(self, num_classes: int = 1000, in_channels: int = 3, dropout: float = 0.4):
        super().__init__()
        num_classes = as_int(num_classes, "num_classes", minimum=1)
        self.in_channels = as_int(in_channels, "in_channels", minimum=1)
        dropout = check_dropout(dropout)
        self.stem = nn.Sequential(
            conv_relu(self.in_channels, 64, 7, stride=2, padding=3),
            nn.MaxPool2d(3, stride=2, padding=1),
            conv_relu(64, 64, 1),
            conv_relu(64, 192, 3, padding=1),
            nn.MaxPool2d(3, stride=2, padding=1),
        )
        modules: OrderedDict[str, nn.Module] = OrderedDict()
        channels = 192
        group = "3"
        for item in INCEPTION_CFGS:
            if item == "M":  # named after the group it ends: pool3, pool4
                modules[f"pool{group}"] = nn.MaxPool2d(3, stride=2, padding=1)
                continue
            name, cfg = item
            modules[name] = InceptionModule(channels, *cfg)
            channels, group = modules[name].out_channels, name[0]
        self.inception = nn.Sequential(modules)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.dropout = nn.Dropout(dropout)
        self.fc = nn.Linear(channels, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        check_images(x, "GoogLeNet", self.in_channels)
        x = self.stem(x)  # (N, 192, H/8, W/8)
        x = self.inception(x)  # (N, 1024, H/32, W/32)
        x = torch.flatten(self.pool(x), 1)  # (N, 1024)
        return self.fc(self.dropout(x))  # (N, num_classes)


def googlenet(*, num_classes: int = 1000, in_channels: int = 3, dropout: float = 0.4) -> GoogLeNet:
    """Build :class:`GoogLeNet` (keyword-only arguments).

    Lecture: "GoogLeNet (efficiency)": 22 layers with about a tenth of AlexNet's parameters.
    """
    return GoogLeNet(num_classes, in_channels, dropout)
