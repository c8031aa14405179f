"""course_lib: the helper library of the course "CNN and Musical Applications".

Notebooks explain and call; this library computes. Modules follow the lecture:

- :mod:`course_lib.params` - parameter counts and model summaries (motivation)
- :mod:`course_lib.shapes` - output sizes and receptive fields (convolution mechanics)
- :mod:`course_lib.ops` - NumPy reference convolution, locally connected layer, pooling
- :mod:`course_lib.layers` - ``LocallyConnected2d``, ``StdPool2d``, ``LpPool2d``
- :mod:`course_lib.config` - the smoke/full switch of every notebook
- :mod:`course_lib.locality`, :mod:`course_lib.invariance`, :mod:`course_lib.filters`,
  :mod:`course_lib.arithmetic` - receptive fields, equivariance/invariance, named filters,
  step-by-step convolution (lectures 02-04)
- :mod:`course_lib.audio`, :mod:`course_lib.data` - front end and datasets
- :mod:`course_lib.models`, :mod:`course_lib.train`, :mod:`course_lib.metrics`,
  :mod:`course_lib.tasks` - networks, training, evaluation, ready-made tasks
- :mod:`course_lib.widgets`, :mod:`course_lib.grading` - interactive widgets, autograding

Submodules are imported on first use (``course_lib.ops`` works after ``import course_lib``),
so importing the package stays cheap.
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

_SUBMODULES = (
    "arithmetic",
    "audio",
    "checkpoints",
    "config",
    "data",
    "explain",
    "filters",
    "grading",
    "images",
    "invariance",
    "layers",
    "locality",
    "metrics",
    "models",
    "ops",
    "params",
    "peers",
    "plotting",
    "shapes",
    "tasks",
    "train",
    "widgets",
)
__all__ = [*_SUBMODULES, "__version__"]


def __getattr__(name: str):
    if name in _SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
