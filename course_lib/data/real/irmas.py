"""IRMAS: predominant-instrument recognition in music excerpts.

Lecture: instrument recognition (Han et al. 2017: micro F1 0.602 on the IRMAS test set).

IRMAS (Bosch et al. 2012) has 11 instrument classes. On disk (the Zenodo zips)::

    <root>/IRMAS-TrainingData/<ins>/<...>[<ins>][<dru|nod>][<genre>]<...>.wav
        6,705 excerpts of 3 s, one predominant instrument: the folder and the first bracket
        of the file name; ``[dru]``/``[nod]`` (drums or not) is optional; the genre codes are
        cla, cou_fol, jaz_blu, lat_sou, pop_roc.
    <root>/IRMAS-TestingData-Part{1,2,3}/<...>/<name>.wav + <name>.txt
        2,874 excerpts of 5-20 s; the .txt lists the predominant instruments, one code per line.

Training excerpts are split into train/valid by recording (the file name without its
``__N`` excerpt suffix), hashed so the split is the same everywhere (15% valid, as Han et al.
2017); the testing data is the test split.
"""

from __future__ import annotations

import re
from pathlib import Path

from ..manifest import Item, Manifest
from ._common import find_root, group_split, make_manifest, probe_duration

__all__ = ["INSTRUMENTS", "GENRES", "load", "parse_training_name", "read_test_labels"]

#: Instrument codes and names.
INSTRUMENTS = {
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
#: Genre codes of the training file names.
GENRES = {
    "cla": "classical",
    "cou_fol": "country-folk",
    "jaz_blu": "jazz-blues",
    "lat_sou": "latin-soul",
    "pop_roc": "pop-rock",
}
SR = 44100
_BRACKET = re.compile(r"\[([a-z_]+)\]")


def parse_training_name(filename: str) -> dict:
    """Labels in a training file name such as ``008__[cel][nod][cla]0058__1.wav``.

    Returns
    -------
    dict
        ``{"instrument": code, "drums": True | False | None, "genre": code | None}``.

    Raises
    ------
    ValueError
        No bracketed instrument code.
    """
    codes = _BRACKET.findall(Path(filename).name)
    if not codes or codes[0] not in INSTRUMENTS:
        raise ValueError(
            f"IRMAS training file {filename!r} has no [instrument] code (expected one of "
            f"{sorted(INSTRUMENTS)} in brackets)"
        )
    rest = codes[1:]
    drums = True if "dru" in rest else (False if "nod" in rest else None)
    genre = next((c for c in rest if c in GENRES), None)
    return {"instrument": codes[0], "drums": drums, "genre": genre}


def read_test_labels(path: str | Path) -> list[str]:
    """Instrument codes of a testing excerpt's ``.txt`` (one per line, tabs/spaces ignored).

    Raises
    ------
    ValueError
        A line is not an instrument code, or the file is empty.
    """
    path = Path(path)
    codes = []
    for k, line in enumerate(path.read_text().splitlines(), 1):
        if not line.strip():
            continue
        code = line.split()[0]
        if code not in INSTRUMENTS:
            raise ValueError(
                f"{path.name} line {k}: {code!r} is not an IRMAS instrument code "
                f"({sorted(INSTRUMENTS)})"
            )
        if code not in codes:
            codes.append(code)
    if not codes:
        raise ValueError(f"{path} lists no instrument")
    return codes


def load(root: str | Path, valid_fraction: float = 0.15, probe_durations: bool = True) -> Manifest:
    """Index IRMAS at ``root``: training data (train/valid) and testing data (test).

    Lecture: instrument recognition.

    Parameters
    ----------
    root : path
        Folder holding ``IRMAS-TrainingData`` and/or ``IRMAS-TestingData-Part*`` (or its parent).
    valid_fraction : float
        Share of training *recordings* used for validation.
    probe_durations : bool
        Read the test files' headers for their durations (training excerpts are 3 s).

    Returns
    -------
    Manifest
        Training items: ``labels["instrument"]`` (name), ``"instruments"`` ([name]),
        ``"genre"`` and ``"drums"`` where the file name says. Test items:
        ``labels["instruments"]`` (names, multi-label). ``meta["instruments"]`` lists the names.
    """
    if not 0.0 <= valid_fraction < 1.0:
        raise ValueError(f"valid_fraction must be in [0, 1), got {valid_fraction}")
    root = find_root(root, "irmas", ["IRMAS-TrainingData", "IRMAS-TestingData-Part*"], ["IRMAS"])
    items = []
    train_dir = root / "IRMAS-TrainingData"
    for code in INSTRUMENTS:
        for path in sorted((train_dir / code).glob("*.wav")):
            parsed = parse_training_name(path.name)
            if parsed["instrument"] != code:
                raise ValueError(
                    f"{path.relative_to(root)}: file name says [{parsed['instrument']}] but it "
                    f"is in the {code} folder"
                )
            recording = re.sub(r"__\d+$", "", path.stem)
            labels = {"instrument": INSTRUMENTS[code], "instruments": [INSTRUMENTS[code]]}
            if parsed["genre"]:
                labels["genre"] = GENRES[parsed["genre"]]
            if parsed["drums"] is not None:
                labels["drums"] = parsed["drums"]
            items.append(
                Item(
                    f"train/{code}/{path.stem}",
                    path.relative_to(root).as_posix(),
                    group_split(f"{code}/{recording}", valid_fraction),
                    "",
                    3.0,
                    labels,
                )
            )
    for txt in sorted(root.glob("IRMAS-TestingData-Part*/**/*.txt")):
        wav = txt.with_suffix(".wav")
        if not wav.exists():
            raise FileNotFoundError(f"IRMAS test annotation {txt.name} has no {wav.name} beside it")
        items.append(
            Item(
                "test/" + txt.relative_to(root).with_suffix("").as_posix(),
                wav.relative_to(root).as_posix(),
                "test",
                "",
                probe_duration(wav, 10.0) if probe_durations else 10.0,
                {"instruments": [INSTRUMENTS[c] for c in read_test_labels(txt)]},
            )
        )
    return make_manifest(
        "irmas", root, items, SR, instruments=list(INSTRUMENTS.values()), version="1.0"
    )
