"""Command line: ``python -m course_lib.data build --size smoke|full [--root data] [--only NAME]``.

Also ``list`` (the datasets) and ``download`` (real corpora, see ``course_lib.data.download``).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from .generate import DATASETS, SIZES, build, folder_name
from .render import available_soundfonts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m course_lib.data", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="render the offline datasets")
    b.add_argument("--size", choices=SIZES, default="smoke")
    b.add_argument("--root", default="data", help="parent folder (default: data)")
    b.add_argument(
        "--only",
        action="append",
        choices=sorted(DATASETS),
        help="build only these datasets (repeatable)",
    )
    b.add_argument("--seed", type=int, default=0)
    b.add_argument("--force", action="store_true", help="re-render even if cached")
    b.add_argument(
        "--jobs", type=int, default=1, help="worker processes (e.g. the core count for full)"
    )
    b.add_argument(
        "--test-soundfont",
        choices=available_soundfonts(),
        help="render the test split with this SoundFont (folder <name>-test-<font>)",
    )
    sub.add_parser("list", help="list the datasets")
    from .download import add_download_parser, run_download

    add_download_parser(sub)
    args = parser.parse_args(argv)
    if args.command == "download":
        return run_download(args)
    if args.command == "list":
        for name, spec in DATASETS.items():
            print(f"{name:16s} {spec.sr:>6d} Hz  {spec.description}")
        return 0
    total = time.perf_counter()
    for name in args.only or list(DATASETS):
        start = time.perf_counter()
        folder = folder_name(name, args.seed, args.test_soundfont)
        manifest = build(
            name,
            Path(args.root) / args.size / folder,
            args.size,
            args.seed,
            args.force,
            test_soundfont=args.test_soundfont,
            jobs=args.jobs,
        )
        splits = ", ".join(f"{s} {len(manifest.split(s))}" for s in ("train", "valid", "test"))
        print(
            f"{name:16s} {len(manifest):5d} clips ({splits}) in "
            f"{time.perf_counter() - start:5.1f} s -> {manifest.root}"
        )
    print(f"done in {time.perf_counter() - total:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
