"""NSynth: four-second notes with instrument family, source and pitch labels.

Lecture: instrument recognition (timbre) and pitch.

NSynth (Engel et al. 2017) has 305,979 notes (16 kHz, 4 s) from 1,006 instruments, split by
instrument into train (289,205), valid (12,678) and test (4,096). On disk (the
``nsynth-<split>.jsonwav.tar.gz`` archives)::

    <root>/nsynth-<split>/examples.json     {note_str: {"instrument_family_str", "pitch",
                                             "velocity", "instrument_source_str", ...}}
    <root>/nsynth-<split>/audio/<note_str>.wav
"""

from __future__ import annotations

import json
from pathlib import Path

from ..manifest import SPLITS, Item, Manifest
from ._common import find_root, make_manifest

__all__ = ["FAMILIES", "load"]

#: The 11 instrument families (NSynth's ``instrument_family`` 0..10).
FAMILIES = (
    "bass",
    "brass",
    "flute",
    "guitar",
    "keyboard",
    "mallet",
    "organ",
    "reed",
    "string",
    "synth_lead",
    "vocal",
)
SR = 16000
_FIELDS = ("instrument_family_str", "pitch")


def load(root: str | Path, splits: tuple[str, ...] = SPLITS) -> Manifest:
    """Index NSynth at ``root`` (whichever of its three splits are there).

    Lecture: instrument recognition (timbre) and pitch.

    Parameters
    ----------
    root : path
        Folder holding ``nsynth-train``/``nsynth-valid``/``nsynth-test`` (or its parent).
    splits : tuple of str
        Which splits to index (the train JSON is large).

    Returns
    -------
    Manifest
        Items with ``labels["instrument"]`` (family), ``"pitch"`` (MIDI), ``"velocity"``,
        ``"source"`` (acoustic/electronic/synthetic), ``"instrument_name"`` and
        ``"qualities"``; ``meta["instruments"]`` lists the families.

    Raises
    ------
    FileNotFoundError, ValueError
        No NSynth at ``root``; an ``examples.json`` without the expected fields.
    """
    bad = [s for s in splits if s not in SPLITS]
    if bad:
        raise ValueError(f"splits must be among {SPLITS}, got {bad}")
    root = find_root(root, "nsynth", [f"nsynth-{s}/examples.json" for s in SPLITS])
    items = []
    for split in splits:
        path = root / f"nsynth-{split}" / "examples.json"
        if not path.exists():
            continue
        try:
            examples = json.loads(path.read_text())
        except json.JSONDecodeError as err:
            raise ValueError(f"{path} is not valid JSON ({err}); re-extract the archive") from err
        for note, meta in sorted(examples.items()):
            missing = [k for k in _FIELDS if k not in meta]
            if missing:
                raise ValueError(
                    f"{path}: note {note} lacks {missing}; is this NSynth's json/wav release?"
                )
            items.append(
                Item(
                    note,
                    f"nsynth-{split}/audio/{note}.wav",
                    split,
                    "",
                    4.0,
                    {
                        "instrument": meta["instrument_family_str"],
                        "pitch": int(meta["pitch"]),
                        "velocity": int(meta.get("velocity", 0)),
                        "source": meta.get("instrument_source_str", ""),
                        "instrument_name": meta.get("instrument_str", ""),
                        "qualities": list(meta.get("qualities_str", [])),
                    },
                )
            )
    return make_manifest("nsynth", root, items, SR, instruments=list(FAMILIES))
