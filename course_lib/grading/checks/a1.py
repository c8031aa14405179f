"""Hidden checks of assignment A1, "Counting and convolving".

Lecture: motivation (parameter counts), convolution mechanics (output sizes, the
convolution of an N x C x H x W batch) and sub-sampling (pooling). The references are
``course_lib.params``, ``course_lib.shapes`` and ``course_lib.ops``.
"""

from __future__ import annotations

import numpy as np

from . import Check

__all__ = ["CHECKS", "FORBIDDEN"]

# The answers live here; a student's code importing them scores zero (the notebook says so).
FORBIDDEN = ("course_lib.ops", "course_lib.params", "course_lib.shapes", "course_lib.layers")


def _dense_cases(rng: np.random.Generator) -> list[dict]:
    return [
        {
            "in_features": int(rng.integers(1, 5000)),
            "out_features": int(rng.integers(1, 700)),
            "bias": bool(b),
        }
        for b in (True, False, True)
    ]


def _dense_expected(case: dict) -> int:
    from course_lib.core.params import dense_params

    return dense_params(**case)


def _conv_params_cases(rng: np.random.Generator) -> list[dict]:
    cases = []
    for i in range(4):
        k = int(rng.integers(1, 8))
        kernel = k if i % 2 == 0 else (k, int(rng.integers(1, 8)))
        cases.append(
            {
                "in_channels": int(rng.integers(1, 256)),
                "out_channels": int(rng.integers(1, 256)),
                "kernel_size": kernel,
                "bias": i != 1,
            }
        )
    return cases


def _conv_params_expected(case: dict) -> int:
    from course_lib.core.params import conv2d_params

    return conv2d_params(**case)


def _size_cases(rng: np.random.Generator) -> list[dict]:
    cases = []
    while len(cases) < 6:
        case = {
            "size": int(rng.integers(1, 300)),
            "kernel_size": int(rng.integers(1, 12)),
            "stride": int(rng.integers(1, 5)),
            "padding": int(rng.integers(0, 4)),
            "dilation": int(rng.integers(1, 4)),
        }
        span = case["dilation"] * (case["kernel_size"] - 1) + 1
        if span <= case["size"] + 2 * case["padding"]:
            cases.append(case)
    return cases


def _size_expected(case: dict) -> int:
    from course_lib.core.shapes import conv_output_size

    return conv_output_size(**case)


def _conv_cases(rng: np.random.Generator) -> list[dict]:
    cases = []
    for _ in range(3):
        n, c, c_out = (int(v) for v in rng.integers(1, 4, size=3))
        kh, kw = (int(v) for v in rng.integers(2, 5, size=2))  # 1x1 would hide a flip
        stride = (int(rng.integers(1, 3)), int(rng.integers(1, 3)))
        padding = (int(rng.integers(0, 3)), int(rng.integers(0, 3)))
        h, w = kh + int(rng.integers(0, 9)), kw + int(rng.integers(0, 9))
        cases.append(
            {
                "x": rng.standard_normal((n, c, h, w)),
                "weight": rng.standard_normal((c_out, c, kh, kw)),
                "bias": rng.standard_normal(c_out),
                "stride": stride,
                "padding": padding,
            }
        )
    return cases


def _conv_expected(case: dict) -> np.ndarray:
    from course_lib.core.ops import conv2d

    return conv2d(**case)


def _pool_cases(rng: np.random.Generator) -> list[dict]:
    cases = []
    for mode in ("max", "avg", "max", "avg"):
        k = int(rng.integers(2, 4))  # a 1x1 window would make max and avg agree
        stride = None if rng.random() < 0.5 else int(rng.integers(1, 4))
        h, w = k + int(rng.integers(0, 9)), k + int(rng.integers(0, 9))
        x = rng.standard_normal((int(rng.integers(1, 3)), int(rng.integers(1, 4)), h, w))
        cases.append({"x": x, "kernel_size": k, "stride": stride, "mode": mode})
    return cases


def _pool_expected(case: dict) -> np.ndarray:
    from course_lib.core.ops import pool2d

    return pool2d(**case)


CHECKS = (
    Check("a1/test_dense_params", _dense_cases, _dense_expected),
    Check("a1/test_conv2d_params", _conv_params_cases, _conv_params_expected),
    Check("a1/test_conv_output_size", _size_cases, _size_expected),
    Check("a1/test_conv2d", _conv_cases, _conv_expected, rtol=1e-4, atol=1e-5),
    Check("a1/test_pool2d", _pool_cases, _pool_expected, rtol=1e-4, atol=1e-5),
)
