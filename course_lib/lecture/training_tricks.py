"""Batch normalisation, dropout and global pooling: measurements for the lecture.

Lecture: CNN architectures, section "Training deep CNNs: batch normalisation, dropout and
global pooling". The NumPy references live in :mod:`course_lib.core.ops`
(:func:`~course_lib.core.ops.batch_norm`, :func:`~course_lib.core.ops.dropout`,
:func:`~course_lib.core.ops.global_pool2d`); this module adds what the lecture measures
with them:

- :func:`running_statistics` - how ``BatchNorm2d`` updates the statistics it uses in eval mode
- :func:`dropout_statistics` - the fraction ``torch.nn.Dropout`` drops and how it rescales
- :class:`SmallCNN` - a four-block spectrogram CNN whose head is a flatten layer or a global
  pooling, with or without batch normalisation, for parameter counts and a short training run
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

import numpy as np
import torch
from torch import nn

from ..core.validate import as_int, check_nchw

__all__ = ["running_statistics", "DropoutStats", "dropout_statistics", "SmallCNN", "HEADS"]

HEADS = ("flatten", "avg", "max")


def running_statistics(
    batches: Iterable[np.ndarray], momentum: float = 0.1
) -> tuple[np.ndarray, np.ndarray]:
    """The running mean and variance that ``BatchNorm2d`` keeps after seeing ``batches``.

    Lecture: training deep CNNs (batch normalisation in eval mode). Starting from mean 0 and
    variance 1, every training batch moves the statistics a step ``momentum`` towards its
    own::

        running_mean = (1 - momentum) * running_mean + momentum * batch_mean
        running_var  = (1 - momentum) * running_var  + momentum * batch_var_unbiased

    (the stored variance is the *unbiased* one, divided by ``N * H * W - 1``, although the
    normalisation in train mode divides by ``N * H * W``).

    Parameters
    ----------
    batches : iterable of ndarray, each shaped (N, C, H, W)
        The training batches, in order; all with the same ``C``.
    momentum : float
        In ``(0, 1]``, torch's default 0.1.

    Returns
    -------
    (ndarray, ndarray), each shape (C,)
        Equal to ``running_mean`` and ``running_var`` of a fresh ``nn.BatchNorm2d(C,
        momentum=momentum)`` after a train-mode forward pass over each batch.
    """
    if isinstance(momentum, bool) or not (
        isinstance(momentum, (int, float, np.floating)) and 0 < momentum <= 1
    ):
        raise ValueError(f"momentum must be a number in (0, 1], got {momentum!r}")
    mean = var = None
    for i, batch in enumerate(batches):
        x = check_nchw(batch, f"batches[{i}]").astype(np.float64)
        count = x.shape[0] * x.shape[2] * x.shape[3]
        if count < 2:
            raise ValueError(
                f"batches[{i}] has one value per channel (shape {x.shape}); batch "
                "normalisation needs more"
            )
        if mean is None:
            mean, var = np.zeros(x.shape[1]), np.ones(x.shape[1])
        elif x.shape[1] != len(mean):
            raise ValueError(
                f"batches[{i}] has {x.shape[1]} channels, the first batch had {len(mean)}"
            )
        mean = (1 - momentum) * mean + momentum * x.mean(axis=(0, 2, 3))
        var = (1 - momentum) * var + momentum * x.var(axis=(0, 2, 3), ddof=1)
    if mean is None:
        raise ValueError("batches is empty: running statistics need at least one batch")
    return mean, var


class DropoutStats(NamedTuple):
    """What :func:`dropout_statistics` measured.

    Attributes
    ----------
    p : float
        The dropout probability.
    dropped : float
        Fraction of the values set to zero in train mode (close to ``p``).
    kept_value : float
        The value a kept 1.0 becomes in train mode (exactly ``1 / (1 - p)``).
    train_mean : float
        Mean of the train-mode output for an input of ones (close to 1).
    eval_changed : int
        Number of values that eval mode changed (0: it is the identity).
    """

    p: float
    dropped: float
    kept_value: float
    train_mean: float
    eval_changed: int


def dropout_statistics(p: float, n: int = 100_000, seed: int = 0) -> DropoutStats:
    """Measure ``torch.nn.Dropout(p)`` on ``n`` ones in train and in eval mode.

    Lecture: training deep CNNs (dropout). In train mode each value is zeroed with
    probability ``p`` and the survivors are multiplied by ``1 / (1 - p)``, so the mean stays
    about 1; in eval mode the layer does nothing.

    Parameters
    ----------
    p : float
        Dropout probability in ``[0, 1)``.
    n : int
        Number of values (the measured fraction is within about ``sqrt(p (1-p) / n)`` of p).
    seed : int
        Seed of torch's generator for the mask.

    Returns
    -------
    DropoutStats
    """
    if isinstance(p, bool) or not (isinstance(p, (int, float, np.floating)) and 0 <= p < 1):
        raise ValueError(f"p must be a dropout probability in [0, 1), got {p!r}")
    n = as_int(n, "n", minimum=1)
    layer = nn.Dropout(float(p))
    ones = torch.ones(n)
    generator_state = torch.random.get_rng_state()
    torch.manual_seed(seed)
    try:
        train = layer.train()(ones)
    finally:
        torch.random.set_rng_state(generator_state)
    evaluated = layer.eval()(ones)
    kept = train[train != 0]
    return DropoutStats(
        p=float(p),
        dropped=float((train == 0).float().mean()),
        kept_value=float(kept[0]) if len(kept) else float("nan"),
        train_mean=float(train.mean()),
        eval_changed=int((evaluated != ones).sum()),
    )


def _block(c_in: int, c_out: int, batch_norm: bool) -> nn.Sequential:
    layers: list[nn.Module] = [nn.Conv2d(c_in, c_out, 3, padding=1, bias=not batch_norm)]
    if batch_norm:
        layers.append(nn.BatchNorm2d(c_out))
    layers += [nn.ReLU(), nn.MaxPool2d(2)]
    return nn.Sequential(*layers)


class SmallCNN(nn.Module):
    """Four 3x3 convolution blocks (each halves the map) and a classifier head.

    Lecture: training deep CNNs. The body is the same for every head; only what turns the
    last feature maps into class scores differs:

    - ``head="flatten"``: flatten ``(C, H/16, W/16)`` into one vector and a dense layer, as
      LeNet-5, AlexNet and VGG do; the input size is fixed by the dense layer's weights.
    - ``head="avg"`` or ``"max"``: global average or max pooling to ``C`` numbers, then a
      dense layer (GoogLeNet, ResNet, the course's MIR models); any input size of at least
      16 x 16 works.

    Parameters
    ----------
    num_classes : int
    channels : sequence of 4 ints
        Output channels of the four blocks.
    head : {"flatten", "avg", "max"}
    input_size : (int, int), optional
        ``(n_mels, n_frames)`` of the input; required for ``head="flatten"``.
    batch_norm : bool
        A ``BatchNorm2d`` after each convolution (whose bias it makes redundant).
    dropout : float
        Dropout probability before the dense layer.
    in_channels : int
    """

    def __init__(
        self,
        num_classes: int,
        channels: tuple[int, int, int, int] = (16, 32, 64, 128),
        head: str = "avg",
        input_size: tuple[int, int] | None = None,
        batch_norm: bool = True,
        dropout: float = 0.0,
        in_channels: int = 1,
    ) -> None:
        super().__init__()
        num_classes = as_int(num_classes, "num_classes", minimum=1)
        in_channels = as_int(in_channels, "in_channels", minimum=1)
        if len(channels) != 4:
            raise ValueError(f"channels must be 4 ints, one per block, got {channels!r}")
        channels = tuple(as_int(c, "channels", minimum=1) for c in channels)
        if head not in HEADS:
            raise ValueError(f"head must be one of {HEADS}, got {head!r}")
        if not 0 <= dropout < 1:
            raise ValueError(f"dropout must be a probability in [0, 1), got {dropout!r}")
        widths = (in_channels, *channels)
        self.body = nn.Sequential(
            *[_block(a, b, batch_norm) for a, b in zip(widths[:-1], widths[1:], strict=True)]
        )
        if head == "flatten":
            if input_size is None:
                raise ValueError('head="flatten" needs input_size=(n_mels, n_frames)')
            h, w = (as_int(v, "input_size", minimum=16) for v in input_size)
            features = channels[-1] * (h // 16) * (w // 16)
            pool: list[nn.Module] = [nn.Flatten()]
        else:
            features = channels[-1]
            pool = [nn.AdaptiveAvgPool2d(1) if head == "avg" else nn.AdaptiveMaxPool2d(1)]
            pool.append(nn.Flatten())
        self.head = nn.Sequential(*pool, nn.Dropout(dropout), nn.Linear(features, num_classes))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``(N, C_in, n_mels, n_frames)`` -> class scores ``(N, num_classes)``."""
        return self.head(self.body(x))

    def embedding(self, x: torch.Tensor) -> torch.Tensor:
        """The vector the dense layer sees: ``(N, features)``."""
        return self.head[:-1](self.body(x))
