"""Onset-detection CNN after Schlüter & Böck (2014), "Improved musical onset detection with
convolutional neural networks" (ICASSP).

Lecture: event-level MIR (onset detection). The network looks at a short excerpt of a log-mel
spectrogram — 80 bands x 15 frames (±7 frames around the frame to classify, 10 ms hop) — with
three STFT window sizes stacked as channels (short windows resolve time, long ones
frequency), and outputs the probability that an onset occurs at the centre frame.

In the paper's time x frequency notation: conv 10@7x3 -> max-pool 1x3 -> conv 20@3x3 ->
max-pool 1x3 -> dense 256 -> 1 (sigmoid). Our tensors are laid out ``(bands, frames)`` like
every spectrogram of the course, so the same kernels read ``(3, 7)`` and the pools ``(3, 1)``:
pooling only along frequency keeps the time resolution an onset detector needs.

The paper reports an F-measure of 0.903 (±25 ms) on its 102-minute onset data set.
"""

from __future__ import annotations

import torch
from torch import nn

__all__ = ["OnsetCNN", "CONTEXT", "N_BANDS", "onset_cnn"]

CONTEXT = 15  # frames seen per decision (7 on each side of the centre)
N_BANDS = 80


class OnsetCNN(nn.Module):
    """Frame-wise onset classifier (Schlüter & Böck 2014).

    Lecture: event-level MIR (onset detection).

    Parameters
    ----------
    in_channels : int
        Spectrograms stacked as channels (3 window sizes).
    n_bands : int
        Mel bands (80).
    dropout : float
        Dropout before each dense layer (0.5 in the paper).

    Shape
    -----
    input ``(N, 3, 80, 15)`` (channels = window sizes, mel bands, frames) -> logits ``(N,)``.
    :meth:`forward_sequence` slides it over a whole spectrogram ``(3, 80, T)`` -> ``(T,)``.
    """

    def __init__(self, in_channels: int = 3, n_bands: int = N_BANDS, dropout: float = 0.5):
        super().__init__()
        self.in_channels, self.n_bands = in_channels, n_bands
        self.features = nn.Sequential(
            nn.Conv2d(in_channels, 10, kernel_size=(3, 7)),  # (N, 10, 78, 9): 7 frames x 3 bands
            nn.Tanh(),
            nn.MaxPool2d((3, 1)),  # (N, 10, 26, 9): pool 3 bands, keep frames
            nn.Conv2d(10, 20, kernel_size=3),  # (N, 20, 24, 7)
            nn.Tanh(),
            nn.MaxPool2d((3, 1)),  # (N, 20, 8, 7)
        )
        with torch.no_grad():
            n_flat = self.features(torch.zeros(1, in_channels, n_bands, CONTEXT)).numel()
        self.classifier = nn.Sequential(
            nn.Flatten(),  # (N, 1120)
            nn.Dropout(dropout),
            nn.Linear(n_flat, 256),  # (N, 256)
            nn.Sigmoid(),
            nn.Dropout(dropout),
            nn.Linear(256, 1),  # (N, 1): onset logit of the centre frame
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() != 4 or tuple(x.shape[1:]) != (self.in_channels, self.n_bands, CONTEXT):
            raise ValueError(
                f"OnsetCNN expects (N, {self.in_channels}, {self.n_bands}, {CONTEXT}) excerpts, "
                f"got {tuple(x.shape)}; use forward_sequence for a whole spectrogram"
            )
        return self.classifier(self.features(x)).squeeze(1)  # (N,)

    def forward_sequence(self, S: torch.Tensor, batch_size: int = 1024) -> torch.Tensor:
        """Onset logits for every frame of ``S`` shaped ``(3, 80, T)`` (edges zero-padded)."""
        if S.dim() != 3 or tuple(S.shape[:2]) != (self.in_channels, self.n_bands):
            raise ValueError(
                f"expected a spectrogram ({self.in_channels}, {self.n_bands}, T), "
                f"got {tuple(S.shape)}"
            )
        half = CONTEXT // 2
        padded = nn.functional.pad(S, (half, half))  # (3, 80, T + 14)
        windows = padded.unfold(2, CONTEXT, 1).permute(2, 0, 1, 3)  # (T, 3, 80, 15)
        return torch.cat([self(w) for w in windows.split(batch_size)])  # (T,)


def onset_cnn(*, weights: str | None = None) -> OnsetCNN:
    """The onset CNN; ``weights="onset_cnn"`` loads the shipped checkpoint (sha256-checked)."""
    if weights is None:
        return OnsetCNN()
    from ..checkpoints import load_checkpoint

    return load_checkpoint(weights)[0]
