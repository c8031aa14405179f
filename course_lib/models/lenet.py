"""LeNet-5 (LeCun et al., 1998), the CNN on the lecture's "Convolutional Neural Network" slide.

Lecture: CNN = convolution + subsampling layers. The slide's shapes:
INPUT 32x32 -> C1 6@28x28 -> S2 6@14x14 -> C3 16@10x10 -> S4 16@5x5 -> C5 120 -> F6 84 -> 10.
"""

from __future__ import annotations

import torch
from torch import nn

__all__ = ["LeNet5", "lenet5"]


class LeNet5(nn.Module):
    """LeNet-5 with the slide's layer sizes.

    Parameters
    ----------
    num_classes : int
        Output units (10 digits in the paper).
    in_channels : int
        1 for grey images or a single spectrogram channel.
    classic : bool
        ``True``: tanh and average-pooling subsampling as in 1998 (C3 fully connected to S2 and
        a plain linear output instead of the Gaussian connections). ``False``: ReLU and max
        pooling, the modern default.

    Shape
    -----
    input ``(N, in_channels, 32, 32)`` -> logits ``(N, num_classes)``.
    """

    def __init__(self, num_classes: int = 10, in_channels: int = 1, classic: bool = False):
        super().__init__()
        act = nn.Tanh if classic else nn.ReLU
        pool = nn.AvgPool2d if classic else nn.MaxPool2d
        self.features = nn.Sequential(
            nn.Conv2d(in_channels, 6, kernel_size=5),  # C1
            act(),
            pool(2),  # S2
            nn.Conv2d(6, 16, kernel_size=5),  # C3
            act(),
            pool(2),  # S4
        )
        self.classifier = nn.Sequential(
            nn.Flatten(),
            nn.Linear(16 * 5 * 5, 120),  # C5
            act(),
            nn.Linear(120, 84),  # F6
            act(),
            nn.Linear(84, num_classes),  # OUTPUT
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() != 4 or x.shape[-2:] != (32, 32):
            raise ValueError(
                f"LeNet5 expects input shaped (N, C, 32, 32), got {tuple(x.shape)}; "
                "resize or crop the input to 32x32"
            )
        x = self.features(x)  # (N, 16, 5, 5)
        return self.classifier(x)  # (N, num_classes)


def lenet5(*, num_classes: int = 10, in_channels: int = 1, classic: bool = False) -> LeNet5:
    """Build :class:`LeNet5` (keyword-only arguments)."""
    return LeNet5(num_classes, in_channels, classic)
