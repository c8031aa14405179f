"""Retrain the shipped multiple-F0 model (deep salience, small) for real recordings: several
SoundFonts, many polyphonic programs, chords, arpeggios and accompanied melodies, and the
acoustic augmentation chain.

Lecture: frame-level MIR (multiple F0) and audio as input (data augmentation). The first
``salience_small`` checkpoint was trained on four-voice Bach chorales rendered with one
SoundFont (TimGM6mb) and scored a multipitch accuracy of 0.565 on the recorded piano chords
and 0.685 on the recorded piano melodies of :mod:`course_lib.data.real.recorded`. This run
renders training data that no single "recording setup" explains, as
``benchmarks/train_pitch_real.py`` does for pitch:

* **SoundFonts, held out**: training and validation clips are rendered with TimGM6mb, FluidR3
  and GMbank; the rendered test split uses MuseScore, a SoundFont never heard in training;
* **programs, held out**: the General MIDI programs of the three splits are disjoint. Pianos
  (programs 0-7) play half of the clips, the others go to polyphonic instruments (mallets,
  organs, guitars, harp, strings, choir, pads), each in its own range within MIDI 28-95;
* **textures**: block chords of 2-6 notes (random clusters or stacked voicings, anywhere in
  the range, held, cut short or overlapping as with a pedal), arpeggios, melodies over
  chords (often on a second program), solo melodies (the textures of the recorded set) and
  excerpts of the Bach chorales of :mod:`course_lib.data.rendered.multif0` on other programs
  and SoundFonts (the old training material, kept); velocities 25-127, tempi 60-180 BPM;
* **acoustic chain**: every epoch, every clip gets a fresh
  :func:`course_lib.data.augment.random_acoustic_chain` (EQ, compression, room, resampling,
  noise down to 0 dB SNR, clipping, mu-law codec) before its harmonic CQT, except a fifth of
  them left clean.

It starts from the shipped checkpoint (same architecture: lectures keep working), trains on
random 50-frame patches on one CPU thread, tunes the peak-picking threshold on the rendered
validation split (never on the recordings), and reports the multipitch accuracy on the
recorded chords and melodies (scored by ``benchmarks/real_audio.py`` itself), on the
MuseScore test split and on the test split of the rendered ``multif0`` dataset (the old
model's own test, smoke size, seed 0), old model vs new.

Usage::

    OMP_NUM_THREADS=1 python -m benchmarks.train_multif0_real           # writes
    benchmarks/mir/multif0_real.json (and a trial checkpoint in build/multif0_real/)
    python -m benchmarks.train_multif0_real --export  # into course_lib/checkpoints
"""

from __future__ import annotations

import argparse
import json
import platform
import time
import warnings
from functools import partial
from pathlib import Path

import numpy as np
import torch

from benchmarks.train_pitch_real import FONTS  # the same SoundFonts per split
from course_lib.data.augment import random_acoustic_chain
from course_lib.data.datasets import EpochSeeded, make_loader
from course_lib.data.generate import hash_name
from course_lib.data.render import Note, available_soundfonts, render_notes
from course_lib.data.rendered import multif0 as rendered_multif0
from course_lib.data.rendered.phrases import melody
from course_lib.models.salience import WIDTHS, DeepSalience
from course_lib.tasks import multif0
from course_lib.tasks.multif0 import SR

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "mir" / "multif0_real.json"
CACHE = ROOT / "data" / "cache" / "multif0_real"

# General MIDI program -> (lowest, highest) MIDI pitch it plays here
PIANOS = {
    "train": {0: (28, 95), 2: (28, 95), 4: (28, 91), 5: (28, 91), 6: (29, 89), 7: (36, 84)},
    "valid": {1: (28, 95)},
    "test": {3: (28, 95)},
}
OTHERS = {
    "train": {
        11: (53, 89),  # vibraphone
        12: (45, 95),  # marimba
        16: (36, 91),  # drawbar organ
        19: (28, 91),  # church organ
        24: (40, 84),  # nylon guitar
        27: (40, 86),  # clean electric guitar
        46: (28, 95),  # harp
        48: (36, 91),  # string ensemble
        52: (48, 79),  # choir aahs
        89: (36, 84),  # warm pad
    },
    "valid": {13: (65, 95), 20: (36, 89), 25: (40, 84), 50: (36, 91)},
    "test": {8: (60, 95), 18: (36, 89), 26: (40, 84), 49: (36, 91)},
}
# texture -> probability of a clip
TEXTURES = {"chords": 0.35, "arpeggios": 0.15, "accompanied": 0.2, "melody": 0.15, "chorale": 0.15}
COUNTS = {"train": 480, "valid": 48, "test": 48}
DURATION = 3.0
VELOCITY = (25, 128)


def _program(rng, split: str) -> tuple[int, tuple[int, int]]:
    """A piano half of the time, another polyphonic program otherwise, and its range."""
    table = PIANOS[split] if rng.random() < 0.5 else OTHERS[split]
    program = int(rng.choice(sorted(table)))
    return program, table[program]


def _chord_pitches(rng, lo: int, hi: int) -> list[int]:
    """2-6 distinct pitches in ``lo..hi``: a random cluster or a stacked (inverted) voicing."""
    size = int(rng.integers(2, 7))
    span = int(min(hi - lo, rng.integers(max(7, 2 * size), 37)))
    bottom = int(rng.integers(lo, hi - span + 1))
    if rng.random() < 0.5:
        pool = np.arange(bottom, bottom + span + 1)
        return sorted(int(p) for p in rng.choice(pool, size=min(size, len(pool)), replace=False))
    shape = [(0, 4, 7), (0, 3, 7), (0, 4, 7, 10), (0, 3, 7, 10), (0, 4, 7, 11), (0, 3, 6)]
    intervals = shape[int(rng.integers(len(shape)))]
    root = bottom + int(rng.integers(0, 12))
    pitches = {root + i + 12 * int(rng.integers(0, 3)) for i in intervals}
    pitches |= {root + 12 * k for k in range(1, 3) if rng.random() < 0.3}  # octave doublings
    inside = sorted(p for p in pitches if lo <= p <= min(hi, bottom + span))
    return inside[:size] if len(inside) >= 2 else [bottom, bottom + 7]


def _chords(rng, program, lo, hi, start, end, arpeggio=False) -> list[Note]:
    """Chords one after another (``arpeggio``: broken, note by note) between two times."""
    notes, t = [], start
    while t < end - 0.2:
        ioi = float(rng.uniform(0.3, 1.2))
        pitches = _chord_pitches(rng, lo, hi)
        if rng.random() < 0.2:  # held over the next chord (a pedal)
            hold = ioi * float(rng.uniform(1.0, 2.0))
        else:  # cut short or held to the next chord
            hold = ioi * float(rng.uniform(0.4, 1.0))
        step = float(rng.uniform(0.06, 0.25)) if arpeggio else 0.0
        if rng.random() < 0.5:
            pitches = pitches[::-1] if rng.random() < 0.5 else list(rng.permutation(pitches))
        base = int(rng.integers(*VELOCITY))
        for k, p in enumerate(pitches):
            on = t + k * step
            off = min(on + max(hold - k * step, 0.1), end)
            if off - on < 0.05:
                break
            vel = int(np.clip(base + rng.integers(-15, 16), 1, 127))
            notes.append(Note(int(p), round(on, 4), round(off, 4), vel, program))
        t += ioi + (len(pitches) - 1) * step * float(rng.random() < 0.5)
    return notes


def _melody(rng, program, lo, hi, start, end) -> list[Note]:
    """A diatonic melody in a window of one to two octaves of ``lo..hi``."""
    width = int(min(hi - lo, rng.integers(12, 25)))
    low = int(rng.integers(lo, hi - width + 1))
    tempo, legato = float(rng.uniform(60, 180)), float(rng.uniform(0.5, 1.0))
    return melody(rng, program, start, end, low, low + width, 60 / tempo, VELOCITY, 0.1, legato)


def _chorale(rng, split: str, i: int, program: int) -> list[Note]:
    """An excerpt of a Bach chorale of the split's chorales, on ``program``, cut to a clip."""
    notes = rendered_multif0.make(rng, split, i)[0]
    return [
        Note(
            n.pitch,
            n.onset,
            round(min(n.offset, DURATION - 0.05), 4),
            int(rng.integers(*VELOCITY)),
            program,
        )
        for n in notes
        if n.onset < DURATION - 0.2
    ]


def make_clip(rng: np.random.Generator, split: str, i: int) -> tuple[list[Note], str]:
    """Notes and texture of clip ``i`` of ``split`` (3 s)."""
    texture = str(rng.choice(list(TEXTURES), p=list(TEXTURES.values())))
    program, (lo, hi) = _program(rng, split)
    start, end = float(rng.uniform(0.0, 0.3)), DURATION - 0.05
    if texture in ("chords", "arpeggios"):
        notes = _chords(rng, program, lo, hi, start, end, arpeggio=texture == "arpeggios")
    elif texture == "melody":
        notes = _melody(rng, program, lo, hi, start, end)
    elif texture == "accompanied":  # melody above, chords or arpeggios below
        split_at = int(rng.integers(lo + (hi - lo) // 3, lo + 2 * (hi - lo) // 3 + 1))
        lead, (lead_lo, lead_hi) = (
            (program, (lo, hi)) if rng.random() < 0.5 else _program(rng, split)
        )
        top = max(lead_lo, split_at)
        notes = _melody(rng, lead, top, max(lead_hi, top + 12), start, end)
        notes += _chords(rng, program, lo, max(split_at, lo + 12), start, end, rng.random() < 0.4)
        notes = [n for n in notes if 28 <= n.pitch <= 95]
    else:
        notes = _chorale(rng, split, i, program)
    if not notes:  # a chorale excerpt that starts in a long rest
        notes, texture = _chords(rng, program, lo, hi, start, end), "chords"
    return notes, texture


def note_rows(notes) -> np.ndarray:
    """``(onset, offset, pitch)`` rows of a note list, as the multif0 labels store them."""
    return np.array([[n.onset, n.offset, n.pitch] for n in notes], dtype=np.float64).reshape(-1, 3)


def render_split(split: str, count: int, seed: int = 0) -> dict:
    """Render ``count`` clips of ``split`` (cached as npz): audio, notes, fonts, programs."""
    path = CACHE / f"{split}-{count}-seed{seed}.npz"
    if path.exists():
        return dict(np.load(path))
    fonts = FONTS[split]
    ys, rows, font_of, textures, n_programs = [], [], [], [], []
    t0 = time.time()
    for i in range(count):
        rng = np.random.default_rng([seed, hash_name("multif0_real"), hash_name(split), i])
        notes, texture = make_clip(rng, split, i)
        font = fonts[i % len(fonts)]
        ys.append(render_notes(notes, sr=SR, duration=DURATION, soundfont=font))
        rows.append(np.column_stack([np.full(len(notes), i), note_rows(notes)]))
        font_of.append(font)
        textures.append(texture)
        n_programs.append(len({n.program for n in notes}))
    print(f"[multif0_real] rendered {split}: {count} clips in {time.time() - t0:.0f} s", flush=True)
    out = {
        "y": np.stack(ys),
        "notes": np.concatenate(rows),  # (clip, onset, offset, pitch)
        "font": np.array(font_of),
        "texture": np.array(textures),
        "n_programs": np.array(n_programs),
    }
    CACHE.mkdir(parents=True, exist_ok=True)
    np.savez(path, **out)
    return out


def clip_notes(clips: dict) -> list[np.ndarray]:
    """The ``(onset, offset, pitch)`` rows of each clip."""
    rows = clips["notes"]
    return [rows[rows[:, 0] == k, 1:] for k in range(len(clips["y"]))]


class AugmentedPatches(multif0.SaliencePatches):
    """Random HCQT patches of clips that get a fresh acoustic chain every epoch (``clean`` of
    them: none), with their target salience (:func:`course_lib.tasks.multif0.salience_target`).
    """

    def __init__(
        self,
        clips: dict,
        patch: int = 50,
        patches_per_clip: int = 4,
        seed: int = 0,
        clean: float = 0.2,
        augment: bool = True,
    ):
        self.y, self.seed, self.clean, self.augment = clips["y"], int(seed), clean, augment
        EpochSeeded.set_epoch(self, 0)
        features = self._draw()
        targets = [
            multif0.salience_target(rows, F.shape[-1])
            for F, rows in zip(features, clip_notes(clips))
        ]
        super().__init__(features, targets, patch, patches_per_clip, seed)
        self._drawn = self.epoch

    def _draw(self) -> list[np.ndarray]:
        out = []
        for k, y in enumerate(self.y):
            rng = self.clip_rng(k, "augment")
            if self.augment and rng.random() >= self.clean and np.any(y):
                y = random_acoustic_chain(y, SR, seed=int(rng.integers(2**31)))
            out.append(multif0.multif0_features(y, SR))
        return out

    def set_epoch(self, epoch: int) -> None:
        super().set_epoch(epoch)
        if self._drawn == self.epoch or not self.augment:
            return
        t0 = time.time()
        self.features = [torch.from_numpy(F.astype(np.float16)) for F in self._draw()]
        self._drawn = self.epoch
        print(f"[multif0_real] epoch features drawn in {time.time() - t0:.0f} s", flush=True)


def salience_loss(logits, target):
    return torch.nn.functional.binary_cross_entropy_with_logits(logits, target)


def clip_scores(model, threshold: float, clips: dict) -> dict:
    """Mean multipitch metrics over in-memory clips, scored as ``evaluate_estimator`` does."""
    estimate = partial(multif0.estimate_multi_f0, model=model, threshold=threshold)
    rows = [
        multif0.clip_multipitch_scores(estimate, y, SR, notes)
        for y, notes in zip(clips["y"], clip_notes(clips))
    ]
    return {k: round(float(np.mean([r[k] for r in rows])), 4) for k in rows[0]}


def real_scores(model, threshold: float) -> dict:
    """Accuracy, precision, recall on the recorded chords and melodies, computed by
    ``benchmarks/real_audio.py``'s own ``run_multif0`` with this model as the only system."""
    from unittest import mock

    from benchmarks import real_audio
    from course_lib.data.real import recorded

    items = recorded.load_items(real_audio.MULTIF0_KINDS)
    estimate = partial(multif0.estimate_multi_f0, model=model, threshold=threshold)
    with mock.patch.dict(real_audio.MULTIF0_SYSTEMS, {"model": estimate}, clear=True):
        res = real_audio.run_multif0(items, {})["model"]
    return {kind: res[kind] for kind in real_audio.MULTIF0_KINDS}


def legacy_scores(model, threshold: float) -> dict:
    """Metrics on the test split of the rendered ``multif0`` dataset (smoke size, seed 0)."""
    from course_lib.data import load_dataset

    manifest = load_dataset("multif0", size="smoke", seed=0)
    estimate = partial(multif0.estimate_multi_f0, model=model, threshold=threshold)
    res = multif0.evaluate_estimator(estimate, manifest, "test")
    return {k: round(v, 4) for k, v in res.items()}


def evaluate(model, threshold: float, test: dict) -> dict:
    model.eval()
    return {
        "real": real_scores(model, threshold),
        "test_musescore": clip_scores(model, threshold, test),
        "test_multif0_dataset": legacy_scores(model, threshold),
    }


def main(argv=None) -> int:
    from course_lib.checkpoints import export_checkpoint, load_checkpoint
    from course_lib.train import Trainer

    parser = argparse.ArgumentParser(prog="python -m benchmarks.train_multif0_real")
    parser.add_argument("--epochs", type=int, default=6)
    parser.add_argument("--max-minutes", type=float, default=35.0, help="of training")
    parser.add_argument("--train-clips", type=int, default=COUNTS["train"])
    parser.add_argument("--valid-clips", type=int, default=COUNTS["valid"])
    parser.add_argument("--test-clips", type=int, default=COUNTS["test"])
    parser.add_argument("--patches", type=int, default=4, help="per clip and epoch")
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--scratch", action="store_true", help="do not start from salience_small")
    parser.add_argument(
        "--export",
        action="store_true",
        help="into course_lib/checkpoints, if it beats the shipped model on the recorded "
        "chords and melodies",
    )
    parser.add_argument("--export-dir", default=str(ROOT / "build" / "multif0_real"))
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    # mir_eval resamples the 11.6 ms estimates onto the 10 ms reference grid, and says so
    warnings.filterwarnings("ignore", category=UserWarning, module="mir_eval")
    absent = sorted({f for fonts in FONTS.values() for f in fonts} - set(available_soundfonts()))
    if absent:
        raise SystemExit(f"install the SoundFonts {absent}: COURSE_SOUNDFONTS=all .ci/install.sh")

    t0 = time.time()
    train = render_split("train", args.train_clips, args.seed)
    valid = render_split("valid", args.valid_clips, args.seed)
    test = render_split("test", args.test_clips, args.seed)
    t_data = time.time() - t0

    old, old_meta = load_checkpoint("salience_small")
    old_threshold = float(old_meta.get("threshold", 0.3))
    old_results = evaluate(old, old_threshold, test)
    old_results["threshold"] = old_threshold
    print("[multif0_real] old:", json.dumps(old_results), flush=True)

    torch.manual_seed(args.seed)
    model = DeepSalience(widths=WIDTHS["small"])
    if not args.scratch:
        model.load_state_dict(old.state_dict())
    t0 = time.time()
    train_set = AugmentedPatches(train, patches_per_clip=args.patches, seed=args.seed)
    valid_set = AugmentedPatches(valid, patches_per_clip=4, seed=args.seed + 1, augment=False)
    t_features = time.time() - t0

    run_dir = ROOT / "build" / "multif0_real" / f"run-{int(time.time())}"
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    cosine = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, args.epochs, args.lr / 10)
    trainer = Trainer(
        model, salience_loss, optimizer=optimizer, scheduler=cosine, device="cpu",
        seed=args.seed, checkpoint_dir=run_dir, progress=False,
    )  # fmt: skip
    loaders = (make_loader(train_set, args.batch, shuffle=True, seed=args.seed),)
    loaders += (make_loader(valid_set, 32),)
    t0 = time.time()
    for epoch in range(1, args.epochs + 1):  # stop early when the next epoch would not fit
        history = trainer.fit(*loaders, num_epochs=epoch)
        elapsed = time.time() - t0
        if elapsed * (epoch + 1) / epoch > 60 * args.max_minutes:
            break
    t_train = time.time() - t0
    trainer.load_checkpoint(run_dir / "best.pt")
    model = trainer.model.eval()
    threshold, valid_accuracy = multif0.fit_threshold(
        model, [F.float().numpy() for F in valid_set.features], clip_notes(valid)
    )
    threshold = round(float(threshold), 2)
    new_results = evaluate(model, threshold, test)
    new_results["threshold"] = threshold
    new_results["valid_accuracy"] = round(float(valid_accuracy), 4)
    print("[multif0_real] new:", json.dumps(new_results), flush=True)

    def share(key, clips):
        values, counts = np.unique(clips[key], return_counts=True)
        return {str(v): int(c) for v, c in zip(values, counts)}

    record = {
        "task": "multif0",
        "size": "multif0_real (benchmarks/train_multif0_real.py)",
        "train_clips": args.train_clips,
        "valid_clips": args.valid_clips,
        "test_clips": args.test_clips,
        "clip_seconds": DURATION,
        "textures": share("texture", train),
        "train_fonts": share("font", train),
        "fonts": {k: list(v) for k, v in FONTS.items()},
        "programs": {k: sorted({**PIANOS[k], **OTHERS[k]}) for k in FONTS},
        "augmentation": "random_acoustic_chain (snr 0-40 dB) per clip and epoch, 20% clean",
        "patches_per_clip": args.patches,
        "epochs": trainer.epoch,
        "lr": f"{args.lr} (Adam), cosine to a tenth over {args.epochs} epochs",
        "batch": args.batch,
        "seed": args.seed,
        "init": None if args.scratch else "salience_small (previous checkpoint)",
        "machine": f"{platform.machine()}, {torch.get_num_threads()} thread, CPU only",
        "seconds": {
            "render": round(t_data, 1),
            "first_features": round(t_features, 1),
            "train": round(t_train, 1),
        },
        "best_epoch": int(np.argmin([h["valid_loss"] for h in history]) + 1),
        "history": history,
        "old": old_results,
        "new": new_results,
    }
    OUT.write_text(json.dumps(record, indent=1, default=float) + "\n")
    print(f"[multif0_real] {OUT.name} written, {t_train / 60:.1f} min of training", flush=True)

    real = new_results["real"]
    better = all(real[kind]["accuracy"] > old_results["real"][kind]["accuracy"] for kind in real)
    if args.export and not better:
        print("[multif0_real] not exported: no better than the shipped model", flush=True)
    directory = None if args.export and better else args.export_dir
    Path(args.export_dir).mkdir(parents=True, exist_ok=True)
    peer = json.loads((OUT.parent / "real_audio.json").read_text())["multif0"]["Basic Pitch"]
    recipe = {k: v for k, v in record.items() if k not in ("old", "new")}
    entry = export_checkpoint(
        "salience_small",
        model,
        {"threshold": threshold, "size": "small"},
        {**recipe, "test": new_results["test_musescore"]},
        builder="course_lib.models.salience.deep_salience",
        kwargs={"size": "small"},
        directory=directory,
        metrics={
            "clips": args.test_clips,
            **{k: round(v, 3) for k, v in new_results["test_musescore"].items()},
            "real_chords_accuracy": real["chords"]["accuracy"],
            "real_melodies_accuracy": real["melodies"]["accuracy"],
            "multif0_dataset_test_accuracy": new_results["test_multif0_dataset"]["accuracy"],
        },
        trained_on=(
            f"{args.train_clips} rendered 3-s clips (benchmarks/train_multif0_real.py): chords, "
            "arpeggios, accompanied and solo melodies and Bach chorale excerpts; pianos and "
            "other polyphonic programs; TimGM6mb, FluidR3 and GMbank; a fresh acoustic chain "
            f"per clip and epoch; fine-tuned from the chorale model for {trainer.epoch} epochs "
            f"on a 1-thread CPU ({t_train / 60:.0f} min); threshold tuned on "
            f"{args.valid_clips} rendered validation clips"
        ),
        headline=(
            f"real piano chords / melodies accuracy {real['chords']['accuracy']:.3f} / "
            f"{real['melodies']['accuracy']:.3f} (Basic Pitch {peer['chords']['accuracy']:.3f}"
            f" / {peer['melodies']['accuracy']:.3f})"
        ),
    )
    print(f"[multif0_real] checkpoint {entry['file']} in {directory or 'the package'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
