"""Render MIDI-like notes to audio with a SoundFont, offline and deterministically.

Lecture: MIR tasks need labelled audio. Rendering notes ourselves gives exact labels
(onsets, pitches, instruments) for free. ``tinysoundfont`` synthesises General MIDI
SoundFonts without any system library; the TimGM6mb SoundFont ships inside ``pretty_midi``,
and Debian's FluidR3 is used when installed (a second "recording setup" for test splits).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import NamedTuple

import numpy as np

__all__ = ["Note", "PitchBend", "soundfont_path", "available_soundfonts", "render_notes"]

_FLUIDR3 = Path("/usr/share/sounds/sf2/FluidR3_GM.sf2")


class Note(NamedTuple):
    """One note: MIDI ``pitch`` (60 = C4) from ``onset`` to ``offset`` seconds.

    ``program`` is the General MIDI program (0 = acoustic grand piano); ``is_drum`` plays the
    note on the percussion channel, where ``pitch`` selects the drum (36 kick, 38 snare, ...).
    """

    pitch: int
    onset: float
    offset: float
    velocity: int = 100
    program: int = 0
    is_drum: bool = False


class PitchBend(NamedTuple):
    """Bend every note of ``program`` by ``semitones`` (within +-2) from ``time`` seconds on."""

    time: float
    semitones: float
    program: int = 0


def soundfont_path(name: str = "TimGM6mb") -> Path:
    """Path of a General MIDI SoundFont: ``"TimGM6mb"`` (in pretty_midi) or ``"FluidR3"``."""
    if name == "TimGM6mb":
        import pretty_midi

        return Path(pretty_midi.__file__).parent / "TimGM6mb.sf2"
    if name == "FluidR3":
        if not _FLUIDR3.exists():
            raise ValueError(
                f"FluidR3 SoundFont not found at {_FLUIDR3}; install Debian's fluid-soundfont-gm "
                "or use soundfont='TimGM6mb'"
            )
        return _FLUIDR3
    raise ValueError(f"unknown soundfont {name!r}; choose 'TimGM6mb' or 'FluidR3'")


def available_soundfonts() -> list[str]:
    """Names of the SoundFonts present on this machine (TimGM6mb always)."""
    return ["TimGM6mb"] + (["FluidR3"] if _FLUIDR3.exists() else [])


def _validate_notes(notes: Sequence[Note]) -> None:
    for i, n in enumerate(notes):
        if not 0 <= n.pitch <= 127:
            raise ValueError(f"notes[{i}].pitch={n.pitch} must be a MIDI number in 0..127")
        if not 0 <= n.onset < n.offset:
            raise ValueError(
                f"notes[{i}] must have 0 <= onset < offset, got onset={n.onset}, offset={n.offset}"
            )
        if not 1 <= n.velocity <= 127:
            raise ValueError(f"notes[{i}].velocity={n.velocity} must be in 1..127")
        if not 0 <= n.program <= 127:
            raise ValueError(f"notes[{i}].program={n.program} must be a GM program in 0..127")


def render_notes(
    notes: Iterable[Note],
    sr: int = 22050,
    duration: float | None = None,
    soundfont: str = "TimGM6mb",
    pitch_bends: Iterable[PitchBend] = (),
    release: float = 0.5,
) -> np.ndarray:
    """Synthesise notes to mono audio.

    Parameters
    ----------
    notes : iterable of Note
    sr : int
        Sample rate in Hz.
    duration : float, optional
        Length of the output in seconds (default: last offset + ``release``).
    soundfont : {"TimGM6mb", "FluidR3"}
    pitch_bends : iterable of PitchBend
        Pitch-bend events (vibrato, glides) for the notes of one program.
    release : float
        Seconds of release tail kept after the last offset when ``duration`` is None.

    Returns
    -------
    y : ndarray, float32, shape (round(duration * sr),)
        Peak-normalised to 0.9 unless silent. Rendering is deterministic: the same notes give
        the same samples.
    """
    import tinysoundfont

    notes = sorted(notes, key=lambda n: (n.onset, n.pitch))
    _validate_notes(notes)
    bends = sorted(pitch_bends, key=lambda b: b.time)
    if duration is None:
        duration = (max((n.offset for n in notes), default=0.0)) + release
    n_samples = int(round(duration * sr))
    if n_samples <= 0:
        raise ValueError(f"duration={duration} s gives no samples; pass a positive duration")

    synth = tinysoundfont.Synth(samplerate=sr)
    sfid = synth.sfload(str(soundfont_path(soundfont)))
    channels: dict[tuple[int, bool], int] = {}
    for n in notes:
        key = (9, True) if n.is_drum else (n.program, False)
        if key in channels:
            continue
        chan = 9 if n.is_drum else len([c for c in channels.values() if c != 9])
        if chan >= 9 and not n.is_drum:
            chan += 1  # skip the percussion channel
        if chan > 15:
            raise ValueError("at most 15 melodic programs can sound together")
        channels[key] = chan
        synth.program_select(
            chan, sfid, 128 if n.is_drum else 0, 0 if n.is_drum else n.program, is_drums=n.is_drum
        )
        synth.pitchbend_range(chan, 2.0)

    # (sample index, order, action); note-offs before note-ons at the same instant.
    events: list[tuple[int, int, tuple]] = []
    for n in notes:
        chan = channels[(9, True) if n.is_drum else (n.program, False)]
        events.append((int(round(n.onset * sr)), 1, ("on", chan, n.pitch, n.velocity)))
        events.append((int(round(n.offset * sr)), 0, ("off", chan, n.pitch)))
    for b in bends:
        if (b.program, False) in channels:
            value = int(np.clip(8192 + b.semitones / 2.0 * 8192, 0, 16383))
            events.append(
                (int(round(b.time * sr)), 0, ("bend", channels[(b.program, False)], value))
            )
    events.sort(key=lambda e: (e[0], e[1]))

    out = np.zeros(2 * n_samples, dtype=np.float32)
    pos = 0
    for sample, _, action in events:
        sample = min(sample, n_samples)
        if sample > pos:
            out[2 * pos : 2 * sample] = np.frombuffer(synth.generate(sample - pos), np.float32)
            pos = sample
        if action[0] == "on":
            synth.noteon(action[1], action[2], action[3])
        elif action[0] == "off":
            synth.noteoff(action[1], action[2])
        else:
            synth.pitchbend(action[1], action[2])
    if pos < n_samples:
        out[2 * pos :] = np.frombuffer(synth.generate(n_samples - pos), np.float32)
    y = out.reshape(-1, 2).mean(axis=1)
    peak = float(np.abs(y).max())
    return (y * (0.9 / peak)).astype(np.float32) if peak > 0 else y
