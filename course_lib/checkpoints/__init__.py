"""Shipped model checkpoints: one registry entry per model, verified by sha256 on load.

Lecture: the ready-to-use MIR functions (:func:`course_lib.tasks.onset.detect_onsets`,
:func:`course_lib.tasks.pitch.estimate_pitch`, :func:`course_lib.tasks.multif0.estimate_multi_f0`,
:func:`course_lib.tasks.instrument.predict_instrument`,
:func:`course_lib.tasks.activity.detect_activity`, :func:`course_lib.tasks.tagging.predict_tags`)
run on a CPU with these small checkpoints, trained on the course's rendered data (see each
entry's ``trained_on``; the full-size GPU recipes are ``python -m course_lib train TASK
--config full``).

Each entry records the file (named with the start of its sha256, as torchvision does), its
sha256, the model builder and its arguments, the preprocessing the model expects, what it was
trained on and the scores it reached on the held-out rendered test split (programs/instruments
never heard in training). Weights are stored in float16 to keep the files small and loaded
back as float32.
"""

from __future__ import annotations

import functools
import hashlib
import importlib
from pathlib import Path
from typing import Any

import torch

__all__ = ["REGISTRY", "checkpoint_path", "load_checkpoint", "save_checkpoint", "sha256_of"]

HERE = Path(__file__).resolve().parent

REGISTRY: dict[str, dict[str, Any]] = {
    "short_chunk_tagger": {
        "file": "short_chunk_tagger-d844e668.pt",
        "sha256": "d844e66870dfa4d05ffb581695e0850eecb8e91d60708bebf4542a0b82632d8d",
        "model": "course_lib.models.tagging.short_chunk_cnn",
        "kwargs": {"num_classes": 17, "width": 32},
        "preprocessing": (
            "raw mono audio at 22,050 Hz; the model's own LogMelFrontEnd (n_fft 1024, hop 512, "
            "96 mels, log(1 + 10 |mel|), batch norm); course_lib.tasks.tagging."
            "tag_probabilities averages the sigmoid over 3-s windows every 1.5 s; tags in the "
            "order of course_lib.data.generate.TAGS; predict_tags keeps those at or above the "
            "stored threshold"
        ),
        "trained_on": (
            "rendered tagging dataset (full size, seed 0), all 2,000 training songs as random "
            "3-s chunks, 10 epochs, batch 32, Adam 1e-3, on one CPU thread (22 min); "
            "threshold tuned for macro F1 on the 200 validation songs"
        ),
        "test_metrics": {
            "clips": 400,
            "roc_auc": 0.914,
            "pr_auc": 0.838,
            "f1_macro": 0.711,
        },
        "level": "semantic",
        "task": "auto-tagging",
        "headline": "ROC-AUC 0.914, PR-AUC 0.838 (17 tags, unseen instruments)",
        "reference": "ROC-AUC 0.9129, PR-AUC 0.4614 (short-chunk ResCNN, MTAT, Won et al. 2020)",
    },
    "onset_cnn": {
        "file": "onset_cnn-108fdb5d.pt",
        "sha256": "108fdb5d67fc1f68f6247ca4818ae25c6ab59f517ba926b4d9be1a2f1a7a12e1",
        "model": "course_lib.models.onset.onset_cnn",
        "kwargs": {},
        "preprocessing": (
            "course_lib.tasks.onset.onset_features: mono, 22,050 Hz, 3 x 80-band log-mel "
            "(log(1 + 10 |mel|), windows 512/1024/2048, hop 220, 27.5 Hz-11 kHz), "
            "standardised per band with the stored mean/std; peak picking at the stored "
            "threshold, 30 ms apart"
        ),
        "trained_on": (
            "rendered onsets dataset (full size, seed 0), first 250 training clips "
            "(100,000 frames), 4 epochs on a 2-core CPU (17 min); threshold tuned on the 200 "
            "validation clips"
        ),
        "test_metrics": {
            "clips": 400,
            "f_measure_50ms": 0.997,
            "f_measure_25ms": 0.997,
            "precision_50ms": 0.999,
            "recall_50ms": 0.995,
            "librosa_f_measure_50ms": 0.974,
            "librosa_f_measure_25ms": 0.671,
        },
        "level": "event",
        "task": "onset detection",
        "headline": "F 0.997 (±25 ms; librosa 0.671)",
        "reference": "F 0.903 (±25 ms, Schlüter & Böck 2014)",
    },
    "crepe_tiny": {
        "file": "crepe_tiny-6529f975.pt",
        "sha256": "6529f975b52b9d0c36314e61d1823f2010827dbb5e77d3416db8628f8be97a4d",
        "model": "course_lib.models.pitch.crepe",
        "kwargs": {"capacity": "tiny"},
        "preprocessing": (
            "course_lib.tasks.pitch.pitch_frames: mono, 16 kHz, 1024-sample frames centred "
            "every 160 samples (10 ms), each normalised to zero mean and unit variance; "
            "decoding: weighted mean of the cents within 4 bins of the argmax; frames whose "
            "confidence (max salience) is below the stored threshold are unvoiced"
        ),
        "trained_on": (
            "rendered pitch dataset (full size, seed 0), first 300 training clips, every 10th "
            "frame (9,000 frames per epoch), white noise at 10-40 dB SNR, 4 epochs, batch 32, "
            "on a 2-core CPU (18 min); voicing threshold tuned on 60 validation clips"
        ),
        "test_metrics": {
            "clips": 60,
            "rpa": 0.839,
            "rca": 0.873,
            "voicing_recall": 0.900,
            "voicing_false_alarm": 0.039,
            "overall_accuracy": 0.875,
            "torchcrepe_tiny_rpa": 0.938,
            "pyin_rpa": 0.973,
        },
        "level": "frame",
        "task": "pitch estimation",
        "headline": "RPA 0.839 (torchcrepe-tiny 0.938, pyin 0.973)",
        "reference": "RPA 0.967 (CREPE full, MDB-stem-synth)",
    },
    "salience_small": {
        "file": "salience_small-956d3e82.pt",
        "sha256": "956d3e82f4e1f9eb3b878a620b90e681aa467683e47523ea13274293c7d74382",
        "model": "course_lib.models.salience.deep_salience",
        "kwargs": {"size": "small"},
        "preprocessing": (
            "course_lib.tasks.multif0.multif0_features: mono, 22,050 Hz, harmonic CQT "
            "(harmonics 0.5, 1, 2, 3, 4, 5 of 32.7 Hz; 60 bins per octave, 6 octaves, hop 256) "
            "in dB scaled from [-80, 0] to [0, 1]; decoding: local maxima over frequency above "
            "the stored threshold"
        ),
        "trained_on": (
            "rendered multif0 dataset (Bach chorales), the 96 training clips of four smoke-size "
            "renderings (seeds 0-3), six random 50-frame patches per clip and epoch, 6 epochs "
            "on a 1-thread CPU (10 min); threshold tuned on 4 validation clips"
        ),
        "test_metrics": {
            "clips": 16,
            "accuracy": 0.575,
            "precision": 0.707,
            "recall": 0.787,
            "basic_pitch_accuracy": 0.757,
        },
        "level": "frame",
        "task": "multiple F0 estimation",
        "headline": "accuracy 0.575 (Basic Pitch 0.757)",
        "reference": "accuracy 0.557 (Bittner et al. 2017, Bach10)",
    },
    "activity_cnn": {
        "file": "activity_cnn-53115132.pt",
        "sha256": "53115132b95582ff61c525333747d7d7eda03b6c8946baf26c15f9c7cafd8c21",
        "model": "course_lib.models.instrument.ActivityCNN",
        "kwargs": {},
        "preprocessing": (
            "course_lib.tasks.activity.activity_features: mono, 22,050 Hz, 80-band log-mel "
            "(log(1 + 10 |mel|), n_fft 1024, hop 220 = 10 ms), standardised per band with the "
            "stored mean/std; frames with probability >= the stored threshold are active"
        ),
        "trained_on": (
            "rendered activity dataset (full size, seed 0): 600 training clips plus 600 clips "
            "re-rendered with other accompaniment programs (render_varied_clips; never the "
            "test split's electric pianos), spectral augmentation, random 2-s chunks, "
            "12 epochs on a 1-thread CPU (5 min); threshold tuned on 200 validation clips"
        ),
        "test_metrics": {
            "clips": 200,
            "accuracy": 0.847,
            "precision": 0.809,
            "recall": 0.982,
            "f1": 0.883,
            "energy_baseline_accuracy": 0.869,
            "energy_baseline_f1": 0.881,
        },
        "level": "event",
        "task": "singing voice detection",
        "headline": "frame F1 0.883 (band-energy baseline 0.881)",
        "reference": "no published figure on this rendered stand-in",
    },
    "instrument_cnn": {
        "file": "instrument_cnn-333ac0c5.pt",
        "sha256": "333ac0c59612d3a5b0b6b9a6855f8f2c0a277d7bd6597016040833d3b9f865b7",
        "model": "course_lib.models.instrument.instrument_cnn",
        "kwargs": {"num_classes": 8, "width": 8, "dense": 128, "batch_norm": True},
        "preprocessing": (
            "course_lib.tasks.instrument.instrument_features: mono, 22,050 Hz, 128-band "
            "log-mel (log(1 + 10 |mel|), n_fft 2048, hop 512); 1-s excerpts (43 frames) "
            "every 0.5 s, softmax averaged over the clip"
        ),
        "trained_on": (
            "rendered instruments dataset (full size, seed 0): training and validation "
            "programs (2 per family, 400 clips) plus 1,600 clips re-rendered with other "
            "programs of each General MIDI family (render_family_clips; never a test program "
            "or its neighbours), spectral augmentation, 14 epochs on a 1-thread CPU (20 min)"
        ),
        "test_metrics": {
            "clips": 400,
            "accuracy": 0.315,
            "f1_micro": 0.315,
            "f1_macro": 0.291,
            "chance": 0.125,
        },
        "level": "event",
        "task": "instrument recognition",
        "headline": "accuracy 0.315 on unheard programs (chance 0.125)",
        "reference": "micro F1 0.602 (Han et al. 2017, IRMAS)",
    },
}


def sha256_of(path: str | Path) -> str:
    """Hex sha256 of a file."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def checkpoint_path(name: str) -> Path:
    """Path of the file of registry entry ``name``."""
    if name not in REGISTRY:
        raise ValueError(f"unknown checkpoint {name!r}; available: {sorted(REGISTRY)}")
    return HERE / REGISTRY[name]["file"]


def _build(entry: dict[str, Any]) -> torch.nn.Module:
    module_name, _, builder = entry["model"].rpartition(".")
    return getattr(importlib.import_module(module_name), builder)(**entry.get("kwargs", {}))


def load_checkpoint(name: str) -> tuple[torch.nn.Module, dict[str, Any]]:
    """The model of registry entry ``name`` with its weights (eval mode) and its metadata.

    Lecture: using a trained CNN (shipped weights, the preprocessing they expect).

    Returns
    -------
    model : nn.Module in eval mode, float32, on the CPU
    meta : dict
        What the task needs besides the weights (normalisation statistics as ndarrays,
        tuned thresholds, class names), plus the registry entry under ``"entry"``.

    Raises
    ------
    ValueError
        Unknown name, missing file, or a sha256 that differs from the registry (a corrupted
        or replaced file: reinstall the package).
    """
    path = checkpoint_path(name)
    entry = REGISTRY[name]
    if not path.exists():
        raise ValueError(f"checkpoint file {path.name} is missing: reinstall course_lib")
    stat = path.stat()
    state = _verified_state(str(path), entry["sha256"], stat.st_size, stat.st_mtime_ns)
    model = _build(entry)
    model.load_state_dict(
        {k: v.float() if v.is_floating_point() else v for k, v in state["model"].items()}
    )
    model.eval()
    meta = {
        k: (v.float().numpy() if isinstance(v, torch.Tensor) else v)
        for k, v in state.get("meta", {}).items()
    }
    meta["entry"] = dict(entry)
    from ..tasks import attach_preprocessing

    attach_preprocessing(model, **{k: meta[k] for k in ("mean", "std", "threshold") if k in meta})
    return model, meta


@functools.lru_cache(maxsize=16)
def _verified_state(path: str, sha256: str, size: int, mtime_ns: int) -> dict[str, Any]:
    """The checkpoint's contents after its sha256 check; read once per process and file version
    (``size`` and ``mtime_ns`` are part of the key, so a replaced file is checked again)."""
    digest = sha256_of(path)
    if digest != sha256:
        raise ValueError(
            f"checkpoint {Path(path).name} has sha256 {digest[:12]}..., expected "
            f"{sha256[:12]}...: the file is corrupted or was replaced; reinstall course_lib"
        )
    return torch.load(path, map_location="cpu", weights_only=True)


def save_checkpoint(
    model: torch.nn.Module, meta: dict[str, Any], path: str | Path, half: bool = True
) -> str:
    """Write ``{"model": state_dict, "meta": meta}`` (float16 weights if ``half``); return sha256.

    ``meta`` values may be ndarrays (stored as tensors), numbers, strings or lists of them.
    """
    import numpy as np

    def weight(v: torch.Tensor) -> torch.Tensor:
        v = v.detach().cpu()
        return v.half() if half and v.is_floating_point() else v

    def value(v):  # metadata (normalisation statistics) stays float32
        return (
            torch.from_numpy(np.ascontiguousarray(v, dtype=np.float32))
            if isinstance(v, np.ndarray)
            else v
        )

    state = {
        "model": {k: weight(v) for k, v in model.state_dict().items()},
        "meta": {k: value(v) for k, v in meta.items()},
    }
    path = Path(path)
    torch.save(state, path)
    return sha256_of(path)
