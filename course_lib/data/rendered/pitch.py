"""Monophonic pitch: melodies with vibrato and glides, labelled with frame-level f0.

Lecture: frame-level MIR — pitch estimation (CREPE works on 16 kHz audio). Half of the notes
get vibrato (5-6.5 Hz, up to a third of a semitone) and a quarter glide in from below, both
through MIDI pitch bends, so the f0 label follows them exactly.
"""

from __future__ import annotations

import numpy as np

from ..render import PitchBend
from .phrases import melody

__all__ = ["SR", "DESCRIPTION", "PITCH_PROGRAMS", "make"]

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
    bends: list[PitchBend] = []
    for n in notes:
        if rng.random() < 0.5:  # vibrato: 5-6 Hz, up to a third of a semitone
            rate, depth = float(rng.uniform(5, 6.5)), float(rng.uniform(0.1, 0.35))
            for t in np.arange(n.onset, n.offset, 0.01):
                bends.append(
                    PitchBend(
                        round(float(t), 3),
                        depth * np.sin(2 * np.pi * rate * (t - n.onset)),
                        program,
                    )
                )
        elif rng.random() < 0.5:  # glide into the note from up to a tone below
            start = float(rng.uniform(-2, -0.5))
            glide = min(0.12, (n.offset - n.onset) / 2)
            for t in np.arange(n.onset, n.onset + glide, 0.01):
                bends.append(
                    PitchBend(round(float(t), 3), start * (1 - (t - n.onset) / glide), program)
                )
        bends.append(PitchBend(round(n.offset, 3), 0.0, program))
    return notes, bends, duration, {"program": program, "_f0": True}
