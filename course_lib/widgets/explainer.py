"""The CNN explainer you can listen to: pick a layer and a filter, see and hear what excites it.

Lecture: audio as input — inspecting and listening to learned filters. A thin controller over
:func:`course_lib.explain.explain_filter` (feature map, top-k regions, their audio) and
:func:`course_lib.explain.sonify_activation` (the input masked by the feature map, inverted).
"""

from __future__ import annotations

import numpy as np

from ..lecture import explain
from ._base import Explorer

__all__ = ["ListenExplainer"]


class ListenExplainer(Explorer):
    """Choose a conv layer and a filter; see its response and play the regions that excite it.

    Parameters
    ----------
    model : a model with an audio front end (e.g. :func:`course_lib.models.tagging.fcn`)
    y : ndarray (n_samples,), audio at ``sr``
    sr : int
    layer : str, optional
        Initial layer (a name from :func:`course_lib.explain.conv_layers`; default the first).
    k : int
        Initial number of regions.
    sonify : bool
        Also play the input masked by the filter's map (Griffin-Lim; a few seconds per change).

    ``controls``: ``layer`` (dropdown), ``filter`` (slider; its range follows the layer),
    ``k`` (number of regions), ``seconds`` (region length). ``state`` is the
    :class:`course_lib.explain.FilterExplanation`; ``sonification`` the masked audio or ``None``.
    """

    def __init__(
        self,
        model,
        y: np.ndarray,
        sr: int,
        layer: str | None = None,
        k: int = 3,
        sonify: bool = False,
    ) -> None:
        import ipywidgets as W

        self.model, self.y, self.sr, self.sonify = model, np.asarray(y, np.float32), sr, sonify
        self.sonification: np.ndarray | None = None
        layers = explain.conv_layers(model)
        layer = layer if layer is not None else next(iter(layers))
        if layer not in layers:
            raise ValueError(f"layer {layer!r} is not a conv layer; choose from {list(layers)}")
        options = [(explain.describe_layer(model, name), name) for name in layers]
        controls = {
            "layer": W.Dropdown(options=options, value=layer, description="layer"),
            "filter": W.IntSlider(
                value=0,
                min=0,
                max=layers[layer].out_channels - 1,
                description="filter",
                continuous_update=False,
            ),
            "k": W.IntSlider(value=k, min=1, max=6, description="regions", continuous_update=False),
            "seconds": W.FloatSlider(
                value=0.5,
                min=0.1,
                max=2.0,
                step=0.1,
                description="seconds",
                continuous_update=False,
            ),
        }
        self.audio_output = W.Output()
        controls["layer"].observe(self._on_layer, names="value")
        super().__init__(controls, figsize=(10, 3.5), ncols=2)
        self.widget.children = (*self.widget.children, self.audio_output)

    def _on_layer(self, change) -> None:
        # keep the filter slider inside the new layer's channels (before the redraw runs)
        out = explain.conv_layers(self.model)[change["new"]].out_channels
        slider = self.controls["filter"]
        slider.value = min(slider.value, out - 1)
        slider.max = out - 1

    def compute(self, layer, filter, k, seconds):  # noqa: A002 - the control's name
        result = explain.explain_filter(
            self.model, self.y, self.sr, layer, filter, k=k, region_seconds=seconds
        )
        self.sonification = None
        if self.sonify:
            from ..core import audio

            mel = self.model.frontend.mel
            S = audio.melspectrogram(
                self.y, self.sr, n_fft=mel.n_fft, hop_length=mel.hop_length, n_mels=mel.n_mels
            )
            self.sonification = explain.sonify_activation(
                S, result.A, self.sr, mel.n_fft, mel.hop_length, n_iter=16
            )
        return result

    def draw(self) -> None:
        for ax in self.axes:
            for extra in ax.figure.axes:
                if extra not in self.axes:
                    extra.remove()
            ax.clear()
        explain.plot_explanation(self.state, axes=self.axes)
        regions = ", ".join(f"{a:.2f}-{b:.2f} s" for a, b, _ in self.state.regions)
        self.info.value = f"top regions of filter {self.state.index}: {regions or 'none'}"

    def _show(self) -> None:
        super()._show()
        from IPython.display import clear_output, display

        from ..core import audio

        with self.audio_output:
            clear_output(wait=True)
            if self.state.excerpts.size:
                display(audio.play(self.state.excerpts, self.sr))
            if self.sonification is not None:
                display(audio.play(self.sonification, self.sr))
