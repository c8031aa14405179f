"""Instrument recognition and frame-level lead-activity CNNs.

Lecture: event-level MIR (instrument recognition; singing-voice / lead-instrument detection).

- :class:`InstrumentCNN` follows Han, Kim & Lee (2017), "Deep convolutional neural networks
  for predominant instrument recognition in polyphonic music" (IEEE/ACM TASLP): 1-s log-mel
  excerpts (128 bands x 43 frames at 22,050 Hz, hop 512), four blocks of two 3x3
  convolutions (32, 64, 128, 256 channels) with LeakyReLU (slope 0.33), 3x3 max-pooling
  after the first three blocks, global max-pooling after the last, dense 1024, dropout 0.5.
  A clip's prediction averages the excerpts' outputs. The paper reaches a micro F1 of 0.602
  on IRMAS (11 instruments). ``width`` scales every channel count (``width=32`` is the paper).
- :class:`ActivityCNN` labels every 10 ms frame of a log-mel spectrogram as lead voice
  active or not (after Schlüter & Grill 2015's singing-voice CNN, made fully convolutional in
  time so one pass gives all frames): 2-D convolutions pool away frequency, 1-D convolutions
  along time then add context.
"""

from __future__ import annotations

import torch
from torch import nn

__all__ = ["InstrumentCNN", "ActivityCNN", "instrument_cnn"]


def _conv_pair(c_in: int, c_out: int, batch_norm: bool) -> list[nn.Module]:
    layers: list[nn.Module] = []
    for a, b in ((c_in, c_out), (c_out, c_out)):
        layers.append(nn.Conv2d(a, b, 3, padding=1))
        if batch_norm:
            layers.append(nn.BatchNorm2d(b))
        layers.append(nn.LeakyReLU(0.33))
    return layers


class InstrumentCNN(nn.Module):
    """Predominant-instrument classifier (Han et al. 2017).

    Lecture: event-level MIR (instrument recognition).

    Parameters
    ----------
    num_classes : int
    width : int
        Channels of the first block (32 in the paper); the blocks use width x (1, 2, 4, 8).
    dense : int
        Units of the hidden dense layer (1024 in the paper).
    dropout : float
    batch_norm : bool
        Batch normalisation after each convolution (not in the paper; it lets the small
        CPU-trained variants converge in a few epochs).

    Shape
    -----
    input ``(N, 1, n_mels, n_frames)`` log-mel (any size >= 27 x 27) -> logits
    ``(N, num_classes)``.
    """

    def __init__(
        self,
        num_classes: int = 8,
        width: int = 32,
        dense: int = 1024,
        dropout: float = 0.5,
        batch_norm: bool = False,
    ):
        super().__init__()
        w = [width, 2 * width, 4 * width, 8 * width]
        self.features = nn.Sequential(
            *_conv_pair(1, w[0], batch_norm),  # (N, w, 128, 43)
            nn.MaxPool2d(3),  # (N, w, 42, 14)
            nn.Dropout(0.25),
            *_conv_pair(w[0], w[1], batch_norm),
            nn.MaxPool2d(3),  # (N, 2w, 14, 4)
            nn.Dropout(0.25),
            *_conv_pair(w[1], w[2], batch_norm),
            nn.MaxPool2d(3),  # (N, 4w, 4, 1)
            nn.Dropout(0.25),
            *_conv_pair(w[2], w[3], batch_norm),  # (N, 8w, 4, 1)
            nn.AdaptiveMaxPool2d(1),  # global max-pooling: (N, 8w, 1, 1)
        )
        self.classifier = nn.Sequential(
            nn.Flatten(),  # (N, 8w)
            nn.Linear(w[3], dense),
            nn.LeakyReLU(0.33),
            nn.Dropout(dropout),
            nn.Linear(dense, num_classes),  # (N, num_classes)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() != 4 or x.shape[1] != 1 or min(x.shape[2:]) < 27:
            raise ValueError(
                "InstrumentCNN expects log-mel excerpts (N, 1, n_mels, n_frames) with at least "
                f"27 bands and frames (three 3x3 poolings), got {tuple(x.shape)}"
            )
        return self.classifier(self.features(x))


class ActivityCNN(nn.Module):
    """Frame-wise lead-voice activity detector on a log-mel spectrogram.

    Lecture: event-level MIR (singing-voice / lead-instrument detection).

    Parameters
    ----------
    n_mels : int
    width : int
        Channels of the 2-D layers.
    context : int
        Kernel of the temporal 1-D layer, in frames (frames of context seen per decision grow
        with it).

    Shape
    -----
    input ``(N, 1, n_mels, n_frames)`` -> logits ``(N, n_frames)``.
    """

    def __init__(self, n_mels: int = 80, width: int = 16, context: int = 9):
        super().__init__()
        self.n_mels = n_mels
        self.frequency = nn.Sequential(
            nn.Conv2d(1, width, 3, padding=1),
            nn.BatchNorm2d(width),
            nn.LeakyReLU(0.1),
            nn.MaxPool2d((3, 1)),  # (N, w, n_mels / 3, T): pool frequency only
            nn.Conv2d(width, 2 * width, 3, padding=1),
            nn.BatchNorm2d(2 * width),
            nn.LeakyReLU(0.1),
            nn.MaxPool2d((3, 1)),
            nn.Conv2d(2 * width, 2 * width, 3, padding=1),
            nn.BatchNorm2d(2 * width),
            nn.LeakyReLU(0.1),
        )
        self.time = nn.Sequential(
            nn.Conv1d(2 * width, 4 * width, context, padding=context // 2),
            nn.LeakyReLU(0.1),
            nn.Dropout(0.3),
            nn.Conv1d(4 * width, 1, 1),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() != 4 or x.shape[1] != 1 or x.shape[2] != self.n_mels:
            raise ValueError(
                f"ActivityCNN expects (N, 1, {self.n_mels}, n_frames) log-mel, got {tuple(x.shape)}"
            )
        h = self.frequency(x)  # (N, 2w, n_mels / 9, T)
        h = h.amax(dim=2)  # (N, 2w, T): strongest evidence over frequency
        return self.time(h).squeeze(1)  # (N, T)


def instrument_cnn(
    num_classes: int = 8,
    width: int = 32,
    dense: int = 1024,
    batch_norm: bool = False,
    *,
    weights: str | None = None,
) -> InstrumentCNN:
    """The Han et al. CNN; ``weights="instrument_cnn"`` loads the shipped checkpoint."""
    if weights is None:
        return InstrumentCNN(num_classes, width, dense, batch_norm=batch_norm)
    from ..checkpoints import load_checkpoint

    return load_checkpoint(weights)[0]
