"""Genre/style classification and multi-label auto-tagging: small rendered bands.

Lecture: semantic-level MIR — genre classification and auto-tagging. Five styles differ in
instrumentation, tempo, drum pattern and harmony; every clip is tagged with its genre, the
instrument roles it uses, fast/slow, loud/soft and drums/no drums. The test split plays the
same roles with other programs.
"""

from __future__ import annotations

from ..render import Note
from .phrases import chords, drums, melody, split_programs

__all__ = ["SR", "DESCRIPTION", "GENRES", "TAGS", "make"]

SR = 22050
DESCRIPTION = "genre (5 classes) and multi-label tags of rendered bands"

# genre -> tempo range (BPM), drum pattern, role -> GM programs (train, valid, ..., test)
GENRES: dict[str, dict] = {
    "classical": {
        "tempo": (60, 100),
        "drums": None,
        "roles": {"strings": (48, 49, 40), "piano": (0, 1, 4)},
    },
    "rock": {
        "tempo": (110, 150),
        "drums": "rock",
        "roles": {"guitar": (30, 29, 27), "bass": (33, 34, 32)},
    },
    "jazz": {
        "tempo": (90, 150),
        "drums": "swing",
        "sevenths": True,
        "roles": {"piano": (0, 4, 1), "bass": (32, 33, 34), "reed": (65, 66, 71)},
    },
    "electronic": {
        "tempo": (118, 132),
        "drums": "four",
        "roles": {"synth": (80, 81, 87), "bass": (38, 39, 87)},
    },
    "ambient": {
        "tempo": (55, 75),
        "drums": None,
        "roles": {"synth": (88, 89, 91), "strings": (49, 48, 50)},
    },
}
TAGS = sorted(
    {
        "drums",
        "no drums",
        "fast",
        "slow",
        "loud",
        "soft",
        "bass",
        "guitar",
        "piano",
        "reed",
        "strings",
        "synth",
        *GENRES,
    }
)


def make(rng, split, i):
    """Clip ``i``: 4 s of genre ``i mod 5``; labels ``genre``, ``tags``, ``tempo`` (BPM)."""
    genre = list(GENRES)[i % len(GENRES)]
    spec = GENRES[genre]
    duration = 4.0
    tempo = float(rng.uniform(*spec["tempo"]))
    beat = 60 / tempo
    loud = bool(rng.random() < 0.5)
    vel = (95, 120) if loud else (45, 70)
    programs = split_programs(spec["roles"], split)
    notes: list[Note] = []
    for role, program in programs.items():
        if role == "bass":
            notes += melody(rng, program, 0, duration, 33, 50, beat, vel, rest_prob=0.05)
        elif role in ("piano", "guitar") and genre != "classical":
            notes += chords(
                rng, program, 0, duration, beat, 52, spec.get("sevenths", False), vel[0]
            )
        elif genre == "ambient":
            notes += chords(rng, program, 0, duration, 2 * beat, 48, False, vel[0])
        else:
            notes += melody(rng, program, 0, duration, 60, 84, beat, vel)
    if spec["drums"]:
        notes += drums(spec["drums"], 0, duration, beat)
    tags = {
        genre,
        *programs,
        "drums" if spec["drums"] else "no drums",
        "fast" if tempo >= 110 else "slow",
        "loud" if loud else "soft",
    }
    return notes, [], duration, {"genre": genre, "tags": sorted(tags), "tempo": round(tempo, 1)}
