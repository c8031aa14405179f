"""The hidden-test call of the graded notebooks: run the answer, record the outputs.

Lecture: course logistics (graded assignments).

Inside the grading sandbox (``COURSE_GRADING_OUT`` is set) :func:`hidden_check` reads the
hidden inputs the grader drew from its secret seed (a file under ``COURSE_GRADING_DATA``,
written by :func:`write_cases`, without the labels), applies the student's answer to them
(:mod:`course_lib.grading.calls`) and writes the outputs to a JSON file; it decides nothing
and imports none of the checks (they are not in the sandbox's view of ``course_lib``). The
grader judges the file in its own process against ``course_lib``'s values. Outside the
sandbox (an instructor running the source notebook, or plain ``nbgrader autograde``) it
compares in-process and raises ``AssertionError`` on a mismatch, like an ordinary hidden
test.
"""

from __future__ import annotations

import json
import math
import os
import re
from typing import Any

import numpy as np

__all__ = [
    "hidden_check",
    "to_jsonable",
    "from_jsonable",
    "record_path",
    "write_cases",
    "read_cases",
    "OUT_ENV",
    "SEED_ENV",
    "DATA_ENV",
]

OUT_ENV = "COURSE_GRADING_OUT"
SEED_ENV = "COURSE_GRADING_SEED"
DATA_ENV = "COURSE_GRADING_DATA"
_MAX_ELEMENTS = 1_000_000


def record_path(out_dir: str, key: str, suffix: str = ".json") -> str:
    """File the probe writes (or, with ``suffix=".npz"``, hidden data it reads) for ``key``."""
    return os.path.join(out_dir, re.sub(r"[^A-Za-z0-9_.-]", "_", key) + suffix)


def _encode(value: Any, arrays: dict[str, np.ndarray]) -> Any:
    if isinstance(value, np.ndarray):
        name = f"a{len(arrays)}"
        arrays[name] = value
        return {"$array": name}
    if isinstance(value, tuple):
        return {"$tuple": [_encode(v, arrays) for v in value]}
    if isinstance(value, list):
        return [_encode(v, arrays) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    raise TypeError(f"write_cases: cannot store a {type(value).__name__} in a hidden case")


def _decode(value: Any, arrays: Any) -> Any:
    if isinstance(value, dict) and "$array" in value:
        return arrays[value["$array"]]
    if isinstance(value, dict) and "$tuple" in value:
        return tuple(_decode(v, arrays) for v in value["$tuple"])
    if isinstance(value, list):
        return [_decode(v, arrays) for v in value]
    return value


def write_cases(path: str, cases: list[dict]) -> None:
    """Store hidden cases (dicts of numbers, tuples, ``None`` and arrays) for the sandbox.

    Arrays keep their dtype; everything else goes into a JSON header. No pickle on either
    side.
    """
    arrays: dict[str, np.ndarray] = {}
    header = [{k: _encode(v, arrays) for k, v in case.items()} for case in cases]
    np.savez(path, __cases__=np.array(json.dumps(header)), **arrays)


def read_cases(path: str) -> list[dict]:
    """The cases :func:`write_cases` stored at ``path``."""
    with np.load(path, allow_pickle=False) as z:
        arrays = {name: z[name] for name in z.files}
    header = json.loads(str(arrays.pop("__cases__")))
    return [{k: _decode(v, arrays) for k, v in case.items()} for case in header]


def to_jsonable(value: Any) -> dict:
    """Serialise an output (number, sequence, ndarray or torch tensor) to plain JSON data."""
    if hasattr(value, "detach") and hasattr(value, "cpu"):  # torch.Tensor, without importing torch
        value = value.detach().cpu().numpy()
    arr = np.asarray(value)
    if arr.dtype == object or arr.dtype.kind not in "biuf":
        raise TypeError(f"expected numbers, got an array of dtype {arr.dtype}")
    if arr.size > _MAX_ELEMENTS:
        raise ValueError(f"output too large ({arr.size} elements)")
    kind = "int" if arr.dtype.kind in "biu" else "float"
    flat = arr.astype(np.int64 if kind == "int" else np.float64).ravel().tolist()
    if kind == "float":
        flat = [x if math.isfinite(x) else repr(x) for x in flat]
    return {"shape": list(arr.shape), "kind": kind, "data": flat}


def hidden_check(key: str, answer: Any) -> None:
    """Run ``answer`` on the hidden inputs of check ``key`` and record (or check) the outputs.

    Parameters
    ----------
    key : str
        ``"<assignment>/<grade_id>"`` of the enclosing test cell.
    answer : object
        What the student wrote (a function, a class or a value), passed to the check's
        ``call``.
    """
    from .calls import call_for

    call = call_for(key)
    out_dir = os.environ.get(OUT_ENV)
    if out_dir:  # in the sandbox: the grader's inputs in, the outputs out, nothing judged
        cases = read_cases(record_path(os.environ[DATA_ENV], key, ".npz"))
        results = _run(call, answer, cases)
        with open(record_path(out_dir, key), "w") as f:
            json.dump({"key": key, "cases": results}, f)
        return
    from .checks import get_check  # an instructor's run: judge here

    check = get_check(key)
    seed = int(os.environ.get(SEED_ENV, "0"))
    expected = None
    if check.hidden_data is not None:
        inputs, expected = check.hidden_data(seed)
        cases = [inputs]
    else:
        cases = check.cases(seed)
    if check.replay:  # the exported model, run as the grader runs it
        from .graded_model import run_in_process

        needs_threshold = key.startswith("a4/")
        results = run_in_process(key, answer, cases[0], needs_threshold)["cases"]
    else:
        results = _run(call, answer, cases)
    for i, (case, res) in enumerate(zip(cases, results, strict=True)):
        if not res["ok"]:
            raise AssertionError(f"hidden case {i + 1}: {res['error']}")
        verdict = check.judge(from_jsonable(res["value"]), case, expected)
        if not verdict.ok:
            raise AssertionError(f"hidden case {i + 1}: {verdict.message}")


def _run(call, answer: Any, cases: list[dict]) -> list[dict]:
    results = []
    for case in cases:
        try:
            results.append({"ok": True, "value": to_jsonable(call(answer, case))})
        except Exception as err:  # noqa: BLE001 - any student error is a failed case
            results.append({"ok": False, "error": f"{type(err).__name__}: {err}"[:300]})
    return results


def from_jsonable(record: Any) -> np.ndarray:
    """Inverse of :func:`to_jsonable`; raises ``ValueError`` on anything malformed."""
    if not isinstance(record, dict):
        raise ValueError("a recorded value must be an object")
    shape, kind, data = record.get("shape"), record.get("kind"), record.get("data")
    if not (isinstance(shape, list) and all(isinstance(n, int) and n >= 0 for n in shape)):
        raise ValueError("bad shape in the record")
    if kind not in ("int", "float") or not isinstance(data, list):
        raise ValueError("bad kind or data in the record")
    if math.prod(shape) != len(data) or len(data) > _MAX_ELEMENTS:
        raise ValueError("the record's data does not match its shape")
    if kind == "int":
        if not all(isinstance(x, int) and not isinstance(x, bool) for x in data):
            raise ValueError("non-integer data in an int record")
        return np.array(data, dtype=np.int64).reshape(shape)
    vals = [float(x) if isinstance(x, str) else x for x in data]
    if not all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in vals):
        raise ValueError("non-numeric data in a float record")
    return np.array(vals, dtype=np.float64).reshape(shape)
