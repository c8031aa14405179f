"""The shipped MIR checkpoints and the peer tools on real recordings (the recorded-samples set).

Lecture: event- and frame-level MIR (onsets, pitch, multiple F0): the course's CNNs were
trained on rendered audio only; this runs them and every installed peer on the real-audio
development set of :mod:`course_lib.data.real.recorded` (Salamander piano notes, Sonic Pi's
drum and tabla strokes) and scores them with mir_eval:

* onsets: F-measure, precision, recall at ±50 ms (and the F-measure at ±25 ms), mean over
  the clips of ``melodies``, ``chords``, ``drums`` and ``mixes``, and again with white noise
  added at 5 dB SNR (the same noise for every system);
* pitch: RPA, RCA and overall accuracy (mean over clips) on the single ``notes`` whose
  pitch is in the range of CREPE's output (C1-A6, MIDI 24-93) and on the ``melodies``, with
  each tool's own voicing decision, and RPA with an f0 in every frame (voicing threshold 0)
  for the tools that allow it; the two CREPEs decoded both ways (frame by frame and along
  a Viterbi path; torchcrepe's own Viterbi, see :func:`course_lib.peers.torchcrepe_pitch`);
* multiple F0: mir_eval multipitch accuracy (mean over clips) on ``chords`` and
  ``melodies``, against the notes sampled every 10 ms.

Usage::

    python -m benchmarks.real_audio            # writes benchmarks/mir/real_audio.json

A peer that is not installed is listed under ``"missing"`` with its ImportError, not
skipped silently. Runs on one CPU thread (about ten minutes on a shared 2-core machine).
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

import numpy as np
import torch

from course_lib import peers
from course_lib.data.augment import add_noise
from course_lib.data.real import recorded
from course_lib.tasks import multif0, onset, pitch

OUT = Path(__file__).resolve().parent / "mir" / "real_audio.json"
ONSET_KINDS = ("melodies", "chords", "drums", "mixes")
PITCH_KINDS = ("notes", "melodies")
MULTIF0_KINDS = ("chords", "melodies")
NOISY_SNR_DB = 5.0
NOISY_KEY = f"all, white noise {NOISY_SNR_DB:g} dB SNR"
PITCH_RANGE = (24, 93)  # C1-A6: inside CREPE's 32.7-1975 Hz output range

ONSET_SYSTEMS: dict[str, Callable] = {
    "ours: onset_cnn": onset.detect_onsets,
    "spectral flux": peers.spectral_flux_onsets,
    "librosa onset_detect": peers.librosa_onsets,
    "madmom CNN": partial(peers.madmom_onsets, kind="cnn"),
    "madmom RNN": partial(peers.madmom_onsets, kind="rnn"),
}
# name -> (default voicing, f0 in every frame or None)
PITCH_SYSTEMS: dict[str, tuple[Callable, Callable | None]] = {
    "ours: crepe_tiny": (pitch.estimate_pitch, partial(pitch.estimate_pitch, threshold=0.0)),
    "ours: crepe_tiny, argmax decoding": (
        partial(pitch.estimate_pitch, decoder="argmax"),
        partial(pitch.estimate_pitch, decoder="argmax", threshold=0.0),
    ),
    "torchcrepe tiny": (
        partial(peers.torchcrepe_pitch, capacity="tiny"),
        partial(peers.torchcrepe_pitch, capacity="tiny", voicing_threshold=0.0),
    ),
    "torchcrepe tiny, its Viterbi decoding": (
        partial(peers.torchcrepe_pitch, capacity="tiny", decoder="viterbi"),
        partial(peers.torchcrepe_pitch, capacity="tiny", voicing_threshold=0.0, decoder="viterbi"),
    ),
    "PESTO": (peers.pesto_pitch, partial(peers.pesto_pitch, voicing_threshold=0.0)),
    "pyin": (peers.pyin_pitch, None),
}
MULTIF0_SYSTEMS: dict[str, Callable] = {
    "ours: salience_small": multif0.estimate_multi_f0,
    "Basic Pitch": peers.basic_pitch_multi_f0,
    "madmom piano CNN": peers.madmom_multi_f0,
}


def _mean(rows: list[dict[str, float]]) -> dict[str, float]:
    return {k: round(float(np.mean([r[k] for r in rows])), 4) for k in rows[0]}


def _try(name: str, fn: Callable, missing: dict[str, str]):
    """``fn()``, or None when the tool is not installed (recorded in ``missing``)."""
    try:
        return fn()
    except ImportError as err:
        missing[name] = str(err)
        return None


def score_onsets(detect: Callable, items, estimates=None) -> dict:
    """Onset scores of ``detect(y, sr) -> times`` on the recorded items: all clips (±50 and
    ±25 ms), each kind, and all clips with white noise at 5 dB SNR (noise seed = clip index)."""
    refs = [it.onsets for it in items]
    ests = estimates if estimates is not None else [detect(it.y, it.sr) for it in items]
    res = {"all": onset.onset_scores(refs, ests, 0.05)}
    res["all"]["f_measure_25ms"] = onset.onset_scores(refs, ests, 0.025)["f_measure"]
    for kind in ONSET_KINDS:
        idx = [k for k, it in enumerate(items) if it.kind == kind]
        res[kind] = onset.onset_scores([refs[k] for k in idx], [ests[k] for k in idx], 0.05)
    noisy = [detect(add_noise(it.y, NOISY_SNR_DB, seed=k), it.sr) for k, it in enumerate(items)]
    res[NOISY_KEY] = onset.onset_scores(refs, noisy, 0.05)
    return {part: {k: round(v, 4) for k, v in scores.items()} for part, scores in res.items()}


def run_onsets(items, missing: dict[str, str]) -> dict:
    """Onset scores per system: all clips and per kind."""
    out = {}
    for name, detect in ONSET_SYSTEMS.items():
        t0 = time.perf_counter()
        ests = _try(name, lambda detect=detect: [detect(it.y, it.sr) for it in items], missing)
        if ests is None:
            continue
        out[name] = score_onsets(detect, items, ests)
        out[name]["seconds"] = round(time.perf_counter() - t0, 1)
        print(f"onsets  {name:24s} F {out[name]['all']['f_measure']:.3f}", flush=True)
    return out


def _melody_rows(estimate: Callable, items) -> list[dict[str, float]]:
    rows = []
    for it in items:
        times, f0 = estimate(it.y, it.sr)[:2]
        rows.append(pitch.melody_scores(it.f0[0], it.f0[1], times, f0))
    return rows


def run_pitch(items, missing: dict[str, str]) -> dict:
    """Melody metrics per system and kind, with its own voicing and with f0 everywhere."""
    out = {}
    for name, (estimate, unvoiced_too) in PITCH_SYSTEMS.items():
        t0 = time.perf_counter()
        res = {}
        for kind in PITCH_KINDS:
            part = [it for it in items if it.kind == kind]
            rows = _try(name, lambda e=estimate, p=part: _melody_rows(e, p), missing)
            if rows is None:
                break
            res[kind] = _mean(rows)
            keep = ("rpa", "rca", "overall_accuracy", "voicing_recall")
            res[kind] = {k: res[kind][k] for k in keep}
            if unvoiced_too is not None:
                res[kind]["rpa_every_frame"] = _mean(_melody_rows(unvoiced_too, part))["rpa"]
        if res:
            res["seconds"] = round(time.perf_counter() - t0, 1)
            out[name] = res
            print(f"pitch   {name:24s} RPA notes {res['notes']['rpa']:.3f}", flush=True)
    return out


def run_multif0(items, missing: dict[str, str]) -> dict:
    """Multipitch accuracy, precision, recall per system and kind."""
    out = {}
    for name, estimate in MULTIF0_SYSTEMS.items():
        t0 = time.perf_counter()
        res = {}
        for kind in MULTIF0_KINDS:
            part = [it for it in items if it.kind == kind]

            def rows(e=estimate, p=part):
                scores = []
                for it in p:
                    times, f0s = e(it.y, it.sr)
                    ref_t = np.arange(int(it.duration / 0.01)) * 0.01
                    ref = multif0.notes_to_multi_f0(it.notes, ref_t)
                    scores.append(multif0.multipitch_scores(ref_t, ref, times, f0s))
                return scores

            scores = _try(name, rows, missing)
            if scores is None:
                break
            res[kind] = _mean(scores)
        if res:
            res["seconds"] = round(time.perf_counter() - t0, 1)
            out[name] = res
            print(f"multif0 {name:24s} acc chords {res['chords']['accuracy']:.3f}", flush=True)
    return out


def main(argv: list[str] | None = None) -> int:
    """Run every system on the set and write the JSON (``--out``)."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.real_audio")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--root", default=None, help="the recorded samples' folder")
    parser.add_argument("--only", choices=["onsets", "pitch", "multif0"], action="append")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    t0 = time.perf_counter()
    items = recorded.load_items(root=args.root)
    lo, hi = PITCH_RANGE
    pitch_items = [
        it
        for it in items
        if it.kind == "melodies" or (it.kind == "notes" and lo <= it.notes[0, 2] <= hi)
    ]
    missing: dict[str, str] = {}
    result = {
        "dataset": {
            "name": "recorded samples (course_lib.data.real.recorded), seed 0",
            "sources": {k: v["package"] for k, v in recorded.SOURCES.items()},
            "clips": {k: sum(it.kind == k for it in items) for k in recorded.KINDS},
            "pitch_notes_in_range": sum(it.kind == "notes" for it in pitch_items),
            "seconds_of_audio": round(sum(it.duration for it in items), 1),
        },
        "machine": f"{platform.machine()}, {platform.python_version()}, torch 1 thread",
    }
    tasks = args.only or ["onsets", "pitch", "multif0"]
    if "onsets" in tasks:
        result["onsets"] = run_onsets([it for it in items if it.kind in ONSET_KINDS], missing)
    if "pitch" in tasks:
        result["pitch"] = run_pitch(pitch_items, missing)
    if "multif0" in tasks:
        result["multif0"] = run_multif0([it for it in items if it.kind in MULTIF0_KINDS], missing)
    result["missing"] = missing
    result["seconds"] = round(time.perf_counter() - t0, 1)
    if args.only and args.out.is_file():  # keep the other tasks' rows of an earlier run
        earlier = json.loads(args.out.read_text())
        result = {**earlier, **result, "missing": {**earlier.get("missing", {}), **missing}}
    args.out.write_text(json.dumps(result, indent=1) + "\n")
    print(f"wrote {args.out} ({result['seconds']} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
