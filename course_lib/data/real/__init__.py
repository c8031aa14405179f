"""Loaders for real MIR corpora, read in their own on-disk formats into course manifests.

Lecture: the corpora behind the published results quoted in the MIR lectures. Each loader
indexes a folder you downloaded (``python -m course_lib.data download NAME`` or by hand) and
returns a :class:`~course_lib.data.manifest.Manifest` with the course's label keys, so
``ClipDataset`` and the training code run on it unchanged. Audio is not decoded or hashed
while indexing (``sha256 == ""``: ``verify()`` checks that the files exist).

What ``load(name, folder)`` expects in ``folder`` (or ``folder/<name>``), the labels it
returns and the split it uses:

``gtzan``
    ``genres/<genre>/<genre>.000NN.{au,wav}``; ``genre``; the fault-filtered 443/197/290.
``mtat``
    ``annotations_final.csv`` and the ``0``-``f`` mp3 folders; ``tags`` (top 50);
    folders 0-b / c / d-f.
``nsynth``
    ``nsynth-<split>/examples.json`` and audio; ``instrument`` (family) and ``pitch``;
    the official split.
``irmas``
    ``IRMAS-TrainingData`` and ``IRMAS-TestingData-*``; ``instrument(s)``; train/valid by
    recording, test = the testing data.
``maestro``
    ``maestro-v3.0.0.csv`` with MIDI and audio; ``midi`` read into ``notes``; the official split.
``mdb_stem_synth``
    ``audio_stem`` and ``annotation_stem``; ``f0`` (CSV); split by song.

Each dataset's module holds its details: ``real.gtzan.GENRES``, ``real.maestro.item_notes``,
``real.mdb_stem_synth.item_f0``, ``real.irmas.INSTRUMENTS``, ...

:mod:`course_lib.data.real.recorded` is different: a small development set of recorded piano
notes and drum strokes that installs from package registries (npm, Debian), with onsets,
notes and f0 known by construction; its items hold the audio itself rather than a manifest.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ..manifest import Manifest
from . import gtzan, irmas, maestro, mdb_stem_synth, mtat, nsynth

__all__ = [
    "LOADERS",
    "load",
    "load_real",
    "gtzan",
    "mtat",
    "nsynth",
    "irmas",
    "maestro",
    "mdb_stem_synth",
    "GTZAN_GENRES",
    "MTAT_SPLIT_RULE",
    "IRMAS_INSTRUMENTS",
]

GTZAN_GENRES = gtzan.GENRES
MTAT_SPLIT_RULE = mtat.SPLIT_RULE
IRMAS_INSTRUMENTS = irmas.INSTRUMENTS

#: Dataset name -> loader ``load(root, **options) -> Manifest``.
LOADERS: dict[str, Callable[..., Manifest]] = {
    "gtzan": gtzan.load,
    "mtat": mtat.load,
    "nsynth": nsynth.load,
    "irmas": irmas.load,
    "maestro": maestro.load,
    "mdb_stem_synth": mdb_stem_synth.load,
}


def load(name: str, root: str | Path | None = None, **options) -> Manifest:
    """Index real dataset ``name`` found at ``root``.

    Lecture: real corpora for the MIR lectures.

    Parameters
    ----------
    name : str
        One of :data:`LOADERS`.
    root : path, optional
        The dataset folder, or its parent. Default: ``<course data folder>/real/<name>``,
        where ``python -m course_lib.data download NAME`` puts it.
    **options
        Passed to the dataset's loader (e.g. ``n_tags=50`` for ``mtat``).

    Raises
    ------
    ValueError
        Unknown ``name`` or bad options.
    FileNotFoundError
        The dataset is not at ``root`` (the message says how to download it).
    """
    if name not in LOADERS:
        raise ValueError(f"unknown real dataset {name!r}; choose one of {sorted(LOADERS)}")
    if root is None:
        from .. import default_root

        root = default_root() / "real" / name
    return LOADERS[name](root, **options)


#: Former name of :func:`load`.
load_real = load
