"""Listen to the network: which parts of a recording excite a chosen filter of a CNN.

Lecture: audio as input — inspecting and listening to learned filters. For a filter of a
convolutional layer we compute its feature map over a spectrogram, find the time regions
where it responds most, and return those regions as audio excerpts; the feature map can also
be used as a time-frequency mask on the input and turned back into sound (a sonification of
what the filter "hears").

The functions are pure (a model and an input in, arrays out); the widget
:class:`course_lib.widgets.explainer.ListenExplainer` only connects controls to them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from ..core import audio
from ..tasks import model_device

__all__ = [
    "conv_layers",
    "describe_layer",
    "compute_activations",
    "activation_over_time",
    "top_k_regions",
    "extract_excerpts",
    "sonify_activation",
    "explain_filter",
    "FilterExplanation",
    "filter_weights",
    "plot_explanation",
]


def conv_layers(model: nn.Module) -> dict[str, nn.Module]:
    """The convolutional layers of ``model`` by name, in forward order (``{"features.0": ...}``)."""
    layers = {name: m for name, m in model.named_modules() if isinstance(m, (nn.Conv1d, nn.Conv2d))}
    if not layers:
        raise ValueError(f"{type(model).__name__} has no Conv1d/Conv2d layer to explain")
    return layers


def describe_layer(model: nn.Module, layer: str) -> str:
    """A short label such as ``"features.0: Conv2d 1->8, kernel 3x3"``."""
    conv = _get_layer(model, layer)
    kernel = "x".join(str(k) for k in conv.kernel_size)
    return (
        f"{layer}: {type(conv).__name__} {conv.in_channels}->{conv.out_channels}, kernel {kernel}"
    )


def _get_layer(model: nn.Module, layer: str) -> nn.Module:
    layers = conv_layers(model)
    if layer not in layers:
        raise ValueError(
            f"layer {layer!r} is not a conv layer of the model; choose from {list(layers)}"
        )
    return layers[layer]


def _as_batch(model: nn.Module, x) -> torch.Tensor:
    x = torch.as_tensor(np.asarray(x) if not isinstance(x, torch.Tensor) else x).float()
    if x.dim() == 1:  # audio (n_samples,)
        if getattr(model, "frontend", None) is None:
            raise ValueError("got audio but the model has no front end: pass a spectrogram")
        return x[None]
    if x.dim() == 2:  # spectrogram (n_mels, n_frames)
        return x[None, None]
    if x.dim() == 3:  # (1, n_mels, n_frames)
        return x[None]
    raise ValueError(
        f"x must be audio (n_samples,) or a spectrogram (n_mels, n_frames), got shape "
        f"{tuple(x.shape)}"
    )


@torch.no_grad()
def compute_activations(model: nn.Module, x, layer: str, rectify: bool = True) -> np.ndarray:
    """Feature maps of one conv layer for one input.

    Parameters
    ----------
    model : nn.Module
        Put in eval mode for the call (batch norm uses its running statistics).
    x : audio ``(n_samples,)`` (the model's front end computes the spectrogram) or a
        spectrogram ``(n_mels, n_frames)``
    layer : str
        A name from :func:`conv_layers`.
    rectify : bool
        Apply a ReLU to the convolution output (the response that reaches the next layer;
        batch norm between the two is per-channel and is not applied here).

    Returns
    -------
    A : ndarray, shape (n_filters, n_freq, n_time) for Conv2d, (n_filters, n_time) for Conv1d
    """
    conv = _get_layer(model, layer)
    batch = _as_batch(model, x).to(model_device(model))  # the input goes where the weights are
    captured: list[torch.Tensor] = []
    handle = conv.register_forward_hook(lambda _m, _i, out: captured.append(out.detach()))
    was_training = model.training
    try:
        model.eval()
        model(batch)
    finally:
        handle.remove()
        model.train(was_training)
    A = captured[0][0].float()
    return (torch.relu(A) if rectify else A).cpu().numpy()


def activation_over_time(A: np.ndarray, n_frames: int) -> np.ndarray:
    """One filter's response per input frame: max over frequency, stretched to ``n_frames``.

    Parameters
    ----------
    A : ndarray, shape (n_freq, n_time) or (n_time,)
        One filter's feature map (pooling layers make ``n_time`` smaller than the input's).
    n_frames : int
        Number of frames of the input spectrogram.

    Returns
    -------
    curve : ndarray, shape (n_frames,)
        Output column ``t`` covers input frames ``[t * n_frames / n_time, (t+1) * ...)``.
    """
    A = np.asarray(A, dtype=float)
    if A.ndim == 2:
        A = A.max(axis=0)
    if A.ndim != 1 or A.size == 0:
        raise ValueError(f"A must be one filter's map (n_freq, n_time) or (n_time,), got {A.shape}")
    if n_frames < 1:
        raise ValueError(f"n_frames must be positive, got {n_frames}")
    index = np.minimum((np.arange(n_frames) * A.size) // n_frames, A.size - 1)
    return A[index]


def top_k_regions(curve: np.ndarray, k: int = 3, width: int = 16) -> list[tuple[int, int, float]]:
    """The ``k`` strongest non-overlapping regions of a response curve.

    Greedy non-maximum suppression: take the largest value, keep the ``width`` frames centred
    on it (shifted inside the curve at its ends), skip peaks whose window would overlap a
    region already kept, repeat. Regions where the response is zero are not returned.

    Returns
    -------
    list of ``(start_frame, end_frame, peak_value)``, strongest first; ``end`` is exclusive.
    """
    curve = np.asarray(curve, dtype=float)
    if curve.ndim != 1:
        raise ValueError(f"curve must be 1-D (n_frames,), got shape {curve.shape}")
    if k < 1 or width < 1:
        raise ValueError(f"k and width must be positive, got k={k}, width={width}")
    left = curve.copy()
    regions: list[tuple[int, int, float]] = []
    while len(regions) < k:
        peak = int(np.argmax(left))
        if not (np.isfinite(left[peak]) and left[peak] > 0):
            break
        start = min(max(peak - width // 2, 0), max(len(curve) - width, 0))
        end = min(start + width, len(curve))
        left[peak] = -np.inf
        if any(start < e and s < end for s, e, _ in regions):
            continue  # its window would overlap a stronger region
        regions.append((start, end, float(curve[peak])))
        left[start:end] = -np.inf
    return regions


def extract_excerpts(
    y: np.ndarray,
    sr: int,
    regions_s: list[tuple[float, float]],
    fade: float = 0.01,
    gap: float = 0.2,
) -> np.ndarray:
    """Cut ``(start_s, end_s)`` regions out of ``y`` and join them with short silences.

    Each excerpt gets linear fades of ``fade`` seconds (no clicks); ``gap`` seconds of silence
    separate them. Returns float32 audio (empty if there are no regions).
    """
    y = np.asarray(y, dtype=np.float32)
    if y.ndim != 1:
        raise ValueError(f"y must be mono audio (n_samples,), got shape {y.shape}")
    pieces = []
    for start, end in regions_s:
        a, b = max(int(round(start * sr)), 0), min(int(round(end * sr)), len(y))
        if b <= a:
            raise ValueError(f"region ({start}, {end}) s is empty or outside the audio")
        piece = y[a:b].copy()
        n = min(int(fade * sr), len(piece) // 2)
        if n > 0:
            ramp = np.linspace(0, 1, n, dtype=np.float32)
            piece[:n] *= ramp
            piece[-n:] *= ramp[::-1]
        pieces += [piece, np.zeros(int(gap * sr), np.float32)]
    return np.concatenate(pieces[:-1]) if pieces else np.zeros(0, np.float32)


def sonify_activation(
    S: np.ndarray,
    A: np.ndarray,
    sr: int = 22050,
    n_fft: int = 1024,
    hop_length: int = 512,
    n_iter: int = 32,
) -> np.ndarray:
    """Hear what a filter responds to: mask the mel spectrogram with its map, invert it.

    Parameters
    ----------
    S : ndarray, shape (n_mels, n_frames)
        Mel *power* spectrogram of the input (as from :func:`course_lib.audio.melspectrogram`).
    A : ndarray, shape (n_freq, n_time) or (n_time,)
        One filter's (rectified) feature map; it is stretched to ``S``'s shape (a 1-D map is
        applied to every band), normalised to [0, 1] and multiplied with ``S``.

    Returns
    -------
    y : ndarray (n_samples,), Griffin-Lim reconstruction (:func:`course_lib.audio.mel_to_audio`)
    """
    S = np.asarray(S, dtype=float)
    A = np.maximum(np.asarray(A, dtype=float), 0)
    if S.ndim != 2:
        raise ValueError(f"S must be a mel spectrogram (n_mels, n_frames), got shape {S.shape}")
    if A.ndim == 1:
        A = A[None]
    if A.ndim != 2:
        raise ValueError(f"A must be (n_freq, n_time) or (n_time,), got shape {A.shape}")
    rows = np.minimum((np.arange(S.shape[0]) * A.shape[0]) // S.shape[0], A.shape[0] - 1)
    cols = np.minimum((np.arange(S.shape[1]) * A.shape[1]) // S.shape[1], A.shape[1] - 1)
    mask = A[np.ix_(rows, cols)]
    mask = mask / mask.max() if mask.max() > 0 else mask
    return audio.mel_to_audio(S * mask, sr, n_fft, hop_length, n_iter)


def filter_weights(model: nn.Module, layer: str, index: int) -> np.ndarray:
    """Kernel of filter ``index`` of a conv layer, averaged over its input channels.

    Returns ``(k_freq, k_time)`` for Conv2d (row 0 = lowest band) or ``(k_time,)`` for Conv1d.
    """
    conv = _get_layer(model, layer)
    if not 0 <= index < conv.out_channels:
        raise ValueError(f"index must be in [0, {conv.out_channels}), got {index}")
    return conv.weight[index].detach().float().mean(dim=0).cpu().numpy()


@dataclass
class FilterExplanation:
    """What :func:`explain_filter` found for one filter.

    Attributes
    ----------
    S : (n_mels, n_frames) the input spectrogram as the network sees it (after its front end)
    A : the filter's rectified feature map, (n_freq, n_time) or (n_time,)
    curve : (n_frames,) response per input frame (:func:`activation_over_time`)
    regions : list of (start_s, end_s, peak), strongest first
    excerpts : audio of the regions joined by short silences
    sr, hop_length : int
    layer : str
    index : int
    """

    S: np.ndarray
    A: np.ndarray
    curve: np.ndarray
    regions: list[tuple[float, float, float]]
    excerpts: np.ndarray
    sr: int
    hop_length: int
    layer: str
    index: int

    @property
    def times(self) -> np.ndarray:
        """Time of each input frame in seconds."""
        return audio.frames_to_time(np.arange(self.S.shape[1]), self.sr, self.hop_length)


def explain_filter(
    model: nn.Module,
    y: np.ndarray,
    sr: int,
    layer: str,
    index: int,
    k: int = 3,
    region_seconds: float = 0.5,
    hop_length: int | None = None,
) -> FilterExplanation:
    """Feature map, top-``k`` time regions and their audio for filter ``index`` of ``layer``.

    Parameters
    ----------
    model : a model with an audio front end (``model.frontend``, e.g. the tagging models)
    y : ndarray (n_samples,), audio at the model's sample rate ``sr``
    layer : a name from :func:`conv_layers`
    index : filter (output channel) of that layer
    k : number of regions
    region_seconds : length of each region in seconds
    hop_length : hop of the front end (read from ``model.frontend.mel`` when possible)
    """
    y = np.asarray(y, dtype=np.float32)
    if y.ndim != 1:
        raise ValueError(f"y must be mono audio (n_samples,), got shape {y.shape}")
    frontend = getattr(model, "frontend", None)
    if frontend is None:
        raise ValueError("explain_filter needs a model with an audio front end (model.frontend)")
    conv = _get_layer(model, layer)
    if not 0 <= index < conv.out_channels:
        raise ValueError(
            f"index must be a filter of {layer} (0..{conv.out_channels - 1}), got {index}"
        )
    if hop_length is None:
        hop_length = int(getattr(getattr(frontend, "mel", None), "hop_length", 512))
    was_training = frontend.training
    frontend.eval()
    with torch.no_grad():
        S = frontend(torch.from_numpy(y)[None].to(model_device(model)))[0, 0].cpu().numpy()
    frontend.train(was_training)
    A = compute_activations(model, y, layer)[index]
    curve = activation_over_time(A, S.shape[1])
    width = max(1, int(round(region_seconds * sr / hop_length)))
    frames = top_k_regions(curve, k, width)
    regions = [(s * hop_length / sr, e * hop_length / sr, peak) for s, e, peak in frames]
    excerpts = extract_excerpts(y, sr, [(s, min(e, len(y) / sr)) for s, e, _ in regions])
    return FilterExplanation(S, A, curve, regions, excerpts, sr, hop_length, layer, index)


def plot_explanation(explanation: FilterExplanation, axes=None):
    """Input spectrogram with the top regions shaded (left) and the feature map (right).

    Returns ``(spectrogram_image, map_image, curve_line)``.
    """
    import matplotlib.pyplot as plt

    from .plotting import plot_spectrogram

    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(10, 3.5))
    ax_s, ax_a = axes
    e = explanation
    image = plot_spectrogram(e.S, e.sr, e.hop_length, ax=ax_s, colorbar=False)
    twin = ax_s.twinx()
    (line,) = twin.plot(e.times, e.curve, color="w", lw=1.2)
    twin.set_yticks([])
    for rank, (start, end, _) in enumerate(e.regions):
        ax_s.axvspan(start, end, color="c", alpha=0.25)
        ax_s.text(start, e.S.shape[0] * 0.92, f"#{rank + 1}", color="c", fontsize=9)
    ax_s.set_title(f"input and response of filter {e.index}")
    A = e.A if e.A.ndim == 2 else e.A[None]
    duration = e.S.shape[1] * e.hop_length / e.sr
    map_image = ax_a.imshow(
        A, origin="lower", aspect="auto", cmap="viridis", extent=(0, duration, 0, A.shape[0])
    )
    ax_a.set_xlabel("time (s)")
    ax_a.set_ylabel("frequency (pooled)")
    ax_a.set_title(f"{e.layer}, filter {e.index}")
    return image, map_image, line
