"""Training input pipeline vs model step: does data loading keep up with the model?

Measures, on the rendered tagging data, the time to produce one batch through
``ClipDataset`` + ``DataLoader`` (audio decoding cached, random chunking, augmentation) and
the time of one training step (front end + short-chunk CNN forward/backward/update), with and
without AMP where CUDA is available. Target: the pipeline delivers batches at least 3x faster
than the step consumes them (ratio step / pipeline >= 3 means ours/baseline <= 1/3).
"""

from __future__ import annotations

import time

import torch

from course_lib.data import load_dataset
from course_lib.data.datasets import Augment, ClipDataset, make_loader, multilabel_target
from course_lib.data.generate import TAGS
from course_lib.models import tagging

from ._harness import Row, report


def _pipeline_time(loader, n_batches: int) -> float:
    it = iter(loader)
    next(it)  # warm-up: fills the audio cache
    start = time.perf_counter()
    for _ in range(n_batches):
        try:
            next(it)
        except StopIteration:
            it = iter(loader)
            next(it)
    return (time.perf_counter() - start) / n_batches


def _step_time(model, batch, amp: bool, n_steps: int, device: str) -> float:
    x, y = batch[0].to(device), batch[1].to(device)
    opt = torch.optim.Adam(model.parameters(), 1e-3)

    def step():
        opt.zero_grad()
        with torch.autocast(device, dtype=torch.bfloat16, enabled=amp):
            out = model(x)
        loss = torch.nn.functional.binary_cross_entropy_with_logits(out.float(), y)
        loss.backward()
        opt.step()

    step()
    if device == "cuda":
        torch.cuda.synchronize()
    start = time.perf_counter()
    for _ in range(n_steps):
        step()
    if device == "cuda":
        torch.cuda.synchronize()
    return (time.perf_counter() - start) / n_steps


def run() -> str:
    manifest = load_dataset("tagging", "smoke")
    ds = ClipDataset(
        manifest, "train", multilabel_target("tags", TAGS), chunk_seconds=3.0, augment=Augment()
    )
    loader = make_loader(ds, batch_size=16, shuffle=True)
    t_pipe = _pipeline_time(loader, 20)
    batch = next(iter(loader))
    rows = []
    devices = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
    for device in devices:
        for amp in [False, True] if device == "cuda" else [False]:
            torch.manual_seed(0)
            model = tagging.short_chunk_cnn(num_classes=len(TAGS), width=32).to(device)
            t_step = _step_time(model, batch, amp, 10 if device == "cpu" else 50, device)
            rows.append(
                Row(
                    f"batch of 16 x 3 s: pipeline vs {device} step{' (AMP bf16)' if amp else ''}",
                    t_pipe,
                    t_step,
                    f"{device} training step",
                    target="<= 0.33",
                )
            )
    notes = (
        "Pipeline in the main process (num_workers=0); ratio = pipeline time / step time, "
        "so 0.33 means the pipeline is 3x faster than the model consumes batches."
    )
    return report("pipeline", "Input pipeline vs training step", rows, notes)


if __name__ == "__main__":
    run()
