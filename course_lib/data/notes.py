"""Single rendered notes of several instruments, as audio or as small spectrogram patches.

Lecture: CNN architectures — a small dataset the course generates itself for training
LeNet-5 (instrument recognition from 32x32 log-mel patches of single notes). Train and test
notes differ in pitch, so test accuracy measures generalisation to unseen pitches.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..core import audio
from .render import Note, render_notes

__all__ = ["INSTRUMENTS", "NotePatches", "make_note_patches"]

# name -> General MIDI program (0-based)
INSTRUMENTS: dict[str, int] = {
    "piano": 0,
    "marimba": 12,
    "organ": 19,
    "guitar": 24,
    "bass": 33,
    "violin": 40,
    "trumpet": 56,
    "saxophone": 65,
    "flute": 73,
    "synth lead": 80,
}


@dataclass
class NotePatches:
    """Log-mel patches of single notes.

    Attributes
    ----------
    X : ndarray, float32, shape (N, 1, size, size)
        Standardised log-mel patches (mel bands x frames), one note each.
    y : ndarray, int64, shape (N,)
        Instrument index into ``classes``.
    pitch : ndarray, int64, shape (N,)
        MIDI pitch of each note.
    classes : list of str
    sr, hop_length : int
        Front-end settings used.
    """

    X: np.ndarray
    y: np.ndarray
    pitch: np.ndarray
    classes: list[str]
    sr: int
    hop_length: int

    def split_by_pitch(self, test_every: int = 4) -> tuple[NotePatches, NotePatches]:
        """Train/test split where every ``test_every``-th pitch is held out for testing."""
        if test_every < 2:
            raise ValueError(f"test_every must be at least 2, got {test_every}")
        test = (self.pitch % test_every) == 0
        return self._subset(~test), self._subset(test)

    def _subset(self, mask: np.ndarray) -> NotePatches:
        return NotePatches(
            self.X[mask], self.y[mask], self.pitch[mask], self.classes, self.sr, self.hop_length
        )

    def __len__(self) -> int:
        return len(self.y)


def make_note_patches(
    n_per_class: int = 24,
    instruments: list[str] | None = None,
    size: int = 32,
    sr: int = 16000,
    pitch_range: tuple[int, int] = (48, 84),
    seed: int = 0,
) -> NotePatches:
    """Render single notes of each instrument and cut ``size x size`` log-mel patches.

    Parameters
    ----------
    n_per_class : int
        Notes per instrument; pitches are spread over ``pitch_range`` and velocities drawn
        from ``seed``, so the result is deterministic.
    instruments : list of str, optional
        Names from ``INSTRUMENTS`` (default: all ten).
    size : int
        Mel bands and frames of each patch (32 for LeNet-5).
    sr : int
    pitch_range : (int, int)
        Lowest and highest MIDI pitch (inclusive).
    seed : int

    Returns
    -------
    NotePatches
    """
    names = list(INSTRUMENTS) if instruments is None else list(instruments)
    unknown = [n for n in names if n not in INSTRUMENTS]
    if unknown:
        raise ValueError(f"unknown instruments {unknown}; choose from {sorted(INSTRUMENTS)}")
    if n_per_class < 1 or size < 8:
        raise ValueError(f"need n_per_class >= 1 and size >= 8, got {n_per_class}, {size}")
    lo, hi = pitch_range
    if not 0 <= lo <= hi <= 127:
        raise ValueError(f"pitch_range must be MIDI pitches lo <= hi, got {pitch_range}")
    rng = np.random.default_rng(seed)
    hop = 256
    duration = (size - 1) * hop / sr
    X, y, pitches = [], [], []
    for label, name in enumerate(names):
        for pitch in np.linspace(lo, hi, n_per_class).round().astype(int):
            velocity = int(rng.integers(70, 121))
            note = Note(int(pitch), 0.01, 0.8 * duration, velocity, INSTRUMENTS[name])
            wave = render_notes([note], sr=sr, duration=duration)
            S = audio.melspectrogram(wave, sr, n_fft=1024, hop_length=hop, n_mels=size)
            S = np.log1p(1000 * S)[:, :size]
            X.append((S - S.mean()) / (S.std() + 1e-6))
            y.append(label)
            pitches.append(pitch)
    return NotePatches(
        np.asarray(X, dtype=np.float32)[:, None],
        np.asarray(y, dtype=np.int64),
        np.asarray(pitches, dtype=np.int64),
        names,
        sr,
        hop,
    )
