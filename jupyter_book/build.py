"""Build the course website offline with Jupyter Book 1.

Usage (from the repository root; ``make book`` runs the second line)::

    python jupyter_book/build.py vendor   # install step: fetch the pinned browser assets with npm
    python jupyter_book/build.py          # build the site into jupyter_book/_build/html

This file only orchestrates. What the book contains is declared in ``_config.yml`` and
``_toc.yml``; the pages themselves are the notebooks in ``lectures/`` (as
executed into ``build/lectures/`` by ``python -m course_lib._execute``, which this script runs
first; its cache makes that a no-op when nothing changed) and ``assignments/release/``
(reached through the symbolic links ``jupyter_book/lectures`` and
``jupyter_book/assignments/release``) and the docstrings of ``course_lib``. Sphinx reads a
staged copy, ``build/book``, whose ``lectures`` link points at ``build/lectures`` (see
``stage()``), and executes no notebook (``execute_notebooks: off``); the site still lands in
``jupyter_book/_build/html``.

Nothing is downloaded while building. The JavaScript the pages need at view time
(the ipywidgets HTML manager that renders the embedded widget state, RequireJS that loads
it, MathJax) is fetched once by ``vendor`` through npm, at the exact versions in ``VENDOR``,
into ``jupyter_book/_vendor/`` (git-ignored; served as ``_static/``), so the built site
works without a CDN.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

BOOK = Path(__file__).resolve().parent
ROOT = BOOK.parent
VENDOR_DIR = BOOK / "_vendor"
STAGE = ROOT / "build" / "book"  # what Sphinx reads (see stage())
LECTURES_RUN = ROOT / "build" / "lectures"  # written by python -m course_lib._execute
# Not part of the staged sources: outputs, this script, the links replaced in stage().
NOT_STAGED = {"_build", "lectures", "build.py", "README.md", "__pycache__"}
STAMP = VENDOR_DIR / "versions.json"

# npm package -> (exact version, files or folders to keep, relative to the package folder).
VENDOR: dict[str, tuple[str, list[str]]] = {
    "@jupyter-widgets/html-manager": ("1.0.15", ["dist"]),
    "requirejs": ("2.3.8", ["require.js"]),
    "mathjax": (
        "3.2.2",
        [
            "es5/tex-mml-chtml.js",
            "es5/input",
            "es5/output/chtml",
            "es5/a11y",
            "es5/ui",
            "es5/adaptors",
        ],
    ),
}
# Not served: source maps and the html-manager builds the pages do not load.
SKIP_GLOBS = ("*.map", "embed.js", "libembed-amd.js")


def _wanted_versions() -> dict[str, str]:
    return {name: version for name, (version, _) in VENDOR.items()}


def vendor_is_current() -> bool:
    """True when ``_vendor/`` holds exactly the pinned asset versions."""
    return STAMP.is_file() and json.loads(STAMP.read_text()) == _wanted_versions()


def vendor(force: bool = False) -> None:
    """Fetch the pinned npm packages and copy the files the site serves into _vendor/."""
    if vendor_is_current() and not force:
        print(f"[book] browser assets up to date in {VENDOR_DIR.relative_to(ROOT)}")
        return
    npm = shutil.which("npm")
    if npm is None:
        sys.exit(
            "[book] npm not found: it is needed once to fetch the widget/MathJax assets "
            "(Debian: apt-get install -y npm; GitHub Actions: actions/setup-node)."
        )
    if VENDOR_DIR.exists():
        shutil.rmtree(VENDOR_DIR)
    with tempfile.TemporaryDirectory() as tmp:
        for name, (version, keep) in VENDOR.items():
            print(f"[book] npm pack {name}@{version}")
            out = subprocess.run(
                [npm, "pack", "--silent", f"{name}@{version}"],
                cwd=tmp,
                check=True,
                capture_output=True,
                text=True,
            ).stdout.split()[-1]
            unpacked = Path(tmp) / name.replace("/", "_")
            with tarfile.open(Path(tmp) / out) as tar:
                try:
                    tar.extractall(unpacked, filter="data")
                except TypeError:  # Python < 3.10.12 has no extraction filters
                    tar.extractall(unpacked)  # noqa: S202 - a pinned registry package
            target = VENDOR_DIR / name.rsplit("/", 1)[-1]
            for rel in keep:
                src = unpacked / "package" / rel
                dst = target / rel
                dst.parent.mkdir(parents=True, exist_ok=True)
                if src.is_dir():
                    shutil.copytree(src, dst, ignore=shutil.ignore_patterns(*SKIP_GLOBS))
                else:
                    shutil.copy2(src, dst)
    STAMP.write_text(json.dumps(_wanted_versions(), indent=1, sort_keys=True) + "\n")
    print(f"[book] browser assets ready in {VENDOR_DIR.relative_to(ROOT)}")


def build_env() -> dict[str, str]:
    """Environment of the build: smoke configuration unless COURSE_CONFIG says otherwise."""
    env = dict(os.environ)
    env.setdefault("COURSE_CONFIG", "smoke")
    env.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    return env


def stage() -> Path:
    """The book's sources as Sphinx reads them: ``build/book``, links into this folder.

    Everything but ``lectures`` links to this folder's own files; ``lectures`` links to the
    executed notebooks in ``build/lectures``. Page names (``lectures/NN_name``), and so the
    Colab buttons, stay those of the repository.
    """
    if STAGE.exists():
        shutil.rmtree(STAGE)
    STAGE.mkdir(parents=True)
    for entry in sorted(BOOK.iterdir()):
        if entry.name in NOT_STAGED:
            continue
        (STAGE / entry.name).symlink_to(os.path.relpath(entry, STAGE))
    (STAGE / "lectures").symlink_to(os.path.relpath(LECTURES_RUN, STAGE))
    return STAGE


def execute_lectures() -> None:
    """Bring build/lectures up to date with the course's executor (cached: unchanged = no run).

    The book shows those executed notebooks (see :func:`stage`) and executes nothing itself
    (``execute_notebooks: off``).
    """
    cmd = [sys.executable, "-m", "course_lib._execute"]
    if subprocess.run(cmd, cwd=ROOT, env=build_env()).returncode:
        sys.exit("[book] a lecture failed to execute (see above): the book is not built")


def build(extra: list[str]) -> int:
    """Run ``jupyter-book build`` with warnings as errors; return its exit status."""
    if not vendor_is_current():
        sys.exit(
            "[book] the widget/MathJax assets are missing or outdated: run `make install` "
            "(or `python jupyter_book/build.py vendor`) once, with access to the npm registry."
        )
    releases = sorted((ROOT / "assignments" / "release").glob("*/*.ipynb"))
    print(
        f"[book] {len(sorted((ROOT / 'lectures').glob('*.ipynb')))} lectures, "
        f"{len(releases)} released assignment notebooks"
        + ("" if releases else " (run `make assignments` first to include them)")
    )
    execute_lectures()
    os.environ.update(build_env())
    # API pages are generated from the docstrings on every build (into jupyter_book/_autosummary,
    # through the staged link): drop those of removed modules.
    shutil.rmtree(BOOK / "_autosummary", ignore_errors=True)
    (BOOK / "_autosummary").mkdir()
    source = stage()
    jb = Path(sys.executable).with_name("jupyter-book")
    cmd = [str(jb if jb.exists() else "jupyter-book"), "build", "--warningiserror", "--keep-going"]
    cmd += ["--path-output", str(BOOK), *extra, str(source)]
    print("[book]", " ".join(cmd))
    return subprocess.run(cmd, cwd=ROOT, env=os.environ).returncode


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("command", nargs="?", default="build", choices=["build", "vendor"])
    parser.add_argument("--force", action="store_true", help="vendor: fetch again")
    parser.add_argument("--all", action="store_true", help="build: rebuild every page")
    args = parser.parse_args(argv)
    if args.command == "vendor":
        vendor(force=args.force)
        return 0
    return build(["--all"] if args.all else [])


if __name__ == "__main__":
    sys.exit(main())
