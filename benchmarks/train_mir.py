"""Train, evaluate and export the shipped event/frame-level MIR checkpoints.

Usage (one task per call)::

    python benchmarks/train_mir.py onset --size full --max-clips 600 --epochs 6
    python benchmarks/train_mir.py pitch --size full --max-clips 600 --epochs 4
    python benchmarks/train_mir.py tagging --size full --epochs 12 --set width=32
    python benchmarks/train_mir.py genre --size full --epochs 10 --set model=fcn --set width=32

Each run trains with :class:`course_lib.train.Trainer` on the task's ``build_task`` data,
tunes the decision threshold on the validation split, scores the held-out test split (programs
never heard in training) with mir_eval next to the peer tools, and exports the model with
:func:`course_lib.checkpoints.export_checkpoint`: ``course_lib/checkpoints/<name>-<sha8>.pt``
and its entry in ``course_lib/checkpoints/registry.json`` (sha256, recipe, test metrics; the
hand-written ``headline`` is left to update). The full record goes to
``benchmarks/mir/<task>.json``. ``--export-dir`` exports somewhere else (a trial run). The GPU
configuration is ``--size full`` without ``--max-clips`` and with the task's full epoch count.
"""

from __future__ import annotations

import argparse
import json
import platform
import tempfile
import time
from pathlib import Path

import torch

from course_lib import params
from course_lib.checkpoints import export_checkpoint
from course_lib.cli import parse_set_options
from course_lib.data import load_dataset
from course_lib.tasks import build_task
from course_lib.train import Trainer

OUT = Path(__file__).resolve().parent / "mir"


def _train(task: str, args) -> tuple:
    options = {"num_epochs": args.epochs, **parse_set_options(args.set)}
    if args.max_clips:
        options["max_clips"] = args.max_clips
    t0 = time.time()
    setup = build_task(task, args.size, root=args.root, seed=args.seed, **options)
    t_data = time.time() - t0
    if args.init:  # continue from an exported checkpoint (a longer run in several pieces)
        state = torch.load(args.init, map_location="cpu", weights_only=True)["model"]
        setup.model.load_state_dict(
            {k: v.float() if v.is_floating_point() else v for k, v in state.items()}
        )
    if args.resume:  # continue an interrupted or finished run to more epochs (same optimiser)
        run_dir = Path(args.resume)
    else:
        run_dir = Path(args.run_dir) / f"{task}-{int(time.time())}"
    trainer = Trainer(
        setup.model,
        setup.loss_fn,
        lr=setup.lr,
        seed=args.seed,
        progress=False,
        device="cpu",
        metrics_fn=setup.metrics_fn,
        monitor=setup.monitor,
        mode=setup.mode,
        checkpoint_dir=run_dir,
    )
    t0 = time.time()
    history = trainer.fit(
        setup.train_loader,
        setup.valid_loader,
        num_epochs=setup.num_epochs,
        resume=bool(args.resume),
    )
    t_train = time.time() - t0
    trainer.load_checkpoint(run_dir / "best.pt")  # the epoch with the best validation score
    print(f"[train_mir] best epoch {trainer.epoch} ({run_dir})", flush=True)
    record = {
        "task": task,
        "size": args.size,
        "max_clips": args.max_clips,
        "epochs": setup.num_epochs,
        "seed": args.seed,
        "params": params.count_params(setup.model),
        "seconds_data": round(t_data, 1),
        "seconds_train": round(t_train, 1),
        "history": history,
        "best_epoch": trainer.epoch,
        "machine": f"{platform.machine()}, {torch.get_num_threads()} threads, CPU only",
        "init": Path(args.init).name if args.init else None,
        "options": list(args.set),
    }
    return setup, trainer.model.eval(), record


def _metrics(clips: int, **groups: dict) -> dict:
    """Registry test metrics: ``clips`` and each group's numbers, rounded, prefixed by the
    group's name (``ours`` unprefixed): ``_metrics(60, ours={"rpa": .8}, pyin={"rpa": .9})``
    -> ``{"clips": 60, "rpa": 0.8, "pyin_rpa": 0.9}``."""
    out = {"clips": int(clips)}
    for group, values in groups.items():
        for key, value in values.items():
            if isinstance(value, (int, float)):
                out[key if group == "ours" else f"{group}_{key}"] = round(float(value), 3)
    return out


def _export(args, name: str, model, meta, record, builder: str, kwargs: dict, metrics) -> None:
    entry = export_checkpoint(
        name,
        model,
        meta,
        record,
        directory=args.export_dir,
        builder=builder,
        kwargs=kwargs,
        metrics=metrics,
    )
    record.update(file=entry["file"], sha256=entry["sha256"], bytes=entry["bytes"])
    OUT.mkdir(exist_ok=True)
    (OUT / f"{record['task']}.json").write_text(json.dumps(record, indent=1, default=float))
    print(json.dumps({k: v for k, v in record.items() if k != "history"}, indent=1, default=float))


def run_onset(args) -> None:
    from course_lib.plumbing import peers
    from course_lib.tasks import onset

    setup, model, record = _train("onset", args)
    norm = (setup.info["mean"], setup.info["std"])
    manifest = load_dataset("onsets", args.size, root=args.root, seed=args.seed)
    threshold, valid_f = onset.fit_threshold(model, manifest, "valid")
    ours = onset.evaluate_detector(
        lambda y, sr: onset.detect_onsets(y, sr, model=model, threshold=threshold), manifest
    )
    peer = onset.evaluate_detector(peers.librosa_onsets, manifest)
    record.update(threshold=threshold, valid_f_measure=valid_f, test=ours, test_librosa=peer)
    meta = {"mean": norm[0], "std": norm[1], "threshold": threshold}
    metrics = _metrics(
        len(manifest.split("test")),
        ours={f"{k}_50ms": v for k, v in ours[0.05].items()},
        librosa={"f_measure_50ms": peer[0.05]["f_measure"]},
    )
    metrics["f_measure_25ms"] = round(ours[0.025]["f_measure"], 3)
    metrics["librosa_f_measure_25ms"] = round(peer[0.025]["f_measure"], 3)
    _export(
        args, "onset_cnn", model, meta, record, "course_lib.models.onset.onset_cnn", {}, metrics
    )


def run_pitch(args) -> None:
    from course_lib import peers
    from course_lib.tasks import pitch

    setup, model, record = _train("pitch", args)
    manifest = load_dataset("pitch", args.size, root=args.root, seed=args.seed)
    threshold, valid_oa = pitch.fit_voicing_threshold(model, manifest, "valid", args.test_clips)
    limit = args.test_clips
    ours = pitch.evaluate_estimator(
        lambda y, sr: pitch.estimate_pitch(y, sr, model=model, threshold=threshold),
        manifest,
        limit=limit,
    )
    tiny = pitch.evaluate_estimator(
        lambda y, sr: peers.torchcrepe_pitch(y, sr, "tiny"), manifest, limit=limit
    )
    pyin = pitch.evaluate_estimator(peers.pyin_pitch, manifest, limit=limit)
    record.update(
        threshold=threshold,
        valid_overall_accuracy=valid_oa,
        test_clips=limit,
        test=ours,
        test_torchcrepe_tiny=tiny,
        test_pyin=pyin,
    )
    capacity = setup.model.capacity
    metrics = _metrics(
        limit or len(manifest.split("test")),
        ours=ours,
        torchcrepe_tiny={"rpa": tiny["rpa"]},
        pyin={"rpa": pyin["rpa"]},
    )
    meta = {"threshold": threshold, "capacity": capacity}
    builder, kwargs = "course_lib.models.pitch.crepe", {"capacity": capacity}
    _export(args, f"crepe_{capacity}", model, meta, record, builder, kwargs, metrics)


def run_multif0(args) -> None:
    from course_lib import peers
    from course_lib.tasks import multif0

    setup, model, record = _train("multif0", args)
    valid = setup.valid_loader.dataset
    features = [F.float().numpy() for F in valid.features]
    threshold, valid_acc = multif0.fit_threshold(model, features, valid.notes)
    # test clips: the test split of a rendering with a seed not used for training
    manifest = load_dataset("multif0", args.size, root=args.root, seed=args.seed + 100)
    limit = args.test_clips
    ours = multif0.evaluate_estimator(
        lambda y, sr: multif0.estimate_multi_f0(y, sr, model=model, threshold=threshold),
        manifest,
        limit=limit,
    )
    peer = multif0.evaluate_estimator(peers.basic_pitch_multi_f0, manifest, limit=limit)
    record.update(
        threshold=threshold,
        valid_accuracy=valid_acc,
        test_clips=limit,
        test=ours,
        test_basic_pitch=peer,
        widths=list(setup.info["widths"]),
    )
    size = {v: k for k, v in multif0.WIDTHS.items()}[tuple(setup.info["widths"])]
    metrics = _metrics(
        limit or len(manifest.split("test")), ours=ours, basic_pitch={"accuracy": peer["accuracy"]}
    )
    meta = {"threshold": threshold, "size": size}
    builder, kwargs = "course_lib.models.salience.deep_salience", {"size": size}
    _export(args, f"salience_{size}", model, meta, record, builder, kwargs, metrics)


def run_instrument(args) -> None:
    from course_lib.tasks import instrument

    setup, model, record = _train("instrument", args)
    manifest = load_dataset("instruments", args.size, root=args.root, seed=args.seed)
    record.update(
        test=instrument.evaluate_classifier(model, manifest, limit=args.test_clips),
        test_clips=args.test_clips,
        width=setup.info["width"],
        dense=setup.info["dense"],
    )
    test = record["test"]
    metrics = _metrics(args.test_clips or len(manifest.split("test")), ours=test)
    metrics["chance"] = round(1 / len(instrument.CLASSES), 3)
    kwargs = {"num_classes": len(instrument.CLASSES), "width": record["width"]}
    kwargs.update(dense=record["dense"], batch_norm=True)
    meta = {"classes": list(instrument.CLASSES)}
    builder = "course_lib.models.instrument.instrument_cnn"
    _export(args, "instrument_cnn", model, meta, record, builder, kwargs, metrics)


def run_activity(args) -> None:
    from course_lib.tasks import activity

    setup, model, record = _train("activity", args)
    norm = (setup.info["mean"], setup.info["std"])
    manifest = load_dataset("activity", args.size, root=args.root, seed=args.seed)
    threshold, valid_f = activity.fit_threshold(model, manifest, "valid", args.test_clips)
    record.update(
        threshold=threshold,
        valid_f1=valid_f,
        test_clips=args.test_clips,
        test=activity.evaluate_detector(
            lambda y, sr: activity.detect_activity(y, sr, model=model, threshold=threshold)[1],
            manifest,
            limit=args.test_clips,
        ),
        test_energy_baseline=activity.evaluate_detector(
            activity.energy_activity, manifest, limit=args.test_clips
        ),
    )
    meta = {"mean": norm[0], "std": norm[1], "threshold": threshold}
    baseline = record["test_energy_baseline"]
    metrics = _metrics(
        args.test_clips or len(manifest.split("test")),
        ours=record["test"],
        energy_baseline={"accuracy": baseline["accuracy"], "f1": baseline["f1"]},
    )
    builder = "course_lib.models.instrument.ActivityCNN"
    _export(args, "activity_cnn", model, meta, record, builder, {}, metrics)


def run_tagging(args) -> None:
    import numpy as np
    from sklearn.metrics import f1_score

    from course_lib import audio, metrics
    from course_lib.data.generate import TAGS
    from course_lib.tasks import tagging

    setup, model, record = _train("tagging", args)
    manifest = load_dataset("tagging", args.size, root=args.root, seed=args.seed)

    def clip_scores(split: str):
        y_true, y_score = [], []
        for item in manifest.split(split)[: args.test_clips]:
            p = tagging.tag_probabilities(*audio.load(manifest.audio_path(item)), model=model)
            y_score.append([p[t] for t in TAGS])
            y_true.append([t in item.labels["tags"] for t in TAGS])
        return np.array(y_true, int), np.array(y_score)

    truth, score = clip_scores("valid")
    candidates = np.round(np.arange(0.1, 0.91, 0.05), 2)
    f1 = [f1_score(truth, score >= t, average="macro", zero_division=0) for t in candidates]
    threshold = float(candidates[int(np.argmax(f1))])
    truth, score = clip_scores("test")
    test = tagging.evaluate_tagger(model, manifest, "test", args.test_clips)
    test["f1_macro"] = float(f1_score(truth, score >= threshold, average="macro", zero_division=0))
    per_tag = metrics.tagging_scores(truth, score, list(TAGS)).per_tag
    test["per_tag_roc_auc"] = {t: s["roc_auc"] for t, s in per_tag.items()}
    architecture = setup.info["model"]
    record.update(
        threshold=threshold,
        valid_f1_macro=float(max(f1)),
        test=test,
        width=setup.info["width"],
        model=architecture,
    )
    if architecture != "short_chunk":  # a comparison run: its own JSON, e.g. tagging_fcn.json
        record["task"] = f"tagging_{architecture}"
    meta = {"threshold": threshold, "tags": list(TAGS), "chunk_seconds": 3.0}
    metrics = _metrics(test["clips"], ours={k: test[k] for k in ("roc_auc", "pr_auc", "f1_macro")})
    function, size_name = {
        "fcn": ("fcn", "width"),
        "musicnn": ("musicnn", "filters"),
        "short_chunk": ("short_chunk_cnn", "width"),
    }[architecture]
    builder = f"course_lib.models.tagging.{function}"
    kwargs = {"num_classes": len(TAGS), size_name: record["width"]}
    _export(args, f"{architecture}_tagger", model, meta, record, builder, kwargs, metrics)


def run_genre(args) -> None:
    """Genre classification (single label, softmax) on the tagging data; not exported."""
    from course_lib import metrics

    args.set = [*args.set, "label=genre"]
    setup, model, record = _train("tagging", args)
    outputs, targets = [], []
    with torch.no_grad():
        for x, y in setup.test_loader:
            outputs.append(model(x).float())
            targets.append(y)
    y_true = torch.cat(targets).numpy()
    y_pred = torch.cat(outputs).argmax(1).numpy()
    classes = list(setup.info["classes"])
    record.update(
        task=f"genre_{setup.info['model']}",
        model=setup.info["model"],
        width=setup.info["width"],
        classes=classes,
        test_clips=len(y_true),
        test={
            "accuracy": metrics.accuracy(y_true, y_pred),
            "f1_macro": metrics.f1_scores(y_true, y_pred)["macro"],
            "confusion": metrics.confusion_matrix(y_true, y_pred, len(classes)).tolist(),
        },
    )
    OUT.mkdir(exist_ok=True)
    (OUT / f"{record['task']}.json").write_text(json.dumps(record, indent=1, default=float))
    print(json.dumps({k: v for k, v in record.items() if k != "history"}, indent=1, default=float))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "task",
        choices=["onset", "pitch", "multif0", "instrument", "activity", "tagging", "genre"],
    )
    parser.add_argument("--size", default="full")
    parser.add_argument("--root", default=None)
    parser.add_argument("--max-clips", type=int, default=None)
    parser.add_argument("--epochs", type=int, default=None)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--test-clips", type=int, default=None)
    parser.add_argument("--init", default=None, help="checkpoint file to start from")
    parser.add_argument(
        "--resume",
        default=None,
        help="a run folder (with last.pt) to continue up to --epochs in total",
    )
    parser.add_argument(
        "--run-dir",
        default=str(Path(tempfile.gettempdir()) / "course_mir_runs"),
        help="where the Trainer keeps last.pt/best.pt",
    )
    parser.add_argument("--set", action="append", default=[], help="extra build_task key=value")
    parser.add_argument(
        "--export-dir",
        default=None,
        help="checkpoint folder to export into (default: the package's course_lib/checkpoints)",
    )
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    globals()[f"run_{args.task}"](args)


if __name__ == "__main__":
    main()
