"""Input checks shared by the image-classification CNNs (LeNet-5 ... ResNet).

Lecture: convolution mechanics — a batch is a 4-D tensor ``(N, C, H, W)`` and the first
layer's filters must have the input's depth ``C``. A wrong input then fails with a
``ValueError`` that says what was expected and how to fix it, instead of a shape error from
deep inside torch.
"""

from __future__ import annotations

import torch

__all__ = ["check_images", "check_dropout"]


def check_images(x: torch.Tensor, model: str, in_channels: int, min_size: int = 1) -> None:
    """Check that ``x`` is an image batch ``(N, in_channels, H, W)`` with ``H, W >= min_size``.

    Raises
    ------
    ValueError
        Naming ``model``, the shape it got and the likely fix (a missing batch axis, the wrong
        number of channels, an input too small for the network's subsampling).
    """
    if not isinstance(x, torch.Tensor):
        raise ValueError(
            f"{model} expects a torch.Tensor shaped (N, {in_channels}, H, W), got "
            f"{type(x).__name__}; convert with torch.as_tensor(x, dtype=torch.float32)"
        )
    if x.dim() != 4:
        hint = ""
        if x.dim() == 3:
            hint = "; a single example? add the batch axis with x[None]"
        elif x.dim() == 2:
            hint = "; a single 2-D map? use x[None, None]"
        raise ValueError(
            f"{model} expects a 4-D batch shaped (N, {in_channels}, H, W), got shape "
            f"{tuple(x.shape)}{hint}"
        )
    if x.shape[1] != in_channels:
        raise ValueError(
            f"{model} was built for {in_channels} input channel(s), got {x.shape[1]} in shape "
            f"{tuple(x.shape)}; build it with in_channels={x.shape[1]} or convert the input "
            "(e.g. grey -> RGB with x.expand(-1, 3, -1, -1))"
        )
    if min(x.shape[-2:]) < min_size:
        raise ValueError(
            f"{model} needs H, W >= {min_size} to survive its subsampling, got "
            f"{tuple(x.shape[-2:])}; resize or pad the input"
        )


def check_dropout(p: float, name: str = "dropout") -> float:
    """Return ``p`` as a float after checking ``0 <= p < 1``."""
    if isinstance(p, bool) or not isinstance(p, (int, float)) or not 0 <= p < 1:
        raise ValueError(f"{name} must be a probability in [0, 1), got {p!r}")
    return float(p)
