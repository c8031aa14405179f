"""Numbers that a lecture's text quotes from its own printed output, checked against it.

Reads the executed notebooks in build/lectures (``make notebooks`` runs this after
``make lectures``); numbers quoted from benchmark records are checked in
``tests/test_lecture_quotes.py``.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "build" / "lectures"

# (lecture, pattern of the printed line with the number as group 1, how the text writes it)
QUOTES = [
    (
        "02_locality_translation_invariance",
        r"C4 moved right by 43 frames vs the late C4: ([0-9.e-]+)",
        "relative difference ({:.3f})",
    ),
    (
        "02_locality_translation_invariance",
        r"C4 moved up by 7 bins vs G4: ([0-9.e-]+)",
        "shift's ({:.2f})",
    ),
    (
        "02_locality_translation_invariance",
        r"C4 vs G4 without moving: ([0-9.e-]+)",
        "at all ({:.2f})",
    ),
]


@pytest.mark.parametrize(("lecture", "printed", "written"), QUOTES, ids=lambda q: str(q)[:40])
def test_quoted_output_numbers_match_the_printed_ones(lecture, printed, written):
    path = OUT / f"{lecture}.ipynb"
    if not path.is_file():
        pytest.fail(f"{path.relative_to(ROOT)} missing: run `make lectures` first")
    nb = nbformat.read(path, as_version=4)
    outputs = "\n".join(
        o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs
    )
    text = " ".join(" ".join(c.source for c in nb.cells if c.cell_type == "markdown").split())
    match = re.search(printed, outputs)
    assert match, f"{lecture}: no printed line matches {printed!r}"
    quoted = written.format(float(match.group(1)))
    assert quoted in text, f"{lecture}: the output gives {quoted!r}; the text does not say so"
