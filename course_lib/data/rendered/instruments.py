"""Instrument recognition: short phrases of 8 General MIDI instrument families.

Lecture: event-level MIR — instrument recognition. Train, validation and test use different
programs of each family (e.g. piano: acoustic grand / bright / electric piano 1).
"""

from __future__ import annotations

from ..render import Note
from .phrases import melody

__all__ = ["SR", "DESCRIPTION", "INSTRUMENT_FAMILIES", "REGISTER", "make"]

SR = 22050
DESCRIPTION = "instrument family of short phrases (8 classes)"

# family -> GM programs (train, valid, test)
INSTRUMENT_FAMILIES: dict[str, tuple[int, ...]] = {
    "piano": (0, 1, 4),
    "organ": (16, 19, 17),
    "guitar": (24, 25, 27),
    "bass": (32, 33, 34),
    "strings": (48, 49, 40),
    "brass": (56, 57, 61),
    "reed": (65, 66, 71),
    "flute": (73, 74, 75),
}
# family -> MIDI pitch range played
REGISTER = {
    "bass": (28, 52),
    "piano": (48, 84),
    "organ": (48, 79),
    "guitar": (45, 76),
    "strings": (55, 84),
    "brass": (55, 79),
    "reed": (55, 79),
    "flute": (67, 91),
}


def program_for(family: str, split: str) -> int:
    """The GM program that plays ``family`` in ``split``."""
    progs = INSTRUMENT_FAMILIES[family]
    return {"train": progs[0], "valid": progs[1], "test": progs[2]}[split]


def make(rng, split, i):
    """Clip ``i``: a 2 s melody of family ``i mod 8``; labels ``instrument``, ``program``."""
    families = list(INSTRUMENT_FAMILIES)
    family = families[i % len(families)]
    program = program_for(family, split)
    duration = 2.0
    beat = 60 / float(rng.uniform(80, 140))
    notes = melody(rng, program, 0.0, duration, *REGISTER[family], beat, rest_prob=0.05)
    if not notes:
        notes = [Note(REGISTER[family][0] + 12, 0.0, 1.0, 90, program)]
    return notes, [], duration, {"instrument": family, "program": program}
