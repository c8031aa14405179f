"""Render MIDI-like notes to audio with a SoundFont, offline and deterministically.

Lecture: MIR tasks need labelled audio. Rendering notes ourselves gives exact labels
(onsets, pitches, instruments) for free. ``tinysoundfont`` synthesises General MIDI
SoundFonts without any system library. The TimGM6mb SoundFont ships inside ``pretty_midi``;
Debian's SoundFont packages give more "recording setups" when installed (``.ci/install.sh``
installs them where it runs as root), so a model can be trained on some and tested on another:

- ``"TimGM6mb"``: ``TimGM6mb.sf2`` (6 MB), inside the ``pretty_midi`` Python package;
- ``"FluidR3"``: ``FluidR3_GM.sf2`` (148 MB), Debian package ``fluid-soundfont-gm``;
- ``"MuseScore"``: ``MuseScore_General_Full.sf2`` (490 MB), Debian package
  ``musescore-general-soundfont-lossless`` (its ``.sf3`` files are not for tinysoundfont);
- ``"GMbank"``: ``sf_GMbank.sf2`` (4 MB), Debian package ``csound-soundfont``.

The SoundFonts play at different levels (MuseScore's piano 30 dB below TimGM6mb's), so each
has a gain (:func:`soundfont_gain_db`, measured on a fixed set of notes) that brings its
renders to TimGM6mb's loudness when ``render_notes(..., normalize=False)`` keeps the levels.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import NamedTuple

import numpy as np

__all__ = [
    "Note",
    "PitchBend",
    "SOUNDFONTS",
    "soundfont_path",
    "soundfont_gain_db",
    "available_soundfonts",
    "render_notes",
]

_SF2 = Path("/usr/share/sounds/sf2")


class _SoundFont(NamedTuple):
    files: tuple[Path, ...]  # where its Debian package puts it (the first found is used)
    package: str
    gain_db: float  # brings a render to TimGM6mb's RMS level (see soundfont_gain_db)


#: The SoundFonts :func:`render_notes` knows, by name (TimGM6mb first: it is always there).
SOUNDFONTS: dict[str, _SoundFont] = {
    "TimGM6mb": _SoundFont((), "pretty_midi (Python package)", 0.0),
    "FluidR3": _SoundFont((_SF2 / "FluidR3_GM.sf2",), "fluid-soundfont-gm", -2.8),
    "MuseScore": _SoundFont(
        (_SF2 / "MuseScore_General_Full.sf2",),
        "musescore-general-soundfont-lossless",
        5.1,
    ),
    "GMbank": _SoundFont(
        (_SF2 / "sf_GMbank.sf2", Path("/usr/share/samples/sf_GMbank.sf2")),
        "csound-soundfont",
        0.0,
    ),
}


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


def _font(name: str) -> _SoundFont:
    if name not in SOUNDFONTS:
        raise ValueError(f"unknown soundfont {name!r}; choose one of {sorted(SOUNDFONTS)}")
    return SOUNDFONTS[name]


def soundfont_path(name: str = "TimGM6mb") -> Path:
    """Path of a General MIDI SoundFont by name (see :data:`SOUNDFONTS`).

    Raises
    ------
    ValueError
        An unknown name, or a SoundFont whose Debian package is not installed (the message
        names the package).
    """
    font = _font(name)
    if name == "TimGM6mb":
        import pretty_midi

        return Path(pretty_midi.__file__).parent / "TimGM6mb.sf2"
    for path in font.files:
        if path.exists():
            return path
    raise ValueError(
        f"{name} SoundFont not found at {font.files[0]}; install Debian's {font.package} "
        f"(apt-get install {font.package}, as .ci/install.sh does when run as root) "
        f"or use one of {available_soundfonts()}"
    )


def soundfont_gain_db(name: str) -> float:
    """Gain in dB that brings a render of SoundFont ``name`` to TimGM6mb's loudness.

    Measured once: the median, over 18 notes (programs 0, 24, 48, 56, 73, 19 - piano, guitar,
    strings, trumpet, flute, organ - at MIDI 48, 60, 72, velocity 100, one second), of the
    RMS level of TimGM6mb's render minus this SoundFont's, both without normalisation. One
    program can differ much more (MuseScore's piano plays about 30 dB below TimGM6mb's), so
    training data should still draw random gains.
    """
    return _font(name).gain_db


def available_soundfonts() -> list[str]:
    """Names of the SoundFonts present on this machine (TimGM6mb always, first)."""
    return [
        name
        for name, font in SOUNDFONTS.items()
        if name == "TimGM6mb" or any(p.exists() for p in font.files)
    ]


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
    normalize: bool = True,
) -> np.ndarray:
    """Synthesise notes to mono audio.

    Parameters
    ----------
    notes : iterable of Note
    sr : int
        Sample rate in Hz.
    duration : float, optional
        Length of the output in seconds (default: last offset + ``release``).
    soundfont : str
        One of :func:`available_soundfonts` (``"TimGM6mb"``, ``"FluidR3"``, ``"MuseScore"``,
        ``"GMbank"``).
    pitch_bends : iterable of PitchBend
        Pitch-bend events (vibrato, glides) for the notes of one program.
    release : float
        Seconds of release tail kept after the last offset when ``duration`` is None.
    normalize : bool
        True: peak-normalise to 0.9. False: keep the level (velocities stay audible across
        clips), scaled by :func:`soundfont_gain_db` so that every SoundFont plays about as
        loud as TimGM6mb.

    Returns
    -------
    y : ndarray, float32, shape (round(duration * sr),)
        Peak-normalised to 0.9 unless silent (or ``normalize=False``). Rendering is
        deterministic: the same notes give the same samples.
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
    if not normalize:
        return (y * 10 ** (soundfont_gain_db(soundfont) / 20)).astype(np.float32)
    peak = float(np.abs(y).max())
    return (y * (0.9 / peak)).astype(np.float32) if peak > 0 else y
