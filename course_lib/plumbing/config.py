"""The smoke/full switch every notebook reads at its top.

Lecture: all notebooks. ``"smoke"`` runs in seconds on a laptop CPU (and in CI);
``"full"`` is the configuration for a GPU (e.g. Colab).
"""

from __future__ import annotations

import os

__all__ = ["CONFIGS", "select_config"]

CONFIGS = ("smoke", "full")
ENV_VAR = "COURSE_CONFIG"


def select_config(name: str | None = None) -> str:
    """Choose the run configuration.

    Parameters
    ----------
    name : {"smoke", "full"}, optional
        Explicit choice. Otherwise the ``COURSE_CONFIG`` environment variable decides, and
        without it ``"full"`` is chosen when a CUDA GPU is present and ``"smoke"`` otherwise.

    Returns
    -------
    str
        ``"smoke"`` or ``"full"``.
    """
    source = "argument"
    if name is None:
        name, source = os.environ.get(ENV_VAR), f"environment variable {ENV_VAR}"
    if name is None:
        import torch

        return "full" if torch.cuda.is_available() else "smoke"
    name = name.strip().lower()
    if name not in CONFIGS:
        raise ValueError(f"{source}: config must be one of {CONFIGS}, got {name!r}")
    return name
