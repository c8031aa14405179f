"""GoogLeNet's inception module (Szegedy et al., 2015): efficiency from 1x1 reductions.

Lecture: "1x1 filter: reduce the depth (significantly reduce parameters)" and "inception
module: multiple parallel convolution layers". Four branches see the same input at different
scales and are concatenated along the channel axis.
"""

from __future__ import annotations

import torch
from torch import nn

__all__ = ["InceptionModule", "conv_relu"]


def conv_relu(in_channels: int, out_channels: int, kernel_size: int, **kwargs) -> nn.Sequential:
    """A convolution followed by ReLU."""
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
        self.in_channels = in_channels
        self.branch1 = conv_relu(in_channels, ch1x1, 1)
        self.branch2 = nn.Sequential(
            conv_relu(in_channels, ch3x3_reduce, 1), conv_relu(ch3x3_reduce, ch3x3, 3, padding=1)
        )
        self.branch3 = nn.Sequential(
            conv_relu(in_channels, ch5x5_reduce, 1), conv_relu(ch5x5_reduce, ch5x5, 5, padding=2)
        )
        self.branch4 = nn.Sequential(
            nn.MaxPool2d(3, stride=1, padding=1), conv_relu(in_channels, pool_proj, 1)
        )
        self.out_channels = ch1x1 + ch3x3 + ch5x5 + pool_proj

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() != 4 or x.shape[1] != self.in_channels:
            raise ValueError(
                f"InceptionModule expects (N, {self.in_channels}, H, W), got {tuple(x.shape)}"
            )
        branches = [self.branch1(x), self.branch2(x), self.branch3(x), self.branch4(x)]
        return torch.cat(branches, dim=1)  # (N, out_channels, H, W)
