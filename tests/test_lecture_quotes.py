"""Numbers that the lecture text quotes from the benchmark records, checked against them.

Lecture: every lecture that cites a measured result. A sentence such as "0.876 against Basic
Pitch's 0.851 (`benchmarks/mir/real_audio.json`)" must keep agreeing with the file it names
when a checkpoint is retrained and the benchmark rerun; numbers quoted from a cell's own
output are checked in ``tests/executed``.
"""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
MIR = ROOT / "benchmarks" / "mir"


def _at(file: str, *keys):
    value = json.loads((MIR / file).read_text())
    for key in keys:
        value = value[key]
    return value


def _genre_errors(true: str, *heard: str) -> int:
    classes = _at("genre_fcn.json", "classes")
    confusion = _at("genre_fcn.json", "test", "confusion")
    row = confusion[classes.index(true)]
    return sum(row[classes.index(h)] for h in heard)


# (lecture, the text as written, the value it quotes, how it is written)
QUOTES = [
    (
        "08_genre_and_tagging",
        "**90.0 %**",
        100 * _at("genre_fcn.json", "test", "accuracy"),
        "**{:.1f} %**",
    ),
    (
        "08_genre_and_tagging",
        "macro F1 0.898",
        _at("genre_fcn.json", "test", "f1_macro"),
        "macro F1 {:.3f}",
    ),
    (
        "08_genre_and_tagging",
        "electronic (21 of 80)",
        _genre_errors("rock", "electronic"),
        "electronic ({} of 80)",
    ),
    (
        "08_genre_and_tagging",
        "ambient (16 of 80)",
        _genre_errors("jazz", "rock", "ambient"),
        "ambient ({} of 80)",
    ),
    (
        "08_genre_and_tagging",
        "with 3 electronic songs",
        _genre_errors("electronic", "classical", "jazz"),
        "with {} electronic songs",
    ),
    (
        "10_instrument_recognition",
        "0.315 accuracy",
        _at("instrument.json", "test", "accuracy"),
        "{:.3f} accuracy",
    ),
    (
        "11_pitch_estimation",
        "RPA 0.352 on the 48",
        _at("pitch_real.json", "old", "real", "notes", "rpa"),
        "RPA {:.3f} on the 48",
    ),
    (
        "11_pitch_estimation",
        "0.765 on the 12",
        _at("pitch_real.json", "old", "real", "melodies", "rpa"),
        "{:.3f} on the 12",
    ),
    (
        "11_pitch_estimation",
        "chain, 0.808 and",
        _at("pitch_real.json", "new", "real", "notes", "rpa"),
        "chain, {:.3f} and",
    ),
    (
        "11_pitch_estimation",
        "and 0.946 (",
        _at("pitch_real.json", "new", "real", "melodies", "rpa"),
        "and {:.3f} (",
    ),
    (
        "11_pitch_estimation",
        "path, 0.807 and",
        _at("real_audio.json", "pitch", "ours: crepe_tiny", "notes", "rpa"),
        "path, {:.3f} and",
    ),
    (
        "11_pitch_estimation",
        "and 0.979 (",
        _at("real_audio.json", "pitch", "ours: crepe_tiny", "melodies", "rpa"),
        "and {:.3f} (",
    ),
    (
        "12_multi_f0",
        "melodies 0.876",
        _at("real_audio.json", "multif0", "ours: salience_small", "melodies", "accuracy"),
        "melodies {:.3f}",
    ),
    (
        "12_multi_f0",
        "Pitch's 0.851",
        _at("real_audio.json", "multif0", "Basic Pitch", "melodies", "accuracy"),
        "Pitch's {:.3f}",
    ),
    (
        "12_multi_f0",
        "madmom's 0.713",
        _at("real_audio.json", "multif0", "madmom piano CNN", "melodies", "accuracy"),
        "madmom's {:.3f}",
    ),
    (
        "12_multi_f0",
        "(0.680 against",
        _at("real_audio.json", "multif0", "ours: salience_small", "chords", "accuracy"),
        "({:.3f} against",
    ),
    (
        "12_multi_f0",
        "against 0.796 and",
        _at("real_audio.json", "multif0", "Basic Pitch", "chords", "accuracy"),
        "against {:.3f} and",
    ),
    (
        "12_multi_f0",
        "and 0.791 on the 12",
        _at("real_audio.json", "multif0", "madmom piano CNN", "chords", "accuracy"),
        "and {:.3f} on the 12",
    ),
    (
        "09_onset_detection",
        "from F 0.985 to 0.588",
        (
            _at("onset_real.json", "old", "real", "all", "f_measure"),
            _at("onset_real.json", "old", "real", "all, white noise 5 dB SNR", "f_measure"),
        ),
        "from F {:.3f} to {:.3f}",
    ),
]


def _markdown(lecture: str) -> str:
    nb = nbformat.read(ROOT / "lectures" / f"{lecture}.ipynb", as_version=4)
    return "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")


@pytest.mark.parametrize(
    ("lecture", "quoted", "value", "written"), QUOTES, ids=lambda q: str(q)[:40]
)
def test_quoted_benchmark_numbers_match_their_records(lecture, quoted, value, written):
    text = " ".join(_markdown(lecture).split())
    assert quoted in text, (
        f"{lecture}: the quote {quoted!r} is no longer in the text; update QUOTES"
    )
    measured = written.format(*value) if isinstance(value, tuple) else written.format(value)
    assert measured == quoted, f"{lecture} says {quoted!r}, the benchmark record says {measured!r}"
