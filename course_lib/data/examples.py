"""Short musical examples for the lectures, rendered offline from notes.

Lecture: motivation and the lectures that listen to a network (a ~3 s clip is a 128-mel x
128-frame spectrogram). The examples live with the data (they are rendered like the
datasets), so :mod:`course_lib.audio` needs nothing from this package.
"""

from __future__ import annotations

import numpy as np

from ..core.audio import check_sr
from .render import Note, render_notes

__all__ = ["EXAMPLES", "load_example", "example_notes"]

# name -> (description, notes as (midi pitch, onset s, offset s), GM program)
EXAMPLES = {
    "scale": ("C major scale on a piano, 3 s", "scale", 0),
    "arpeggio": ("C major arpeggio on a nylon guitar, 3 s", "arpeggio", 24),
    "chords": ("C-F-G-C chords on strings, 3 s", "chords", 48),
}


def _example_notes(kind: str):
    if kind == "scale":
        pitches = [60, 62, 64, 65, 67, 69, 71, 72]
        return [Note(p, 0.05 + 0.35 * i, 0.05 + 0.35 * i + 0.33) for i, p in enumerate(pitches)]
    if kind == "arpeggio":
        pitches = [48, 52, 55, 60, 64, 67, 72, 67, 64, 60, 55, 52]
        return [Note(p, 0.05 + 0.24 * i, 0.05 + 0.24 * i + 0.5) for i, p in enumerate(pitches)]
    chords = [(48, 60, 64, 67), (53, 60, 65, 69), (55, 59, 62, 67), (48, 60, 64, 72)]
    return [
        Note(p, 0.05 + 0.72 * i, 0.05 + 0.72 * i + 0.7) for i, c in enumerate(chords) for p in c
    ]


def example_notes(name: str = "scale") -> list[Note]:
    """The notes an example is rendered from: its score, to compare a model's output with.

    Lecture: the map of MIR tasks (what a model should have found in an example).

    Parameters
    ----------
    name : {"scale", "arpeggio", "chords"}

    Returns
    -------
    list of Note
        ``(pitch, onset, offset, ...)``: MIDI pitch, times in seconds, the example's program.
    """
    if name not in EXAMPLES:
        raise ValueError(f"unknown example {name!r}; choose one of {sorted(EXAMPLES)}")
    _, kind, program = EXAMPLES[name]
    return [n._replace(program=program) for n in _example_notes(kind)]


def load_example(name: str = "scale", sr: int = 22050) -> tuple[np.ndarray, int]:
    """A ~3 s musical example rendered offline from MIDI notes with a SoundFont.

    Lecture: motivation (128 mel x 128 frames is about 3 s of audio). Nothing is downloaded:
    the notes are rendered with the General MIDI SoundFont that ships inside ``pretty_midi``.

    Parameters
    ----------
    name : {"scale", "arpeggio", "chords"}
    sr : int

    Returns
    -------
    y : ndarray, float32, shape (3 * sr,)
    sr : int
    """
    notes = example_notes(name)
    sr = check_sr(sr)
    return render_notes(notes, sr=sr, duration=3.0), sr
