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
from ._common import find_root

__all__ = [
    "LOADERS",
    "load",
    "load_real",
    "locate",
    "absent_message",
    "LAYOUTS",
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

#: What each loader looks for: ``(markers, nested)`` as :func:`._common.find_root` takes them
#: (glob patterns inside the dataset folder; sub-folders that archives unpack to).
LAYOUTS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "gtzan": (
        ("genres/blues", "genres_original/blues", "Data/genres_original/blues", "blues"),
        (),
    ),
    "mtat": (("annotations_final.csv",), ("magnatagatune",)),
    "nsynth": (tuple(f"nsynth-{s}/examples.json" for s in ("train", "valid", "test")), ()),
    "irmas": (("IRMAS-TrainingData", "IRMAS-TestingData-Part*"), ("IRMAS",)),
    "maestro": (("maestro-v*.csv", "maestro-v*.json"), ("maestro-v3.0.0",)),
    "mdb_stem_synth": (("audio_stem",), ("MDB-stem-synth",)),
}


def locate(name: str) -> Path | None:
    """The folder of real corpus ``name`` in the course data folder, or ``None``.

    Lecture: the real-data sections of the MIR lectures (08 section 8, 10 section 4), which
    run when the corpus is there and say how to get it when it is not.

    Looks in ``<course data folder>/real/<name>`` (:func:`course_lib.data.default_root`,
    where ``python -m course_lib.data download NAME`` puts it) for the files the loader
    expects (:data:`LAYOUTS`: e.g. ``genres/blues`` for GTZAN, ``nsynth-*/examples.json``
    for NSynth); nothing is indexed or decoded, so it is instant.

    Parameters
    ----------
    name : str
        One of :data:`LOADERS`.

    Returns
    -------
    Path or None
        The dataset folder (possibly a sub-folder an archive unpacked to, such as
        ``IRMAS/``), to pass as ``data_dir``/``root``; ``None`` if the corpus is absent or
        not in the expected layout.

    Raises
    ------
    ValueError
        Unknown ``name``.
    """
    if name not in LAYOUTS:
        raise ValueError(f"unknown real dataset {name!r}; choose one of {sorted(LAYOUTS)}")
    from .. import default_root

    markers, nested = LAYOUTS[name]
    try:
        return find_root(default_root() / "real" / name, name, markers, nested)
    except FileNotFoundError:
        return None


def absent_message(name: str, section: str = "This section") -> str:
    """One paragraph for a lecture cell whose real corpus ``name`` is absent.

    Lecture: the real-data sections of the MIR lectures. Says which corpus, where
    :func:`locate` looked, the command that downloads it (with its size) and that
    ``section`` is skipped.
    """
    if name not in LAYOUTS:
        raise ValueError(f"unknown real dataset {name!r}; choose one of {sorted(LAYOUTS)}")
    from .. import default_root
    from ..download import REGISTRY

    entry = REGISTRY.get(name)
    resources = entry.resources if entry else ()
    sizes = ", ".join(f"{r.filename} ~{r.approx_size}" for r in resources if r.approx_size)
    markers = " or ".join(LAYOUTS[name][0])
    return (
        f"{name} is not on this machine: looked in {default_root() / 'real' / name} for "
        f"{markers}. To get it, run `python -m course_lib.data download {name}`"
        f"{f' ({sizes})' if sizes else ''}; it lands in <course data folder>/real/{name} "
        "(set COURSE_DATA_DIR to use another data folder), then rerun this cell. "
        f"{section} is skipped."
    )
