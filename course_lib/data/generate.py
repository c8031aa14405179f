"""Offline rendered MIR datasets: instruments, genre/tags, onsets, lead activity, pitch, multi-F0.

Lecture: classification-based MIR tasks at the semantic level (genre, tags), event level
(onsets, instruments, singing-voice-like lead activity) and frame level (pitch, multi-F0).
Every clip is rendered from notes with a SoundFont, so labels are exact. Splits are separated
by General MIDI *program*: the test split plays the same kinds of instruments with different
sounds, so test scores measure generalisation, not memorisation.

Each builder ``build_<name>(root, size="smoke", seed=0)`` writes WAV files (16-bit), label
files and ``manifest.json`` under ``root`` and returns the :class:`Manifest`. The same seed
gives byte-identical files (checked through the manifest's sha256).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .manifest import Item, Manifest, sha256_file
from .render import Note, PitchBend, render_notes

__all__ = ["DATASETS", "SIZES", "build", "midi_to_hz", "f0_from_notes", "activity_from_notes"]

VERSION = 1
SIZES = ("smoke", "full")
# clips per split for each size
_COUNTS = {
    "smoke": {"train": 24, "valid": 8, "test": 16},
    "full": {"train": 2000, "valid": 200, "test": 400},
}
FRAME_HOP = 0.01  # seconds between f0/activity label frames


def midi_to_hz(pitch) -> np.ndarray:
    """MIDI pitch (may be fractional) to Hz: 69 -> 440."""
    return 440.0 * 2.0 ** ((np.asarray(pitch, dtype=float) - 69.0) / 12.0)


# ---------------------------------------------------------------------------------------
# shared helpers
# ---------------------------------------------------------------------------------------
def _write(
    root: Path, split: str, clip_id: str, y: np.ndarray, sr: int, labels: dict, duration: float
) -> Item:
    import soundfile as sf

    rel = Path("audio") / split / f"{clip_id}.wav"
    (root / rel).parent.mkdir(parents=True, exist_ok=True)
    sf.write(root / rel, y, sr, subtype="PCM_16")
    return Item(clip_id, rel.as_posix(), split, sha256_file(root / rel), round(duration, 4), labels)


def _write_csv(
    root: Path,
    split: str,
    clip_id: str,
    kind: str,
    times: np.ndarray,
    values: np.ndarray,
    header: str,
    fmt: str,
) -> str:
    rel = Path("labels") / split / f"{clip_id}.{kind}.csv"
    (root / rel).parent.mkdir(parents=True, exist_ok=True)
    np.savetxt(
        root / rel,
        np.column_stack([times, values]),
        delimiter=",",
        header=header,
        comments="",
        fmt=["%.3f", fmt],
    )
    return rel.as_posix()


def f0_from_notes(
    notes: list[Note], bends: list[PitchBend], duration: float, hop: float = FRAME_HOP
) -> tuple[np.ndarray, np.ndarray]:
    """Frame-level f0 (Hz, 0 = unvoiced) of a monophonic note list with pitch bends."""
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
    """Frame-level activity (1 while any of ``notes`` sounds)."""
    times = np.arange(int(round(duration / hop))) * hop
    active = np.zeros(len(times), dtype=int)
    for n in notes:
        active[(times >= n.onset) & (times < n.offset)] = 1
    return times, active


def _melody(
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
    """A random diatonic melody between ``start`` and ``end`` seconds."""
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


def _split_programs(options: dict[str, tuple[int, ...]], split: str) -> dict[str, int]:
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


def _drums(pattern: str, start: float, end: float, beat: float) -> list[Note]:
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


def _chords(
    rng,
    program: int,
    start: float,
    end: float,
    beat: float,
    low: int,
    sevenths: bool = False,
    velocity: int = 70,
) -> list[Note]:
    roots = [0, 5, 7, 9, 2]
    notes, t = [], start
    while t < end - 0.1:
        root = low + int(rng.choice(roots))
        shape = [0, 4, 7, 11] if sevenths else [0, 4, 7]
        off = min(t + 2 * beat * 0.95, end)
        notes += [Note(root + s, round(t, 4), round(off, 4), velocity, program) for s in shape]
        t += 2 * beat
    return notes


# ---------------------------------------------------------------------------------------
# the datasets
# ---------------------------------------------------------------------------------------
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
_REGISTER = {
    "bass": (28, 52),
    "piano": (48, 84),
    "organ": (48, 79),
    "guitar": (45, 76),
    "strings": (55, 84),
    "brass": (55, 79),
    "reed": (55, 79),
    "flute": (67, 91),
}


def _instruments(rng, split, i):
    families = list(INSTRUMENT_FAMILIES)
    family = families[i % len(families)]
    progs = INSTRUMENT_FAMILIES[family]
    program = {"train": progs[0], "valid": progs[1], "test": progs[2]}[split]
    duration = 2.0
    beat = 60 / float(rng.uniform(80, 140))
    notes = _melody(rng, program, 0.0, duration, *_REGISTER[family], beat, rest_prob=0.05)
    if not notes:
        notes = [Note(_REGISTER[family][0] + 12, 0.0, 1.0, 90, program)]
    return notes, [], duration, {"instrument": family, "program": program}


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


def _tagging(rng, split, i):
    genre = list(GENRES)[i % len(GENRES)]
    spec = GENRES[genre]
    duration = 4.0
    tempo = float(rng.uniform(*spec["tempo"]))
    beat = 60 / tempo
    loud = bool(rng.random() < 0.5)
    vel = (95, 120) if loud else (45, 70)
    programs = _split_programs(spec["roles"], split)
    notes: list[Note] = []
    for role, program in programs.items():
        if role == "bass":
            notes += _melody(rng, program, 0, duration, 33, 50, beat, vel, rest_prob=0.05)
        elif role in ("piano", "guitar") and genre != "classical":
            notes += _chords(
                rng, program, 0, duration, beat, 52, spec.get("sevenths", False), vel[0]
            )
        elif genre == "ambient":
            notes += _chords(rng, program, 0, duration, 2 * beat, 48, False, vel[0])
        else:
            notes += _melody(rng, program, 0, duration, 60, 84, beat, vel)
    if spec["drums"]:
        notes += _drums(spec["drums"], 0, duration, beat)
    tags = {
        genre,
        *programs,
        "drums" if spec["drums"] else "no drums",
        "fast" if tempo >= 110 else "slow",
        "loud" if loud else "soft",
    }
    return notes, [], duration, {"genre": genre, "tags": sorted(tags), "tempo": round(tempo, 1)}


_ONSET_PROGRAMS = {
    "train": (0, 24, 12, 46, 11, 105),
    "valid": (1, 25, 13),
    "test": (4, 27, 8, 45, 107),
}


def _onsets(rng, split, i):
    duration = 4.0
    programs = _ONSET_PROGRAMS[split]
    program = int(programs[i % len(programs)])
    beat = 60 / float(rng.uniform(70, 180))
    notes = _melody(rng, program, 0.1, duration - 0.3, 48, 84, beat, (50, 120), rest_prob=0.2)
    # polyphony: some notes become dyads or triads struck together
    extra = [
        Note(n.pitch + int(rng.choice([3, 4, 7])), n.onset, n.offset, n.velocity, program)
        for n in notes
        if rng.random() < 0.3 and n.pitch < 120
    ]
    drums = [
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
    notes = notes + extra + drums
    onsets = sorted({round(n.onset, 3) for n in notes})
    return notes, [], duration, {"onsets": onsets, "program": program}


_LEAD_PROGRAMS = {"train": (53, 65, 73, 40), "valid": (52, 71), "test": (54, 56, 68, 41)}


def _activity(rng, split, i):
    duration = 5.0
    lead = int(_LEAD_PROGRAMS[split][i % len(_LEAD_PROGRAMS[split])])
    beat = 60 / float(rng.uniform(80, 120))
    accomp = _chords(rng, 0 if split != "test" else 4, 0, duration, beat, 48, velocity=55)
    lead_notes: list[Note] = []
    t = float(rng.uniform(0.2, 0.8))
    while t < duration - 0.8:  # phrases separated by silences of the lead
        phrase_end = min(t + float(rng.uniform(0.8, 2.0)), duration - 0.2)
        lead_notes += _melody(
            rng, lead, t, phrase_end, 60, 81, beat, (85, 115), rest_prob=0.0, legato=1.0
        )
        t = phrase_end + float(rng.uniform(0.4, 1.2))
    return lead_notes + accomp, [], duration, {"lead_program": lead, "_lead": lead_notes}


_PITCH_PROGRAMS = {"train": (73, 40, 65, 71, 53), "valid": (68,), "test": (56, 41, 74)}


def _pitch(rng, split, i):
    duration = 3.0
    program = int(_PITCH_PROGRAMS[split][i % len(_PITCH_PROGRAMS[split])])
    beat = 60 / float(rng.uniform(70, 110))
    notes = _melody(
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


_CHORALE_PROGRAMS = {"train": (19, 48, 52, 0), "valid": (20,), "test": (49, 61, 71, 4)}


def _multif0(rng, split, i):
    from music21 import corpus

    chorales = corpus.getComposer("bach")
    # chorales are assigned to splits by index, so the music differs across splits too
    offset = {"train": 0, "valid": 1, "test": 2}[split]
    candidates = [p for k, p in enumerate(sorted(chorales)) if k % 3 == offset]
    path = candidates[int(rng.integers(0, len(candidates)))]
    score = corpus.parse(path)
    program = int(_CHORALE_PROGRAMS[split][i % len(_CHORALE_PROGRAMS[split])])
    tempo = float(rng.uniform(70, 100))
    sec_per_quarter = 60 / tempo
    duration = 6.0
    start_q = float(rng.integers(0, 8))
    notes = []
    for part in score.parts[:4]:
        for n in part.flatten().getElementsByClass(["Note", "Chord"]):
            for p in n.pitches:
                onset = (float(n.offset) - start_q) * sec_per_quarter
                offset = onset + float(n.quarterLength) * sec_per_quarter * 0.97
                if 0 <= onset < duration - 0.2:
                    notes.append(
                        Note(
                            int(p.midi),
                            round(onset, 4),
                            round(min(offset, duration - 0.05), 4),
                            80,
                            program,
                        )
                    )
    labels = {"program": program, "chorale": Path(str(path)).stem, "_notes": True}
    return notes, [], duration, labels


@dataclass(frozen=True)
class _Spec:
    make: Callable
    sr: int
    description: str


DATASETS: dict[str, _Spec] = {
    "instruments": _Spec(_instruments, 22050, "instrument family of short phrases (8 classes)"),
    "tagging": _Spec(_tagging, 22050, "genre (5 classes) and multi-label tags of rendered bands"),
    "onsets": _Spec(_onsets, 22050, "note onsets of polyphonic phrases with percussion"),
    "activity": _Spec(_activity, 22050, "frame-level activity of a lead voice over chords"),
    "pitch": _Spec(_pitch, 16000, "frame-level f0 of monophonic melodies with vibrato/glides"),
    "multif0": _Spec(_multif0, 22050, "frame-level pitch sets of Bach chorale excerpts"),
}


def build(
    name: str, root: str | Path, size: str = "smoke", seed: int = 0, force: bool = False
) -> Manifest:
    """Render dataset ``name`` into ``root`` (skipped when an identical build verifies).

    Parameters
    ----------
    name : one of ``DATASETS``
    root : folder of this dataset, e.g. ``data/smoke/onsets``
    size : {"smoke", "full"}
    seed : int
    force : bool
        Re-render even if a verified build with the same settings exists.
    """
    if name not in DATASETS:
        raise ValueError(f"unknown dataset {name!r}; choose one of {sorted(DATASETS)}")
    if size not in SIZES:
        raise ValueError(f"size must be one of {SIZES}, got {size!r}")
    root = Path(root)
    spec = DATASETS[name]
    meta = {
        "version": VERSION,
        "seed": seed,
        "size": size,
        "counts": _COUNTS[size],
        "description": spec.description,
    }
    if not force and (root / Manifest.FILENAME).exists():
        try:
            old = Manifest.load(root)
            same = all(old.meta.get(k) == v for k, v in meta.items() if k != "description")
            if same and not old.verify():
                return old
        except (ValueError, FileNotFoundError):
            pass
    items: list[Item] = []
    for split, count in _COUNTS[size].items():
        for i in range(count):
            # one independent, reproducible stream per clip
            rng = np.random.default_rng([seed, hash_name(name), hash_name(split), i])
            notes, bends, duration, labels = spec.make(rng, split, i)
            clip_id = f"{name}-{split}-{i:04d}"
            y = render_notes(notes, sr=spec.sr, duration=duration, pitch_bends=bends)
            lead = labels.pop("_lead", None)
            if lead is not None:
                t, a = activity_from_notes(lead, duration)
                labels["activity"] = _write_csv(
                    root, split, clip_id, "activity", t, a, "time_s,active", "%d"
                )
            if labels.pop("_f0", False):
                t, f0 = f0_from_notes(notes, bends, duration)
                labels["f0"] = _write_csv(root, split, clip_id, "f0", t, f0, "time_s,f0_hz", "%.3f")
            if labels.pop("_notes", False):
                labels["notes"] = [[n.onset, n.offset, n.pitch] for n in notes]
            items.append(_write(root, split, clip_id, y, spec.sr, labels, duration))
    manifest = Manifest(name, root, items, spec.sr, meta)
    manifest.save()
    return manifest


def hash_name(text: str) -> int:
    """A stable (not randomised per process) integer for seeding from a name."""
    return int.from_bytes(text.encode()[:8].ljust(8, b"\0"), "little") % (2**32)
