"""CNNs for music classification and auto-tagging on mel spectrograms.

Lecture: semantic-level MIR (genre/mood classification, auto-tagging). Three designs compared
by Won et al. (2020), "Evaluation of CNN-based automatic music tagging models" (MagnaTagATune
top-50: FCN ROC-AUC 0.9005 / PR-AUC 0.4295, musicnn 0.9106 / 0.4493, short-chunk CNN with
residual blocks 0.9129 / 0.4614):

* :class:`FCN` — fully convolutional network (Choi, Fazekas & Sandler, 2016): 3x3
  convolutions and max pooling over the whole clip, like an image CNN;
* :class:`ShortChunkResCNN` — a VGG-like stack of residual 3x3 blocks on short (~3.7 s)
  chunks (Won et al., 2020);
* :class:`MusicnnFrontEnd` model :class:`Musicnn` — musically motivated filters (Pons et al.,
  2017/2018): tall *vertical* filters that see timbre across frequency and wide *horizontal*
  filters that see temporal patterns, pooled over frequency.

All take raw audio ``(N, n_samples)`` (a :class:`LogMelFrontEnd` computes the log-mel
spectrogram on the model's device) or a spectrogram ``(N, 1, n_mels, n_frames)``, and return
logits ``(N, num_classes)``: use a sigmoid for tags, a softmax for genres.
"""

from __future__ import annotations

import torch
from torch import nn

from ..core import audio

__all__ = [
    "LogMelFrontEnd",
    "FCN",
    "ShortChunkResCNN",
    "Musicnn",
    "fcn",
    "short_chunk_cnn",
    "musicnn",
]


class LogMelFrontEnd(nn.Module):
    """Audio ``(N, n_samples)`` -> log-mel ``(N, 1, n_mels, n_frames)``, normalised per batch.

    Lecture: audio as input. Uses :func:`course_lib.audio.mel_transform`, so it matches
    :func:`course_lib.audio.melspectrogram`; ``log(1 + 10 * S)`` compression; batch norm on
    the single input channel standardises the level.
    """

    def __init__(
        self, sr: int = 22050, n_fft: int = 1024, hop_length: int = 512, n_mels: int = 96
    ) -> None:
        super().__init__()
        self.mel = audio.mel_transform(sr, n_fft, hop_length, n_mels)
        self.norm = nn.BatchNorm2d(1)

    def forward(self, y: torch.Tensor) -> torch.Tensor:
        if y.dim() != 2:
            raise ValueError(f"LogMelFrontEnd expects audio (N, n_samples), got {tuple(y.shape)}")
        S = torch.log1p(10 * self.mel(y.float()))  # (N, n_mels, n_frames)
        return self.norm(S[:, None])  # (N, 1, n_mels, n_frames)


def _conv_bn_relu(c_in: int, c_out: int, kernel=3) -> list[nn.Module]:
    padding = (kernel[0] // 2, kernel[1] // 2) if isinstance(kernel, tuple) else kernel // 2
    return [nn.Conv2d(c_in, c_out, kernel, padding=padding), nn.BatchNorm2d(c_out), nn.ReLU()]


class _SpectrogramModel(nn.Module):
    def __init__(self, frontend: nn.Module | None) -> None:
        super().__init__()
        self.frontend = frontend

    def _spectrogram(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() == 2:
            if self.frontend is None:
                raise ValueError("this model has no audio front end: pass (N, 1, n_mels, T)")
            return self.frontend(x)
        if x.dim() != 4 or x.shape[1] != 1:
            raise ValueError(
                f"expected audio (N, n_samples) or a spectrogram (N, 1, n_mels, n_frames), got "
                f"{tuple(x.shape)}"
            )
        return x


class FCN(_SpectrogramModel):
    """Fully convolutional tagger (Choi et al., 2016), scaled by ``width``.

    Five blocks of 3x3 conv + BN + ReLU + max pooling, then global max pooling over what is
    left of frequency and time, and a linear layer.
    """

    def __init__(
        self, num_classes: int, width: int = 32, n_mels: int = 96, frontend: nn.Module | None = None
    ) -> None:
        super().__init__(frontend)
        channels = [width, 2 * width, 2 * width, 4 * width, 4 * width]
        pools = [(2, 4), (2, 4), (2, 4), (3, 5), (2, 2)]
        layers, c_in = [], 1
        for c_out, pool in zip(channels, pools):
            layers += [*_conv_bn_relu(c_in, c_out), nn.MaxPool2d(pool, ceil_mode=True)]
            c_in = c_out
        self.features = nn.Sequential(*layers)
        self.pool = nn.AdaptiveMaxPool2d(1)
        self.dropout = nn.Dropout(0.5)
        self.classifier = nn.Linear(c_in, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        S = self._spectrogram(x)  # (N, 1, n_mels, T)
        h = self.pool(self.features(S)).flatten(1)  # (N, 4 * width)
        return self.classifier(self.dropout(h))  # (N, num_classes)


class _ResBlock(nn.Module):
    """3x3 conv block with a skip connection and 2x2 max pooling (Won et al., 2020)."""

    def __init__(self, c_in: int, c_out: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(c_in, c_out, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(c_out)
        self.conv2 = nn.Conv2d(c_out, c_out, 3, padding=1)
        self.bn2 = nn.BatchNorm2d(c_out)
        self.shortcut = (
            nn.Identity()
            if c_in == c_out
            else nn.Sequential(nn.Conv2d(c_in, c_out, 1), nn.BatchNorm2d(c_out))
        )
        self.relu = nn.ReLU()
        self.pool = nn.MaxPool2d(2, ceil_mode=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.bn2(self.conv2(self.relu(self.bn1(self.conv1(x)))))
        return self.pool(self.relu(out + self.shortcut(x)))  # skip connection, then pool


class ShortChunkResCNN(_SpectrogramModel):
    """Short-chunk CNN with residual blocks (Won et al., 2020), scaled by ``width``.

    ``num_blocks`` residual blocks (7 in the paper for 128 mel bands x 3.69 s chunks) halve
    frequency and time each; global max pooling over time; two dense layers.
    """

    def __init__(
        self,
        num_classes: int,
        width: int = 32,
        num_blocks: int = 5,
        frontend: nn.Module | None = None,
    ) -> None:
        super().__init__(frontend)
        if num_blocks < 1:
            raise ValueError(f"num_blocks must be at least 1, got {num_blocks}")
        channels = [width if i < 3 else 2 * width for i in range(num_blocks)]
        blocks, c_in = [], 1
        for c_out in channels:
            blocks.append(_ResBlock(c_in, c_out))
            c_in = c_out
        self.blocks = nn.Sequential(*blocks)
        self.dense = nn.Sequential(
            nn.Linear(c_in, c_in),
            nn.BatchNorm1d(c_in),
            nn.ReLU(),
            nn.Dropout(0.5),
            nn.Linear(c_in, num_classes),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        S = self._spectrogram(x)  # (N, 1, n_mels, T)
        h = self.blocks(S)  # (N, C, n_mels / 2^B, T / 2^B)
        h = h.amax(dim=(2, 3))  # global max pooling -> (N, C)
        return self.dense(h)  # (N, num_classes)


class Musicnn(_SpectrogramModel):
    """Musically motivated CNN (after Pons et al.): vertical + horizontal front-end filters.

    Front end: vertical filters spanning ``timbre_heights`` fractions of the mel axis (timbre)
    and horizontal filters of ``temporal_widths`` frames (rhythm, onsets), each max-pooled over
    frequency, concatenated into a 1-D feature sequence. Back end: 1-D convolutions with a
    residual connection, temporal max and mean pooling, dense layers.
    """

    def __init__(
        self,
        num_classes: int,
        n_mels: int = 96,
        filters: int = 16,
        timbre_heights: tuple[float, ...] = (0.4, 0.7),
        temporal_widths: tuple[int, ...] = (32, 64),
        backend: int = 64,
        frontend: nn.Module | None = None,
    ) -> None:
        super().__init__(frontend)
        self.n_mels = n_mels
        self.vertical = nn.ModuleList(
            nn.Sequential(*_conv_bn_relu(1, filters, (max(1, int(h * n_mels)) | 1, 7)))
            for h in timbre_heights
        )
        self.horizontal = nn.ModuleList(
            nn.Sequential(*_conv_bn_relu(1, filters, (1, w + 1 if w % 2 == 0 else w)))
            for w in temporal_widths
        )
        c = filters * (len(timbre_heights) + len(temporal_widths))
        self.backend1 = nn.Sequential(
            nn.Conv1d(c, backend, 7, padding=3), nn.BatchNorm1d(backend), nn.ReLU()
        )
        self.backend2 = nn.Sequential(
            nn.Conv1d(backend, backend, 7, padding=3), nn.BatchNorm1d(backend), nn.ReLU()
        )
        self.dense = nn.Sequential(
            nn.Linear(2 * (c + 2 * backend), 128),
            nn.BatchNorm1d(128),
            nn.ReLU(),
            nn.Dropout(0.5),
            nn.Linear(128, num_classes),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        S = self._spectrogram(x)  # (N, 1, n_mels, T)
        if S.shape[2] != self.n_mels:
            raise ValueError(f"Musicnn was built for {self.n_mels} mel bands, got {S.shape[2]}")
        maps = [f(S).amax(dim=2) for f in [*self.vertical, *self.horizontal]]  # (N, F, T) each
        front = torch.cat(maps, dim=1)  # (N, C, T)
        b1 = self.backend1(front)  # (N, B, T)
        b2 = self.backend2(b1) + b1  # residual connection
        seq = torch.cat([front, b1, b2], dim=1)  # (N, C + 2B, T)
        pooled = torch.cat([seq.amax(dim=2), seq.mean(dim=2)], dim=1)  # (N, 2(C + 2B))
        return self.dense(pooled)  # (N, num_classes)


def fcn(*, num_classes: int, sr: int = 22050, n_mels: int = 96, width: int = 32) -> FCN:
    """FCN with its audio front end."""
    return FCN(num_classes, width, n_mels, LogMelFrontEnd(sr, n_mels=n_mels))


def short_chunk_cnn(
    *, num_classes: int, sr: int = 22050, n_mels: int = 96, width: int = 32, num_blocks: int = 5
) -> ShortChunkResCNN:
    """Short-chunk residual CNN with its audio front end."""
    return ShortChunkResCNN(num_classes, width, num_blocks, LogMelFrontEnd(sr, n_mels=n_mels))


def musicnn(*, num_classes: int, sr: int = 22050, n_mels: int = 96, filters: int = 16) -> Musicnn:
    """Musicnn-style model with its audio front end."""
    return Musicnn(num_classes, n_mels, filters, frontend=LogMelFrontEnd(sr, n_mels=n_mels))
