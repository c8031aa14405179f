"""One small, readable trainer for every MIR notebook and assignment.

Lecture: training CNNs for music (on a GPU when there is one). ``Trainer.fit`` runs the
epochs; around the plain PyTorch loop it adds what real runs need:

* device selection (CUDA, Apple MPS, CPU) with a printout, mixed precision on CUDA;
* seeded runs: every epoch reseeds torch, NumPy, Python and the loader's shuffle from
  ``(seed, epoch)`` and tells the training dataset its epoch (``set_epoch``, see
  :func:`course_lib.data.datasets.clip_rng`), so a resumed run repeats the uninterrupted one
  exactly (deterministic kernels where torch allows);
* checkpoints every epoch, written atomically (temporary file + ``os.replace``: a kill during a
  save never corrupts the last good checkpoint), and ``resume=True`` to continue after a Colab
  disconnect (model, optimiser, scheduler, epoch, history, early-stopping state);
* early stopping on a monitored metric, a CSV/JSON metrics log and :func:`plot_history`;
* multi-GPU through torch's own ``DistributedDataParallel``: launch the same script with
  ``torchrun --nproc_per_node=N script.py``, call :func:`setup_distributed` first and give the
  loaders a ``DistributedSampler``; only rank 0 writes checkpoints and logs;
* optional ``torch.compile``.
"""

from __future__ import annotations

import csv
import json
import os
import random
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

__all__ = [
    "Trainer",
    "select_device",
    "seed_everything",
    "setup_distributed",
    "shard_loader",
    "plot_history",
]


def select_device(prefer: str | None = None, verbose: bool = True) -> torch.device:
    """CUDA if available, else Apple MPS, else CPU (or ``prefer``), with a one-line printout."""
    if prefer is not None:
        device = torch.device(prefer)
    elif torch.cuda.is_available():
        device = torch.device("cuda")
    elif getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        device = torch.device("mps")
    else:
        device = torch.device("cpu")
    if verbose and os.environ.get("RANK", "0") == "0":  # once, not once per torchrun process
        name = torch.cuda.get_device_name(device) if device.type == "cuda" else device.type
        print(f"[course_lib.train] device: {device} ({name})")
    return device


def seed_everything(seed: int, deterministic: bool = False) -> None:
    """Seed Python, NumPy and torch (all devices).

    With ``deterministic=True`` torch also picks deterministic kernels where it has them
    (``torch.use_deterministic_algorithms(True, warn_only=True)``, cuDNN autotuning off); a
    few CUDA kernels have no deterministic version and only warn.
    """
    random.seed(seed)
    np.random.seed(seed % 2**32)  # noqa: NPY002 - legacy global state used by some libraries
    torch.manual_seed(seed)
    if deterministic:
        os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
        torch.use_deterministic_algorithms(True, warn_only=True)
        torch.backends.cudnn.benchmark = False


def _rng_states() -> dict[str, Any]:
    states = {
        "python": random.getstate(),
        "numpy": np.random.get_state(),  # noqa: NPY002
        "torch": torch.get_rng_state(),
    }
    if torch.cuda.is_available():
        states["cuda"] = torch.cuda.get_rng_state_all()
    return states


def _set_rng_states(states: dict[str, Any]) -> None:
    random.setstate(states["python"])
    np.random.set_state(states["numpy"])  # noqa: NPY002
    torch.set_rng_state(states["torch"].cpu())
    if "cuda" in states and torch.cuda.is_available():
        torch.cuda.set_rng_state_all([s.cpu() for s in states["cuda"]])


def setup_distributed(backend: str | None = None) -> tuple[int, int]:
    """Initialise ``torch.distributed`` from the environment ``torchrun`` sets.

    Returns ``(rank, world_size)``; ``(0, 1)`` when not launched by torchrun. The backend
    defaults to NCCL on CUDA and gloo otherwise.
    """
    import torch.distributed as dist

    if "RANK" not in os.environ or "WORLD_SIZE" not in os.environ:
        return 0, 1
    if not dist.is_initialized():
        backend = backend or ("nccl" if torch.cuda.is_available() else "gloo")
        dist.init_process_group(backend)
        if torch.cuda.is_available():
            torch.cuda.set_device(int(os.environ.get("LOCAL_RANK", 0)))
    return dist.get_rank(), dist.get_world_size()


def shard_loader(loader, shuffle: bool = True, seed: int = 0):
    """The same DataLoader, each process reading its own share (``DistributedSampler``).

    Returns ``loader`` unchanged outside a ``torchrun`` launch. The trainer calls
    ``sampler.set_epoch`` every epoch, so the shuffle differs between epochs and agrees
    between processes.
    """
    import torch.distributed as dist
    from torch.utils.data import DataLoader
    from torch.utils.data.distributed import DistributedSampler

    if not (dist.is_available() and dist.is_initialized()) or dist.get_world_size() == 1:
        return loader
    sampler = DistributedSampler(loader.dataset, shuffle=shuffle, seed=seed)
    return DataLoader(
        loader.dataset,
        batch_size=loader.batch_size,
        sampler=sampler,
        num_workers=loader.num_workers,
        pin_memory=loader.pin_memory,
        collate_fn=loader.collate_fn,
    )


def _atomic_save(obj: Any, path: Path) -> None:
    tmp = path.with_name(path.name + ".tmp")
    torch.save(obj, tmp)
    os.replace(tmp, path)


def _to(batch, device):
    if isinstance(batch, torch.Tensor):
        return batch.to(device, non_blocking=True)
    if isinstance(batch, (list, tuple)):
        return type(batch)(_to(b, device) for b in batch)
    if isinstance(batch, dict):
        return {k: _to(v, device) for k, v in batch.items()}
    return batch


class Trainer:
    """Train and evaluate a model with a loss function.

    Parameters
    ----------
    model : nn.Module
    loss_fn : callable ``(outputs, targets) -> scalar tensor``
    lr : float
        Learning rate of the default Adam optimiser.
    optimizer : torch.optim.Optimizer, optional
        Replaces the default; must optimise ``model``'s parameters.
    scheduler : optional, stepped once per epoch
    device : str, optional
        Default: :func:`select_device`.
    amp : bool
        Mixed precision (bfloat16 autocast) on CUDA; ignored elsewhere.
    seed : int
    deterministic : bool
        Ask torch for deterministic kernels (see :func:`seed_everything`).
    checkpoint_dir : path, optional
        Where ``last.pt``, ``best.pt`` and ``history.csv``/``.json`` go.
    checkpoint_every : int
        Write ``last.pt`` every this many epochs (and always after the last one).
    monitor, mode : str
        Metric watched for the best checkpoint and early stopping (e.g. ``"valid_loss"``,
        ``"min"`` or ``"valid_roc_auc"``, ``"max"``).
    patience : int, optional
        Stop after this many epochs without improvement.
    metrics_fn : callable ``(outputs, targets) -> dict``, optional
        Extra validation metrics computed on the concatenated outputs.
    input_fn : callable, optional
        Applied to each input batch on the device (e.g. a mel spectrogram front end).
    compile : bool
        Wrap the model with ``torch.compile``.
    progress : bool
        Show a tqdm bar with the running loss.
    """

    def __init__(
        self,
        model: nn.Module,
        loss_fn: Callable,
        *,
        lr: float = 1e-3,
        optimizer: torch.optim.Optimizer | None = None,
        scheduler=None,
        device: str | None = None,
        amp: bool = True,
        seed: int = 0,
        deterministic: bool = False,
        checkpoint_dir: str | Path | None = None,
        checkpoint_every: int = 1,
        monitor: str = "valid_loss",
        mode: str = "min",
        patience: int | None = None,
        metrics_fn: Callable | None = None,
        input_fn: Callable | None = None,
        compile: bool = False,
        progress: bool = True,
        verbose: bool = True,
    ) -> None:
        if mode not in ("min", "max"):
            raise ValueError(f"mode must be 'min' or 'max', got {mode!r}")
        if patience is not None and patience < 1:
            raise ValueError(f"patience must be a positive number of epochs, got {patience}")
        if checkpoint_every < 1:
            raise ValueError(f"checkpoint_every must be >= 1 epoch, got {checkpoint_every}")
        seed_everything(seed, deterministic)
        self.device = select_device(device, verbose=verbose)
        if self.device.type == "cuda" and self.device.index is None:
            # "cuda" means the current GPU: under torchrun, the one of this process's LOCAL_RANK
            self.device = torch.device("cuda", torch.cuda.current_device())
        self.model = model.to(self.device)
        self.rank, self.world_size = 0, 1
        if torch.distributed.is_available() and torch.distributed.is_initialized():
            from torch.nn.parallel import DistributedDataParallel

            self.rank, self.world_size = (
                torch.distributed.get_rank(),
                torch.distributed.get_world_size(),
            )
            ids = [self.device.index] if self.device.type == "cuda" else None
            self.model = DistributedDataParallel(self.model, device_ids=ids)
        self.net = torch.compile(self.model) if compile else self.model
        self.loss_fn = loss_fn
        self.optimizer = optimizer or torch.optim.Adam(self.model.parameters(), lr=lr)
        self.scheduler = scheduler
        self.amp = amp and self.device.type == "cuda"
        self.seed = seed
        self.checkpoint_dir = Path(checkpoint_dir) if checkpoint_dir else None
        self.checkpoint_every = checkpoint_every
        self.monitor, self.mode, self.patience = monitor, mode, patience
        self.metrics_fn, self.input_fn = metrics_fn, input_fn
        self.progress = progress and self.rank == 0
        self.verbose = verbose and self.rank == 0
        self.history: list[dict[str, float]] = []
        self.epoch = 0
        self.best: float | None = None
        self.bad_epochs = 0

    # -- one pass ---------------------------------------------------------------------------
    def _forward(self, x):
        if self.input_fn is not None:
            x = self.input_fn(x)
        with torch.autocast("cuda", dtype=torch.bfloat16, enabled=self.amp):
            return self.net(x)

    def train_epoch(self, loader: Iterable) -> float:
        """One epoch of training; returns the mean training loss."""
        self.net.train()
        total, count = 0.0, 0
        batches = loader
        if self.progress:
            from tqdm.auto import tqdm

            batches = tqdm(loader, desc=f"epoch {self.epoch + 1}", leave=False)
        for x, y in batches:
            x, y = _to(x, self.device), _to(y, self.device)
            self.optimizer.zero_grad(set_to_none=True)
            loss = self.loss_fn(self._forward(x).float(), y)
            if not torch.isfinite(loss):
                raise FloatingPointError(
                    f"loss became {loss.item()} at epoch {self.epoch + 1}: lower the learning "
                    "rate or check the inputs for NaN"
                )
            loss.backward()
            self.optimizer.step()
            total += loss.item() * len(y)
            count += len(y)
            if self.progress:
                batches.set_postfix(loss=f"{total / count:.4f}")
        return total / max(count, 1)

    @torch.no_grad()
    def predict(self, loader: Iterable) -> tuple[torch.Tensor, torch.Tensor]:
        """Concatenated model outputs and targets of a loader (on the CPU)."""
        self.net.eval()
        outputs, targets = [], []
        for x, y in loader:
            outputs.append(self._forward(_to(x, self.device)).float().cpu())
            targets.append(y.cpu() if isinstance(y, torch.Tensor) else y)
        return torch.cat(outputs), torch.cat(targets)

    def evaluate(self, loader: Iterable, prefix: str = "valid") -> dict[str, float]:
        """Loss and ``metrics_fn`` metrics on a loader, keys prefixed (``valid_loss``, ...)."""
        outputs, targets = self.predict(loader)
        result = {f"{prefix}_loss": float(self.loss_fn(outputs, targets))}
        if self.metrics_fn is not None:
            for key, value in self.metrics_fn(outputs, targets).items():
                result[f"{prefix}_{key}"] = float(value)
        return result

    # -- the loop -----------------------------------------------------------------------------
    def fit(
        self,
        train_loader: Iterable,
        valid_loader: Iterable | None = None,
        num_epochs: int = 10,
        resume: bool = False,
    ) -> list[dict[str, float]]:
        """Train for ``num_epochs`` epochs in total (continuing a checkpoint if ``resume``).

        Returns the history: one dict per epoch with ``epoch``, ``train_loss``, the validation
        metrics and ``lr``.
        """
        if resume:
            if self.checkpoint_dir is None:
                raise ValueError("resume=True needs checkpoint_dir")
            if (self.checkpoint_dir / "last.pt").exists():
                self.load_checkpoint(self.checkpoint_dir / "last.pt")
                if self.verbose:
                    print(f"[course_lib.train] resumed after epoch {self.epoch}")
        if self.monitor.startswith("valid") and valid_loader is None:
            self.monitor = "train_loss"
        while self.epoch < num_epochs:
            # Everything random in this epoch derives from (seed, epoch).
            seed_everything(self.seed * 100_003 + self.epoch)
            generator = getattr(train_loader, "generator", None)
            if generator is not None:
                generator.manual_seed(self.seed * 100_003 + self.epoch)
            sampler = getattr(train_loader, "sampler", None)
            if hasattr(sampler, "set_epoch"):
                sampler.set_epoch(self.epoch)
            self._set_dataset_epoch(train_loader)
            row: dict[str, float] = {"epoch": self.epoch + 1}
            row["train_loss"] = self.train_epoch(train_loader)
            if valid_loader is not None:
                row.update(self.evaluate(valid_loader))
            row["lr"] = self.optimizer.param_groups[0]["lr"]
            if self.scheduler is not None:
                self.scheduler.step()
            self.epoch += 1
            self.history.append(row)
            improved = self._update_best(row[self.monitor])
            if self.verbose:
                shown = "  ".join(f"{k} {v:.4g}" for k, v in row.items() if k != "epoch")
                print(f"epoch {self.epoch:3d}/{num_epochs}  {shown}{'  *' if improved else ''}")
            stop = self.patience is not None and self.bad_epochs >= self.patience
            if stop or self.epoch % self.checkpoint_every == 0 or self.epoch == num_epochs:
                self._save(improved)
            elif improved:
                self._save(improved, last=False)
            if stop:
                if self.verbose:
                    print(
                        f"[course_lib.train] early stop: no {self.monitor} improvement "
                        f"for {self.patience} epochs"
                    )
                break
        return self.history

    def _set_dataset_epoch(self, loader) -> None:
        """Random chunks and augmentation of this epoch: ``set_epoch`` on the loader's dataset
        (and the datasets it wraps), so they depend on ``(seed, epoch, index)`` only."""
        dataset = getattr(loader, "dataset", None)
        if dataset is None:
            return
        from ..data.datasets import set_epoch

        if set_epoch(dataset, self.epoch) and getattr(loader, "persistent_workers", False):
            raise ValueError(
                "the training dataset draws per-epoch random examples (set_epoch), which "
                "DataLoader workers kept between epochs never see: build the loader with "
                "persistent_workers=False (course_lib.data.datasets.make_loader does)"
            )

    def _update_best(self, value: float) -> bool:
        better = self.best is None or (
            value < self.best if self.mode == "min" else value > self.best
        )
        if better:
            self.best, self.bad_epochs = value, 0
        else:
            self.bad_epochs += 1
        return better

    # -- checkpoints ----------------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        model = self.model.module if hasattr(self.model, "module") else self.model
        return {
            "model": model.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "scheduler": self.scheduler.state_dict() if self.scheduler is not None else None,
            "epoch": self.epoch,
            "history": self.history,
            "best": self.best,
            "bad_epochs": self.bad_epochs,
            "monitor": self.monitor,
            "rng": _rng_states(),
        }

    def load_checkpoint(self, path: str | Path) -> None:
        """Restore model, optimiser, scheduler, epoch, history and early-stopping state."""
        try:
            state = torch.load(path, map_location=self.device, weights_only=False)
        except Exception as err:  # truncated zip, pickle garbage, missing file
            raise ValueError(
                f"checkpoint {path} could not be read: corrupt or truncated "
                f"({type(err).__name__}: {err}); "
                "delete it (the previous good one is best.pt) or train without resume"
            ) from err
        missing = {"model", "optimizer", "epoch", "history"} - set(
            state if isinstance(state, dict) else ()
        )
        if missing:
            raise ValueError(f"{path} is not a Trainer checkpoint: missing {sorted(missing)}")
        model = self.model.module if hasattr(self.model, "module") else self.model
        model.load_state_dict(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])
        if self.scheduler is not None and state["scheduler"] is not None:
            self.scheduler.load_state_dict(state["scheduler"])
        self.epoch, self.history = state["epoch"], state["history"]
        self.best, self.bad_epochs = state["best"], state["bad_epochs"]
        if "rng" in state:  # each epoch reseeds anyway; this restores mid-epoch users' draws
            _set_rng_states(state["rng"])

    def _save(self, improved: bool, last: bool = True) -> None:
        if self.checkpoint_dir is None or self.rank != 0:
            return
        self.checkpoint_dir.mkdir(parents=True, exist_ok=True)
        state = self.state_dict()
        if last:
            _atomic_save(state, self.checkpoint_dir / "last.pt")
        if improved:
            _atomic_save(state, self.checkpoint_dir / "best.pt")
        (self.checkpoint_dir / "history.json").write_text(json.dumps(self.history, indent=1))
        with open(self.checkpoint_dir / "history.csv", "w", newline="") as f:
            keys = list(dict.fromkeys(k for row in self.history for k in row))
            writer = csv.DictWriter(f, fieldnames=keys)
            writer.writeheader()
            writer.writerows(self.history)


def plot_history(history: list[dict[str, float]], keys: Iterable[str] | None = None, ax=None):
    """Learning curves: one line per key (default: every ``*loss`` key) against the epoch."""
    if not history:
        raise ValueError("history is empty: train for at least one epoch first")
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=(6, 3.5))
    keys = list(keys) if keys is not None else [k for k in history[0] if k.endswith("loss")]
    epochs = [row["epoch"] for row in history]
    lines = [
        ax.plot(epochs, [row.get(k, np.nan) for row in history], marker="o", label=k)[0]
        for k in keys
    ]
    ax.set_xlabel("epoch")
    ax.legend()
    return lines
