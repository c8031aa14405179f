"""MagnaTagATune: the top-50 tags and the standard split.

Lecture: music auto-tagging (multi-label classification, ROC-AUC / PR-AUC).

MagnaTagATune (Law et al. 2009) has 25,863 clips of about 29 s, each with 188 binary tags
collected in the TagATune game. The usual benchmark keeps the 50 most frequent tags and splits
by the 16 mp3 folders ``0``-``f`` (Dieleman & Schrauwen 2014): ``0``-``b`` train, ``c``
validation, ``d``-``f`` test.

On disk (after joining and unzipping ``mp3.zip.00{1,2,3}``)::

    <root>/annotations_final.csv       tab-separated, quoted: "clip_id", one 0/1 column per
                                       tag, "mp3_path"
    <root>/clip_info_final.csv         optional: artist, title, album, segment of each clip
    <root>/<0-f>/<artist-album-track-start-end>.mp3

Tag names are those of ``annotations_final.csv`` (e.g. ``"male vocal"``). Won et al. (2020)
evaluate on a cleaned version of this split that also leaves out clips with none of the top-50
tags; ``drop_untagged=True`` approximates it (their exact lists are published in
minzwon/sota-music-tagging-models).
"""

from __future__ import annotations

import csv
import warnings
from collections import Counter
from pathlib import Path

from ..manifest import Item, Manifest
from ._common import find_root, make_manifest

__all__ = ["SPLIT_RULE", "CLIP_SECONDS", "load", "read_annotations"]

#: Standard split by the first character of the mp3 folder (Dieleman & Schrauwen 2014).
SPLIT_RULE = {
    **dict.fromkeys("0123456789ab", "train"),
    "c": "valid",
    **dict.fromkeys("def", "test"),
}
#: Nominal clip length in seconds (the mp3s are not decoded while indexing).
CLIP_SECONDS = 29.1
SR = 16000


def read_annotations(path: str | Path) -> tuple[list[str], list[dict[str, str]]]:
    """Tag names and rows of ``annotations_final.csv``.

    Raises
    ------
    ValueError
        The file lacks ``clip_id``/``mp3_path`` or has non-0/1 tag values.
    """
    path = Path(path)
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    if not rows or not {"clip_id", "mp3_path"} <= set(rows[0]):
        raise ValueError(
            f"{path} has no clip_id/mp3_path columns (found {list(rows[0])[:4] if rows else []}"
            "): is it MagnaTagATune's tab-separated annotations_final.csv?"
        )
    tags = [k for k in rows[0] if k not in ("clip_id", "mp3_path")]
    for row in rows:
        bad = [t for t in tags if row[t] not in ("0", "1")]
        if bad:
            raise ValueError(
                f"{path}: clip {row['clip_id']} has tag values {[row[t] for t in bad[:3]]} for "
                f"{bad[:3]}; expected 0 or 1"
            )
    return tags, rows


def _clip_info(path: Path) -> dict[str, dict[str, str]]:
    if not path.exists():
        return {}
    with open(path, newline="", encoding="utf-8") as f:
        return {r["clip_id"]: r for r in csv.DictReader(f, delimiter="\t") if "clip_id" in r}


def load(
    root: str | Path,
    n_tags: int = 50,
    drop_untagged: bool = False,
    audio_ext: str = ".mp3",
    drop_empty: bool = True,
) -> Manifest:
    """Index MagnaTagATune at ``root`` with its top ``n_tags`` tags and the standard split.

    Lecture: music auto-tagging (multi-label classification, ROC-AUC / PR-AUC).

    Parameters
    ----------
    root : path
        Folder holding ``annotations_final.csv`` and the mp3 folders (or its parent).
    n_tags : int
        Keep the ``n_tags`` most frequent tags over all clips (ties broken by column order).
    drop_untagged : bool
        Leave out clips with none of the kept tags (Won et al. 2020) instead of keeping them
        with an all-zero target.
    audio_ext : str
        ``".mp3"``, or e.g. ``".wav"`` if you decoded the clips next to the mp3s (this
        soundfile may not read MP3: see the warning).
    drop_empty : bool
        Leave out clips whose audio file exists but is empty (a few mp3s in the archive are).

    Returns
    -------
    Manifest
        Items with ``labels["tags"]`` (kept tags, in ``meta["tags"]`` order) and, when
        ``clip_info_final.csv`` is present, ``labels["artist"]``.
    """
    if not isinstance(n_tags, int) or n_tags < 1:
        raise ValueError(f"n_tags must be a positive integer, got {n_tags!r}")
    root = find_root(root, "mtat", ["annotations_final.csv"], ["magnatagatune"])
    tags, rows = read_annotations(root / "annotations_final.csv")
    if n_tags > len(tags):
        raise ValueError(f"n_tags={n_tags} but annotations_final.csv has only {len(tags)} tags")
    counts = Counter({t: sum(r[t] == "1" for r in rows) for t in tags})
    order = {t: i for i, t in enumerate(tags)}
    top = sorted(tags, key=lambda t: (-counts[t], order[t]))[:n_tags]
    info = _clip_info(root / "clip_info_final.csv")
    items, empty = [], 0
    for r in rows:
        mp3 = r["mp3_path"].strip()
        split = SPLIT_RULE.get(mp3[:1])
        if split is None or not mp3:
            continue
        labels = {"tags": [t for t in top if r[t] == "1"]}
        if drop_untagged and not labels["tags"]:
            continue
        rel = mp3 if audio_ext == ".mp3" else str(Path(mp3).with_suffix(audio_ext))
        path = root / rel
        if drop_empty and path.exists() and path.stat().st_size == 0:
            empty += 1
            continue
        if r["clip_id"] in info:
            labels["artist"] = info[r["clip_id"]].get("artist", "")
        items.append(Item(r["clip_id"], rel, split, "", CLIP_SECONDS, labels))
    if audio_ext == ".mp3":
        import soundfile as sf

        if "MP3" not in sf.available_formats() and "MPEG" not in sf.available_formats():
            warnings.warn(
                "this soundfile/libsndfile build cannot decode MP3, so MTAT clips cannot be "
                "loaded for training here: install a soundfile wheel with MP3 support "
                "(libsndfile >= 1.1) or decode the clips to WAV next to the mp3s and pass "
                "audio_ext='.wav'",
                stacklevel=2,
            )
    return make_manifest(
        "mtat",
        root,
        items,
        SR,
        tags=top,
        split_rule="0-b train, c valid, d-f test (Dieleman & Schrauwen 2014)",
        dropped_empty=empty,
        version="1.0",
    )
