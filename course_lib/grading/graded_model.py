"""A3 and A4 grade the student's own CNN: export it, then run it apart from the student's code.

Lecture: course logistics (graded assignments); classification- and event-based MIR.

A graded MIR assignment hands the grader three things in its hidden test cell::

    hidden_check("a4/test_onset_f_measure",
                 {"model": model, "front_end": FRONT_END, "threshold": THRESHOLD})

- ``model``: the student's trained ``torch.nn.Module`` (at least one convolution and
  trainable parameters), mapping a batch ``(N, 1, n_mels, n_frames)`` of features to
  logits (A3: ``(N, n_genres)``; A4: frame-wise onset logits ``(N, n_frames)``);
- ``front_end``: the arguments of :func:`course_lib.audio.log_melspectrogram` the model was
  trained on (``n_fft``, ``hop_length``, ``n_mels``, ``C``, optionally ``fmin``/``fmax``);
- ``threshold`` (A4): the peak-picking threshold on the sigmoid of the logits.

In the notebook's sandbox, :func:`export` checks the model, traces it with
``torch.jit.trace`` on random input (not a hidden clip) and saves the TorchScript program and
the front end next to the probe's record. After the notebook has ended and every process of
the sandbox user is gone, the grader starts a *second* sandboxed process,
``python -m course_lib.grading.graded_model KEY`` (:func:`replay`), which computes the
features of the hidden clips itself, runs the TorchScript program on them and decodes the
outputs (argmax; peak picking above the threshold). No Python code of the student runs
there: a "model" that calls librosa, the course's shipped tasks or any other tool in its
``forward`` was frozen into constants by the trace, and a front end cannot be swapped.
The replay also records a digest of every weight tensor, so the grader can refuse weights
copied from the course's shipped checkpoints (:func:`shipped_digests`).
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import warnings
from typing import Any

import numpy as np

__all__ = [
    "FRONT_END_LIMITS",
    "check_front_end",
    "export",
    "replay",
    "tensor_digests",
    "shipped_digests",
    "model_paths",
    "self_check",
    "run_in_process",
    "mean_onset_f_measure",
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
_MIN_DIGEST_ELEMENTS = 64  # smaller tensors (biases, norms) are too easily equal by chance


def check_front_end(spec: Any) -> dict[str, float | int]:
    """Validate the student's front end; returns the keyword arguments it stands for.

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


def model_paths(out_dir: str, key: str) -> tuple[str, str]:
    """Where the exported TorchScript program and its front end are written."""
    from .probe import record_path

    return record_path(out_dir, key, ".model.pt"), record_path(out_dir, key, ".model.json")


def _unpack(answer: Any, needs_threshold: bool) -> tuple[Any, dict, float | None]:
    import torch

    if not isinstance(answer, dict) or "model" not in answer or "front_end" not in answer:
        raise ValueError(
            "the graded answer is a dict {'model': your trained CNN, 'front_end': its "
            "log_melspectrogram arguments" + (", 'threshold': ...}" if needs_threshold else "}")
        )
    model = answer["model"]
    if not isinstance(model, torch.nn.Module):
        raise ValueError(f"'model' must be a torch.nn.Module, got {type(model).__name__}")
    convs = (torch.nn.Conv1d, torch.nn.Conv2d)
    if not any(isinstance(m, convs) for m in model.modules()):
        raise ValueError("'model' has no convolution (nn.Conv1d/nn.Conv2d): grade a CNN")
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


def export(answer: Any, case: dict, key: str, needs_threshold: bool) -> list[float]:
    """Sandbox side: check and trace the student's model; save it for :func:`replay`.

    The trace runs on random input shaped like one hidden clip's features (the hidden audio
    is not used). Returns a short numeric summary for the probe's record (number of
    parameters).
    """
    import torch

    from .probe import OUT_ENV

    model, front, threshold = _unpack(answer, needs_threshold)
    n_samples = int(np.asarray(case["clips"]).shape[-1])
    n_frames = 1 + n_samples // int(front["hop_length"])
    example = torch.randn(1, 1, int(front["n_mels"]), n_frames, generator=torch.Generator())
    model = model.eval().cpu()
    model_pt, model_json = model_paths(os.environ[OUT_ENV], key)
    with torch.no_grad(), warnings.catch_warnings():
        # TorchScript is deprecated upstream in favour of torch.export; it still runs on the
        # torch versions the course supports. The tracer's own warnings stay visible: they
        # name code that the trace freezes into constants.
        warnings.simplefilter("ignore", FutureWarning)
        traced = torch.jit.trace(model, example, check_trace=False)
        torch.jit.save(traced, model_pt)
    with open(model_json, "w") as f:
        json.dump({"key": key, "front_end": front, "threshold": threshold}, f)
    return [float(sum(p.numel() for p in model.parameters()))]


def tensor_digests(state: dict) -> list[str]:
    """sha256 of every weight tensor of at least 64 elements, rounded to float16."""
    import torch

    out = []
    for tensor in state.values():
        if not hasattr(tensor, "numel") or tensor.numel() < _MIN_DIGEST_ELEMENTS:
            continue
        if not tensor.is_floating_point():
            continue
        data = tensor.detach().cpu().to(dtype=torch.float16).contiguous().numpy()
        out.append(hashlib.sha256(data.tobytes()).hexdigest())
    return out


def shipped_digests() -> dict[str, str]:
    """Grader side: digest -> name of the shipped checkpoint that holds that tensor."""
    import torch

    from course_lib.checkpoints import checkpoint_path, read_registry

    found: dict[str, str] = {}
    for name in read_registry():
        state = torch.load(checkpoint_path(name), map_location="cpu", weights_only=True)
        state = state.get("model", state) if isinstance(state, dict) else state
        for digest in tensor_digests(state):
            found.setdefault(digest, name)
    return found


def replay(key: str, workdir: str) -> dict:
    """Second sandboxed process: the hidden clips through the exported model, decoded.

    Returns the record the grader judges (``{"key", "cases": [{"ok", "value"}],
    "digests"}``) in the probe's format.
    """
    import torch

    from course_lib import audio

    from .calls import DECODERS
    from .probe import read_cases, record_path, to_jsonable

    out_dir = os.path.join(workdir, "out")
    model_pt, model_json = model_paths(out_dir, key)
    try:
        with open(model_json) as f:
            meta = json.load(f)
        front = check_front_end(meta.get("front_end"))
        threshold = meta.get("threshold")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            model = torch.jit.load(model_pt, map_location="cpu")
        model.eval()
        case = read_cases(record_path(os.path.join(workdir, "data"), key, ".npz"))[0]
        sr = int(case["sr"])
        outputs = []
        with torch.no_grad():
            for y in case["clips"]:
                x = torch.from_numpy(audio.log_melspectrogram(y, sr, **front))[None, None]
                outputs.append(model(x).float().cpu().numpy()[0])
        value = DECODERS[key](outputs, front, sr, threshold)
        digests = tensor_digests(model.state_dict())
        return {
            "key": key,
            "cases": [{"ok": True, "value": to_jsonable(value)}],
            "digests": digests,
        }
    except Exception as err:  # noqa: BLE001 - any failure of the student's model is a failed case
        message = f"the exported model failed on the hidden clips: {type(err).__name__}: {err}"
        return {"key": key, "cases": [{"ok": False, "error": message[:300]}], "digests": []}


def run_in_process(key: str, answer: Any, case: dict, needs_threshold: bool) -> dict:
    """:func:`export` then :func:`replay` in this process, in a temporary folder.

    What an instructor's run of the source notebook (outside the sandbox) and
    :func:`self_check` use; returns the replay's record.
    """
    import tempfile

    from .probe import OUT_ENV, record_path, write_cases

    with tempfile.TemporaryDirectory(prefix="graded-model-") as tmp:
        for sub in ("out", "data"):
            os.mkdir(os.path.join(tmp, sub))
        write_cases(record_path(os.path.join(tmp, "data"), key, ".npz"), [case])
        before = os.environ.get(OUT_ENV)
        os.environ[OUT_ENV] = os.path.join(tmp, "out")
        try:
            export(answer, case, key, needs_threshold)
        finally:
            if before is None:
                os.environ.pop(OUT_ENV, None)
            else:
                os.environ[OUT_ENV] = before
        return replay(key, tmp)


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


def self_check(key: str, answer: Any, clips: list, sr: int, references: list) -> float:
    """The metric the grader computes, on clips of your own (e.g. the validation split).

    Parameters
    ----------
    key : str
        ``"a3/test_genre_accuracy"`` or ``"a4/test_onset_f_measure"``.
    answer : dict
        ``{"model": ..., "front_end": ..., ["threshold": ...]}``, as in the hidden test.
    clips : list of ndarray
        Audio clips of one length (float32, mono).
    sr : int
    references : list
        A3: the genre index of each clip (into ``sorted(GENRES)``); A4: the onset times
        (seconds) of each clip.

    Returns
    -------
    float
        A3: accuracy; A4: mean F-measure (50 ms window). The model is exported and run
        exactly as the grader does (traced, features computed from ``front_end``).
    """
    if key not in ("a3/test_genre_accuracy", "a4/test_onset_f_measure"):
        raise ValueError(f"self_check: no graded model for {key!r}")
    onsets = key.startswith("a4/")
    case = {"clips": np.stack([np.asarray(y, dtype=np.float32) for y in clips]), "sr": np.array(sr)}
    record = run_in_process(key, answer, case, needs_threshold=onsets)
    result = record["cases"][0]
    if not result["ok"]:
        raise RuntimeError(result["error"])
    from .probe import from_jsonable

    value = from_jsonable(result["value"])
    if onsets:
        return mean_onset_f_measure(value, references)
    return float(np.mean(value == np.asarray(references)))


def main(argv: list[str] | None = None) -> int:
    """``python -m course_lib.grading.graded_model KEY``: replay in the current folder."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m course_lib.grading.graded_model KEY", file=sys.stderr)
        return 2
    from .probe import record_path

    key = args[0]
    record = replay(key, os.getcwd())
    with open(record_path(os.path.join(os.getcwd(), "out"), key, ".replay.json"), "w") as f:
        json.dump(record, f)
    return 0


if __name__ == "__main__":  # pragma: no cover - run by the grader in the sandbox
    raise SystemExit(main())
