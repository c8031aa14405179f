"""Deep salience network after Bittner, McFee, Salamon, Li & Bello (2017), "Deep salience
representations for F0 estimation in polyphonic music" (ISMIR).

Lecture: frame-level MIR (multiple-F0 estimation). The input is a harmonic CQT
(:func:`course_lib.audio.hcqt`): six CQTs whose lowest bin sits at 0.5, 1, 2, 3, 4 and 5 times
32.7 Hz, stacked as channels, 60 bins per octave over 6 octaves. At each position a 2-D
convolution therefore sees a candidate f0 *and its harmonics* in the same place. A fully
convolutional stack keeps the ``(bins, frames)`` grid and outputs a salience map of the same
size: the probability that each bin is an active f0 in each frame.

Layers (frequency x time, 'same' padding, batch norm + ReLU): 128@5x5, 64@5x5, 64@3x3,
64@3x3, 8@70x3 (70 bins = 14 semitones: an octave-and-more view), then 1@1x1 with a sigmoid.
The paper's multi-F0 model reaches an accuracy of 0.557 on Bach10.
"""

from __future__ import annotations

import torch
from torch import nn

__all__ = ["WIDTHS", "DeepSalience", "deep_salience"]

#: Channel widths of the five hidden layers by size: the paper's and a small CPU variant.
WIDTHS = {"full": (128, 64, 64, 64, 8), "small": (16, 16, 16, 16, 8), "tiny": (8, 8, 8, 8, 4)}
_KERNELS = ((5, 5), (5, 5), (3, 3), (3, 3), (70, 3))


class DeepSalience(nn.Module):
    """Fully convolutional salience estimator (Bittner et al. 2017).

    Lecture: frame-level MIR (multiple-F0 estimation).

    Parameters
    ----------
    n_harmonics : int
        HCQT channels (6).
    widths : sequence of 5 ints
        Channels of the hidden layers (see :data:`WIDTHS`).

    Shape
    -----
    input ``(N, 6, n_bins, n_frames)`` HCQT (dB, standardised) -> logits ``(N, n_bins,
    n_frames)`` (apply a sigmoid for the salience).
    """

    def __init__(self, n_harmonics: int = 6, widths=WIDTHS["full"]):
        super().__init__()
        if len(widths) != len(_KERNELS):
            raise ValueError(f"widths needs {len(_KERNELS)} layer widths, got {tuple(widths)}")
        self.n_harmonics = n_harmonics
        layers, c_in = [], n_harmonics
        for c_out, kernel in zip(widths, _KERNELS):
            kh, kw = kernel  # 'same' zero padding (asymmetric for the even 70-bin kernel)
            layers += [
                nn.ZeroPad2d(((kw - 1) // 2, kw // 2, (kh - 1) // 2, kh // 2)),
                nn.Conv2d(c_in, c_out, kernel),
                nn.BatchNorm2d(c_out),
                nn.ReLU(),
            ]
            c_in = c_out
        self.features = nn.Sequential(*layers)
        self.output = nn.Conv2d(c_in, 1, kernel_size=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() != 4 or x.shape[1] != self.n_harmonics:
            raise ValueError(
                f"DeepSalience expects an HCQT batch (N, {self.n_harmonics}, n_bins, n_frames), "
                f"got {tuple(x.shape)}"
            )
        h = self.features(x)  # (N, 8, n_bins, n_frames): same grid as the input
        return self.output(h).squeeze(1)  # (N, n_bins, n_frames)


def deep_salience(size: str = "full", *, weights: str | None = None) -> DeepSalience:
    """A deep-salience model; ``weights="salience_small"`` loads the shipped checkpoint."""
    if weights is not None:
        from ..checkpoints import load_checkpoint

        return load_checkpoint(weights)[0]
    if size not in WIDTHS:
        raise ValueError(f"size must be one of {sorted(WIDTHS)}, got {size!r}")
    return DeepSalience(widths=WIDTHS[size])
