"""MAESTRO: piano performances with aligned MIDI, for multi-pitch (piano) transcription.

Lecture: multi-F0 estimation and note transcription.

MAESTRO v3.0.0 (Hawthorne et al. 2019) has about 200 h of piano recordings from the
International Piano-e-Competition with MIDI captured on the same instrument (~3 ms alignment),
and a split in which no composition appears in two subsets. On disk (the zip unpacks to
``maestro-v3.0.0/``)::

    <root>/maestro-v3.0.0.csv    canonical_composer, canonical_title, split (train /
                                 validation / test), year, midi_filename, audio_filename, duration
    <root>/maestro-v3.0.0.json   the same table, column-oriented ({column: {row: value}})
    <root>/<year>/<name>.midi, <root>/<year>/<name>.wav

Notes are read from the MIDI with pretty_midi. With ``sustain=True`` a note held by the sustain
pedal (CC 64 >= 64) lasts until the pedal is released, cut at the next onset of the same pitch
(the convention of Hawthorne et al. 2018, Onsets and Frames).
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np

from ..manifest import Item, Manifest
from ._common import find_root, make_manifest

__all__ = ["load", "load_notes", "item_notes", "read_metadata"]

SR = 44100
_SPLIT = {"train": "train", "validation": "valid", "test": "test"}
_COLUMNS = ("split", "midi_filename", "audio_filename", "duration")


def read_metadata(path: str | Path) -> list[dict]:
    """Rows of ``maestro-v*.csv`` or ``maestro-v*.json`` (column- or row-oriented JSON)."""
    path = Path(path)
    if path.suffix == ".csv":
        with open(path, newline="", encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
    else:
        data = json.loads(path.read_text())
        if isinstance(data, dict):  # v3: {column: {row_index: value}}
            keys = sorted(next(iter(data.values())), key=int) if data else []
            rows = [{col: data[col][k] for col in data} for k in keys]
        else:  # v1/v2: a list of records
            rows = list(data)
    if not rows or not set(_COLUMNS) <= set(rows[0]):
        raise ValueError(
            f"{path} lacks the MAESTRO columns {list(_COLUMNS)} (found "
            f"{sorted(rows[0]) if rows else []})"
        )
    return rows


def _pedal_intervals(control_changes, threshold: int, end_time: float) -> list[tuple[float, float]]:
    intervals, down = [], None
    for cc in sorted((c for c in control_changes if c.number == 64), key=lambda c: c.time):
        if cc.value >= threshold and down is None:
            down = cc.time
        elif cc.value < threshold and down is not None:
            intervals.append((down, cc.time))
            down = None
    if down is not None:
        intervals.append((down, max(end_time, down)))
    return intervals


def load_notes(path: str | Path, sustain: bool = True, threshold: int = 64) -> np.ndarray:
    """Notes of a MIDI file as rows ``[onset_s, offset_s, midi_pitch]``.

    Parameters
    ----------
    path : path of a ``.mid``/``.midi`` file
    sustain : bool
        Extend notes held by the sustain pedal (see the module docstring).
    threshold : int
        CC 64 value from which the pedal counts as down.

    Returns
    -------
    ndarray, float64, shape (n_notes, 3)
        Sorted by onset, then pitch; drum tracks are left out.
    """
    import pretty_midi

    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"MIDI file not found: {path}")
    try:
        pm = pretty_midi.PrettyMIDI(str(path))
    except (OSError, ValueError, EOFError, KeyError, IndexError) as err:
        raise ValueError(f"could not read {path} as MIDI ({err})") from err
    end_time = pm.get_end_time()
    rows = []
    for inst in pm.instruments:
        if inst.is_drum:
            continue
        pedal = _pedal_intervals(inst.control_changes, threshold, end_time) if sustain else []
        for n in inst.notes:
            end = n.end
            for a, b in pedal:
                if a <= n.end < b:
                    end = max(end, b)
                    break
            rows.append((n.start, end, n.pitch))
    notes = np.array(sorted(rows), dtype=np.float64).reshape(-1, 3)
    if sustain:  # a sustained note ends where the same key is struck again
        for pitch in np.unique(notes[:, 2]):
            idx = np.flatnonzero(notes[:, 2] == pitch)
            for i, j in zip(idx[:-1], idx[1:]):
                if notes[i, 1] > notes[j, 0]:
                    notes[i, 1] = max(notes[j, 0], notes[i, 0])
    return notes


def item_notes(manifest: Manifest, item: Item, sustain: bool = True) -> np.ndarray:
    """Notes ``[onset_s, offset_s, midi_pitch]`` of one MAESTRO item (from its MIDI file)."""
    if "notes" in item.labels and sustain:
        return np.asarray(item.labels["notes"], dtype=np.float64).reshape(-1, 3)
    return load_notes(manifest.label_path(item, "midi"), sustain=sustain)


def load(root: str | Path, with_notes: bool = False, sustain: bool = True) -> Manifest:
    """Index MAESTRO at ``root`` with its official split.

    Lecture: multi-F0 estimation and note transcription.

    Parameters
    ----------
    root : path
        Folder holding ``maestro-v*.csv`` or ``.json`` (or its parent).
    with_notes : bool
        Parse every MIDI file now and store ``labels["notes"]`` (slow for all 1,276
        performances: about a minute); otherwise use :func:`item_notes` when needed.
    sustain : bool
        Sustain-pedal extension for ``with_notes``.

    Returns
    -------
    Manifest
        Items with ``labels["midi"]`` (MIDI path relative to the folder), ``"composer"``,
        ``"title"``, ``"year"`` and, with ``with_notes``, ``"notes"``.
    """
    root = find_root(root, "maestro", ["maestro-v*.csv", "maestro-v*.json"], ["maestro-v3.0.0"])
    metas = sorted(root.glob("maestro-v*.csv")) or sorted(root.glob("maestro-v*.json"))
    rows = read_metadata(metas[-1])
    items = []
    for r in rows:
        if r["split"] not in _SPLIT:
            raise ValueError(
                f"{metas[-1].name}: unknown split {r['split']!r} for {r['audio_filename']}"
            )
        labels = {
            "midi": r["midi_filename"],
            "composer": r.get("canonical_composer", ""),
            "title": r.get("canonical_title", ""),
            "year": int(r["year"]) if str(r.get("year", "")).isdigit() else None,
        }
        if with_notes:
            labels["notes"] = load_notes(root / r["midi_filename"], sustain).tolist()
        items.append(
            Item(
                str(Path(r["audio_filename"]).with_suffix("")),
                r["audio_filename"],
                _SPLIT[r["split"]],
                "",
                float(r["duration"]),
                labels,
            )
        )
    return make_manifest("maestro", root, items, SR, version=metas[-1].stem.split("-v")[-1])
