"""Random musical material for the rendered datasets: melodies, chords, drum patterns.

Lecture: classification-based MIR tasks — labelled audio rendered from notes. Everything
is drawn from a ``numpy.random.Generator`` passed in, so a seed fixes the music.
"""

from __future__ import annotations

import numpy as np

from ..render import Note, PitchBend

__all__ = [
    "FRAME_HOP",
    "midi_to_hz",
    "melody",
    "chords",
    "drums",
    "split_programs",
    "f0_from_notes",
    "activity_from_notes",
]

FRAME_HOP = 0.01  # seconds between f0/activity label frames


def midi_to_hz(pitch) -> np.ndarray:
    """MIDI pitch (may be fractional) to Hz: 69 -> 440."""
    return 440.0 * 2.0 ** ((np.asarray(pitch, dtype=float) - 69.0) / 12.0)


def f0_from_notes(
    notes: list[Note], bends: list[PitchBend], duration: float, hop: float = FRAME_HOP
) -> tuple[np.ndarray, np.ndarray]:
    """Frame-level f0 (Hz, 0 = unvoiced) of a monophonic note list with pitch bends.

    Returns ``times`` (s, every ``hop``) and ``f0`` (Hz), both shaped ``(round(duration / hop),)``.
    """
    times = np.arange(int(round(duration / hop))) * hop
    f0 = np.zeros_like(times)
    bend_t = np.array([b.time for b in bends]) if bends else np.zeros(0)
    bend_v = np.array([b.semitones for b in bends]) if bends else np.zeros(0)
    for n in notes:
        mask = (times >= n.onset) & (times < n.offset)
        semis = np.zeros(mask.sum())
        if len(bend_t):
            idx = np.searchsorted(bend_t, times[mask], side="right") - 1
            semis = np.where(idx >= 0, bend_v[np.clip(idx, 0, None)], 0.0)
        f0[mask] = midi_to_hz(n.pitch + semis)
    return times, f0


def activity_from_notes(
    notes: list[Note], duration: float, hop: float = FRAME_HOP
) -> tuple[np.ndarray, np.ndarray]:
    """Frame-level activity (1 while any of ``notes`` sounds), every ``hop`` seconds."""
    times = np.arange(int(round(duration / hop))) * hop
    active = np.zeros(len(times), dtype=int)
    for n in notes:
        active[(times >= n.onset) & (times < n.offset)] = 1
    return times, active


def melody(
    rng: np.random.Generator,
    program: int,
    start: float,
    end: float,
    lo: int,
    hi: int,
    beat: float,
    velocity: tuple[int, int] = (70, 110),
    rest_prob: float = 0.15,
    legato: float = 0.9,
) -> list[Note]:
    """A random diatonic melody between ``start`` and ``end`` seconds, pitches in ``lo..hi``.

    Steps of up to two scale degrees; note lengths of half, one or two ``beat`` (s).
    """
    scale = np.array([0, 2, 4, 5, 7, 9, 11])
    tonic = int(rng.integers(0, 12))
    pitches = [p for p in range(lo, hi + 1) if (p - tonic) % 12 in scale]
    notes, t, idx = [], start, int(rng.integers(0, len(pitches)))
    while t < end - 0.1:
        length = beat * float(rng.choice([0.5, 1, 1, 2]))
        if rng.random() >= rest_prob:
            idx = int(np.clip(idx + rng.integers(-2, 3), 0, len(pitches) - 1))
            off = min(t + length * legato, end)
            notes.append(
                Note(
                    pitches[idx], round(t, 4), round(off, 4), int(rng.integers(*velocity)), program
                )
            )
        t += length
    return notes


def split_programs(options: dict[str, tuple[int, ...]], split: str) -> dict[str, int]:
    """Program per role: the last option is reserved for test, the others for train/valid."""
    return {
        role: (
            progs[-1]
            if split == "test"
            else progs[0]
            if split == "train"
            else progs[min(1, len(progs) - 2)]
        )
        for role, progs in options.items()
    }


def drums(pattern: str, start: float, end: float, beat: float) -> list[Note]:
    """A two-beat drum pattern (``"rock"``, ``"four"`` or ``"swing"``) on the GM drum channel."""
    hits = {
        "rock": [(0, 36), (0, 42), (0.5, 42), (1, 38), (1, 42), (1.5, 42)],
        "four": [(0, 36), (0.5, 42), (1, 36), (1.5, 42)],
        "swing": [(0, 51), (0.67, 51), (1, 51), (1, 44)],
    }[pattern]
    notes, bar = [], start
    while bar < end - 1e-6:
        for offset, drum in hits:
            t = bar + offset * beat
            if t < end - 0.05:
                notes.append(Note(drum, round(t, 4), round(t + 0.1, 4), 90, 0, True))
        bar += 2 * beat
    return notes


def chords(
    rng,
    program: int,
    start: float,
    end: float,
    beat: float,
    low: int,
    sevenths: bool = False,
    velocity: int = 70,
) -> list[Note]:
    """Major triads (or major sevenths) on random roots, two beats each."""
    roots = [0, 5, 7, 9, 2]
    notes, t = [], start
    while t < end - 0.1:
        root = low + int(rng.choice(roots))
        shape = [0, 4, 7, 11] if sevenths else [0, 4, 7]
        off = min(t + 2 * beat * 0.95, end)
        notes += [Note(root + s, round(t, 4), round(off, 4), velocity, program) for s in shape]
        t += 2 * beat
    return notes
