"""Lead-instrument ("singing-voice-like") activity: a lead voice in phrases over chords.

Lecture: event-level MIR — singing voice detection, with a sustained lead instrument
(voice-like GM programs: choir aahs, voice oohs, alto sax, flute, violin, ...) in place of a
singer. The lead plays phrases separated by silences while piano chords continue; the label
is frame-level activity of the lead.
"""

from __future__ import annotations

from ..render import Note
from .phrases import chords, melody

__all__ = ["SR", "DESCRIPTION", "LEAD_PROGRAMS", "make"]

SR = 22050
DESCRIPTION = "frame-level activity of a lead voice over chords"

LEAD_PROGRAMS = {"train": (53, 65, 73, 40), "valid": (52, 71), "test": (54, 56, 68, 41)}


def make(rng, split, i):
    """Clip ``i``: 5 s; labels ``lead_program`` and ``_lead`` (the lead's notes, for the CSV)."""
    duration = 5.0
    lead = int(LEAD_PROGRAMS[split][i % len(LEAD_PROGRAMS[split])])
    beat = 60 / float(rng.uniform(80, 120))
    accomp = chords(rng, 0 if split != "test" else 4, 0, duration, beat, 48, velocity=55)
    lead_notes: list[Note] = []
    t = float(rng.uniform(0.2, 0.8))
    while t < duration - 0.8:  # phrases separated by silences of the lead
        phrase_end = min(t + float(rng.uniform(0.8, 2.0)), duration - 0.2)
        lead_notes += melody(
            rng, lead, t, phrase_end, 60, 81, beat, (85, 115), rest_prob=0.0, legato=1.0
        )
        t = phrase_end + float(rng.uniform(0.4, 1.2))
    return lead_notes + accomp, [], duration, {"lead_program": lead, "_lead": lead_notes}
