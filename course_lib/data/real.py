"""Loaders for real MIR corpora, read in their own on-disk formats into course manifests.

Lecture: the corpora behind the published results quoted in the MIR lectures. Each loader
indexes a folder you downloaded (``python -m course_lib.data download NAME`` or by hand) and
returns a :class:`~course_lib.data.manifest.Manifest` with the course's label keys, so
``ClipDataset`` and the training code run on it unchanged. Files are not decoded or hashed
while indexing (``sha256 == ""``: ``verify()`` checks existence).

=================  ==========================================  ==============================
loader             expects                                     labels
=================  ==========================================  ==============================
``gtzan``          ``genres/<genre>/<genre>.000NN.{au,wav}``   ``genre``; fault-filtered split
``mtat``           ``annotations_final.csv`` + mp3 folders     ``tags`` (top 50); 0-b/c/d-f
``nsynth``         ``nsynth-<split>/examples.json`` + audio    ``instrument``, ``pitch``
``irmas``          ``IRMAS-TrainingData/<ins>/*.wav``          ``instrument`` (predominant)
``maestro``        ``maestro-v3.0.0.csv`` + audio/MIDI         ``midi`` (path), split column
``mdb_stem_synth`` ``audio_stem/*.wav`` + ``annotation_stem``  ``f0`` (CSV, time,f0 Hz)
=================  ==========================================  ==============================
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from pathlib import Path

from .manifest import Item, Manifest

__all__ = [
    "LOADERS",
    "load_real",
    "gtzan",
    "mtat",
    "nsynth",
    "irmas",
    "maestro",
    "mdb_stem_synth",
    "MTAT_SPLIT_RULE",
]

GTZAN_GENRES = (
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
IRMAS_INSTRUMENTS = {
    "cel": "cello",
    "cla": "clarinet",
    "flu": "flute",
    "gac": "acoustic guitar",
    "gel": "electric guitar",
    "org": "organ",
    "pia": "piano",
    "sax": "saxophone",
    "tru": "trumpet",
    "vio": "violin",
    "voi": "voice",
}
#: MagnaTagATune's standard split (Dieleman & Schrauwen 2014): by the first character of the
#: mp3 folder name.
MTAT_SPLIT_RULE = {
    **dict.fromkeys("0123456789ab", "train"),
    "c": "valid",
    **dict.fromkeys("def", "test"),
}


def _folder(root: str | Path, name: str, must_have: str) -> Path:
    root = Path(root)
    if not (root / must_have).exists():
        raise FileNotFoundError(
            f"{name} not found at {root} (no {must_have}): download it with "
            f"`python -m course_lib.data download {name} --root <parent folder>` or pass the "
            "folder that holds it"
        )
    return root


def _manifest(name: str, root: Path, items: list[Item], sr: int, **meta) -> Manifest:
    if not items:
        raise ValueError(f"{name} at {root}: no audio files found in the expected layout")
    return Manifest(name, root, items, sr, {"source": "real", **meta})


def gtzan(root: str | Path, split_dir: str | Path | None = None) -> Manifest:
    """GTZAN genre collection with the fault-filtered split (443 / 197 / 290 tracks).

    The split lists (``train_filtered.txt``, ``valid_filtered.txt``, ``test_filtered.txt``,
    one ``genre/genre.000NN.wav`` or ``genre.000NN`` per line; Kereliuk, Sturm & Larsen 2015)
    are read from ``split_dir`` (default: the dataset folder). Tracks in no list are left out,
    as the filtered split intends.
    """
    root = _folder(root, "gtzan", "genres")
    split_dir = Path(split_dir) if split_dir else root
    lists = {s: split_dir / f"{s}_filtered.txt" for s in ("train", "valid", "test")}
    missing = [p.name for p in lists.values() if not p.exists()]
    if missing:
        raise FileNotFoundError(
            f"GTZAN split files {missing} not found in {split_dir}: the fault-filtered split "
            "lists are distributed with the evaluation code of Won et al. (2020) and Kereliuk "
            "et al. (2015); put them there or pass split_dir="
        )
    split_of = {}
    for split, path in lists.items():
        for line in path.read_text().split():
            split_of[Path(line).name.split(".wav")[0].split(".au")[0]] = split
    items = []
    for genre in GTZAN_GENRES:
        for audio_path in sorted((root / "genres" / genre).glob(f"{genre}.*")):
            stem = audio_path.name.rsplit(".", 1)[0]
            if audio_path.suffix in (".au", ".wav") and stem in split_of:
                items.append(
                    Item(
                        stem,
                        audio_path.relative_to(root).as_posix(),
                        split_of[stem],
                        "",
                        30.0,
                        {"genre": genre},
                    )
                )
    return _manifest("gtzan", root, items, 22050, genres=list(GTZAN_GENRES))


def mtat(root: str | Path, n_tags: int = 50) -> Manifest:
    """MagnaTagATune: clips with their ``n_tags`` most frequent tags, standard split.

    Reads ``annotations_final.csv`` (tab-separated: ``clip_id``, one 0/1 column per tag,
    ``mp3_path``). Clips with none of the top tags are kept (all-zero targets), as usual.
    """
    root = _folder(root, "mtat", "annotations_final.csv")
    with open(root / "annotations_final.csv", newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    if not rows or "mp3_path" not in rows[0]:
        raise ValueError("annotations_final.csv has no mp3_path column: is it the MTAT file?")
    tag_names = [k for k in rows[0] if k not in ("clip_id", "mp3_path")]
    counts = Counter({t: sum(r[t] == "1" for r in rows) for t in tag_names})
    top = [t for t, _ in counts.most_common(n_tags)]
    items = []
    for r in rows:
        folder = r["mp3_path"].split("/", 1)[0]
        split = MTAT_SPLIT_RULE.get(folder[:1])
        if split is None:
            continue
        items.append(
            Item(
                r["clip_id"],
                r["mp3_path"],
                split,
                "",
                29.1,
                {"tags": [t for t in top if r[t] == "1"]},
            )
        )
    return _manifest("mtat", root, items, 16000, tags=top)


def nsynth(root: str | Path) -> Manifest:
    """NSynth: 4-second notes with ``instrument`` family and MIDI ``pitch`` labels."""
    root = Path(root)
    splits = {"train": "nsynth-train", "valid": "nsynth-valid", "test": "nsynth-test"}
    if not any((root / d / "examples.json").exists() for d in splits.values()):
        _folder(root, "nsynth", "nsynth-test/examples.json")
    items = []
    for split, folder in splits.items():
        path = root / folder / "examples.json"
        if not path.exists():
            continue
        for note, meta in sorted(json.loads(path.read_text()).items()):
            items.append(
                Item(
                    note,
                    f"{folder}/audio/{note}.wav",
                    split,
                    "",
                    4.0,
                    {
                        "instrument": meta["instrument_family_str"],
                        "pitch": int(meta["pitch"]),
                        "source": meta.get("instrument_source_str", ""),
                    },
                )
            )
    return _manifest("nsynth", root, items, 16000)


def irmas(root: str | Path) -> Manifest:
    """IRMAS training data: 3-second excerpts labelled with their predominant instrument.

    The folder name (``cel``, ``cla``, ...) is the label; 20% of each instrument's files (every
    fifth, sorted) form a validation split.
    """
    root = _folder(root, "irmas", "IRMAS-TrainingData")
    items = []
    for code, name in IRMAS_INSTRUMENTS.items():
        files = sorted((root / "IRMAS-TrainingData" / code).glob("*.wav"))
        for k, path in enumerate(files):
            items.append(
                Item(
                    f"{code}-{k:04d}",
                    path.relative_to(root).as_posix(),
                    "valid" if k % 5 == 4 else "train",
                    "",
                    3.0,
                    {"instrument": name},
                )
            )
    return _manifest("irmas", root, items, 44100, instruments=list(IRMAS_INSTRUMENTS.values()))


def maestro(root: str | Path) -> Manifest:
    """MAESTRO v3: piano performances with aligned MIDI (``labels["midi"]``) and the official
    train/validation/test split."""
    root = Path(root)
    candidates = sorted(root.glob("maestro-v*.csv"))
    if not candidates:
        _folder(root, "maestro", "maestro-v3.0.0.csv")
    with open(candidates[-1], newline="") as f:
        rows = list(csv.DictReader(f))
    rename = {"train": "train", "validation": "valid", "test": "test"}
    items = [
        Item(
            Path(r["audio_filename"]).stem,
            r["audio_filename"],
            rename[r["split"]],
            "",
            float(r["duration"]),
            {"midi": r["midi_filename"], "composer": r["canonical_composer"]},
        )
        for r in rows
    ]
    return _manifest("maestro", root, items, 44100)


def mdb_stem_synth(root: str | Path, test_every: int = 5) -> Manifest:
    """MDB-stem-synth: resynthesised stems with exact f0 annotations (``labels["f0"]``).

    Every ``test_every``-th track (sorted) is the test split and the one before it validation.
    """
    root = _folder(root, "mdb_stem_synth", "audio_stem")
    items = []
    for k, path in enumerate(sorted((root / "audio_stem").glob("*.wav"))):
        f0 = Path("annotation_stem") / (path.stem + ".csv")
        if not (root / f0).exists():
            raise FileNotFoundError(f"f0 annotation {f0} for {path.name} is missing")
        split = (
            "test"
            if k % test_every == test_every - 1
            else ("valid" if k % test_every == test_every - 2 else "train")
        )
        items.append(
            Item(
                path.stem, path.relative_to(root).as_posix(), split, "", 0.0, {"f0": f0.as_posix()}
            )
        )
    return _manifest("mdb_stem_synth", root, items, 44100)


LOADERS = {
    "gtzan": gtzan,
    "mtat": mtat,
    "nsynth": nsynth,
    "irmas": irmas,
    "maestro": maestro,
    "mdb_stem_synth": mdb_stem_synth,
}


def load_real(name: str, root: str | Path, **kwargs) -> Manifest:
    """Index real dataset ``name`` found at ``root``."""
    if name not in LOADERS:
        raise ValueError(f"unknown real dataset {name!r}; choose one of {sorted(LOADERS)}")
    return LOADERS[name](root, **kwargs)
