"""How the probe applies a student's answer to one hidden case.

Lecture: course logistics (graded assignments).

This is the only part of the hidden checks that runs in the grading sandbox: it knows how to
call an answer (which arguments, which weights to load into a student's layer, how to read
the predictions back) and nothing about the expected outputs. The inputs arrive from the
grader as a file (:func:`course_lib.grading.probe.read_cases`); the references and the
judging stay in :mod:`course_lib.grading.checks`, which the sandbox cannot see.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

__all__ = ["call_for", "CALLS", "DECODERS"]


def _default_call(answer: Any, case: dict) -> Any:
    return answer(**case)


def _device_of(model) -> Any:
    """The device of a model's first parameter (the CPU for a model without any)."""
    import torch

    return next(iter(model.parameters()), torch.zeros(0)).device


def _torch_weights(module, case: dict):
    import torch

    with torch.no_grad():
        module.weight.copy_(torch.from_numpy(case["weight"]))
        module.bias.copy_(torch.from_numpy(case["bias"]))
    return module


def _lc_call(answer, case: dict):
    import torch

    layer = answer(
        case["in_channels"],
        case["out_channels"],
        case["input_size"],
        case["kernel_size"],
        stride=case["stride"],
    )
    with torch.no_grad():
        return _torch_weights(layer, case)(torch.from_numpy(case["x"]))


def _conv_call(answer, case: dict):
    import torch

    layer = answer(
        case["in_channels"],
        case["out_channels"],
        case["kernel_size"],
        stride=case["stride"],
        padding=case["padding"],
    )
    with torch.no_grad():
        return _torch_weights(layer, case)(torch.from_numpy(case["x"]))


def _share_call(answer, case: dict):
    import torch

    conv = torch.nn.Conv2d(
        case["in_channels"], case["out_channels"], case["kernel_size"], stride=case["stride"]
    )
    _torch_weights(conv, case)
    layer = answer(conv, case["input_size"])
    n_params = sum(p.numel() for p in layer.parameters())
    with torch.no_grad():
        y = layer(torch.from_numpy(case["x"])).numpy()
    return np.concatenate([y.ravel(), [float(n_params)]])


def _lenet_call(answer, case: dict):
    import torch

    model = answer()
    model.eval()
    with torch.no_grad():  # on the model's device: a student may build it on a GPU
        y = model(torch.zeros(case["batch"], 1, 32, 32, device=_device_of(model)))
    return [sum(p.numel() for p in model.parameters()), *y.shape]


def _train_call(answer, case: dict):
    import torch

    model = answer(case["X"], case["y"])
    model.eval()
    x = torch.from_numpy(case["X_test"]).to(_device_of(model))
    with torch.no_grad():  # a model trained on a GPU stays there; the answer comes back on the CPU
        return model(x).argmax(dim=1).cpu()


def _export(key: str, needs_threshold: bool) -> Callable[[Any, dict], Any]:
    def call(answer, case: dict):
        from .graded_model import export

        return export(answer, case, key, needs_threshold)

    return call


def _decode_genres(outputs: list, front_end: dict, sr: int, threshold: float | None):
    """A3: the genre index (into ``sorted(GENRES)``) of each clip's logits."""
    from course_lib.data.generate import GENRES
    from course_lib.training.export import decode_genres

    return decode_genres(outputs, len(GENRES))


def _decode_onsets(outputs: list, front_end: dict, sr: int, threshold: float | None):
    """A4: local maxima of the frame-wise onset probability at or above the threshold."""
    from course_lib.training.export import decode_onsets

    return decode_onsets(outputs, int(front_end["hop_length"]), sr, float(threshold))


CALLS: dict[str, Callable[[Any, dict], Any]] = {
    "a2/test_locally_connected": _lc_call,
    "a2/test_conv2d": _conv_call,
    "a2/test_weight_sharing": _share_call,
    "a2/test_lenet5": _lenet_call,
    "a2/test_training": _train_call,
    "a3/test_genre_accuracy": _export("a3/test_genre_accuracy", needs_threshold=False),
    "a4/test_onset_f_measure": _export("a4/test_onset_f_measure", needs_threshold=True),
}

# How the grader's replay (course_lib.grading.graded_model) turns the outputs of an exported
# model on the hidden clips into what the check judges.
DECODERS = {
    "a3/test_genre_accuracy": _decode_genres,
    "a4/test_onset_f_measure": _decode_onsets,
}


def call_for(key: str) -> Callable[[Any, dict], Any]:
    """How the probe calls the answer of check ``key`` (``answer(**case)`` unless listed)."""
    return CALLS.get(key, _default_call)
