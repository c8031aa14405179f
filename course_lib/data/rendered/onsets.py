"""Onset detection: polyphonic phrases with percussion, labelled with exact onset times.

Lecture: event-level MIR — onset detection. Melodies with random tempo (70-180 BPM) and
dynamics, about 30 % of the notes doubled into dyads, and drum hits (GM channel 10) between
notes. Train, validation and test use different programs (piano, guitars, mallets, ...).
"""

from __future__ import annotations

from ..render import Note
from .phrases import melody

__all__ = ["SR", "DESCRIPTION", "ONSET_PROGRAMS", "make"]

SR = 22050
DESCRIPTION = "note onsets of polyphonic phrases with percussion"

ONSET_PROGRAMS = {
    "train": (0, 24, 12, 46, 11, 105),
    "valid": (1, 25, 13),
    "test": (4, 27, 8, 45, 107),
}


def make(rng, split, i):
    """Clip ``i``: 4 s; labels ``onsets`` (sorted seconds, 1 ms resolution) and ``program``."""
    duration = 4.0
    programs = ONSET_PROGRAMS[split]
    program = int(programs[i % len(programs)])
    beat = 60 / float(rng.uniform(70, 180))
    notes = melody(rng, program, 0.1, duration - 0.3, 48, 84, beat, (50, 120), rest_prob=0.2)
    # polyphony: some notes become dyads or triads struck together
    extra = [
        Note(n.pitch + int(rng.choice([3, 4, 7])), n.onset, n.offset, n.velocity, program)
        for n in notes
        if rng.random() < 0.3 and n.pitch < 120
    ]
    hits = [
        Note(
            int(rng.choice([36, 38, 42, 45, 47])),
            n.onset + beat / 2,
            n.onset + beat / 2 + 0.1,
            80,
            0,
            True,
        )
        for n in notes
        if rng.random() < 0.3 and n.onset + beat / 2 < duration - 0.3
    ]
    notes = notes + extra + hits
    onsets = sorted({round(n.onset, 3) for n in notes})
    return notes, [], duration, {"onsets": onsets, "program": program}
