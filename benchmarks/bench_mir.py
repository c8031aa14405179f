"""MIR tasks: our shipped CNNs vs the published tools, on the same audio, on the CPU.

Speed: seconds to process the same 10 s of rendered music (ours / peer, measured in this
run; real-time factors in ``results/mir.json``). Quality: onset, pitch and multi-F0 scores on
the real-audio development set (``benchmarks/mir/real_audio.json``, written by
``benchmarks/real_audio.py``: the same recordings for ours and each peer) and the tagging
models' held-out rendered test scores (``benchmarks/mir/tagging*.json``), as ratios
ours / peer; those scores are deterministic, so they are read, not re-measured. A peer that
is not installed is reported as missing, not skipped silently.
"""

from __future__ import annotations

import json
from functools import partial
from pathlib import Path

import numpy as np
import torch

from course_lib import checkpoints, params, peers
from course_lib.data import load_example
from course_lib.models import tagging as tagging_models
from course_lib.tasks import multif0, onset, pitch, tagging

from ._harness import Row, report, time_call

MIR = Path(__file__).resolve().parent / "mir"
SECONDS = 10.0


def _music(sr: int = 22050) -> np.ndarray:
    """10 s of rendered music: the course's three examples, repeated."""
    parts = [load_example(name, sr)[0] for name in ("arpeggio", "chords", "scale")]
    y = np.concatenate(parts)
    return np.tile(y, int(np.ceil(SECONDS * sr / len(y))))[: int(SECONDS * sr)]


def _speed_rows(y: np.ndarray, sr: int) -> tuple[list[Row], list[str]]:
    rows, missing = [], []
    onset_model = checkpoints.load_checkpoint("onset_cnn")[0]
    crepe = checkpoints.load_checkpoint("crepe_tiny")[0]
    salience = checkpoints.load_checkpoint("salience_small")[0]
    ours = {
        "onsets": partial(onset.detect_onsets, y, sr, model=onset_model, threshold=0.5),
        "pitch": partial(pitch.estimate_pitch, y, sr, model=crepe),
        "pitch (vs full)": partial(pitch.estimate_pitch, y, sr, model=crepe),
        "multi-F0": partial(multif0.estimate_multi_f0, y, sr, model=salience),
    }
    theirs = {
        "onsets": ("librosa onset_detect", partial(peers.librosa_onsets, y, sr)),
        "pitch": ("torchcrepe tiny", partial(peers.torchcrepe_pitch, y, sr, "tiny")),
        "pitch (vs full)": ("torchcrepe full", partial(peers.torchcrepe_pitch, y, sr, "full")),
        "multi-F0": ("Basic Pitch", partial(peers.basic_pitch_multi_f0, y, sr)),
    }
    for task, fn in ours.items():
        name, peer = theirs[task]
        try:
            t_peer = time_call(peer, repeat=3)
        except ImportError as err:
            missing.append(f"{name}: {err}")
            continue
        t_ours = time_call(fn, repeat=3)
        rows.append(
            Row(
                f"{task}: {SECONDS:g} s of audio, CPU",
                t_ours,
                t_peer,
                name,
                target="report",
                extra={
                    "realtime_factor_ours": SECONDS / t_ours,
                    "realtime_factor_peer": SECONDS / t_peer,
                },
            )
        )
    # tagging: the shipped short-chunk ResCNN vs an FCN of the same width, same code path
    torch.manual_seed(0)
    short_chunk = checkpoints.load_checkpoint("short_chunk_tagger")[0]
    fcn = tagging_models.fcn(num_classes=len(tagging.tag_probabilities(y, sr, model=short_chunk)))
    fcn.eval()
    t_short = time_call(partial(tagging.tag_probabilities, y, sr, model=short_chunk), repeat=3)
    t_fcn = time_call(partial(tagging.tag_probabilities, y, sr, model=fcn), repeat=3)
    rows.append(
        Row(
            f"tagging: {SECONDS:g} s, short-chunk ResCNN vs FCN (width 32), CPU",
            t_short,
            t_fcn,
            "FCN",
            target="report",
            extra={
                "params_ours": params.count_params(short_chunk),
                "params_fcn": params.count_params(fcn),
                "realtime_factor_ours": SECONDS / t_short,
            },
        )
    )
    return rows, missing


def _quality_rows() -> list[Row]:
    def record(task: str) -> dict:
        return json.loads((MIR / f"{task}.json").read_text())

    rows = []
    # onset, pitch and multi-F0 on the real-audio development set (benchmarks/real_audio.py):
    # the same recordings for ours and every peer
    real = record("real_audio")

    def real_row(case: str, part: dict, ours: str, peer: str, path: tuple[str, ...]):
        def value(system):
            v = part[system]
            for key in path:
                v = v[key]
            return v

        return Row(case, value(ours), value(peer), peer, unit="", target="report")

    onsets, noisy = real["onsets"], "all, white noise 5 dB SNR"
    for peer in ("madmom CNN", "librosa onset_detect"):
        rows.append(
            real_row("onset F ±50 ms, 48 recorded clips", onsets, "ours: onset_cnn", peer,
                     ("all", "f_measure"))
        )  # fmt: skip
        rows.append(
            real_row("onset F ±50 ms, the same at 5 dB SNR", onsets, "ours: onset_cnn", peer,
                     (noisy, "f_measure"))
        )  # fmt: skip
    pitch = real["pitch"]
    for peer in ("torchcrepe tiny", "PESTO", "pyin"):
        for kind, n in (("notes", 48), ("melodies", 12)):
            rows.append(
                real_row(f"pitch RPA, {n} recorded piano {kind}", pitch, "ours: crepe_tiny", peer,
                         (kind, "rpa"))
            )  # fmt: skip
    multi = real["multif0"]
    for peer in ("Basic Pitch", "madmom piano CNN"):
        for kind in ("chords", "melodies"):
            rows.append(
                real_row(f"multi-F0 accuracy, 12 recorded piano {kind}", multi,
                         "ours: salience_small", peer, (kind, "accuracy"))
            )  # fmt: skip
    if (MIR / "tagging_fcn.json").exists():  # both trained with the same recipe and data
        t, f = record("tagging"), record("tagging_fcn")
        for metric in ("roc_auc", "pr_auc"):
            rows.append(
                Row(
                    f"tagging {metric.replace('_', '-').upper()}: short-chunk ResCNN "
                    f"({t['params']:,} params) vs FCN ({f['params']:,}), "
                    f"{t['test']['clips']} clips",
                    t["test"][metric],
                    f["test"][metric],
                    "FCN",
                    unit="",
                    target="report",
                )
            )
    return rows


def run() -> str:
    sr = 22050
    y = _music(sr)
    rows, missing = _speed_rows(y, sr)
    rows += _quality_rows()
    notes = (
        "Speed rows: the same 10 s of rendered music through our function and the peer's, "
        "in this run (real-time factors in results/mir.json). Quality rows: the real-audio "
        "development set (benchmarks/mir/real_audio.json, benchmarks/real_audio.py), the same "
        "recordings for ours and the peer; tagging: held-out rendered songs."
    )
    if missing:
        notes += " Not measured (peer not installed): " + "; ".join(missing)
    return report("mir", "MIR tasks: shipped CNNs vs published tools", rows, notes)
