"""Retrain the shipped pitch model (CREPE-tiny) for real recordings: several SoundFonts, a wide
pitch range, velocity variation and the acoustic augmentation chain.

Lecture: frame-level MIR (pitch estimation) and audio as input (data augmentation). The first
``crepe_tiny`` checkpoint was trained on melodies between MIDI 55 and 84 from one SoundFont
(TimGM6mb) and scored RPA 0.35 on the recorded piano notes of
:mod:`course_lib.data.real.recorded` (0 on every note outside 55-84). This run renders its
training data so that a model cannot memorise one "recording setup":

* **SoundFonts, held out**: training and validation clips are rendered with TimGM6mb, FluidR3
  and GMbank; the rendered test split uses MuseScore, a SoundFont never heard in training
  (and test programs never heard in training either);
* **programs, held out**: the General MIDI programs of the three splits are disjoint;
  pianos, guitars, basses, strings, winds and voices, each in its own pitch range, so the
  union covers MIDI 24-96 (CREPE's output ends at B6, MIDI 95);
* **velocity and timing**: velocities 25-127, tempo 60-150 BPM, melodies and isolated
  sustained notes (decaying, as a piano's), vibrato and glides through pitch bends;
* **acoustic chain**: every epoch, every clip gets a fresh
  :func:`course_lib.data.augment.random_acoustic_chain` (EQ, compression, room, resampling,
  noise down to 0 dB SNR, clipping, mu-law codec), except a fifth of them left clean.

It starts from the shipped checkpoint (same architecture: lectures keep working), trains on
one CPU thread, tunes the voicing threshold on the rendered validation split (never on the
recordings), and reports RPA on the recorded notes and melodies (as
``benchmarks/real_audio.py`` scores them), on the MuseScore test split and on the first 60
test clips of the rendered ``pitch`` dataset (the old model's own test), old model vs new.

Usage::

    OMP_NUM_THREADS=1 python -m benchmarks.train_pitch_real --epochs 5        # writes
    benchmarks/mir/pitch_real.json (and a trial checkpoint in build/pitch_real/)
    python -m benchmarks.train_pitch_real --epochs 5 --export  # into course_lib/checkpoints
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import Dataset

from course_lib.data.augment import random_acoustic_chain
from course_lib.data.datasets import EpochSeeded, make_loader
from course_lib.data.generate import hash_name
from course_lib.data.render import Note, available_soundfonts, render_notes
from course_lib.data.rendered import pitch as rendered_pitch
from course_lib.data.rendered.phrases import f0_from_notes, melody
from course_lib.models.pitch import CREPE, FRAME_LENGTH, SR, cents_to_hz, decode_cents
from course_lib.tasks import pitch

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "mir" / "pitch_real.json"
CACHE = ROOT / "data" / "cache" / "pitch_real"

FONTS = {
    "train": ("TimGM6mb", "FluidR3", "GMbank"),
    "valid": ("TimGM6mb", "FluidR3", "GMbank"),
    "test": ("MuseScore",),
}
# General MIDI program -> (lowest, highest) MIDI pitch it plays here
PROGRAMS = {
    "train": {
        0: (24, 96),  # acoustic grand piano
        2: (28, 96),  # electric grand
        4: (28, 91),  # electric piano 1
        6: (29, 89),  # harpsichord
        11: (53, 89),  # vibraphone
        24: (40, 84),  # nylon guitar
        33: (28, 60),  # electric bass (finger)
        42: (36, 76),  # cello
        40: (55, 96),  # violin
        57: (40, 72),  # trombone
        70: (34, 75),  # bassoon
        71: (50, 91),  # clarinet
        73: (60, 96),  # flute
        65: (49, 81),  # alto sax
        53: (48, 79),  # voice oohs
        19: (36, 96),  # church organ
    },
    "valid": {1: (24, 96), 25: (40, 84), 68: (58, 91), 32: (28, 60)},
    "test": {3: (24, 96), 26: (40, 84), 56: (55, 82), 41: (48, 88), 74: (60, 96), 43: (28, 60)},
}
BENDLESS = {0, 1, 2, 3, 4, 6, 11, 24, 25, 26, 32, 33}  # pianos, mallets, guitars, basses
COUNTS = {"train": 1200, "valid": 60, "test": 60}
DURATION = 3.0
HOP = 160


def make_clip(rng: np.random.Generator, split: str, i: int):
    """Notes, pitch bends and program of clip ``i`` of ``split`` (3 s)."""
    programs = list(PROGRAMS[split])
    program = programs[i % len(programs)]
    lo, hi = PROGRAMS[split][program]
    velocity = (25, 128)
    if rng.random() < 0.3:  # isolated sustained notes with rests between (decay, release)
        notes, t = [], float(rng.uniform(0.05, 0.4))
        while t < DURATION - 0.4:
            length = float(rng.uniform(0.3, 1.6))
            off = min(t + length, DURATION - 0.05)
            notes.append(
                Note(
                    int(rng.integers(lo, hi + 1)),
                    round(t, 4),
                    round(off, 4),
                    int(rng.integers(*velocity)),
                    program,
                )
            )
            t = off + float(rng.uniform(0.05, 0.6))
    else:  # a melody in a window of one to two octaves of the range
        width = int(min(hi - lo, rng.integers(12, 25)))
        low = int(rng.integers(lo, hi - width + 1))
        beat = 60 / float(rng.uniform(60, 150))
        notes = melody(
            rng,
            program,
            0.1,
            DURATION - 0.2,
            low,
            low + width,
            beat,
            velocity,
            rest_prob=0.15,
            legato=float(rng.uniform(0.6, 1.0)),
        )
    bends = (
        []
        if program in BENDLESS
        else rendered_pitch.expressive_bends(
            rng, notes, program, vibrato_rate=(4.5, 7), vibrato_depth=(0.1, 0.4), glide_prob=0.4
        )
    )
    return notes, bends, program


def render_split(split: str, count: int, seed: int = 0) -> dict:
    """Render ``count`` clips of ``split`` (cached as npz): audio, f0 labels, fonts, programs."""
    path = CACHE / f"{split}-{count}-seed{seed}.npz"
    if path.exists():
        data = np.load(path)
        return {k: data[k] for k in data.files}
    fonts = FONTS[split]
    ys, f0s, font_of, programs = [], [], [], []
    t0 = time.time()
    for i in range(count):
        rng = np.random.default_rng([seed, hash_name("pitch_real"), hash_name(split), i])
        notes, bends, program = make_clip(rng, split, i)
        font = fonts[(i // len(PROGRAMS[split])) % len(fonts)]
        y = render_notes(notes, sr=SR, duration=DURATION, soundfont=font, pitch_bends=bends)
        ys.append(y)
        f0s.append(f0_from_notes(notes, bends, DURATION)[1])
        font_of.append(font)
        programs.append(program)
    print(f"[pitch_real] rendered {split}: {count} clips in {time.time() - t0:.0f} s", flush=True)
    out = {
        "y": np.stack(ys),
        "f0": np.stack(f0s).astype(np.float32),
        "font": np.array(font_of),
        "program": np.array(programs),
    }
    CACHE.mkdir(parents=True, exist_ok=True)
    np.savez(path, **out)
    return out


def legacy_test(count: int = 60) -> dict:
    """The first ``count`` test clips of the rendered ``pitch`` dataset (seed 0), in memory."""
    ys, f0s = [], []
    for i in range(count):
        rng = np.random.default_rng([0, hash_name("pitch"), hash_name("test"), i])
        notes, bends, duration, _ = rendered_pitch.make(rng, "test", i)
        ys.append(render_notes(notes, sr=SR, duration=duration, pitch_bends=bends))
        f0s.append(f0_from_notes(notes, bends, duration)[1])
    return {"y": np.stack(ys), "f0": np.stack(f0s).astype(np.float32)}


class AugmentedFrames(EpochSeeded, Dataset):
    """Every ``step``-th 10 ms frame (random phase per clip and epoch) of clips that get a
    fresh acoustic chain every epoch (``clean`` of them: none)."""

    def __init__(
        self, clips: dict, step: int = 10, seed: int = 0, clean: float = 0.2, augment: bool = True
    ):
        self.y, self.f0 = clips["y"], clips["f0"]
        self.step, self.seed, self.clean, self.augment = step, seed, clean, augment
        self._drawn = None
        self.set_epoch(0)

    def set_epoch(self, epoch: int) -> None:
        super().set_epoch(epoch)
        if self._drawn == self.epoch:
            return
        self._drawn = self.epoch
        index, audio = [], []
        for k, y in enumerate(self.y):
            rng = self.clip_rng(k)
            if self.augment and rng.random() >= self.clean and np.any(y):
                y = random_acoustic_chain(y, SR, seed=int(rng.integers(2**31)))
            audio.append(np.pad(y, FRAME_LENGTH // 2))
            phase = int(rng.integers(self.step)) if self.augment else 0
            index.extend((k, j) for j in range(phase, len(self.f0[k]), self.step))
        self.audio = torch.from_numpy(np.stack(audio).astype(np.float32))
        self.index = np.array(index)

    def __len__(self) -> int:
        return len(self.index)

    def __getitem__(self, i: int):
        k, j = self.index[i]
        frame = self.audio[k, j * HOP : j * HOP + FRAME_LENGTH]
        x = CREPE.normalise(frame[None])[0]
        return x, torch.from_numpy(pitch.pitch_target(self.f0[k, j])[0])


def clip_scores(model, clips: dict, threshold: float | None) -> dict:
    """Mean melody metrics over clips (``threshold`` None: the model's own)."""
    rows = []
    times = np.arange(clips["f0"].shape[1]) * HOP / SR
    for y, f0 in zip(clips["y"], clips["f0"]):
        t, est = pitch.estimate_pitch(y, SR, model=model, threshold=threshold)[:2]
        rows.append(pitch.melody_scores(times, f0, t, est))
    return {k: round(float(np.mean([r[k] for r in rows])), 4) for k in rows[0]}


def fit_threshold(model, clips: dict) -> float:
    """Voicing threshold maximising the mean overall accuracy over ``clips``."""
    acts = [pitch.pitch_activation(y, SR, model=model) for y in clips["y"]]
    times = np.arange(clips["f0"].shape[1]) * HOP / SR
    best = (-1.0, 0.5)
    for t in np.arange(0.1, 0.9, 0.05):
        oa = []
        for a, f0 in zip(acts, clips["f0"]):
            est = np.where(a.max(1) >= t, cents_to_hz(decode_cents(a)), 0.0)
            oa.append(
                pitch.melody_scores(times, f0, np.arange(len(est)) * HOP / SR, est)[
                    "overall_accuracy"
                ]
            )
        best = max(best, (float(np.mean(oa)), round(float(t), 2)))
    return best[1]


def real_scores(model, threshold: float | None) -> dict:
    """RPA etc. on the recorded notes (MIDI 24-93) and melodies, as benchmarks/real_audio."""
    from functools import partial

    from benchmarks.real_audio import PITCH_RANGE, _mean, _melody_rows
    from course_lib.data.real import recorded

    lo, hi = PITCH_RANGE
    items = [
        it
        for it in recorded.load_items()
        if it.kind == "melodies" or (it.kind == "notes" and lo <= it.notes[0, 2] <= hi)
    ]
    out = {}
    for kind in ("notes", "melodies"):
        part = [it for it in items if it.kind == kind]
        est = partial(pitch.estimate_pitch, model=model, threshold=threshold)
        res = _mean(_melody_rows(est, part))
        res = {k: res[k] for k in ("rpa", "rca", "overall_accuracy", "voicing_recall")}
        every = partial(pitch.estimate_pitch, model=model, threshold=0.0)
        res["rpa_every_frame"] = _mean(_melody_rows(every, part))["rpa"]
        out[kind] = res
    return out


def evaluate(model, threshold, sets: dict) -> dict:
    model.eval()
    out = {"real": real_scores(model, threshold)}
    for name, clips in sets.items():
        out[name] = clip_scores(model, clips, threshold)
    return out


def main(argv=None) -> int:
    from course_lib.checkpoints import export_checkpoint, load_checkpoint
    from course_lib.train import Trainer

    parser = argparse.ArgumentParser(prog="python -m benchmarks.train_pitch_real")
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--train-clips", type=int, default=COUNTS["train"])
    parser.add_argument("--step", type=int, default=10, help="every step-th 10 ms frame")
    parser.add_argument("--lr", type=float, default=5e-4)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--scratch", action="store_true", help="do not start from crepe_tiny")
    parser.add_argument("--export", action="store_true", help="into course_lib/checkpoints")
    parser.add_argument("--export-dir", default=str(ROOT / "build" / "pitch_real"))
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    missing = [f for fs in FONTS.values() for f in fs if f not in available_soundfonts()]
    if missing:
        raise SystemExit(
            f"SoundFonts missing: {missing} (as root: COURSE_SOUNDFONTS=all bash .ci/install.sh)"
        )

    t0 = time.time()
    train = render_split("train", args.train_clips, args.seed)
    valid = render_split("valid", COUNTS["valid"], args.seed)
    test = render_split("test", COUNTS["test"], args.seed)
    legacy = legacy_test(60)
    t_data = time.time() - t0
    sets = {"test_musescore": test, "test_pitch_dataset": legacy}

    old, old_meta = load_checkpoint("crepe_tiny")
    old_results = evaluate(old, None, sets)
    old_results["threshold"] = float(old_meta.get("threshold", 0.5))
    print("[pitch_real] old:", json.dumps(old_results), flush=True)

    torch.manual_seed(args.seed)
    model = CREPE("tiny")
    if not args.scratch:
        model.load_state_dict(old.state_dict())
    train_set = AugmentedFrames(train, args.step, args.seed)
    valid_set = AugmentedFrames(valid, 5, args.seed, augment=False)

    run_dir = ROOT / "build" / "pitch_real" / f"run-{int(time.time())}"
    trainer = Trainer(
        model,
        pitch.salience_loss,
        lr=args.lr,
        seed=args.seed,
        progress=False,
        device="cpu",
        metrics_fn=pitch.frame_rpa,
        monitor="valid_rpa",
        mode="max",
        checkpoint_dir=run_dir,
    )
    t0 = time.time()
    history = trainer.fit(
        make_loader(train_set, args.batch, shuffle=True, seed=args.seed),
        make_loader(valid_set, 512),
        num_epochs=args.epochs,
    )
    t_train = time.time() - t0
    trainer.load_checkpoint(run_dir / "best.pt")
    model = trainer.model.eval()
    threshold = fit_threshold(model, valid)
    new_results = evaluate(model, threshold, sets)
    new_results["threshold"] = threshold
    print("[pitch_real] new:", json.dumps(new_results), flush=True)

    record = {
        "task": "pitch",
        "size": "pitch_real (benchmarks/train_pitch_real.py)",
        "train_clips": args.train_clips,
        "train_frames_per_epoch": len(train_set),
        "fonts": {k: list(v) for k, v in FONTS.items()},
        "programs": {k: sorted(v) for k, v in PROGRAMS.items()},
        "augmentation": "random_acoustic_chain (snr 0-40 dB), 20% clean",
        "epochs": args.epochs,
        "lr": args.lr,
        "batch": args.batch,
        "seed": args.seed,
        "init": None if args.scratch else "crepe_tiny (previous checkpoint)",
        "seconds_data": round(t_data, 1),
        "seconds_train": round(t_train, 1),
        "best_epoch": trainer.epoch,
        "history": history,
        "machine": f"{platform.machine()}, {torch.get_num_threads()} thread, CPU only",
        "old": old_results,
        "new": new_results,
    }
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(json.dumps(record, indent=1, default=float) + "\n")
    print(f"[pitch_real] wrote {OUT}; train {t_train:.0f} s", flush=True)

    test_record = {k: v for k, v in record.items() if k not in ("old", "new")}
    test_record["test"] = new_results["test_musescore"]
    metrics = {
        "clips": COUNTS["test"],
        **{k: round(v, 3) for k, v in new_results["test_musescore"].items()},
        "real_notes_rpa": new_results["real"]["notes"]["rpa"],
        "real_melodies_rpa": new_results["real"]["melodies"]["rpa"],
        "pitch_dataset_test_rpa": new_results["test_pitch_dataset"]["rpa"],
    }
    directory = None if args.export else args.export_dir
    Path(args.export_dir).mkdir(parents=True, exist_ok=True)
    entry = export_checkpoint(
        "crepe_tiny",
        model,
        {"threshold": threshold, "capacity": "tiny"},
        test_record,
        directory=directory,
        builder="course_lib.models.pitch.crepe",
        kwargs={"capacity": "tiny"},
        metrics=metrics,
    )
    print(json.dumps({k: entry[k] for k in ("file", "sha256")}), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
