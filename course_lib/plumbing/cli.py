"""Command line of the course: train a task, list the tasks, analyse a recording.

Lecture: training CNNs for music (on a GPU when there is one).

    python -m course_lib tasks
    python -m course_lib train tagging --config smoke
    python -m course_lib train tagging --config full --resume          # after a disconnect
    python -m course_lib train tagging --config full --set model=fcn --set label=genre
    torchrun --nproc_per_node=2 -m course_lib train tagging --config full   # several GPUs
    python -m course_lib analyze song.wav                  # every shipped model on a file
    python -m course_lib analyze song.wav --task pitch --json

Each run writes into ``--out`` (default ``runs/``) a folder ``<task>-<config>[-<name>]``
holding ``last.pt``/``best.pt`` checkpoints, ``history.csv``/``.json`` and ``results.json``
(test metrics of the best checkpoint, parameter count, seconds per epoch, the task's info).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

__all__ = ["main", "parse_set_options", "run_training"]


_WORDS = {"true": True, "false": False, "none": None, "null": None}


def parse_set_options(items: list[str] | None) -> dict[str, Any]:
    """Parse ``--set key=value`` items into keyword arguments for ``build_task``.

    Lecture: training CNNs for music (task options on the command line). Values are read as
    ``true``/``false`` (any case) -> bool, ``none``/``null`` -> ``None``, an int, a float,
    a JSON list or object (``[1, 2]``), and otherwise kept as the string (``model=fcn``).

    Parameters
    ----------
    items : list of str or None
        E.g. ``["augment=false", "lr=1e-3", "max_clips=10"]``.

    Returns
    -------
    dict
        ``{"augment": False, "lr": 0.001, "max_clips": 10}``; a later item wins over an
        earlier one with the same key.

    Raises
    ------
    ValueError
        An item without ``=``, or whose key is not a Python identifier.
    """
    options: dict[str, Any] = {}
    for item in items or []:
        key, sep, value = str(item).partition("=")
        key = key.strip()
        if not sep or not key.isidentifier():
            raise ValueError(
                f"--set expects key=value with a Python name as key (e.g. --set model=fcn), "
                f"got {item!r}"
            )
        options[key] = _set_value(value.strip())
    return options


def _set_value(text: str) -> Any:
    if text.lower() in _WORDS:
        return _WORDS[text.lower()]
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    if text[:1] in "[{":
        try:
            return json.loads(text)
        except json.JSONDecodeError:
            pass
    return text


def run_training(
    task: str,
    config: str = "smoke",
    *,
    out: str | Path = "runs",
    resume: bool = False,
    seed: int = 0,
    device: str | None = None,
    compile: bool = False,
    root: str | Path | None = None,
    options: dict[str, Any] | None = None,
    progress: bool = True,
) -> dict[str, Any]:
    """Build ``task``, train it with :class:`course_lib.train.Trainer`, test the best weights.

    Returns the dictionary written to ``results.json``.
    """
    import torch

    from ..core import params
    from ..tasks import build_task
    from ..training.train import Trainer, setup_distributed, shard_loader

    options = dict(options or {})
    rank, _world = setup_distributed()
    setup = build_task(task, config, root=root, seed=seed, **options)
    suffix = "-".join(f"{k}={v}" for k, v in sorted(options.items()))
    run_dir = Path(out) / f"{task}-{config}{'-' + suffix if suffix else ''}"
    trainer = Trainer(
        setup.model,
        setup.loss_fn,
        lr=setup.lr,
        device=device,
        seed=seed,
        checkpoint_dir=run_dir,
        monitor=setup.monitor if setup.valid_loader is not None else "train_loss",
        mode=setup.mode if setup.valid_loader is not None else "min",
        patience=setup.patience,
        metrics_fn=setup.metrics_fn,
        compile=compile,
        progress=progress,
    )
    start = time.perf_counter()
    done_before = trainer.epoch
    train_loader = shard_loader(setup.train_loader, shuffle=True, seed=seed)  # torchrun: 1/N each
    history = trainer.fit(
        train_loader, setup.valid_loader, num_epochs=setup.num_epochs, resume=resume
    )
    epochs_run = max(len(history) - done_before, 0)
    seconds = time.perf_counter() - start
    results: dict[str, Any] = {
        "task": task,
        "config": config,
        "options": options,
        "epochs": len(history),
        "params": params.count_params(setup.model),
        "seconds_per_epoch": seconds / epochs_run if epochs_run else None,
        "device": str(trainer.device),
        "info": setup.info,
    }
    if setup.test_loader is not None and rank == 0:
        best = run_dir / "best.pt"
        if best.exists():
            trainer.load_checkpoint(best)
        results["test"] = trainer.evaluate(setup.test_loader, prefix="test")
    if rank == 0:
        run_dir.mkdir(parents=True, exist_ok=True)
        (run_dir / "results.json").write_text(json.dumps(results, indent=1, default=str))
        print(f"[course_lib] results -> {run_dir / 'results.json'}")
        for key, value in results.get("test", {}).items():
            print(f"  {key}: {value:.4f}")
    if torch.distributed.is_available() and torch.distributed.is_initialized():
        torch.distributed.destroy_process_group()
    return results


def _analyze(path: str, names: list[str] | None, as_json: bool) -> int:
    from ..core import audio
    from ..tasks.analyze import ANALYSES, analyze, format_analysis

    try:
        y, sr = audio.load(path)
        result = analyze(y, sr, names or ANALYSES)
    except ValueError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print(json.dumps(result, indent=1) if as_json else format_analysis(result))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m course_lib",
        description="Train the course's MIR tasks, or run the shipped models on a recording.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__.split("\n\n", 2)[2],
    )
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("tasks", help="list the tasks that can be trained")
    t = sub.add_parser("train", help="train a task")
    t.add_argument("task", help="task name (see `python -m course_lib tasks`)")
    t.add_argument("--config", choices=("smoke", "full"), default="smoke")
    t.add_argument("--resume", action="store_true", help="continue from <out>/.../last.pt")
    t.add_argument("--out", default="runs", help="parent folder of the run (default: runs)")
    t.add_argument("--seed", type=int, default=0)
    t.add_argument("--device", default=None, help="cuda, mps or cpu (default: the best one)")
    t.add_argument("--compile", action="store_true", help="use torch.compile")
    t.add_argument("--data-root", default=None, help="folder of the rendered datasets")
    t.add_argument("--no-progress", action="store_true", help="no tqdm bar (logs, CI)")
    t.add_argument(
        "--set",
        action="append",
        metavar="KEY=VALUE",
        help="task option, repeatable (e.g. --set model=fcn --set label=genre)",
    )
    a = sub.add_parser("analyze", help="run the shipped models on an audio file")
    a.add_argument("path", help="a WAV/FLAC/OGG/MP3 file")
    a.add_argument(
        "--task",
        action="append",
        metavar="NAME",
        help="tags, instrument, onsets, activity, pitch or multi_f0 (repeatable; default: all)",
    )
    a.add_argument("--json", action="store_true", help="print the full result as JSON")
    args = parser.parse_args(argv)
    from ..tasks import available_tasks

    if args.command == "analyze":
        return _analyze(args.path, args.task, args.json)

    if args.command == "tasks":
        for name in available_tasks():
            print(name)
        return 0
    try:
        options = parse_set_options(args.set)
        run_training(
            args.task,
            args.config,
            out=args.out,
            resume=args.resume,
            seed=args.seed,
            device=args.device,
            compile=args.compile,
            root=args.data_root,
            options=options,
            progress=not args.no_progress,
        )
    except (ValueError, TypeError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    return 0
