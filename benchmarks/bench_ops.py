"""``course_lib.ops`` (NumPy reference) vs torch on the CPU, on lecture-size inputs.

Target: within 10x of torch's CPU kernels, while matching their output.
"""

from __future__ import annotations

from functools import partial

import numpy as np
import torch
import torch.nn.functional as F

from course_lib import ops

from ._harness import Row, report, time_call

CASES = [
    # (name, input shape, weight shape, stride, padding)
    ("LeNet C1: 32x32, 6@5x5", (64, 1, 32, 32), (6, 1, 5, 5), 1, 0),
    ("LeNet C3: 6@14x14 -> 16@5x5", (64, 6, 14, 14), (16, 6, 5, 5), 1, 0),
    ("mel 128x128, 32@3x3 pad 1", (16, 1, 128, 128), (32, 1, 3, 3), 1, 1),
    ("VGG-ish 64@56x56 -> 64@3x3", (4, 64, 56, 56), (64, 64, 3, 3), 1, 1),
    ("onset CNN: 3@80x15 -> 10@7x3", (256, 3, 80, 15), (10, 3, 7, 3), 1, 0),
]

POOL_CASES = [
    ("max 2x2 on 16@128x128", (16, 16, 128, 128), 2, "max"),
    ("avg 2x2 on 16@128x128", (16, 16, 128, 128), 2, "avg"),
    ("max 1x3 on 10@74x13 (onset)", (256, 10, 74, 13), (1, 3), "max"),
]


def run() -> str:
    rng = np.random.default_rng(0)
    rows = []
    for name, x_shape, w_shape, stride, padding in CASES:
        x = rng.standard_normal(x_shape, dtype=np.float32)
        w = rng.standard_normal(w_shape, dtype=np.float32)
        xt, wt = torch.from_numpy(x), torch.from_numpy(w)
        ours = ops.conv2d(x, w, stride=stride, padding=padding)
        theirs = F.conv2d(xt, wt, stride=stride, padding=padding).numpy()
        err = float(np.max(np.abs(ours - theirs)) / (np.max(np.abs(theirs)) + 1e-12))
        t_ours = time_call(partial(ops.conv2d, x, w, stride=stride, padding=padding))
        with torch.no_grad():
            t_torch = time_call(partial(F.conv2d, xt, wt, stride=stride, padding=padding))
        rows.append(
            Row(
                f"conv2d {name}",
                t_ours,
                t_torch,
                "torch CPU",
                target="<= 10",
                extra={"max_rel_error": err},
            )
        )
    for name, x_shape, k, mode in POOL_CASES:
        x = rng.standard_normal(x_shape, dtype=np.float32)
        xt = torch.from_numpy(x)
        fn = F.max_pool2d if mode == "max" else F.avg_pool2d
        if not np.allclose(ops.pool2d(x, k, mode=mode), fn(xt, k).numpy(), atol=1e-5):
            raise RuntimeError(f"pool2d {mode} disagrees with torch on {name}")
        t_ours = time_call(partial(ops.pool2d, x, k, mode=mode))
        t_torch = time_call(partial(fn, xt, k))
        rows.append(Row(f"pool2d {name}", t_ours, t_torch, "torch CPU", target="<= 10"))
    return report(
        "ops",
        "Reference ops (NumPy) vs torch CPU",
        rows,
        notes="Outputs agree with torch (max relative error in results/ops.json).",
    )


if __name__ == "__main__":
    run()
