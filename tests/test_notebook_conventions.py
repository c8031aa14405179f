"""Every lecture notebook follows the course conventions (checked on the committed files).

The conventions: no outputs in git; a title cell with an "Open in Colab" badge pointing at
this very notebook in the repository named in pyproject.toml; a guarded first code cell that
installs course_lib on Colab from that repository; the smoke/full ``CONFIG`` switch.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
LECTURES = sorted((ROOT / "lectures").glob("*.ipynb"))
REPO_URL = re.search(
    r'^Repository = "([^"]+)"', (ROOT / "pyproject.toml").read_text(), re.MULTILINE
).group(1)
GITHUB_PATH = REPO_URL.removeprefix("https://github.com/")


def test_lectures_exist_and_are_numbered_uniquely():
    assert LECTURES, "no lecture notebooks found"
    numbers = [p.name.split("_", 1)[0] for p in LECTURES]
    assert all(re.fullmatch(r"\d\d", n) for n in numbers), numbers
    assert len(set(numbers)) == len(numbers), f"duplicate lecture numbers: {numbers}"


@pytest.mark.parametrize("path", LECTURES, ids=lambda p: p.name)
def test_notebook_conventions(path: Path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(not c.outputs and c.execution_count is None for c in code), "strip outputs"

    title = nb.cells[0]
    assert title.cell_type == "markdown" and title.source.startswith("# ")
    rel = path.relative_to(ROOT).as_posix()
    badge = f"https://colab.research.google.com/github/{GITHUB_PATH}/blob/main/{rel}"
    assert badge in title.source, f"Colab badge must point at {badge}"

    install = code[0].source
    assert '"google.colab" in sys.modules' in install
    assert f"git+{REPO_URL}" in install, "Colab install must use the repository URL"

    assert any("CONFIG = select_config()" in c.source for c in code[:3]), "CONFIG switch missing"
