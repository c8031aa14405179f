"""Hidden checks of assignment A2, "Layers".

Lecture: locally connected layers, weight sharing (convolution), CNN = convolution +
subsampling (LeNet-5). References: ``course_lib.ops``, ``course_lib.params``,
``course_lib.models.lenet`` and the rendered single-note patches of ``course_lib.data.notes``
(training is judged by accuracy on held-out pitches, computed here from the recorded
predictions).
"""

from __future__ import annotations

import numpy as np

from . import CaseResult, Check

__all__ = ["CHECKS", "FORBIDDEN", "ACCURACY_THRESHOLD"]

FORBIDDEN = ("course_lib.ops", "course_lib.layers", "course_lib.models")
ACCURACY_THRESHOLD = 0.75  # four instruments: chance is 0.25


def _layer_case(rng: np.random.Generator, padding: bool) -> dict:
    c_in, c_out = int(rng.integers(1, 4)), int(rng.integers(1, 5))
    k, stride = int(rng.integers(2, 4)), int(rng.integers(1, 3))
    size = k + int(rng.integers(2, 7))
    case = {"in_channels": c_in, "out_channels": c_out, "kernel_size": k, "stride": stride}
    case["x"] = rng.standard_normal((int(rng.integers(1, 3)), c_in, size, size)).astype(np.float32)
    case["input_size"] = size
    if padding:
        case["padding"] = int(rng.integers(0, 2))
    return case


def _lc_cases(rng: np.random.Generator) -> list[dict]:
    from course_lib.core.shapes import conv_output_size

    cases = []
    for _ in range(3):
        case = _layer_case(rng, padding=False)
        out = conv_output_size(case["input_size"], case["kernel_size"], case["stride"])
        k = case["kernel_size"]
        shape = (out, out, case["out_channels"], case["in_channels"], k, k)
        case["weight"] = rng.standard_normal(shape).astype(np.float32)
        case["bias"] = rng.standard_normal((case["out_channels"], out, out)).astype(np.float32)
        cases.append(case)
    return cases


def _lc_expected(case: dict) -> np.ndarray:
    from course_lib.core.ops import locally_connected2d

    return locally_connected2d(case["x"], case["weight"], case["bias"], case["stride"])


def _conv_cases(rng: np.random.Generator) -> list[dict]:
    cases = []
    for _ in range(3):
        case = _layer_case(rng, padding=True)
        k = case["kernel_size"]
        shape = (case["out_channels"], case["in_channels"], k, k)
        case["weight"] = rng.standard_normal(shape).astype(np.float32)
        case["bias"] = rng.standard_normal(case["out_channels"]).astype(np.float32)
        cases.append(case)
    return cases


def _conv_expected(case: dict) -> np.ndarray:
    from course_lib.core.ops import conv2d

    return conv2d(case["x"], case["weight"], case["bias"], case["stride"], case["padding"])


def _share_cases(rng: np.random.Generator) -> list[dict]:
    cases = _conv_cases(rng)
    for case in cases:
        case.pop("padding")
    return cases


def _share_expected(case: dict) -> np.ndarray:
    from course_lib.core.ops import conv2d
    from course_lib.core.params import locally_connected2d_params

    y = conv2d(case["x"], case["weight"], case["bias"], case["stride"])
    n_params = locally_connected2d_params(
        case["in_channels"],
        case["out_channels"],
        case["input_size"],
        case["kernel_size"],
        case["stride"],
    )
    return np.concatenate([y.ravel(), [float(n_params)]])


def _lenet_cases(rng: np.random.Generator) -> list[dict]:
    return [{"batch": int(rng.integers(1, 5))}]


def _lenet_expected(case: dict) -> list[int]:
    from course_lib.core.params import count_params
    from course_lib.models.lenet import LeNet5

    return [count_params(LeNet5()), case["batch"], 10]


def _train_cases(rng: np.random.Generator) -> list[dict]:
    from course_lib.data.notes import INSTRUMENTS, make_note_patches

    names = [str(n) for n in rng.choice(sorted(INSTRUMENTS), size=4, replace=False)]
    data = make_note_patches(n_per_class=16, instruments=names, seed=int(rng.integers(2**31)))
    train, test = data.split_by_pitch(4)
    return [{"X": train.X, "y": train.y, "X_test": test.X, "y_test": test.y}]


def _train_expected(case: dict) -> np.ndarray:
    return case["y_test"]


def _accuracy_at_least(got, expected) -> CaseResult:
    from course_lib.training.metrics import accuracy

    got, expected = np.asarray(got), np.asarray(expected)
    if got.shape != expected.shape:
        return CaseResult(False, f"{got.shape} predictions for {expected.shape} test patches")
    acc = accuracy(expected, got.astype(np.int64))
    ok = acc >= ACCURACY_THRESHOLD
    return CaseResult(ok, f"test accuracy {acc:.2f} (needed {ACCURACY_THRESHOLD:.2f})")


CHECKS = (
    Check("a2/test_locally_connected", _lc_cases, _lc_expected, rtol=1e-4, atol=1e-4),
    Check("a2/test_conv2d", _conv_cases, _conv_expected, rtol=1e-4, atol=1e-4),
    Check("a2/test_weight_sharing", _share_cases, _share_expected, rtol=1e-4, atol=1e-4),
    Check("a2/test_lenet5", _lenet_cases, _lenet_expected),
    # the test labels stay with the grader: the sandbox gets the patches only
    Check(
        "a2/test_training",
        _train_cases,
        _train_expected,
        compare=_accuracy_at_least,
        secret=("y_test",),
    ),
)
