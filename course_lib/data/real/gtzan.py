"""GTZAN genre collection with the fault-filtered split.

Lecture: genre classification (the classic benchmark and its faults).

GTZAN (Tzanetakis & Cook 2002) has 1000 30-s clips in 10 genres, but repeated clips, artist
repetition and mislabelling inflate scores on random splits (Sturm 2013). The *fault-filtered*
split of Kereliuk, Sturm & Larsen (2015) keeps 930 clips: 443 train / 197 validation / 290
test, with no artist in two splits; Won et al. (2020) report on it.

On disk (the ``genres.tar.gz`` archive, or the ``genres_original`` folder of other copies)::

    <root>/genres/<genre>/<genre>.000NN.au   (or .wav)

The split lists, in order of preference:

1. ``split_dir`` (argument) or the dataset folder itself holding ``train_filtered.txt``,
   ``valid_filtered.txt`` and ``test_filtered.txt``, one track per line written as
   ``blues/blues.00029.wav``, ``blues.00029.au`` or ``blues.00029`` (the format of the lists
   published with Kereliuk et al.'s code, coreyker/dnn-mgr on GitHub, and reused in
   minzwon/sota-music-tagging-models by Won et al.);
2. otherwise the copy of the same split shipped inside torchaudio
   (``torchaudio.datasets.gtzan.filtered_train/valid/test``; its per-genre test counts and
   spot checks agree with Won et al.'s ``test_filtered.txt``).
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path

from ..manifest import SPLITS, Item, Manifest
from ._common import find_root, make_manifest, probe_duration

__all__ = ["GENRES", "FILTERED_SIZES", "load", "read_split_lists"]

GENRES = (
    "blues",
    "classical",
    "country",
    "disco",
    "hiphop",
    "jazz",
    "metal",
    "pop",
    "reggae",
    "rock",
)
#: Tracks per split in the fault-filtered split (Kereliuk et al. 2015).
FILTERED_SIZES = {"train": 443, "valid": 197, "test": 290}
SR = 22050
_TRACK = re.compile(r"^([a-z]+)\.(\d{5})$")
_AUDIO_FOLDERS = ("genres", "genres_original", "Data/genres_original")


def _track_id(entry: str, source: str) -> str:
    name = Path(entry.strip()).name
    for ext in (".wav", ".au"):
        if name.endswith(ext):
            name = name[: -len(ext)]
    m = _TRACK.match(name)
    if m is None or m.group(1) not in GENRES:
        raise ValueError(
            f"{source}: {entry.strip()!r} is not a GTZAN track name (expected e.g. "
            "'blues/blues.00029.wav' or 'blues.00029')"
        )
    return name


def read_split_lists(split_dir: str | Path | None = None) -> tuple[dict[str, str], str]:
    """Track id -> split of the fault-filtered split, and where the lists came from.

    Parameters
    ----------
    split_dir : path, optional
        Folder with ``{train,valid,test}_filtered.txt``; ``None`` uses torchaudio's copy.

    Raises
    ------
    FileNotFoundError
        A list file is missing (the message names it and where to get it).
    ValueError
        A line is not a track name, or a track is in two lists.
    """
    lists: dict[str, list[str]] = {}
    if split_dir is not None:
        split_dir = Path(split_dir)
        for split in SPLITS:
            path = split_dir / f"{split}_filtered.txt"
            if not path.exists():
                raise FileNotFoundError(
                    f"GTZAN split list {path.name} not found in {split_dir}: put the three "
                    "fault-filtered lists (train/valid/test_filtered.txt, from "
                    "coreyker/dnn-mgr or minzwon/sota-music-tagging-models on GitHub) "
                    "there, or pass split_dir=None to use torchaudio's copy"
                )
            lines = [ln for ln in path.read_text().splitlines() if ln.strip()]
            lists[split] = [_track_id(ln, path.name) for ln in lines if not ln.startswith("#")]
        source = str(split_dir)
    else:
        try:
            from torchaudio.datasets import gtzan as ta
        except ImportError as err:  # torchaudio without its datasets module
            raise FileNotFoundError(
                "GTZAN split lists: torchaudio.datasets.gtzan is not available here; put "
                "train/valid/test_filtered.txt in the dataset folder or pass split_dir="
            ) from err
        lists = {
            "train": list(ta.filtered_train),
            "valid": list(ta.filtered_valid),
            "test": list(ta.filtered_test),
        }
        source = "torchaudio.datasets.gtzan"
    split_of: dict[str, str] = {}
    for split, ids in lists.items():
        for track in ids:
            if split_of.get(track, split) != split:
                raise ValueError(f"GTZAN split lists: {track} is in {split_of[track]} and {split}")
            split_of[track] = split
    return split_of, source


def load(
    root: str | Path,
    split_dir: str | Path | None = None,
    probe_durations: bool = True,
) -> Manifest:
    """Index GTZAN at ``root`` with the fault-filtered split.

    Lecture: genre classification (the classic benchmark and its faults).

    Parameters
    ----------
    root : path
        Folder holding ``genres/`` (or its parent, e.g. ``data/real``).
    split_dir : path, optional
        Folder with the three ``*_filtered.txt`` lists (default: the dataset folder if they
        are there, else torchaudio's copy).
    probe_durations : bool
        Read each file's header for its duration (otherwise 30 s).

    Returns
    -------
    Manifest
        Items with ``labels["genre"]``; ``meta["genres"]`` lists the 10 classes,
        ``meta["split_source"]`` where the lists came from. Clips outside the lists are left
        out, as the filtered split intends.

    Raises
    ------
    FileNotFoundError
        No GTZAN at ``root``, a split list missing, or a listed track missing on disk.
    """
    root = find_root(root, "gtzan", [f"{f}/blues" for f in _AUDIO_FOLDERS] + ["blues"])
    audio_dir = next((root / f for f in _AUDIO_FOLDERS if (root / f / "blues").is_dir()), root)
    if split_dir is None and (root / "train_filtered.txt").exists():
        split_dir = root
    split_of, source = read_split_lists(split_dir)
    found: dict[str, Path] = {}
    for genre in GENRES:
        for path in sorted((audio_dir / genre).glob(f"{genre}.*")):
            if path.suffix in (".au", ".wav") and path.stem in split_of:
                found.setdefault(path.stem, path)
    missing = sorted(set(split_of) - set(found))
    if missing:
        raise FileNotFoundError(
            f"GTZAN at {root}: {len(missing)} tracks of the split lists are missing on disk "
            f"(e.g. {missing[:3]}); is the download complete?"
        )
    items = [
        Item(
            track,
            path.relative_to(root).as_posix(),
            split_of[track],
            "",
            probe_duration(path, 30.0) if probe_durations else 30.0,
            {"genre": track.split(".")[0]},
        )
        for track, path in sorted(found.items())
    ]
    counts = {s: sum(it.split == s for it in items) for s in SPLITS}
    if counts != FILTERED_SIZES:
        warnings.warn(
            f"GTZAN split from {source} has {counts}, not the fault-filtered "
            f"{FILTERED_SIZES}: results will not compare with the literature",
            stacklevel=2,
        )
    return make_manifest(
        "gtzan", root, items, SR, genres=list(GENRES), split_source=source, version="1.0"
    )
