"""The lectures as ``make lectures`` executed them into build/lectures (``make notebooks``).

Nothing is executed here: the notebooks are read back from the executor's output, so each
lecture runs once per build. Every code cell must have run (an execution count), no output
may be an error, every lecture must have been run from its current source (the cache key
matches), and the figures must be in the outputs (inline backend, not Agg).
"""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest

from course_lib import _execute
from course_lib.lecture.results import METADATA_KEY, beats_chance

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "build" / "lectures"
LECTURES = sorted((ROOT / "lectures").glob("*.ipynb"))


@pytest.fixture(scope="module", params=LECTURES, ids=lambda p: p.stem)
def executed(request):
    source = request.param
    target = OUT / source.name
    if not target.is_file():
        pytest.fail(f"{target.relative_to(ROOT)} missing: run `make lectures` first")
    record = json.loads((OUT / f"{source.stem}.run.json").read_text())
    return source, nbformat.read(target, as_version=4), record


def test_ran_from_current_source(executed):
    source, _, record = executed
    assert record["key"] == _execute.cache_key(source, record["config"]), (
        f"{source.name}: build/lectures holds an older run; run `make lectures`"
    )


def test_every_code_cell_ran_without_error(executed):
    source, nb, _ = executed
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code" or not cell.source.strip():
            continue
        assert cell.execution_count is not None, f"{source.name}: cell {index} did not run"
        errors = [o for o in cell.outputs if o.output_type == "error"]
        assert not errors, f"{source.name}: cell {index} raised {errors[0].get('ename')}"


def test_figures_kept(executed):
    source, nb, _ = executed
    sources = "".join(c.source for c in nb.cells if c.cell_type == "code")
    if "plt." not in sources and "plotting." not in sources:
        pytest.skip("no figure in this lecture")
    images = [
        o
        for c in nb.cells
        if c.cell_type == "code"
        for o in c.outputs
        if "image/png" in o.get("data", {})
    ]
    assert images, f"{source.name}: no image/png output (figures must use the inline backend)"


# Models trained inside a lecture, by notebook: each shows its score next to chance with
# course_lib.lecture.results.show_result, which leaves the numbers in the output metadata.
TRAINED = {
    "07_audio_as_input": 1,
    "08_genre_and_tagging": 6,
    "09_onset_detection": 1,
    "10_instrument_recognition": 2,
    "11_pitch_estimation": 1,
    "12_multi_f0": 1,
}
MARGIN = 0.05  # in the score's own units (accuracy, ROC-AUC, F-measure, RPA)


def test_models_trained_in_the_lecture_beat_chance(executed):
    source, nb, record = executed
    results = [
        o.metadata[METADATA_KEY]
        for c in nb.cells
        if c.cell_type == "code"
        for o in c.outputs
        if METADATA_KEY in o.get("metadata", {})
    ]
    assert len(results) == TRAINED.get(source.stem, 0), (
        f"{source.name}: {len(results)} trained models reported with show_result"
    )
    for r in results:
        assert beats_chance(r["value"], r["chance"], MARGIN, r["higher_is_better"]), (
            f"{source.name} ({record['config']}): {r['label']} scored {r['metric']} "
            f"{r['value']:.3f}, chance {r['chance']:.3f}: it has not learned enough to show"
        )
