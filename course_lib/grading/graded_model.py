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

In the notebook's sandbox, :func:`export` checks the model, traces it on random input (not a
hidden clip; :func:`course_lib.training.export.trace_model`) and saves the TorchScript
program and the front end next to the probe's record. After the notebook has ended and
every process of the sandbox user is gone, the grader starts a *second* sandboxed process,
``python -m course_lib.grading.graded_model KEY`` (:func:`replay`), which computes the
features of the hidden clips itself, runs the TorchScript program on them and decodes the
outputs (:mod:`course_lib.training.export`: argmax; peak picking at the threshold).
Students get the same computation on their own clips from
:func:`course_lib.training.export.evaluate_exported`. No Python code of the student runs
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
    "export",
    "replay",
    "tensor_digests",
    "shipped_digests",
    "model_paths",
    "run_in_process",
]

_MIN_DIGEST_ELEMENTS = 64  # smaller tensors (biases, norms) are too easily equal by chance


def model_paths(out_dir: str, key: str) -> tuple[str, str]:
    """Where the exported TorchScript program and its front end are written."""
    from .probe import record_path

    return record_path(out_dir, key, ".model.pt"), record_path(out_dir, key, ".model.json")


def export(answer: Any, case: dict, key: str, needs_threshold: bool) -> list[float]:
    """Sandbox side: check and trace the student's model; save it for :func:`replay`.

    The trace runs on random input shaped like one hidden clip's features (the hidden audio
    is not used). Returns a short numeric summary for the probe's record (number of
    parameters).
    """
    import torch

    from course_lib.training.export import check_exported_answer, trace_model

    from .probe import OUT_ENV

    model, front, threshold = check_exported_answer(answer, needs_threshold)
    traced = trace_model(model, front, int(np.asarray(case["clips"]).shape[-1]))
    model_pt, model_json = model_paths(os.environ[OUT_ENV], key)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
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

    from course_lib.training.export import check_front_end, run_exported

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
        outputs = run_exported(model, case["clips"], sr, front)
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

    What an instructor's run of the source notebook (outside the sandbox) uses; returns the
    replay's record.
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
