"""Data for the course: offline rendered MIR datasets, manifests and PyTorch datasets.

Lecture: classification-based MIR tasks need labelled music. Nothing is downloaded: the
course renders its own labelled audio from notes with a General MIDI SoundFont.

Datasets (``python -m course_lib.data build --size smoke`` writes them under
``data/smoke/<name>``; ``load_dataset`` builds on demand):

==============  =====  =====================================================================
name            sr     labels
==============  =====  =====================================================================
instruments     22050  ``instrument`` (8 families), ``program``
tagging         22050  ``genre`` (5 styles), ``tags`` (multi-label), ``tempo``
onsets          22050  ``onsets`` (seconds)
activity        22050  ``activity`` (CSV of ``time_s,active``: a lead voice over chords)
pitch           16000  ``f0`` (CSV of ``time_s,f0_hz``; vibrato and glides)
multif0         22050  ``notes`` (``[onset_s, offset_s, midi]``; Bach chorale excerpts)
==============  =====  =====================================================================

Train, validation and test splits use different General MIDI programs.
"""

import os
from pathlib import Path

from .manifest import Item, Manifest, sha256_file
from .render import Note, PitchBend, available_soundfonts, render_notes, soundfont_path

__all__ = [
    "Item",
    "Manifest",
    "Note",
    "PitchBend",
    "available_soundfonts",
    "default_root",
    "load_dataset",
    "render_notes",
    "sha256_file",
    "soundfont_path",
]


def default_root() -> Path:
    """Where datasets live.

    ``$COURSE_DATA_DIR`` if set, else ``data/`` of the course checkout that contains the
    working directory (notebooks run from ``lectures/``), else ``~/course_data`` (e.g. Colab).
    """
    if os.environ.get("COURSE_DATA_DIR"):
        return Path(os.environ["COURSE_DATA_DIR"])
    here = Path.cwd().resolve()
    for folder in (here, *here.parents):
        if (folder / "course_lib").is_dir() and (folder / "pyproject.toml").is_file():
            return folder / "data"
    return Path.home() / "course_data"


def load_dataset(
    name: str, size: str = "smoke", root: str | Path | None = None, seed: int = 0
) -> Manifest:
    """The manifest of a rendered dataset, rendering it first if it is missing or stale.

    Parameters
    ----------
    name : str
        One of the datasets listed above.
    size : {"smoke", "full"}
    root : folder holding ``<size>/<name>`` (default: :func:`default_root`)
    seed : int
        Seed 0 lives in ``<root>/<size>/<name>``; other seeds in ``<name>-seed<seed>``.
    """
    from .generate import build

    root = default_root() if root is None else Path(root)
    folder = name if seed == 0 else f"{name}-seed{seed}"  # other seeds never overwrite seed 0
    return build(name, root / size / folder, size, seed)
