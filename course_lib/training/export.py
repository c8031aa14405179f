"""A trained model outside Python: traced, fed by a declared front end, decoded, scored.

Lecture: CNNs trained for MIR tasks; classification-based MIR (genre) and event-based MIR
(onsets, peak picking).

A model that leaves the notebook (to be graded, shipped or deployed) is more than its
``forward``: it needs the exact features it was trained on and a decoding of its outputs.
This module fixes all three so that they can be reproduced anywhere:

- the **front end** is a dict of :func:`course_lib.audio.log_melspectrogram` arguments
  (:func:`check_front_end`), not code;
- the **model** is traced to TorchScript (:func:`trace_model`): the program records the
  tensor operations of one call, and any Python around them (a NumPy detour, another
  library's detector, a lookup table) becomes a constant of that one call;
- the **decoding** is fixed: the argmax over genres (:func:`decode_genres`) or the local
  maxima of the onset probability at a threshold (:func:`decode_onsets`).

:func:`evaluate_exported` runs a model through all of it on clips of your own and returns
the metric: this is what the graded assignments A3 and A4 compute on their hidden clips.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import torch

from course_lib.core import audio

__all__ = [
    "FRONT_END_LIMITS",
    "TASKS",
    "check_front_end",
    "check_exported_answer",
    "trace_model",
    "run_exported",
    "decode_genres",
    "decode_onsets",
    "mean_onset_f_measure",
    "evaluate_exported",
]

# argument -> (smallest, largest) allowed value
FRONT_END_LIMITS: dict[str, tuple[float, float]] = {
    "n_fft": (128, 8192),
    "hop_length": (32, 4096),
    "n_mels": (8, 256),
    "C": (1e-3, 1e6),
    "fmin": (0.0, 20000.0),
    "fmax": (100.0, 48000.0),
}
# task -> does the answer carry a threshold
TASKS = {"genre": False, "onsets": True}
MAX_ONSETS_PER_CLIP = 2000


def check_front_end(spec: Any) -> dict[str, float | int]:
    """Validate a front end; returns the ``log_melspectrogram`` keyword arguments.

    Raises ``ValueError`` naming the bad key and the allowed range.
    """
    if not isinstance(spec, dict):
        raise ValueError(
            f"front_end must be a dict of log_melspectrogram arguments, got {type(spec).__name__}"
        )
    unknown = sorted(set(spec) - set(FRONT_END_LIMITS))
    if unknown:
        raise ValueError(f"front_end: unknown keys {unknown}; allowed: {sorted(FRONT_END_LIMITS)}")
    missing = [k for k in ("n_fft", "hop_length", "n_mels") if k not in spec]
    if missing:
        raise ValueError(f"front_end: missing {missing} (n_fft, hop_length and n_mels are needed)")
    out: dict[str, float | int] = {}
    for key, value in spec.items():
        low, high = FRONT_END_LIMITS[key]
        if isinstance(value, bool) or not isinstance(value, (int, float, np.number)):
            raise ValueError(f"front_end[{key!r}] must be a number, got {value!r}")
        if not (low <= float(value) <= high):
            raise ValueError(f"front_end[{key!r}] = {value!r} is outside [{low:g}, {high:g}]")
        out[key] = int(value) if key in ("n_fft", "hop_length", "n_mels") else float(value)
    return out


def check_exported_answer(
    answer: Any, needs_threshold: bool
) -> tuple[torch.nn.Module, dict, float | None]:
    """Validate ``{"model", "front_end"[, "threshold"]}``; returns the three parts.

    The model must be a ``torch.nn.Module`` with a convolution and trainable parameters; the
    threshold (onsets) a number in (0, 1). Errors say what was wrong.
    """
    if not isinstance(answer, dict) or "model" not in answer or "front_end" not in answer:
        raise ValueError(
            "the answer is a dict {'model': your trained CNN, 'front_end': its "
            "log_melspectrogram arguments" + (", 'threshold': ...}" if needs_threshold else "}")
        )
    model = answer["model"]
    if not isinstance(model, torch.nn.Module):
        raise ValueError(f"'model' must be a torch.nn.Module, got {type(model).__name__}")
    convs = (torch.nn.Conv1d, torch.nn.Conv2d)
    if not any(isinstance(m, convs) for m in model.modules()):
        raise ValueError("'model' has no convolution (nn.Conv1d/nn.Conv2d): a CNN is expected")
    if not any(p.requires_grad and p.numel() for p in model.parameters()):
        raise ValueError("'model' has no trainable parameters")
    front = check_front_end(answer["front_end"])
    threshold = None
    if needs_threshold:
        threshold = answer.get("threshold")
        if isinstance(threshold, bool) or not isinstance(threshold, (int, float, np.number)):
            raise ValueError(f"'threshold' must be a number in (0, 1), got {threshold!r}")
        threshold = float(threshold)
        if not 0.0 < threshold < 1.0:
            raise ValueError(f"'threshold' must be in (0, 1), got {threshold}")
    return model, front, threshold


def trace_model(model: torch.nn.Module, front_end: dict, n_samples: int) -> torch.jit.ScriptModule:
    """TorchScript of ``model`` (in eval mode, on the CPU), traced on random features.

    The example input is noise shaped like the features of a clip of ``n_samples``
    samples, ``(1, 1, n_mels, 1 + n_samples // hop_length)``: whatever the model computes
    outside torch operations is frozen for that noise. TorchScript is deprecated upstream in
    favour of ``torch.export``; it still runs on the torch versions the course supports, and
    its deprecation warnings are silenced here (the tracer's own warnings, which name the
    code it freezes, stay visible).
    """
    front = check_front_end(front_end)
    n_frames = 1 + int(n_samples) // int(front["hop_length"])
    example = torch.randn(1, 1, int(front["n_mels"]), n_frames, generator=torch.Generator())
    model = model.eval().cpu()
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        return torch.jit.trace(model, example, check_trace=False)


def run_exported(program, clips, sr: int, front_end: dict) -> list[np.ndarray]:
    """The outputs of a traced model for each clip, its features computed from ``front_end``."""
    front = check_front_end(front_end)
    outputs = []
    with torch.no_grad():
        for y in clips:
            x = torch.from_numpy(audio.log_melspectrogram(np.asarray(y), sr, **front))[None, None]
            outputs.append(program(x).float().cpu().numpy()[0])
    return outputs


def decode_genres(outputs: list, n_genres: int) -> np.ndarray:
    """The index of the largest logit of each clip (genres in sorted order)."""
    rows = []
    for logits in outputs:
        logits = np.asarray(logits)
        if logits.shape != (n_genres,):
            raise ValueError(
                f"the model gave logits of shape {logits.shape} for one clip, expected "
                f"({n_genres},) (one per genre)"
            )
        rows.append(int(np.argmax(logits)))
    return np.array(rows, dtype=np.int64)


def decode_onsets(outputs: list, hop_length: int, sr: int, threshold: float) -> np.ndarray:
    """``(clip, time)`` rows: local maxima of ``sigmoid(logits)`` at or above ``threshold``.

    Frame ``i`` is at ``i * hop_length / sr`` seconds (centred frames).
    """
    rows = []
    for i, logits in enumerate(outputs):
        logits = np.asarray(logits, dtype=np.float64)
        if logits.ndim != 1:
            raise ValueError(
                f"the model gave onset logits of shape {logits.shape} for one clip, expected "
                "(n_frames,)"
            )
        p = 1.0 / (1.0 + np.exp(-logits))
        peak = (p[1:-1] >= threshold) & (p[1:-1] >= p[:-2]) & (p[1:-1] > p[2:])
        times = (np.flatnonzero(peak) + 1) * hop_length / sr
        rows += [(float(i), float(t)) for t in times[:MAX_ONSETS_PER_CLIP]]
    return np.array(rows, dtype=np.float64).reshape(-1, 2)


def mean_onset_f_measure(rows: np.ndarray, references: list, window: float = 0.05) -> float:
    """Mean over clips of ``mir_eval.onset.f_measure``; ``rows`` are ``(clip, time)`` pairs."""
    import mir_eval

    rows = np.asarray(rows, dtype=np.float64).reshape(-1, 2)
    scores = []
    for i, reference in enumerate(references):
        estimate = np.sort(rows[rows[:, 0] == i, 1])
        estimate = estimate[estimate >= 0]
        scores.append(mir_eval.onset.f_measure(np.asarray(reference), estimate, window=window)[0])
    return float(np.mean(scores))


def evaluate_exported(task: str, answer: dict, clips: list, sr: int, references: list) -> float:
    """The metric of a model run as exported (traced, declared front end, fixed decoding).

    Parameters
    ----------
    task : {"genre", "onsets"}
    answer : dict
        ``{"model": ..., "front_end": ...}`` and, for onsets, ``"threshold"``.
    clips : list of ndarray
        Mono audio clips of one length.
    sr : int
    references : list
        Genre: the index of each clip's genre (in sorted genre order); onsets: each clip's
        onset times in seconds.

    Returns
    -------
    float
        Genre: accuracy; onsets: mean F-measure with a 50 ms window.
    """
    if task not in TASKS:
        raise ValueError(f"task must be one of {sorted(TASKS)}, got {task!r}")
    model, front, threshold = check_exported_answer(answer, TASKS[task])
    lengths = {len(y) for y in clips}
    if len(lengths) != 1:
        raise ValueError(f"clips must have one length, got {sorted(lengths)} samples")
    program = trace_model(model, front, lengths.pop())
    outputs = run_exported(program, clips, sr, front)
    if task == "onsets":
        rows = decode_onsets(outputs, int(front["hop_length"]), sr, threshold)
        return mean_onset_f_measure(rows, references)
    from course_lib.data.generate import GENRES

    predicted = decode_genres(outputs, len(GENRES))
    return float(np.mean(predicted == np.asarray(references)))
