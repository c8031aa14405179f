"""MDB-stem-synth: resynthesised MedleyDB stems with exact f0, for monophonic pitch.

Lecture: pitch estimation (CREPE, Kim et al. 2018, trains and evaluates on it).

MDB-stem-synth (Salamon et al. 2017) has 230 solo stems from MedleyDB, resynthesised so that
their f0 annotation is exact. On disk (the tarball unpacks to ``MDB-stem-synth/``)::

    <root>/audio_stem/<Artist>_<Song>_STEM_<k>.RESYN.wav          44.1 kHz
    <root>/annotation_stem/<Artist>_<Song>_STEM_<k>.RESYN.csv     rows ``time_s,f0_hz``, no
                                                                  header, hop 128 samples
                                                                  (2.9 ms), 0 Hz = unvoiced

That is already the course's ``f0`` label format, so ``labels["f0"]`` points at the CSV.
There is no official split: stems are split by song (all stems of a song in one split) with a
hash of the song name, so the split is the same everywhere.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..datasets import read_csv_table
from ..manifest import Item, Manifest
from ._common import find_root, group_split, make_manifest, probe_duration

__all__ = ["load", "load_f0", "item_f0", "song_of"]

SR = 44100
HOP_SECONDS = 128 / 44100


def song_of(stem_name: str) -> str:
    """Song of a stem file name (``AClassicEducation_NightOwl_STEM_08.RESYN`` ->
    ``AClassicEducation_NightOwl``)."""
    return stem_name.split("_STEM_")[0]


def load_f0(path: str | Path) -> tuple[np.ndarray, np.ndarray]:
    """Read a ``time_s,f0_hz`` CSV (header optional).

    Returns
    -------
    times : ndarray, float64, shape (n_frames,), seconds
    f0 : ndarray, float64, shape (n_frames,), Hz (0 = unvoiced)

    Raises
    ------
    ValueError
        Not two numeric columns, negative f0, or times that do not increase.
    """
    path = Path(path)
    try:
        data = read_csv_table(path)
    except ValueError as err:
        raise ValueError(f"{path.name} is not a time_s,f0_hz CSV ({err})") from err
    if data.shape[1] != 2 or len(data) == 0:
        raise ValueError(f"{path.name}: expected rows of time_s,f0_hz, got shape {data.shape}")
    times, f0 = data[:, 0], data[:, 1]
    if np.any(np.diff(times) <= 0) or np.any(f0 < 0):
        raise ValueError(f"{path.name}: times must increase and f0 must be >= 0 Hz")
    return times, f0


def item_f0(manifest: Manifest, item: Item) -> tuple[np.ndarray, np.ndarray]:
    """``(times, f0)`` arrays of one item (see :func:`load_f0`)."""
    return load_f0(manifest.label_path(item, "f0"))


def load(
    root: str | Path,
    valid_fraction: float = 0.15,
    test_fraction: float = 0.15,
    probe_durations: bool = True,
) -> Manifest:
    """Index MDB-stem-synth at ``root``.

    Lecture: pitch estimation.

    Parameters
    ----------
    root : path
        Folder holding ``audio_stem`` and ``annotation_stem`` (or its parent).
    valid_fraction, test_fraction : float
        Shares of *songs* in the validation and test splits.
    probe_durations : bool
        Read each file's header for its duration.

    Returns
    -------
    Manifest
        Items with ``labels["f0"]`` (CSV path relative to the folder) and ``"song"``.

    Raises
    ------
    FileNotFoundError
        No dataset at ``root``, or a stem without its annotation.
    """
    if valid_fraction < 0 or test_fraction < 0 or valid_fraction + test_fraction >= 1:
        raise ValueError(
            f"valid_fraction and test_fraction must be >= 0 and sum below 1, got "
            f"{valid_fraction} and {test_fraction}"
        )
    root = find_root(root, "mdb_stem_synth", ["audio_stem"], ["MDB-stem-synth"])
    items = []
    for path in sorted((root / "audio_stem").glob("*.wav")):
        f0 = Path("annotation_stem") / (path.stem + ".csv")
        if not (root / f0).exists():
            raise FileNotFoundError(
                f"MDB-stem-synth: the f0 annotation {f0} of {path.name} is missing in {root}"
            )
        song = song_of(path.stem)
        items.append(
            Item(
                path.stem,
                path.relative_to(root).as_posix(),
                group_split(song, valid_fraction, test_fraction),
                "",
                probe_duration(path, 0.0) if probe_durations else 0.0,
                {"f0": f0.as_posix(), "song": song},
            )
        )
    return make_manifest("mdb_stem_synth", root, items, SR, hop_seconds=HOP_SECONDS, version="1.0")
