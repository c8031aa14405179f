"""Dataset manifests: which files a dataset has, their labels, splits and checksums.

Lecture: MIR tasks need labelled audio. A dataset is a folder with ``manifest.json``::

    {"name", "version", "sr", "seed", "size", "splits": {"train": n, ...},
     "items": [{"id", "path", "split", "sha256", "duration", "labels": {...}}]}

``path`` is relative to the folder. Label keys by task: ``"genre"`` (str), ``"tags"``
(list of str), ``"instrument"`` (str), ``"onsets"`` (seconds), ``"f0"`` (relative path of a
``time_s,f0_hz`` CSV; 0 Hz = unvoiced), ``"notes"`` (``[onset_s, offset_s, midi_pitch]``
rows), ``"activity"`` (relative path of a ``time_s,active`` CSV).
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["Item", "Manifest", "sha256_file", "SPLITS", "LABEL_FILE_KEYS"]

SPLITS = ("train", "valid", "test")
LABEL_FILE_KEYS = ("f0", "activity")  # labels stored as a relative path to a CSV


def sha256_file(path: str | Path, chunk_size: int = 1 << 20) -> str:
    """Hex SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk_size):
            digest.update(block)
    return digest.hexdigest()


@dataclass
class Item:
    """One clip of a dataset (see the module docstring for the label keys)."""

    id: str
    path: str
    split: str
    sha256: str
    duration: float
    labels: dict[str, Any] = field(default_factory=dict)


@dataclass
class Manifest:
    """A dataset folder's manifest.

    Attributes
    ----------
    name : str
    root : Path
        The dataset folder (not stored in the JSON).
    items : list of Item
    sr : int
        Sample rate of every audio file.
    meta : dict
        ``version``, ``seed``, ``size`` and anything a generator adds (e.g. class names).
    """

    name: str
    root: Path
    items: list[Item]
    sr: int
    meta: dict[str, Any] = field(default_factory=dict)

    FILENAME = "manifest.json"

    # -- reading and writing ------------------------------------------------------------
    @classmethod
    def load(cls, root: str | Path) -> Manifest:
        """Read ``root/manifest.json``; a clear error says how to build a missing dataset."""
        root = Path(root)
        path = root / cls.FILENAME
        if not path.exists():
            raise FileNotFoundError(
                f"no dataset at {root} ({cls.FILENAME} missing): build it with "
                f"`python -m course_lib.data build --size smoke` or pass the right folder"
            )
        try:
            data = json.loads(path.read_text())
            items = [Item(**item) for item in data.pop("items")]
            name, sr = data.pop("name"), int(data.pop("sr"))
        except (json.JSONDecodeError, KeyError, TypeError) as err:
            raise ValueError(
                f"{path} is not a valid manifest ({err}); rebuild the dataset"
            ) from err
        return cls(name, root, items, sr, data)

    def save(self) -> Path:
        """Write ``manifest.json`` (items sorted by split then id, so the file is stable)."""
        self.root.mkdir(parents=True, exist_ok=True)
        order = {s: i for i, s in enumerate(SPLITS)}
        items = sorted(self.items, key=lambda it: (order.get(it.split, 9), it.id))
        payload = {
            "name": self.name,
            "sr": self.sr,
            **self.meta,
            "splits": dict(Counter(it.split for it in items)),
            "items": [asdict(it) for it in items],
        }
        path = self.root / self.FILENAME
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(payload, indent=1))
        tmp.replace(path)
        return path

    # -- access ---------------------------------------------------------------------------
    def split(self, name: str) -> list[Item]:
        """Items of one split (``"train"``, ``"valid"`` or ``"test"``)."""
        if name not in SPLITS:
            raise ValueError(f"split must be one of {SPLITS}, got {name!r}")
        return [it for it in self.items if it.split == name]

    def audio_path(self, item: Item) -> Path:
        return self.root / item.path

    def label_path(self, item: Item, key: str) -> Path:
        """Absolute path of a label stored as a file (``"f0"``, ``"activity"``)."""
        if key not in item.labels:
            raise KeyError(f"item {item.id} has no {key!r} label; it has {sorted(item.labels)}")
        return self.root / item.labels[key]

    def verify(self) -> list[str]:
        """Check every audio file against its sha256; return the ids that are missing or differ.

        Items without a recorded checksum (``sha256 == ""``, e.g. real corpora indexed in
        place) are only checked for existence; so are label files (``"f0"``, ``"activity"``).
        """
        bad = []
        for item in self.items:
            path = self.audio_path(item)
            labels_ok = all(
                (self.root / item.labels[key]).exists()
                for key in LABEL_FILE_KEYS
                if isinstance(item.labels.get(key), str)
            )
            if (
                not path.exists()
                or not labels_ok
                or (item.sha256 and sha256_file(path) != item.sha256)
            ):
                bad.append(item.id)
        return bad

    def __len__(self) -> int:
        return len(self.items)
