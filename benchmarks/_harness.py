"""Timing and reporting helpers shared by every benchmark."""

from __future__ import annotations

import json
import platform
import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS_DIR = HERE / "results"


def time_call(fn: Callable[[], object], *, repeat: int = 5, min_time: float = 0.05) -> float:
    """Median seconds per call of ``fn`` (after one warm-up), looping to at least ``min_time``."""
    fn()
    loops, elapsed = 1, 0.0
    while True:
        start = time.perf_counter()
        for _ in range(loops):
            fn()
        elapsed = time.perf_counter() - start
        if elapsed >= min_time:
            break
        loops *= 2
    samples = [elapsed / loops]
    for _ in range(repeat - 1):
        start = time.perf_counter()
        for _ in range(loops):
            fn()
        samples.append((time.perf_counter() - start) / loops)
    return statistics.median(samples)


@dataclass
class Row:
    """One comparison: ours vs a named baseline, measured in the same run."""

    case: str
    ours: float
    baseline: float
    baseline_name: str
    unit: str = "s"
    target: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def ratio(self) -> float:
        return self.ours / self.baseline if self.baseline else float("nan")


def machine_info() -> dict:
    import numpy
    import torch

    info = {
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "torch": torch.__version__,
        "numpy": numpy.__version__,
        "torch_threads": torch.get_num_threads(),
        "cuda": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None,
    }
    return info


def report(name: str, title: str, rows: list[Row], notes: str = "") -> str:
    """Print a markdown table, write ``results/<name>.json`` and return the markdown."""
    lines = [
        f"## {title}",
        "",
        "| case | ours | baseline | ratio (ours / baseline) | target |",
        "|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r.case} | {r.ours:.4g} {r.unit} | {r.baseline:.4g} {r.unit} ({r.baseline_name}) "
            f"| {r.ratio:.2f} | {r.target} |"
        )
    if notes:
        lines += ["", notes]
    text = "\n".join(lines)
    print(text, flush=True)
    RESULTS_DIR.mkdir(exist_ok=True)
    payload = {
        "name": name,
        "title": title,
        "machine": machine_info(),
        "rows": [asdict(r) | {"ratio": r.ratio} for r in rows],
        "notes": notes,
    }
    (RESULTS_DIR / f"{name}.json").write_text(json.dumps(payload, indent=2))
    return text
