"""LeNet-5 (LeCun et al., 1998), the CNN on the lecture's "Convolutional Neural Network" slide.

Lecture: CNN = convolution + subsampling layers. The slide's shapes:
INPUT 32x32 -> C1 6@28x28 -> S2 6@14x14 -> C3 16@10x10 -> S4 16@5x5 -> C5 120 -> F6 84 -> 10.
The layers carry the slide's names (``features.c1`` ... ``classifier.output``), so
``course_lib.params.summary(lenet5(), (1, 1, 32, 32))`` reads like the figure.
"""

from __future__ import annotations

from collections import OrderedDict

import torch
from torch import nn

from ..core.validate import as_int
from ._checks import check_images

__all__ = ["LeNet5", "lenet5"]


class LeNet5(nn.Module):
    """LeNet-5 with the slide's layer sizes (61,706 parameters for 10 classes, 1 channel).

    Parameters
    ----------
    num_classes : int
        Output units (10 digits in the paper).
    in_channels : int
        1 for grey images or a single spectrogram channel.
    classic : bool
        ``True``: tanh and average-pooling subsampling as in 1998. ``False`` (default): ReLU
        and max pooling, the modern choice. Either way three simplifications of the paper
        remain: C3 sees all six S2 maps (the paper wires each C3 map to a subset), the
        subsampling layers have no trainable coefficient and bias, and the output is a plain
        linear layer instead of Gaussian (RBF) connections. C5 is a linear layer on the
        flattened 16x5x5 maps, which is the same as the paper's 5x5 convolution on 5x5 maps.

    Shape
    -----
    input ``(N, in_channels, 32, 32)`` -> logits ``(N, num_classes)``.
    """

    def __init__(self, num_classes: int = 10, in_channels: int = 1, classic: bool = False):
        super().__init__()
        num_classes = as_int(num_classes, "num_classes", minimum=1)
        self.in_channels = as_int(in_channels, "in_channels", minimum=1)
        act = nn.Tanh if classic else nn.ReLU
        pool = nn.AvgPool2d if classic else nn.MaxPool2d
        self.features = nn.Sequential(
            OrderedDict(
                c1=nn.Conv2d(self.in_channels, 6, kernel_size=5),  # 6@28x28
                act1=act(),
                s2=pool(2),  # 6@14x14
                c3=nn.Conv2d(6, 16, kernel_size=5),  # 16@10x10
                act3=act(),
                s4=pool(2),  # 16@5x5
            )
        )
        self.classifier = nn.Sequential(
            OrderedDict(
                flatten=nn.Flatten(),  # 400
                c5=nn.Linear(16 * 5 * 5, 120),
                act5=act(),
                f6=nn.Linear(120, 84),
                act6=act(),
                output=nn.Linear(84, num_classes),
            )
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        check_images(x, "LeNet5", self.in_channels)
        if tuple(x.shape[-2:]) != (32, 32):
            raise ValueError(
                f"LeNet5 expects 32x32 inputs as on the slide, got {tuple(x.shape)}; "
                "resize or crop the input to 32x32 (e.g. torch.nn.functional.interpolate)"
            )
        x = self.features(x)  # (N, 16, 5, 5)
        return self.classifier(x)  # (N, num_classes)


def lenet5(*, num_classes: int = 10, in_channels: int = 1, classic: bool = False) -> LeNet5:
    """Build :class:`LeNet5` (keyword-only arguments).

    Lecture: "Convolutional Neural Network (CNN)" — LeNet-5 (LeCun 98).
    """
    return LeNet5(num_classes, in_channels, classic)
