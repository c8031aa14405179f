"""Shipped model checkpoints: one registry entry per model, verified by sha256 on load.

Lecture: the ready-to-use MIR functions (:func:`course_lib.tasks.onset.detect_onsets`,
:func:`course_lib.tasks.pitch.estimate_pitch`, :func:`course_lib.tasks.multif0.estimate_multi_f0`,
:func:`course_lib.tasks.instrument.predict_instrument`,
:func:`course_lib.tasks.activity.detect_activity`, :func:`course_lib.tasks.tagging.predict_tags`)
run on a CPU with these small checkpoints, trained on the course's rendered data (see each
entry's ``trained_on``; the full-size GPU recipes are ``python -m course_lib train TASK
--config full``).

Each entry records the file (named with the start of its sha256, as torchvision does), its
sha256, the model builder and its arguments, the preprocessing the model expects, what it was
trained on and the scores it reached on the held-out rendered test split (programs/instruments
never heard in training). Weights are stored in float16 to keep the files small and loaded
back as float32. The entries live in ``registry.json`` next to the files (:data:`REGISTRY`);
:func:`export_checkpoint` writes a trained model's file and its entry.
"""

from __future__ import annotations

import functools
import hashlib
import importlib
import json
import os
import re
from pathlib import Path
from typing import Any

import torch

__all__ = [
    "REGISTRY",
    "checkpoint_path",
    "export_checkpoint",
    "load_checkpoint",
    "read_registry",
    "save_checkpoint",
    "sha256_of",
]

HERE = Path(__file__).resolve().parent

REGISTRY_FILE = "registry.json"


def read_registry(directory: str | Path | None = None) -> dict[str, dict[str, Any]]:
    """The registry of a checkpoint folder: ``<directory>/registry.json`` as a dict.

    Lecture: using a trained CNN (shipped weights, the preprocessing they expect). The
    default folder is the package's own (what :data:`REGISTRY` holds); a folder without a
    registry file has an empty registry.
    """
    path = Path(HERE if directory is None else directory) / REGISTRY_FILE
    if not path.exists():
        return {}
    return json.loads(path.read_text(encoding="utf-8"))


#: Shipped models: name -> entry (file, sha256, model builder and kwargs, preprocessing,
#: training data and recipe, held-out test metrics), read from ``registry.json``.
REGISTRY: dict[str, dict[str, Any]] = read_registry(HERE)


def sha256_of(path: str | Path) -> str:
    """Hex sha256 of a file."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _registry_of(directory: str | Path | None) -> tuple[Path, dict[str, dict[str, Any]]]:
    if directory is None:
        return HERE, REGISTRY
    return Path(directory), read_registry(directory)


def checkpoint_path(name: str, directory: str | Path | None = None) -> Path:
    """Path of the file of registry entry ``name`` (in ``directory``, default the package's)."""
    folder, registry = _registry_of(directory)
    if name not in registry:
        raise ValueError(f"unknown checkpoint {name!r}; available: {sorted(registry)}")
    return folder / registry[name]["file"]


def _build(entry: dict[str, Any]) -> torch.nn.Module:
    module_name, _, builder = entry["model"].rpartition(".")
    return getattr(importlib.import_module(module_name), builder)(**entry.get("kwargs", {}))


def load_checkpoint(
    name: str, directory: str | Path | None = None
) -> tuple[torch.nn.Module, dict[str, Any]]:
    """The model of registry entry ``name`` with its weights (eval mode) and its metadata.

    Lecture: using a trained CNN (shipped weights, the preprocessing they expect).

    Parameters
    ----------
    name : str
        A registry entry, e.g. ``"onset_cnn"``.
    directory : path, optional
        A checkpoint folder with its own ``registry.json`` (as :func:`export_checkpoint`
        writes); default: the checkpoints shipped in the package.

    Returns
    -------
    model : nn.Module in eval mode, float32, on the CPU
    meta : dict
        What the task needs besides the weights (normalisation statistics as ndarrays,
        tuned thresholds, class names), plus the registry entry under ``"entry"``.

    Raises
    ------
    ValueError
        Unknown name, missing file, or a sha256 that differs from the registry (a corrupted
        or replaced file: reinstall the package).
    """
    path = checkpoint_path(name, directory)
    entry = _registry_of(directory)[1][name]
    if not path.exists():
        raise ValueError(f"checkpoint file {path.name} is missing: reinstall course_lib")
    stat = path.stat()
    state = _verified_state(str(path), entry["sha256"], stat.st_size, stat.st_mtime_ns)
    model = _build(entry)
    model.load_state_dict(
        {k: v.float() if v.is_floating_point() else v for k, v in state["model"].items()}
    )
    model.eval()
    meta = {
        k: (v.float().numpy() if isinstance(v, torch.Tensor) else v)
        for k, v in state.get("meta", {}).items()
    }
    meta["entry"] = dict(entry)
    from ..tasks import attach_preprocessing

    attach_preprocessing(model, **{k: meta[k] for k in ("mean", "std", "threshold") if k in meta})
    return model, meta


@functools.lru_cache(maxsize=16)
def _verified_state(path: str, sha256: str, size: int, mtime_ns: int) -> dict[str, Any]:
    """The checkpoint's contents after its sha256 check; read once per process and file version
    (``size`` and ``mtime_ns`` are part of the key, so a replaced file is checked again)."""
    digest = sha256_of(path)
    if digest != sha256:
        raise ValueError(
            f"checkpoint {Path(path).name} has sha256 {digest[:12]}..., expected "
            f"{sha256[:12]}...: the file is corrupted or was replaced; reinstall course_lib"
        )
    return torch.load(path, map_location="cpu", weights_only=True)


def save_checkpoint(
    model: torch.nn.Module, meta: dict[str, Any], path: str | Path, half: bool = True
) -> str:
    """Write ``{"model": state_dict, "meta": meta}`` (float16 weights if ``half``); return sha256.

    ``meta`` values may be ndarrays (stored as tensors), numbers, strings or lists of them.
    """
    import numpy as np

    def weight(v: torch.Tensor) -> torch.Tensor:
        v = v.detach().cpu()
        return v.half() if half and v.is_floating_point() else v

    def value(v):  # metadata (normalisation statistics) stays float32
        return (
            torch.from_numpy(np.ascontiguousarray(v, dtype=np.float32))
            if isinstance(v, np.ndarray)
            else v
        )

    state = {
        "model": {k: weight(v) for k, v in model.state_dict().items()},
        "meta": {k: value(v) for k, v in meta.items()},
    }
    path = Path(path)
    torch.save(state, path)
    return sha256_of(path)


_NAME = re.compile(r"[a-z][a-z0-9_]*")


def _jsonable(value: Any) -> Any:
    """``value`` with NumPy scalars/arrays and tuples turned into JSON types (others as str)."""
    return json.loads(
        json.dumps(value, default=lambda v: v.tolist() if hasattr(v, "tolist") else str(v))
    )


def _test_metrics(record: dict[str, Any]) -> dict[str, Any]:
    """Numbers under the ``test*`` keys of a record, flattened: ``test={"rpa": 0.8}`` ->
    ``rpa``, ``test_pyin={"rpa": 0.9}`` -> ``pyin_rpa``, ``test_clips=60`` -> ``clips``."""
    out: dict[str, Any] = {}

    def walk(prefix: str, value: Any) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                walk(f"{prefix}_{key}" if prefix else str(key), inner)
        elif isinstance(value, (int, float)) and not isinstance(value, bool) and prefix:
            out[prefix] = round(value, 4) if isinstance(value, float) else value
        elif hasattr(value, "item") and prefix:  # NumPy scalars
            walk(prefix, value.item())

    for key, value in record.items():
        if key == "test" or key.startswith("test_"):
            walk(key[len("test_") :] if key != "test" else "", value)
    return out


def _recipe(record: dict[str, Any]) -> dict[str, Any]:
    skip = {"history", "file", "sha256", "bytes"}
    return _jsonable(
        {k: v for k, v in record.items() if k not in skip and not k.startswith("test")}
    )


_SUMMARY_KEYS = ("task", "size", "max_clips", "epochs", "best_epoch", "seed", "options", "machine")


def _summary(recipe: dict[str, Any]) -> str:
    shown = ", ".join(
        f"{k} {recipe[k]}" for k in _SUMMARY_KEYS if recipe.get(k) not in (None, [], {})
    )
    return f"exported training run: {shown}" if shown else "exported training run"


def export_checkpoint(
    name: str,
    model: torch.nn.Module,
    meta: dict[str, Any],
    record: dict[str, Any],
    *,
    directory: str | Path | None = None,
    builder: str | None = None,
    kwargs: dict[str, Any] | None = None,
    metrics: dict[str, Any] | None = None,
    **fields: Any,
) -> dict[str, Any]:
    """Write a trained model as checkpoint ``<name>-<sha8>.pt`` and its registry entry.

    Lecture: using a trained CNN (shipping weights with what they need: normalisation,
    thresholds, the recipe and the held-out scores). The weights are stored in float16
    (:func:`save_checkpoint`), the file is named with the start of its sha256, and
    ``registry.json`` in ``directory`` gets the entry ``name``: an existing entry keeps its
    hand-written fields (``preprocessing``, ``headline``, ``reference``, ...) and has its file,
    sha256, size, recipe, training summary and test metrics replaced. Before the registry is
    written, the model is rebuilt from the entry and the file's weights are loaded into it, so
    a wrong builder fails here and not when the checkpoint is first used. A previous file of
    the entry is left in place (remove it once the new one is checked).

    Parameters
    ----------
    name : str
        Registry name, lower case (``"onset_cnn"``).
    model : nn.Module
        The trained model.
    meta : dict
        What the task needs besides the weights (``mean``/``std`` arrays, ``threshold``,
        class names); :func:`load_checkpoint` returns it and attaches the normalisation.
    record : dict
        The run's record: its ``test*`` keys give the default ``test_metrics``, everything
        else but ``history`` becomes the entry's ``recipe`` (task, size, epochs, seed, ...).
    directory : path, optional
        The checkpoint folder; default: the package's own (and :data:`REGISTRY` is updated).
    builder, kwargs : optional
        ``"module.function"`` that builds the model and its keyword arguments; default: the
        existing entry's, else the model's class with no arguments.
    metrics : dict, optional
        The entry's ``test_metrics``; default: the flattened ``test*`` numbers of ``record``.
    **fields
        Other entry fields to set (``trained_on``, ``preprocessing``, ``headline``, ...).
        ``trained_on`` defaults to a summary of the recipe.

    Returns
    -------
    dict
        The registry entry written.

    Raises
    ------
    ValueError
        A bad name, or a builder whose model does not take the weights (the new file is kept
        and named in the message; the registry is not changed).
    """
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise ValueError(f"checkpoint name must be lower case letters, digits and _, got {name!r}")
    folder = Path(HERE if directory is None else directory)
    folder.mkdir(parents=True, exist_ok=True)
    registry = read_registry(folder)
    tmp = folder / f"{name}.pt.tmp"
    sha = save_checkpoint(model, meta, tmp)
    path = folder / f"{name}-{sha[:8]}.pt"
    os.replace(tmp, path)
    entry = dict(registry.get(name, {}))
    cls = type(model.module if hasattr(model, "module") else model)
    entry["model"] = builder or entry.get("model") or f"{cls.__module__}.{cls.__qualname__}"
    entry["kwargs"] = _jsonable(kwargs if kwargs is not None else entry.get("kwargs", {}))
    recipe = _recipe(record)
    entry.update(
        file=path.name,
        sha256=sha,
        bytes=path.stat().st_size,
        recipe=recipe,
        trained_on=_summary(recipe),
        test_metrics=_jsonable(metrics if metrics is not None else _test_metrics(record)),
    )
    entry.update(_jsonable(fields))
    entry.setdefault("preprocessing", f"as course_lib.tasks.{recipe.get('task', name)} prepares it")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)["model"]
        _build(entry).load_state_dict(
            {k: v.float() if v.is_floating_point() else v for k, v in state.items()}
        )
    except Exception as err:
        raise ValueError(
            f"{entry['model']}(**{entry['kwargs']}) does not take the weights in {path} "
            f"({type(err).__name__}: {err}); pass builder= and kwargs=. The registry is unchanged."
        ) from err
    registry[name] = entry
    tmp = folder / f"{REGISTRY_FILE}.tmp"
    tmp.write_text(json.dumps(registry, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(tmp, folder / REGISTRY_FILE)
    if folder.resolve() == HERE:
        REGISTRY[name] = entry
    return entry
