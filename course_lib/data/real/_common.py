"""Helpers shared by the real-corpus loaders: finding the folder, durations, group splits."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

from ..manifest import Item, Manifest

__all__ = ["find_root", "make_manifest", "probe_duration", "group_split"]


def _how_to_get(name: str, root: Path) -> str:
    from ..download import REGISTRY

    entry = REGISTRY.get(name)
    manual = f" or by hand from {entry.homepage}" if entry else ""
    return (
        f"download it with `python -m course_lib.data download {name} --root "
        f"{root.parent if root.name == name else root}` (it lands in <root>/{name}){manual}, "
        f"then pass that folder; or set COURSE_DATA_DIR so that <COURSE_DATA_DIR>/real/{name} "
        "holds it"
    )


def find_root(
    root: str | Path, name: str, markers: Sequence[str], nested: Sequence[str] = ()
) -> Path:
    """The dataset folder: ``root`` itself, ``root/name`` or one of the ``nested`` folders that
    archives unpack to, whichever holds one of the ``markers`` (glob patterns).

    Raises
    ------
    FileNotFoundError
        Saying where it looked and how to download the dataset.
    """
    root = Path(root).expanduser()
    candidates = [root, root / name]
    for sub in nested:
        candidates += [root / sub, root / name / sub]
    for folder in candidates:
        if folder.is_dir() and any(next(folder.glob(m), None) for m in markers):
            return folder
    raise FileNotFoundError(
        f"{name} not found at {root} (no {' or '.join(markers)} there"
        f"{' or in ' + ', '.join(nested) if nested else ''}): {_how_to_get(name, root)}"
    )


def make_manifest(name: str, root: Path, items: list[Item], sr: int, **meta) -> Manifest:
    """A manifest for a corpus indexed in place (``sha256 == ""``: verify() checks existence)."""
    if not items:
        raise ValueError(
            f"{name} at {root}: no audio files found in the expected layout; is this the "
            f"complete {name} folder?"
        )
    ids = [it.id for it in items]
    if len(set(ids)) != len(ids):
        dup = sorted({i for i in ids if ids.count(i) > 1})[:5]
        raise ValueError(f"{name} at {root}: duplicate item ids {dup}")
    return Manifest(name, root, items, sr, {"source": "real", **meta})


def probe_duration(path: Path, default: float) -> float:
    """Duration in seconds from the audio file's header (``default`` if it cannot be read)."""
    import soundfile as sf

    try:
        return float(sf.info(str(path)).duration)
    except (RuntimeError, OSError, sf.LibsndfileError):
        return default


def group_split(group: str, valid: float, test: float = 0.0) -> str:
    """Deterministic split of a group (song, recording) by a hash of its name.

    The same group always lands in the same split, on every machine, so excerpts of one
    recording never straddle train and test.
    """
    u = int(hashlib.sha1(group.encode()).hexdigest()[:8], 16) / 0x100000000
    return "test" if u < test else ("valid" if u < test + valid else "train")
