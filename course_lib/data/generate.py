"""Offline rendered MIR datasets: instruments, genre/tags, onsets, lead activity, pitch, multi-F0.

Lecture: classification-based MIR tasks at the semantic level (genre, tags), event level
(onsets, instruments, singing-voice-like lead activity) and frame level (pitch, multi-F0).
Every clip is rendered from notes with a SoundFont, so labels are exact. Splits are separated
by General MIDI *program*: the test split plays the same kinds of instruments with different
sounds, so test scores measure generalisation, not memorisation.

The music of each dataset is made in its own module of :mod:`course_lib.data.rendered`;
``build(name, root, size="smoke", seed=0)`` renders it, writes WAV files (16-bit), label
files and ``manifest.json`` under ``root`` and returns the :class:`Manifest`. The same seed
gives byte-identical files (checked through the manifest's sha256).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .manifest import Item, Manifest, sha256_file
from .render import render_notes, soundfont_path
from .rendered import activity, instrument_notes, instruments, multif0, onsets, pitch, tagging
from .rendered.instruments import INSTRUMENT_FAMILIES
from .rendered.phrases import FRAME_HOP, activity_from_notes, f0_from_notes, midi_to_hz
from .rendered.tagging import GENRES, TAGS

__all__ = [
    "DATASETS",
    "SIZES",
    "COUNTS",
    "FRAME_HOP",
    "GENRES",
    "TAGS",
    "INSTRUMENT_FAMILIES",
    "build",
    "folder_name",
    "hash_name",
    "midi_to_hz",
    "f0_from_notes",
    "activity_from_notes",
]

VERSION = 1
SIZES = ("smoke", "full")
# clips per split for each size
COUNTS = {
    "smoke": {"train": 24, "valid": 8, "test": 16},
    "full": {"train": 2000, "valid": 200, "test": 400},
}


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


def _render_clip(clip: tuple) -> Item:
    """Render and write clip ``i`` of ``split`` (its audio and label files); return its item."""
    name, root, split, i, seed, soundfont = clip
    spec = DATASETS[name]
    # one independent, reproducible stream per clip
    rng = np.random.default_rng([seed, hash_name(name), hash_name(split), i])
    notes, bends, duration, labels = spec.make(rng, split, i)
    clip_id = f"{name}-{split}-{i:04d}"
    y = render_notes(notes, sr=spec.sr, duration=duration, pitch_bends=bends, soundfont=soundfont)
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
    return _write(root, split, clip_id, y, spec.sr, labels, duration)


@dataclass(frozen=True)
class _Spec:
    """How a dataset is made: ``make(rng, split, i) -> (notes, bends, duration, labels)``."""

    make: Callable
    sr: int
    description: str


DATASETS: dict[str, _Spec] = {
    module.__name__.rsplit(".", 1)[-1]: _Spec(module.make, module.SR, module.DESCRIPTION)
    for module in (instruments, instrument_notes, tagging, onsets, activity, pitch, multif0)
}


def build(
    name: str,
    root: str | Path,
    size: str = "smoke",
    seed: int = 0,
    force: bool = False,
    soundfont: str = "TimGM6mb",
    test_soundfont: str | None = None,
    jobs: int = 1,
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
    soundfont : str
        SoundFont of every split, one of :func:`course_lib.data.render.available_soundfonts`
        ("TimGM6mb", "FluidR3", "MuseScore", "GMbank" where installed).
    test_soundfont : str, optional
        Another SoundFont for the test split only: the test clips then differ from training
        in program *and* in "recording setup" (a stricter test of generalisation). The
        music and labels stay those of the default build.
    jobs : int
        Worker processes rendering clips in parallel (e.g. the machine's core count for the
        ``"full"`` size); the files are the same for any number of jobs.
    """
    if name not in DATASETS:
        raise ValueError(f"unknown dataset {name!r}; choose one of {sorted(DATASETS)}")
    if size not in SIZES:
        raise ValueError(f"size must be one of {SIZES}, got {size!r}")
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
        raise ValueError(f"jobs must be a positive number of processes, got {jobs!r}")
    root = Path(root)
    spec = DATASETS[name]
    fonts = {split: soundfont for split in COUNTS[size]}
    fonts["test"] = test_soundfont or soundfont
    for font in set(fonts.values()):
        soundfont_path(font)  # a clear error now if it is missing, not after rendering
    meta = {
        "version": VERSION,
        "seed": seed,
        "size": size,
        "counts": COUNTS[size],
        "description": spec.description,
    }
    if set(fonts.values()) != {"TimGM6mb"}:  # recorded only when not the default
        meta["soundfonts"] = fonts
    if not force and (root / Manifest.FILENAME).exists():
        try:
            old = Manifest.load(root)
            keys = set(meta) | {"soundfonts"}
            same = all(old.meta.get(k) == meta.get(k) for k in keys if k != "description")
            if same and not old.verify():
                return old
        except (ValueError, FileNotFoundError):
            pass
    clips = [
        (name, root, split, i, seed, fonts[split])
        for split, count in COUNTS[size].items()
        for i in range(count)
    ]
    if jobs > 1:  # clips are independent: the files do not depend on the number of jobs
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(jobs) as pool:
            items = list(pool.map(_render_clip, clips, chunksize=8))
    else:
        items = [_render_clip(clip) for clip in clips]
    manifest = Manifest(name, root, items, spec.sr, meta)
    manifest.save()
    return manifest


def folder_name(name: str, seed: int = 0, test_soundfont: str | None = None) -> str:
    """Folder of a build under ``<root>/<size>/``: ``name``, ``name-seed3``, ``name-test-FluidR3``.

    Builds with other settings get their own folders, so they never overwrite the default.
    """
    folder = name if seed == 0 else f"{name}-seed{seed}"
    if test_soundfont not in (None, "TimGM6mb"):
        folder += f"-test-{test_soundfont}"
    return folder


def hash_name(text: str) -> int:
    """A stable (not randomised per process) integer for seeding from a name."""
    return int.from_bytes(text.encode()[:8].ljust(8, b"\0"), "little") % (2**32)
