"""Build the course website offline with Jupyter Book 1.

Usage (from the repository root; ``make book`` runs the second line)::

    python jupyter_book/build.py vendor   # install step: fetch the pinned browser assets with npm
    python jupyter_book/build.py          # build the site into jupyter_book/_build/html

This file only orchestrates. What the book contains is declared in ``_config.yml`` and
``_toc.yml``; the pages themselves are the notebooks in ``lectures/`` and
``assignments/release/`` (reached through the symbolic links ``jupyter_book/lectures`` and
``jupyter_book/assignments/release``) and the docstrings of ``course_lib``.

Nothing is downloaded while building. The JavaScript the pages need at view time
(the ipywidgets HTML manager that renders the embedded widget state, RequireJS that loads
it, MathJax) is fetched once by ``vendor`` through npm, at the exact versions in ``VENDOR``,
into ``jupyter_book/_vendor/`` (git-ignored; served as ``_static/``), so the built site
works without a CDN.
"""

from __future__ import annotations

import argparse
import hashlib
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
STAMP = VENDOR_DIR / "versions.json"
CACHE_DIR = BOOK / "_build" / ".jupyter_cache"  # myst-nb's default place for the cache

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
    """Environment of the build: smoke configuration, figures through the inline backend."""
    env = dict(os.environ)
    env.setdefault("COURSE_CONFIG", "smoke")
    # MPLBACKEND=Agg (used by the notebook tests) would hide every figure from the pages.
    env["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"
    env.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    return env


def library_fingerprint() -> str:
    """sha256 over course_lib's source files: the notebooks' outputs depend on them too."""
    digest = hashlib.sha256()
    for path in sorted((ROOT / "course_lib").rglob("*.py")):
        digest.update(path.relative_to(ROOT).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def drop_stale_cache() -> None:
    """Forget executed notebooks when course_lib changed since they ran.

    jupyter-cache keys a notebook by its code cells only; a change in the library the cells
    call would otherwise leave pages showing the old outputs.
    """
    stamp = CACHE_DIR.parent / "course_lib.sha256"
    fingerprint = library_fingerprint()
    if stamp.is_file() and stamp.read_text().strip() == fingerprint:
        return
    if CACHE_DIR.exists():
        print("[book] course_lib changed since the notebooks last ran: executing them again")
        shutil.rmtree(CACHE_DIR)
    CACHE_DIR.mkdir(parents=True)
    stamp.write_text(fingerprint + "\n")


def pre_execute(notebooks: list[Path], timeout: int) -> None:
    """Run the notebooks that are not cached yet, in parallel (one process per CPU core).

    Fills the same jupyter-cache that the book's ``execute_notebooks: cache`` reads, so
    Sphinx then renders them from the cache. A notebook that fails here is simply not cached:
    the book executes it again itself and reports the error with its traceback.
    """
    from jupyter_cache import get_cache
    from jupyter_cache.executors import load_executor

    cache = get_cache(str(CACHE_DIR))
    uris = []
    for path in notebooks:
        uris.append(str(cache.add_nb_to_project(str(path)).uri))
    todo = [r for r in cache.list_unexecuted() if r.uri in uris]
    if not todo:
        return
    print(f"[book] executing {len(todo)} notebook(s) in parallel")
    executor = load_executor("local-parallel", cache=cache)
    result = executor.run_and_cache(filter_uris=uris, timeout=timeout, allow_errors=False)
    for uri in result.errored + result.excepted:
        print(f"[book] {uri} failed; the build will run it again and show the error")


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
    os.environ.update(build_env())
    import yaml

    timeout = yaml.safe_load((BOOK / "_config.yml").read_text())["execute"]["timeout"]
    drop_stale_cache()
    pre_execute(sorted((BOOK / "lectures").glob("[0-9][0-9]_*.ipynb")), timeout=timeout)
    # API pages are generated from the docstrings on every build: drop those of removed modules.
    shutil.rmtree(BOOK / "_autosummary", ignore_errors=True)
    jb = Path(sys.executable).with_name("jupyter-book")
    cmd = [str(jb if jb.exists() else "jupyter-book"), "build", "--warningiserror", "--keep-going"]
    cmd += [*extra, str(BOOK)]
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
