"""The ImageNet challenge (ILSVRC) results behind the lecture's "deeper and deeper" slide.

Lecture: "ImageNet challenge" — CNN models have become deeper and deeper, from 8 layers
(AlexNet, 2012) to 152 (ResNet, 2015), and surpassed the human top-5 error. Literature
numbers, not computed here: classification top-5 error on the ILSVRC test set as reported by
the winners (and VGG, second in 2014) in their papers and in Russakovsky et al. (2015),
"ImageNet Large Scale Visual Recognition Challenge", IJCV.
"""

from __future__ import annotations

from typing import NamedTuple

__all__ = ["IlsvrcResult", "ILSVRC_TOP5", "HUMAN_TOP5_ERROR"]


class IlsvrcResult(NamedTuple):
    """One ILSVRC classification entry."""

    year: int
    model: str
    layers: int | None  # weight layers; None for the pre-CNN (shallow) entries
    top5_error: float  # percent, ILSVRC test set
    reference: str


ILSVRC_TOP5: tuple[IlsvrcResult, ...] = (
    IlsvrcResult(2010, "NEC-UIUC", None, 28.2, "Lin et al., 2011"),
    IlsvrcResult(2011, "XRCE", None, 25.8, "Sanchez & Perronnin, 2011"),
    IlsvrcResult(2012, "AlexNet", 8, 15.3, "Krizhevsky, Sutskever & Hinton, 2012"),
    IlsvrcResult(2013, "ZFNet", 8, 11.7, "Zeiler & Fergus, 2014"),
    IlsvrcResult(2014, "VGG", 19, 7.3, "Simonyan & Zisserman, 2015"),
    IlsvrcResult(2014, "GoogLeNet", 22, 6.7, "Szegedy et al., 2015"),
    IlsvrcResult(2015, "ResNet", 152, 3.57, "He et al., 2016"),
)
"""Top-5 error (%) by year; AlexNet's 15.3% is the slide's number (16.4% without extra data)."""

HUMAN_TOP5_ERROR = 5.1
"""Top-5 error (%) of a trained human annotator (Russakovsky et al., 2015)."""
