"""Hidden checks of the graded assignments, judged in the grader's process.

Lecture: course logistics (graded assignments). Each autograded test cell of an assignment
ends with a hidden region that calls :func:`course_lib.grading.probe.hidden_check` with the
key ``"<assignment>/<grade_id>"`` and the student's answer. In the student's kernel the probe
only *runs* the answer on inputs drawn from a per-run secret seed and serialises the outputs;
the grader re-draws the same inputs in its own process, computes the reference values with
``course_lib`` and compares. Nothing the student's kernel does (monkeypatching
``numpy.testing``, ``assert`` helpers or builtins) can turn a wrong output into a pass.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = [
    "Check",
    "CaseResult",
    "get_check",
    "checks_for",
    "forbidden_for",
    "find_forbidden_imports",
    "ASSIGNMENT_MODULES",
]

# One module per assignment; imported lazily so that the kernel only loads what it grades.
ASSIGNMENT_MODULES = {"a1": "a1", "a2": "a2", "a3": "a3", "a4": "a4"}


@dataclass(frozen=True)
class CaseResult:
    """Verdict on one hidden case: ``ok`` and a message that reveals no reference value."""

    ok: bool
    message: str = ""
    fraction: float | None = None  # partial credit (metric scales); None: all or nothing


@dataclass(frozen=True)
class Check:
    """A hidden check of one autograded test cell.

    Parameters
    ----------
    key : str
        ``"<assignment>/<grade_id>"`` of the test cell the check belongs to.
    make_cases : callable(numpy.random.Generator) -> list of dict
        Draws the hidden inputs. Runs in the student's kernel *and* in the grader, from the
        same seed; it must only use the generator (no global state).
    expected : callable(dict) -> array-like
        The reference output for one case, computed with ``course_lib``. Only the grader
        calls it.
    replay : bool
        The answer is a model exported in the sandbox and run again by the grader in a
        second sandboxed process (:mod:`course_lib.grading.graded_model`, A3 and A4); the
        judged record is that run's.
    secret : tuple of str
        Keys of a case that stay with the grader (labels the judge needs): the sandbox gets
        the case without them.
    rtol, atol : float
        Tolerances of ``numpy.allclose``; integer answers must match exactly.
    compare : callable(got, expected) -> CaseResult, optional
        A custom comparison (for metrics with thresholds); replaces the default.
    hidden_data : callable(seed) -> (inputs, expected), optional
        For checks on hidden data (A3, A4): renders the hidden test set in the grader's
        process. Only ``inputs`` (arrays, no labels) are copied into the sandbox as the
        single case; ``expected`` (the labels) never leaves the grader. ``make_cases`` and
        ``expected`` are then unused.
    """

    key: str
    make_cases: Callable[[np.random.Generator], list[dict]]
    expected: Callable[[dict], Any]
    rtol: float = 1e-5
    atol: float = 1e-6
    compare: Callable[[Any, Any], CaseResult] | None = None
    description: str = field(default="", compare=False)
    hidden_data: Callable[[int], tuple[dict[str, np.ndarray], Any]] | None = None
    secret: tuple[str, ...] = ()
    replay: bool = False

    @property
    def call(self) -> Callable[[Any, dict], Any]:
        """How the probe applies the answer to a case (``course_lib.grading.calls``)."""
        from ..calls import call_for

        return call_for(self.key)

    def sandbox_cases(self, seed: int) -> list[dict]:
        """The cases as the sandbox gets them: generated here, the ``secret`` keys removed."""
        return [
            {k: v for k, v in case.items() if k not in self.secret} for case in self.cases(seed)
        ]

    def cases(self, seed: int) -> list[dict]:
        """The hidden inputs for ``seed`` (a fresh generator per check, so order is irrelevant)."""
        digest = sum((i + 1) * ord(c) for i, c in enumerate(self.key))
        return self.make_cases(np.random.default_rng([seed, digest]))

    def judge(self, got: Any, case: dict, expected: Any = None) -> CaseResult:
        """Compare one serialised student output with the reference (grader side)."""
        if expected is None:
            expected = self.expected(case)
        if self.compare is not None:
            return self.compare(got, expected)
        return compare_arrays(got, expected, rtol=self.rtol, atol=self.atol)


def compare_arrays(got: Any, expected: Any, *, rtol: float, atol: float) -> CaseResult:
    """Shape, then value comparison of two array-likes; messages give sizes, never values."""
    exp = np.asarray(expected)
    try:
        arr = np.asarray(got, dtype=np.float64 if exp.dtype.kind in "fc" else None)
    except (TypeError, ValueError) as err:
        return CaseResult(False, f"the output is not an array of numbers ({err})")
    if arr.shape != exp.shape:
        return CaseResult(False, f"output shape {arr.shape}, expected {exp.shape}")
    if arr.dtype.kind not in "biuf" or exp.dtype.kind not in "biuf":
        ok = bool(np.array_equal(arr, exp))
        return CaseResult(ok, "" if ok else "the output differs from the reference")
    if exp.dtype.kind in "biu":
        ok = bool(np.array_equal(arr, exp))
        return CaseResult(ok, "" if ok else "the integer output differs from the reference")
    if not np.all(np.isfinite(arr)):
        return CaseResult(False, "the output contains nan or inf")
    err = np.abs(arr - exp)
    ok = bool(np.all(err <= atol + rtol * np.abs(exp)))
    return CaseResult(ok, "" if ok else f"max abs error {err.max():.3g} (tolerance {atol:g})")


def scaled_credit(value: float, scale: tuple, what: str) -> CaseResult:
    """Partial credit from a metric scale: ``scale`` is ``((at_least, fraction), ...)``, best first.

    The message names the metric, its value, the credit and the whole scale (A3, A4).
    """
    fraction = next((frac for threshold, frac in scale if value >= threshold), 0.0)
    steps = ", ".join(f">= {t:.2f}: {frac:.0%}" for t, frac in scale)
    return CaseResult(fraction > 0, f"{what} {value:.2f} gives {fraction:.0%} ({steps})", fraction)


def _no_generated_cases(case: dict) -> None:
    raise NotImplementedError("a hidden-data check has no generated cases")


def hidden_data_check(
    key: str,
    hidden_data: Callable[[int], tuple[dict[str, np.ndarray], Any]],
    compare: Callable[[Any, Any], CaseResult],
) -> Check:
    """A :class:`Check` on a hidden test set rendered by the grader (A3, A4)."""
    return Check(
        key,
        make_cases=lambda rng: [],
        expected=_no_generated_cases,
        compare=compare,
        hidden_data=hidden_data,
        replay=True,
    )


def checks_for(assignment: str) -> dict[str, Check]:
    """All checks of an assignment, keyed by the test cell's grade_id."""
    if assignment not in ASSIGNMENT_MODULES:
        raise ValueError(
            f"checks_for: unknown assignment {assignment!r}; known: {sorted(ASSIGNMENT_MODULES)}"
        )
    module = importlib.import_module(f"{__name__}.{ASSIGNMENT_MODULES[assignment]}")
    return {c.key.split("/", 1)[1]: c for c in module.CHECKS}


def forbidden_for(assignment: str) -> tuple[str, ...]:
    """Modules a student's code may not import in ``assignment`` (they hold the answers)."""
    checks_for(assignment)  # validates the name
    module = importlib.import_module(f"{__name__}.{ASSIGNMENT_MODULES[assignment]}")
    return tuple(getattr(module, "FORBIDDEN", ()))


def find_forbidden_imports(code: str, forbidden: tuple[str, ...]) -> list[str]:
    """Forbidden modules that ``code`` imports (statically, or named in a string literal).

    ``from course_lib import ops``, ``import course_lib.ops as o`` and
    ``importlib.import_module("course_lib.ops")`` all count. Code that does not parse (IPython
    magics) is scanned line by line.
    """
    import ast

    def hits(name: str) -> list[str]:
        return [f for f in forbidden if name == f or name.startswith(f + ".")]

    found: set[str] = set()
    try:
        tree = ast.parse(code)
    except SyntaxError:
        lines = [ln for ln in code.split("\n") if not ln.lstrip().startswith(("%", "!"))]
        try:
            tree = ast.parse("\n".join(lines))
        except SyntaxError:
            tree = None
    if tree is None:
        return sorted(f for f in forbidden if f in code or f.rsplit(".", 1)[-1] + "'" in code)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                found.update(hits(alias.name))
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.update(hits(node.module))
            for alias in node.names:
                found.update(hits(f"{node.module}.{alias.name}"))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            found.update(f for f in forbidden if f in node.value)
    return sorted(found)


def get_check(key: str) -> Check:
    """The check registered under ``"<assignment>/<grade_id>"``."""
    if not isinstance(key, str) or key.count("/") != 1:
        raise ValueError(f"get_check: key must look like 'a1/test_conv2d', got {key!r}")
    assignment, grade_id = key.split("/")
    checks = checks_for(assignment)
    if grade_id not in checks:
        raise ValueError(
            f"get_check: assignment {assignment!r} has no check {grade_id!r}; "
            f"known: {sorted(checks)}"
        )
    return checks[grade_id]
