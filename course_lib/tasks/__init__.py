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
    "warm_start_model",
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

    Lecture: the MIR sections (one recipe per task; fine-tuning a trained network: lecture 11
    "fine-tuning CREPE", lecture 08 section 11 "Transfer: from tags to genres").

    Parameters
    ----------
    name : str
        A task of :func:`available_tasks`.
    config : {"smoke", "full"}
    root : path, optional
        Folder holding the rendered datasets.
    seed : int
    warm_start : str, optional
        A shipped checkpoint (e.g. ``"crepe_tiny"``, ``"short_chunk_tagger"``) whose weights
        the model starts from instead of a random initialisation: fine-tuning rather than
        training from scratch. See :func:`warm_start_model` for what is copied when the
        task's output layer differs from the checkpoint's (transfer to a new task).
    **options
        Task-specific options (``label="genre"``, ``width=32``, ...).

    Raises
    ------
    ValueError
        Unknown config, or a ``warm_start`` checkpoint whose architecture differs from the
        task's model (the message says which options to pass).
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


def warm_start_model(setup: TaskSetup, checkpoint: str, config: str = "smoke") -> dict:
    """Copy the weights of shipped ``checkpoint`` into ``setup.model``, as far as they fit.

    Lecture: fine-tuning and transfer learning (lecture 08 section 11 "Transfer: from tags to
    genres"; lecture 11 "fine-tuning CREPE"). :func:`build_task` calls it for ``warm_start``.

    * Same architecture (every tensor's name and shape match): all weights are loaded, as
      ``load_state_dict`` does.
    * Same network with a different output layer (e.g. the tagger's 17 sigmoid outputs
      reused for 5 genres): every tensor whose name and shape match is copied (parameters
      and batch-norm statistics); the others, typically the new head, keep their fresh
      random initialisation. At least half of the model's parameter tensors must transfer,
      otherwise the architectures differ and a ``ValueError`` says so.

    A model wrapped for evaluation (:class:`course_lib.tasks.tagging.ChunkAverage`, whose
    ``model`` attribute holds the network) receives the weights in its inner network. When
    the model's input layer is transferred, the model carries the checkpoint's input
    normalisation (its stored ``mean``/``std``, if any, see :func:`attach_preprocessing`), so
    the task functions scale new inputs as the transferred filters saw them in training.
    Normalisation inside the network, such as the batch norm of the tagger's log-mel front
    end, travels with the weights.

    Parameters
    ----------
    setup : TaskSetup
        Its ``model`` is changed in place.
    checkpoint : str
        A name in :data:`course_lib.checkpoints.REGISTRY`.
    config : str
        Only for the error message.

    Returns
    -------
    dict
        ``warm_start`` (the checkpoint name), ``warm_start_transferred`` (names of the
        copied tensors), ``warm_start_new`` (names of the tensors left at their
        initialisation, parameters and buffers; empty for an exact match); also stored in
        ``setup.info``.

    Raises
    ------
    ValueError
        Fewer than half of the model's parameter tensors match the checkpoint by name and
        shape.
    """
    import torch

    from ..checkpoints import load_checkpoint

    trained, meta = load_checkpoint(checkpoint)
    source = trained.state_dict()
    target = setup.model
    inner = getattr(target, "model", None)
    if isinstance(inner, nn.Module) and not set(source) & set(target.state_dict()):
        target = inner  # e.g. ChunkAverage(network): the network holds the weights
    own = target.state_dict()
    fits = {k for k, v in own.items() if k in source and source[k].shape == v.shape}
    parameters = [k for k, _ in target.named_parameters()]
    moved = [k for k in parameters if k in fits]
    if len(moved) < len(parameters) / 2:
        mismatched = [
            f"{k} {tuple(own[k].shape)} vs {tuple(source[k].shape)}"
            for k in parameters
            if k in source and k not in fits
        ]
        detail = f"e.g. {mismatched[0]}" if mismatched else "no parameter names in common"
        raise ValueError(
            f"checkpoint {checkpoint!r} does not fit the {setup.name} model of the {config!r} "
            f"configuration: only {len(moved)} of the model's {len(parameters)} parameter tensors "
            f"match by name and shape ({detail}), so the architectures differ. Pass the "
            f"options the checkpoint was trained with ({meta['entry'].get('kwargs', {})} in "
            "its recipe in course_lib/checkpoints/registry.json; model, width, ...): only the "
            "output layer may differ"
        )
    with torch.no_grad():
        for k in fits:
            own[k].copy_(source[k])
    new = [k for k in own if k not in fits]
    first = parameters[0] if parameters else None
    if first in fits and meta.get("mean") is not None and meta.get("std") is not None:
        attach_preprocessing(setup.model, mean=meta["mean"], std=meta["std"])
    record = {
        "warm_start": checkpoint,
        "warm_start_transferred": [k for k in own if k in fits],
        "warm_start_new": new,
    }
    setup.info.update(record)
    return record


def _warm_start(setup: TaskSetup, checkpoint: str, config: str) -> None:
    warm_start_model(setup, checkpoint, config)
