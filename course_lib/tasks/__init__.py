"""Ready-to-train MIR tasks: one module per task, found by name.

Lecture: classification-based MIR tasks (semantic level: genre, tags; event and frame level:
onsets, instruments, pitch, multiple F0). A *task* bundles what a training run needs — data
loaders, a model, a loss, metrics and the number of epochs — for the ``"smoke"`` (CPU,
seconds) or ``"full"`` (GPU) configuration, so that::

    python -m course_lib train tagging --config smoke
    python -m course_lib train tagging --config full --resume

train it with :class:`course_lib.train.Trainer`.

Adding a task
-------------
Create ``course_lib/tasks/<name>.py`` that defines::

    def build_task(config: str, *, root=None, seed: int = 0, **options) -> TaskSetup: ...

(``root``: the dataset folder parent, as in :func:`course_lib.data.load_dataset`;
``options``: task-specific keyword arguments given on the command line as ``--set key=value``).
Running a model
---------------
The six task functions share one signature, ``fn(y, sr, *, model=None, threshold=None,
device=None)``: ``model`` defaults to the shipped checkpoint, ``threshold`` to the one stored
with the model, and the model runs on its own device (or on ``device``); results come back as
NumPy arrays on the CPU. A model carries its input normalisation
(:func:`attach_preprocessing`; :func:`build_task` and
:func:`course_lib.checkpoints.load_checkpoint` attach it).

Nothing else has to be edited: :func:`available_tasks` lists every module of this package
that defines ``build_task``, and :func:`get_task` imports it on demand.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from torch import nn

from ._common import attach_preprocessing, model_device, prepare_audio, preprocessing_of

__all__ = [
    "TaskSetup",
    "available_tasks",
    "get_task",
    "build_task",
    "attach_preprocessing",
    "preprocessing_of",
    "model_device",
    "prepare_audio",
    # the six ready-to-use task functions, one signature: fn(y, sr, *, model=None,
    # threshold=None, device=None); imported on first use
    "predict_tags",
    "detect_onsets",
    "predict_instrument",
    "detect_activity",
    "estimate_pitch",
    "estimate_multi_f0",
]

_TASK_FUNCTIONS = {
    "predict_tags": "tagging",
    "detect_onsets": "onset",
    "predict_instrument": "instrument",
    "detect_activity": "activity",
    "estimate_pitch": "pitch",
    "estimate_multi_f0": "multif0",
}


def __getattr__(name: str):
    if name in _TASK_FUNCTIONS:
        module = importlib.import_module(f"{__name__}.{_TASK_FUNCTIONS[name]}")
        return getattr(module, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


@dataclass
class TaskSetup:
    """Everything one training run of a task needs.

    Attributes
    ----------
    name : str
        Task name (e.g. ``"tagging"``).
    model : nn.Module
    loss_fn : callable ``(outputs, targets) -> scalar tensor``
    train_loader, valid_loader, test_loader : iterables of ``(x, y)`` batches
        ``valid_loader`` and ``test_loader`` may be ``None``.
    num_epochs : int
    lr : float
    metrics_fn : callable ``(outputs, targets) -> dict[str, float]``, optional
        Validation and test metrics (e.g. ROC-AUC and PR-AUC for tagging).
    monitor, mode : str
        Metric for the best checkpoint and early stopping (``"valid_roc_auc"``, ``"max"``).
    patience : int, optional
    info : dict
        Anything worth recording with the results (dataset size, class names, preprocessing).
    """

    name: str
    model: nn.Module
    loss_fn: Callable
    train_loader: Any
    valid_loader: Any = None
    test_loader: Any = None
    num_epochs: int = 10
    lr: float = 1e-3
    metrics_fn: Callable | None = None
    monitor: str = "valid_loss"
    mode: str = "min"
    patience: int | None = None
    info: dict[str, Any] = field(default_factory=dict)


def available_tasks() -> list[str]:
    """Names of the task modules in this package (those that define ``build_task``)."""
    names = []
    for module in pkgutil.iter_modules(__path__):
        if module.name.startswith("_"):
            continue
        if hasattr(importlib.import_module(f"{__name__}.{module.name}"), "build_task"):
            names.append(module.name)
    return sorted(names)


def get_task(name: str) -> Callable[..., TaskSetup]:
    """The ``build_task`` function of the task called ``name``."""
    if not isinstance(name, str) or not name.isidentifier():
        raise ValueError(f"task name must be a module name such as 'tagging', got {name!r}")
    try:
        module = importlib.import_module(f"{__name__}.{name}")
    except ModuleNotFoundError as err:
        if err.name != f"{__name__}.{name}":
            raise  # the task exists but one of its imports is missing
        raise ValueError(
            f"unknown task {name!r}; available: {', '.join(available_tasks()) or 'none'}"
        ) from None
    if not hasattr(module, "build_task"):
        raise ValueError(f"course_lib.tasks.{name} defines no build_task(config, ...)")
    return module.build_task


def build_task(
    name: str,
    config: str = "smoke",
    *,
    root=None,
    seed: int = 0,
    warm_start: str | None = None,
    **options,
) -> TaskSetup:
    """Build task ``name`` for ``config`` (``"smoke"`` or ``"full"``).

    Lecture: the MIR sections (one recipe per task; fine-tuning a trained network).
    ``warm_start`` names a shipped checkpoint (e.g. ``"crepe_tiny"``) whose weights the
    model starts from instead of a random initialisation: fine-tuning rather than training
    from scratch. Its architecture must match the task's model for ``config`` and
    ``options``; otherwise a ``ValueError`` says so.
    """
    from ..plumbing.config import CONFIGS

    if config not in CONFIGS:
        raise ValueError(f"config must be one of {CONFIGS}, got {config!r}")
    setup = get_task(name)(config, root=root, seed=seed, **options)
    if not isinstance(setup, TaskSetup):
        raise TypeError(f"course_lib.tasks.{name}.build_task must return a TaskSetup")
    # the model carries its input normalisation, so the task functions can run it directly
    attach_preprocessing(setup.model, mean=setup.info.get("mean"), std=setup.info.get("std"))
    if warm_start is not None:
        _warm_start(setup, warm_start, config)
    return setup


def _warm_start(setup: TaskSetup, checkpoint: str, config: str) -> None:
    from ..checkpoints import load_checkpoint

    trained, meta = load_checkpoint(checkpoint)
    try:
        setup.model.load_state_dict(trained.state_dict())
    except RuntimeError as err:
        first = str(err).strip().splitlines()[1:2] or [str(err)]
        raise ValueError(
            f"checkpoint {checkpoint!r} does not fit the {setup.name} model of the {config!r} "
            f"configuration ({first[0].strip()}): pass the options it was trained with, as "
            "its recipe in course_lib/checkpoints/registry.json records them"
        ) from None
    if meta.get("mean") is not None and meta.get("std") is not None:
        attach_preprocessing(setup.model, mean=meta["mean"], std=meta["std"])
    setup.info["warm_start"] = checkpoint
