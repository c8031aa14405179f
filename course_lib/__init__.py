"""course_lib: the helper library of the course "CNN and Musical Applications".

Notebooks explain and call; this library computes. Its packages are layers, each using only
the ones above it:

- :mod:`course_lib.core` - the maths of the lecture: ``params`` (parameter counts),
  ``shapes`` (output sizes, receptive fields), ``ops`` (NumPy convolution, locally connected
  layer, pooling), ``layers`` (``LocallyConnected2d``, ``StdPool2d``, ``LpPool2d``),
  ``arithmetic`` (convolution step by step), ``audio`` (the front end)
- :mod:`course_lib.lecture` - lecture helpers: ``locality``, ``invariance``, ``filters``,
  ``images``, ``plotting``, ``explain``, ``exercises``; :mod:`course_lib.widgets` on top of them
- :mod:`course_lib.data`, :mod:`course_lib.models`, :mod:`course_lib.training` (``train``,
  ``metrics``), :mod:`course_lib.checkpoints`, :mod:`course_lib.tasks` - datasets, networks,
  training, shipped weights, ready-made MIR tasks
- :mod:`course_lib.plumbing` - ``config`` (the smoke/full switch), ``cli``, ``peers``;
  :mod:`course_lib.grading` - autograding

The modules of ``core``, ``lecture``, ``training`` and ``plumbing`` keep their short names:
``from course_lib import audio`` and ``import course_lib.ops`` give the very module
``course_lib.core.audio`` / ``course_lib.core.ops`` (one module object, not a copy).
Submodules are imported on first use, so importing the package stays cheap.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import sys

__version__ = "0.1.0"

# short name -> the layer package that holds it
_LAYERS = {
    "validate": "core",
    "arithmetic": "core",
    "audio": "core",
    "layers": "core",
    "ops": "core",
    "params": "core",
    "shapes": "core",
    "exercises": "lecture",
    "explain": "lecture",
    "filters": "lecture",
    "images": "lecture",
    "invariance": "lecture",
    "locality": "lecture",
    "plotting": "lecture",
    "export": "training",
    "metrics": "training",
    "train": "training",
    "cli": "plumbing",
    "config": "plumbing",
    "peers": "plumbing",
}
_PACKAGES = (
    "checkpoints",
    "core",
    "data",
    "grading",
    "lecture",
    "models",
    "plumbing",
    "tasks",
    "training",
    "widgets",
)
__all__ = [*_PACKAGES, *_LAYERS, "__version__"]


class _ShortNames(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Makes ``course_lib.<module>`` import ``course_lib.<layer>.<module>`` (same object)."""

    def find_spec(self, fullname, path=None, target=None):
        package, _, name = fullname.rpartition(".")
        if package == __name__ and name in _LAYERS:
            return importlib.util.spec_from_loader(fullname, self)
        return None

    def create_module(self, spec):
        name = spec.name.rpartition(".")[2]
        return importlib.import_module(f"{__name__}.{_LAYERS[name]}.{name}")

    def exec_module(self, module) -> None:  # already executed under its own name
        pass


if not any(isinstance(f, _ShortNames) for f in sys.meta_path):
    sys.meta_path.append(_ShortNames())


def __getattr__(name: str):
    if name in _LAYERS:
        return importlib.import_module(f"{__name__}.{_LAYERS[name]}.{name}")
    if name in _PACKAGES:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
