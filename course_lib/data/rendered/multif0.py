"""Multiple F0: excerpts of Bach chorales (music21 corpus), four voices on one program.

Lecture: frame-level MIR — multi-F0 estimation (cf. Bach10 in Bittner et al. 2017). The
chorales themselves are split three ways (by index in the corpus), and each split plays them
with its own programs (organs, strings, choir, reeds, pianos).
"""

from __future__ import annotations

import functools
from pathlib import Path

from ..render import Note

__all__ = ["SR", "DESCRIPTION", "CHORALE_PROGRAMS", "chorale_events", "make"]

SR = 22050
DESCRIPTION = "frame-level pitch sets of Bach chorale excerpts"

CHORALE_PROGRAMS = {"train": (19, 48, 52, 0), "valid": (20,), "test": (49, 61, 71, 4)}


@functools.lru_cache(maxsize=512)
def chorale_events(path) -> tuple[tuple[float, float, int], ...]:
    """``(offset_quarters, length_quarters, midi)`` of every note of the first four parts.

    Parsed once per process (music21 parsing dominates the cost of a clip).
    """
    from music21 import corpus

    score = corpus.parse(path)
    events = []
    for part in score.parts[:4]:
        for n in part.flatten().getElementsByClass(["Note", "Chord"]):
            for p in n.pitches:
                events.append((float(n.offset), float(n.quarterLength), int(p.midi)))
    return tuple(events)


def make(rng, split, i):
    """Clip ``i``: 6 s; labels ``program``, ``chorale`` and ``_notes`` (rows of the notes)."""
    from music21 import corpus

    chorales = corpus.getComposer("bach")
    # chorales are assigned to splits by index, so the music differs across splits too
    offset = {"train": 0, "valid": 1, "test": 2}[split]
    candidates = [p for k, p in enumerate(sorted(chorales)) if k % 3 == offset]
    path = candidates[int(rng.integers(0, len(candidates)))]
    program = int(CHORALE_PROGRAMS[split][i % len(CHORALE_PROGRAMS[split])])
    tempo = float(rng.uniform(70, 100))
    sec_per_quarter = 60 / tempo
    duration = 6.0
    start_q = float(rng.integers(0, 8))
    notes = []
    for offset_q, length_q, midi in chorale_events(path):
        onset = (offset_q - start_q) * sec_per_quarter
        end = onset + length_q * sec_per_quarter * 0.97
        if 0 <= onset < duration - 0.2:
            notes.append(
                Note(midi, round(onset, 4), round(min(end, duration - 0.05), 4), 80, program)
            )
    labels = {"program": program, "chorale": Path(str(path)).stem, "_notes": True}
    return notes, [], duration, labels
