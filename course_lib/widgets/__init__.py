"""Interactive widgets of the course (ipywidgets is imported only in this package).

Lecture: locality, weight sharing, convolution mechanics and pooling; listening to what a
network's filters respond to (``ListenExplainer``). Every widget is a thin
controller over pure functions of ``course_lib``; set ``widget.controls[name].value`` and read
``widget.state`` to drive one without a browser.
"""

from .explainer import ListenExplainer
from .explorers import (
    SLIDE_POOLING_EXAMPLE,
    ConvArithmeticExplorer,
    FilterPlayground,
    PoolingExplorer,
    ReceptiveFieldExplorer,
    WeightSharingDemo,
)

__all__ = [
    "ConvArithmeticExplorer",
    "FilterPlayground",
    "ListenExplainer",
    "PoolingExplorer",
    "ReceptiveFieldExplorer",
    "WeightSharingDemo",
    "SLIDE_POOLING_EXAMPLE",
]
