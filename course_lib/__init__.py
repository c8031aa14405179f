"""course_lib: the helper library of the course "CNN and Musical Applications".

Notebooks explain and call; this library computes. Modules follow the lecture:

- :mod:`course_lib.params` - parameter counts and model summaries (motivation)
- :mod:`course_lib.shapes` - output sizes and receptive fields (convolution mechanics)
- :mod:`course_lib.ops` - NumPy reference convolution, locally connected layer, pooling
- :mod:`course_lib.layers` - ``LocallyConnected2d``, ``StdPool2d``, ``LpPool2d``
- :mod:`course_lib.config` - the smoke/full switch of every notebook
"""

from . import config, layers, ops, params, shapes

__version__ = "0.1.0"
__all__ = ["config", "layers", "ops", "params", "shapes", "__version__"]
