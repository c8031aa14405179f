"""Data for the course: offline rendered MIR datasets, manifests and PyTorch datasets.

Lecture: classification-based MIR tasks need labelled music. Nothing is downloaded: the
course renders its own labelled audio from notes with a General MIDI SoundFont (the
TimGM6mb SoundFont inside ``pretty_midi``), so every label is exact.

Datasets (``python -m course_lib.data build --size smoke`` writes them under
``data/smoke/<name>``; ``load_dataset`` builds on demand):

================  =====  ==================================================================
name              sr     labels (``item.labels``)
================  =====  ==================================================================
instruments       22050  ``instrument`` (8 families), ``program``; 2 s phrases
instrument_notes  22050  ``instrument``, ``program``, ``pitch``, ``velocity``, ``notes``;
                         1 s single notes (NSynth-like)
tagging           22050  ``genre`` (5 styles), ``tags`` (multi-label, ``generate.TAGS``),
                         ``tempo`` (BPM); 4 s
onsets            22050  ``onsets`` (sorted seconds), ``program``; 4 s, with drums
activity          22050  ``activity`` (CSV ``time_s,active`` every 10 ms: a lead voice over
                         chords), ``lead_program``; 5 s
pitch             16000  ``f0`` (CSV ``time_s,f0_hz`` every 10 ms, 0 = unvoiced; vibrato and
                         glides), ``program``; 3 s
multif0           22050  ``notes`` (rows ``[onset_s, offset_s, midi]``; Bach chorale
                         excerpts, 4 voices), ``chorale``, ``program``; 6 s
================  =====  ==================================================================

Train, validation and test splits use different General MIDI programs (and, for
``multif0``, different chorales). Sizes: ``"smoke"`` (24/8/16 clips per dataset, all of them
in about 15 s on a CPU) and ``"full"`` (2000/200/400 clips, for GPU training).

Example::

    from course_lib import audio
    from course_lib.data import load_dataset
    from course_lib.data.datasets import ClipDataset, frame_target, make_loader

    manifest = load_dataset("onsets", size="smoke")      # renders it first if missing
    item = manifest.split("train")[0]                     # an Item: id, path, labels, ...
    y, sr = audio.load(manifest.audio_path(item))
    train = ClipDataset(manifest, "train", frame_target("onsets", hop_length=441),
                        chunk_seconds=2.0)
    loader = make_loader(train, batch_size=16, shuffle=True)

Label files (``f0``, ``activity``) are read with ``datasets.read_label_csv`` through
``manifest.label_path(item, "f0")``. The same :class:`Manifest` format describes the real
corpora of :mod:`course_lib.data.real`.
"""

import os
from pathlib import Path

from .examples import EXAMPLES, example_notes, load_example
from .manifest import Item, Manifest, sha256_file
from .render import Note, PitchBend, available_soundfonts, render_notes, soundfont_path

__all__ = [
    "EXAMPLES",
    "load_example",
    "example_notes",
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
    name: str,
    size: str = "smoke",
    root: str | Path | None = None,
    seed: int = 0,
    test_soundfont: str | None = None,
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
    test_soundfont : str, optional
        Render the test split with another SoundFont (e.g. ``"FluidR3"`` where Debian's
        ``fluid-soundfont-gm`` is installed); such a build lives in ``<name>-test-<font>``.
    """
    from .generate import build, folder_name

    root = default_root() if root is None else Path(root)
    folder = folder_name(name, seed, test_soundfont)  # never overwrites the default build
    return build(name, root / size / folder, size, seed, test_soundfont=test_soundfont)
