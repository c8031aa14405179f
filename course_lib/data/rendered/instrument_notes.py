"""Instrument recognition from single notes (NSynth-like), 8 General MIDI families.

Lecture: event-level MIR — instrument recognition. One note per clip, so the class must be
read from timbre alone (attack, spectral envelope, decay), not from the melody or register
habits of a phrase. Families and the program used per split are those of
:mod:`course_lib.data.rendered.instruments`.
"""

from __future__ import annotations

from ..render import Note
from .instruments import INSTRUMENT_FAMILIES, REGISTER, program_for

__all__ = ["SR", "DESCRIPTION", "make"]

SR = 22050
DESCRIPTION = "instrument family of single notes (8 classes, NSynth-like)"


def make(rng, split, i):
    """Clip ``i``: 1 s, one note of family ``i mod 8`` in its register.

    Labels ``instrument``, ``program``, ``pitch`` (MIDI), ``velocity`` and ``notes``
    (``[[onset_s, offset_s, pitch]]``).
    """
    families = list(INSTRUMENT_FAMILIES)
    family = families[i % len(families)]
    program = program_for(family, split)
    lo, hi = REGISTER[family]
    pitch = int(rng.integers(lo, hi + 1))
    velocity = int(rng.integers(60, 121))
    onset = 0.02
    offset = round(onset + float(rng.uniform(0.5, 0.8)), 3)
    notes = [Note(pitch, onset, offset, velocity, program)]
    labels = {
        "instrument": family,
        "program": program,
        "pitch": pitch,
        "velocity": velocity,
        "notes": [[onset, offset, pitch]],
    }
    return notes, [], 1.0, labels
