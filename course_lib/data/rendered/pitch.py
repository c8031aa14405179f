"""Monophonic pitch: melodies with vibrato and glides, labelled with frame-level f0.

Lecture: frame-level MIR — pitch estimation (CREPE works on 16 kHz audio). Half of the notes
get vibrato (5-6.5 Hz, up to a third of a semitone) and a quarter glide in from below, both
through MIDI pitch bends, so the f0 label follows them exactly.
"""

from __future__ import annotations

import numpy as np

from ..render import PitchBend
from .phrases import melody

__all__ = ["SR", "DESCRIPTION", "PITCH_PROGRAMS", "expressive_bends", "make"]

SR = 16000
DESCRIPTION = "frame-level f0 of monophonic melodies with vibrato/glides"

PITCH_PROGRAMS = {"train": (73, 40, 65, 71, 53), "valid": (68,), "test": (56, 41, 74)}


def make(rng, split, i):
    """Clip ``i``: 3 s; labels ``program`` and ``_f0`` (the f0 CSV is written from the notes)."""
    duration = 3.0
    program = int(PITCH_PROGRAMS[split][i % len(PITCH_PROGRAMS[split])])
    beat = 60 / float(rng.uniform(70, 110))
    notes = melody(
        rng, program, 0.1, duration - 0.2, 55, 84, beat, (80, 115), rest_prob=0.1, legato=0.85
    )
    bends = expressive_bends(rng, notes, program)
    return notes, bends, duration, {"program": program, "_f0": True}


def expressive_bends(
    rng: np.random.Generator,
    notes,
    program: int,
    *,
    vibrato_rate: tuple[float, float] = (5.0, 6.5),
    vibrato_depth: tuple[float, float] = (0.1, 0.35),
    glide_prob: float = 0.5,
) -> list[PitchBend]:
    """Pitch bends that give ``notes`` vibrato and glides, as a singer or violinist would.

    Half of the notes get a sine vibrato (rate in Hz and depth in semitones drawn from the
    given ranges, one bend every 10 ms); of the others, ``glide_prob`` glide in from half a
    tone to a tone below over at most 120 ms. Every note ends with its bend reset to 0, so
    the next note starts in tune. Lecture: frame-level MIR, pitch estimation (the f0 label
    follows the bends exactly).
    """
    bends: list[PitchBend] = []
    for n in notes:
        if rng.random() < 0.5:  # vibrato
            rate = float(rng.uniform(*vibrato_rate))
            depth = float(rng.uniform(*vibrato_depth))
            for t in np.arange(n.onset, n.offset, 0.01):
                offset = depth * np.sin(2 * np.pi * rate * (t - n.onset))
                bends.append(PitchBend(round(float(t), 3), offset, program))
        elif rng.random() < glide_prob:  # glide into the note from below
            start = float(rng.uniform(-2, -0.5))
            glide = min(0.12, (n.offset - n.onset) / 2)
            for t in np.arange(n.onset, n.onset + glide, 0.01):
                offset = start * (1 - (t - n.onset) / glide)
                bends.append(PitchBend(round(float(t), 3), offset, program))
        bends.append(PitchBend(round(n.offset, 3), 0.0, program))
    return bends
