"""Shared argument checks with messages that say what was wrong and how to fix it.

Every public function of ``course_lib`` validates its input through these helpers
before computing anything, so a bad call fails with a ``ValueError`` that names the
argument, the value it got and the expected form.
"""

from __future__ import annotations

from collections.abc import Sequence
from numbers import Integral

import numpy as np

Pair = tuple[int, int]


def as_pair(value: int | Sequence[int], name: str, *, minimum: int = 0) -> Pair:
    """Return ``value`` as an ``(h, w)`` pair of ints, as torch accepts ``int`` or a pair.

    Raises
    ------
    ValueError
        If ``value`` is not an int or a pair of ints, or a component is below ``minimum``.
    """
    if isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{name} must be an int or a pair of ints, got the bool {value!r}")
    if isinstance(value, Integral):
        pair = (int(value), int(value))
    elif (
        isinstance(value, Sequence)
        and not isinstance(value, str)
        and len(value) == 2
        and all(isinstance(v, Integral) and not isinstance(v, bool) for v in value)
    ):
        pair = (int(value[0]), int(value[1]))
    else:
        raise ValueError(f"{name} must be an int or a pair of ints such as (3, 3), got {value!r}")
    if min(pair) < minimum:
        bound = "positive" if minimum == 1 else f">= {minimum}"
        raise ValueError(f"{name} must be {bound}, got {value!r}")
    return pair


def as_int(value: int, name: str, *, minimum: int = 0) -> int:
    """Return ``value`` as an int, checking it is an integer ``>= minimum``."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, Integral):
        raise ValueError(f"{name} must be an int, got {value!r}")
    if value < minimum:
        bound = "positive" if minimum == 1 else f">= {minimum}"
        raise ValueError(f"{name} must be {bound}, got {value!r}")
    return int(value)


def check_nchw(x: np.ndarray, name: str = "x") -> np.ndarray:
    """Check that ``x`` is a 4-D array shaped (N, C, H, W) and return it as an ndarray."""
    x = np.asarray(x)
    if x.ndim != 4:
        hint = ""
        if x.ndim == 3:
            hint = " (a single example? add the batch axis with x[None])"
        elif x.ndim == 2:
            hint = " (a single 2-D map? use x[None, None])"
        raise ValueError(
            f"{name} must be a 4-D array shaped (N, C, H, W), got shape {x.shape}{hint}"
        )
    if not np.issubdtype(x.dtype, np.number) or np.issubdtype(x.dtype, np.complexfloating):
        raise ValueError(f"{name} must hold real numbers, got dtype {x.dtype}")
    return x
