"""AlexNet (Krizhevsky, Sutskever & Hinton, 2012): the 2012 ImageNet breakthrough.

Lecture: deeper CNNs with ReLU (fast, non-saturating) and dropout (regularisation); top-5
error 15.3% on ImageNet 2012. The single-tower layout of torchvision's version (61,100,840
parameters for 1000 classes): 64-192-384-256-256 filters as in Krizhevsky's "One weird trick"
(2014) rather than the paper's two-GPU 96-256-384-384-256, no local response normalisation;
``width`` scales the channels for small experiments.
"""

from __future__ import annotations

import torch
from torch import nn

from ..core.validate import as_int
from ._checks import check_dropout, check_images

__all__ = ["AlexNet", "alexnet"]


class AlexNet(nn.Module):
    """AlexNet: five convolutions with ReLU and max pooling, three dense layers with dropout.

    Parameters
    ----------
    num_classes : int
        1000 for ImageNet.
    in_channels : int
        3 for RGB images.
    width : float
        Scales every channel count and the 4096-unit dense layers (``0.25`` gives a model small
        enough to train on a CPU); ``1.0`` is the ImageNet configuration.
    dropout : float
        Dropout probability before the first two dense layers (0.5 in the paper).

    Shape
    -----
    input ``(N, in_channels, H, W)`` with H, W >= 63 (224 in the paper) -> ``(N, num_classes)``.
    Adaptive average pooling to 6x6 lets any larger input through.
    """

    min_size = 63  # smallest H, W that survives the stride-4 convolution and three poolings

    def __init__(
        self,
        num_classes: int = 1000,
        in_channels: int = 3,
        width: float = 1.0,
        dropout: float = 0.5,
    ) -> None:
        super().__init__()
        num_classes = as_int(num_classes, "num_classes", minimum=1)
        self.in_channels = as_int(in_channels, "in_channels", minimum=1)
        if isinstance(width, bool) or not isinstance(width, (int, float)) or width <= 0:
            raise ValueError(f"width must be a positive scale factor such as 0.25, got {width!r}")
        dropout = check_dropout(dropout)
        c = [max(1, int(round(n * width))) for n in (64, 192, 384, 256, 256)]
        hidden = max(1, int(round(4096 * width)))
        self.features = nn.Sequential(
            nn.Conv2d(self.in_channels, c[0], kernel_size=11, stride=4, padding=2),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=3, stride=2),
            nn.Conv2d(c[0], c[1], kernel_size=5, padding=2),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=3, stride=2),
            nn.Conv2d(c[1], c[2], kernel_size=3, padding=1),
            nn.ReLU(inplace=True),
            nn.Conv2d(c[2], c[3], kernel_size=3, padding=1),
            nn.ReLU(inplace=True),
            nn.Conv2d(c[3], c[4], kernel_size=3, padding=1),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=3, stride=2),
        )
        self.avgpool = nn.AdaptiveAvgPool2d((6, 6))
        self.classifier = nn.Sequential(
            nn.Dropout(dropout),
            nn.Linear(c[4] * 6 * 6, hidden),
            nn.ReLU(inplace=True),
            nn.Dropout(dropout),
            nn.Linear(hidden, hidden),
            nn.ReLU(inplace=True),
            nn.Linear(hidden, num_classes),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        check_images(x, "AlexNet", self.in_channels, self.min_size)
        x = self.features(x)  # (N, 256, 6, 6) for a 224x224 input (width=1)
        x = self.avgpool(x)  # (N, 256, 6, 6)
        x = torch.flatten(x, 1)  # (N, 9216)
        return self.classifier(x)  # (N, num_classes)


def alexnet(
    *, num_classes: int = 1000, in_channels: int = 3, width: float = 1.0, dropout: float = 0.5
) -> AlexNet:
    """Build :class:`AlexNet` (keyword-only arguments; ``width=1`` is the ImageNet model).

    Lecture: "Convolutional Neural Network (CNN)" — the 2012 breakthrough (ReLU, dropout).
    """
    return AlexNet(num_classes, in_channels, width, dropout)
