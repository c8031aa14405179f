"""Interactive explorers for lectures 02-05 (ipywidgets + matplotlib).

Each explorer is a thin layer: its ``compute`` calls a pure function of ``course_lib``
(``arithmetic.conv_step``, ``ops.pool2d``, ``locality.receptive_field_region_2d``,
``params.*``, ``filters.apply_filter``) and its ``draw`` updates the artists of one figure
created once (image data, colour limits, markers, patches, texts).
"""

from __future__ import annotations

import numpy as np

from ..core import arithmetic, ops, params
from ..core.layers import LocallyConnected2d
from ..core.shapes import conv_output_size
from ..lecture import filters, locality
from ..lecture.images import generate_checkerboard
from ._base import Explorer, encode_array

__all__ = [
    "ConvArithmeticExplorer",
    "PoolingExplorer",
    "ReceptiveFieldExplorer",
    "WeightSharingDemo",
    "FilterPlayground",
    "SLIDE_POOLING_EXAMPLE",
]

SLIDE_POOLING_EXAMPLE = np.array([[1, 5, 2, 4], [2, 3, 9, 1], [5, 3, 3, 4], [8, 4, 7, 8]], float)


def _slider(W, description, value, lo, hi, step=1):
    return W.IntSlider(
        value=value, min=lo, max=hi, step=step, description=description, continuous_update=False
    )


def _set_max(slider, maximum: int) -> None:
    """Change a slider's range; ipywidgets 7 and 8 both clamp ``value`` into it."""
    if slider.max != maximum:
        slider.max = maximum


def _cell_area(ax, h: int, w: int) -> float:
    """Marker area (points^2) of a square a little smaller than one cell of an h x w grid."""
    fig = ax.figure
    box = ax.get_position()
    side = min(box.width * fig.get_figwidth() / w, box.height * fig.get_figheight() / h) * 72
    return (0.8 * side) ** 2


def _clean(ax, title: str = "") -> None:
    ax.set_title(title)
    ax.set_xticks([])
    ax.set_yticks([])


class ConvArithmeticExplorer(Explorer):
    """Sliders for input size, kernel, stride, padding, dilation; step through the output.

    Lecture: convolution mechanics (the conv_arithmetic animations of the slide). Left: the
    input with its zero padding (shaded) and the cells the filter reads (red squares); middle:
    the filter; right: the output, filled in up to the current cell. The output-size formula
    (:func:`course_lib.arithmetic.output_size_formula`) and the value at the current cell are
    printed above. ``play`` (an ``ipywidgets.Play`` linked to the ``step`` slider in the
    browser) animates the sliding window.

    Attributes
    ----------
    x : ndarray (12, 12)
        Input values (small integers); the ``size`` x ``size`` top-left corner is used.
    kernel : ndarray (5, 5)
        Filter values; the ``kernel_size`` x ``kernel_size`` top-left corner is used.
    """

    live_kind = "conv-arithmetic"

    def __init__(
        self,
        size: int = 5,
        kernel_size: int = 3,
        stride: int = 1,
        padding: int = 0,
        dilation: int = 1,
        seed: int = 0,
    ) -> None:
        import ipywidgets as W

        rng = np.random.default_rng(seed)
        self.x = rng.integers(0, 4, size=(12, 12)).astype(float)
        self.kernel = rng.choice([-1.0, 1.0], size=(5, 5))
        controls = {
            "size": _slider(W, "input", size, 3, 12),
            "kernel_size": _slider(W, "kernel", kernel_size, 1, 5),
            "stride": _slider(W, "stride", stride, 1, 3),
            "padding": _slider(W, "padding", padding, 0, 3),
            "dilation": _slider(W, "dilation", dilation, 1, 3),
            "step": _slider(W, "step", 0, 0, 143),
        }
        self.play = W.Play(value=0, min=0, max=143, interval=700, description="play")
        W.jslink((self.play, "value"), (controls["step"], "value"))
        super().__init__(
            controls, figsize=(10, 4), ncols=3, width_ratios=(3, 1.3, 3), extra_controls=[self.play]
        )

    def compute(self, size, kernel_size, stride, padding, dilation, step):
        x = self.x[:size, :size]
        kernel = self.kernel[:kernel_size, :kernel_size]
        out = conv_output_size(size, kernel_size, stride, padding, dilation)
        step = min(step, out * out - 1)  # the slider's range follows the output
        formula = arithmetic.output_size_formula(size, kernel_size, stride, padding, dilation)
        return arithmetic.conv_step(x, kernel, step, stride, padding, dilation), formula

    def live_data(self) -> dict:
        return {"x": encode_array(self.x), "kernel": encode_array(self.kernel)}

    def _sync_controls(self) -> None:
        last = self.state[0].output.size - 1
        _set_max(self.play, last)
        _set_max(self.controls["step"], last)

    def draw(self) -> None:
        state, formula = self.state
        a_in, a_k, a_out = self.axes
        padding = self.controls["padding"].value
        shown = np.full(state.padded.shape, np.nan)  # padding cells blank (shaded background)
        h, w = state.padded.shape
        shown[padding : h - padding, padding : w - padding] = state.padded[
            padding : h - padding, padding : w - padding
        ]
        a_in.set_facecolor("#f4d6a0")
        image = self._image("input", a_in, shown, cmap="Blues", vmin=-1, vmax=8)
        self._values_text("input values", a_in, state.padded if h <= 14 else None, "{:.0f}", image)
        rows, cols = np.nonzero(state.window)
        self._markers("window", a_in, rows, cols, size=_cell_area(a_in, h, w))
        _clean(a_in, f"input {h - 2 * padding}x{w - 2 * padding}, padding {padding} (shaded)")

        k = self.controls["kernel_size"].value
        kernel = self.kernel[:k, :k]
        image = self._image("kernel", a_k, kernel, cmap="coolwarm", vmin=-2, vmax=2)
        self._values_text("kernel values", a_k, kernel, "{:.0f}", image)
        _clean(a_k, f"filter {k}x{k}, dilation {self.controls['dilation'].value}")

        out = state.output
        i, j = state.position
        done = np.full(out.shape, np.nan)
        done.flat[: i * out.shape[1] + j + 1] = out.flat[: i * out.shape[1] + j + 1]
        a_out.set_facecolor("#eeeeee")
        bound = float(np.abs(out).max()) or 1.0
        image = self._image("output", a_out, done, cmap="coolwarm", vmin=-bound, vmax=bound)
        self._values_text("output values", a_out, done, "{:.0f}", image)
        self._markers("current", a_out, [i], [j], size=_cell_area(a_out, *out.shape))
        _clean(a_out, f"output {out.shape[0]}x{out.shape[1]}")
        self.info.value = (
            f"output size = {formula} &nbsp;|&nbsp; output cell {state.position} = "
            f"sum(red cells x filter) = {state.value:g}"
        )


class PoolingExplorer(Explorer):
    """Pooling mode (max/avg/std/lp), p, kernel and stride on a chosen input.

    Lecture: sub-sampling (pooling). Built-in inputs: the slide's 4x4 example and a synthetic
    checkerboard image (:func:`course_lib.images.generate_checkerboard`); ``inputs`` adds 2-D
    arrays drawn like matrices, ``spectrograms`` adds (n_bins, n_frames) arrays drawn with the
    lowest band at the bottom. ``state`` is ``(X, Y)``: the input and the pooled map
    (:func:`course_lib.ops.pool2d`).
    """

    live_kind = "pooling"

    def __init__(
        self,
        inputs: dict[str, np.ndarray] | None = None,
        spectrograms: dict[str, np.ndarray] | None = None,
        mode: str = "max",
        kernel_size: int = 2,
        stride: int = 2,
        p: float = 2.0,
    ) -> None:
        import ipywidgets as W

        self.inputs = {
            "slide example": SLIDE_POOLING_EXAMPLE,
            "checkerboard image": generate_checkerboard(),
            **(inputs or {}),
            **(spectrograms or {}),
        }
        self.spectrograms = set(spectrograms or {})
        for name, X in self.inputs.items():
            if np.asarray(X).ndim != 2:
                raise ValueError(f"input {name!r} must be 2-D, got shape {np.shape(X)}")
        if mode not in ops.POOL_MODES:
            raise ValueError(f"mode must be one of {ops.POOL_MODES}, got {mode!r}")
        controls = {
            "source": W.Dropdown(
                options=list(self.inputs), value="slide example", description="input"
            ),
            "mode": W.Dropdown(options=list(ops.POOL_MODES), value=mode, description="mode"),
            "kernel_size": _slider(W, "kernel", kernel_size, 1, 8),
            "stride": _slider(W, "stride", stride, 1, 8),
            "p": W.FloatSlider(
                value=p, min=1.0, max=16.0, step=0.5, description="p (lp)", continuous_update=False
            ),
        }
        super().__init__(controls, figsize=(9, 3.8))

    def live_data(self) -> dict:
        return {
            "inputs": {name: encode_array(X) for name, X in self.inputs.items()},
            "spectrograms": sorted(self.spectrograms),
        }

    def compute(self, source, mode, kernel_size, stride, p):
        X = np.asarray(self.inputs[source], dtype=float)
        return X, ops.pool2d(X[None, None], kernel_size, stride, mode=mode, p=p)[0, 0]

    def draw(self) -> None:
        X, Y = self.state
        source = self.controls["source"].value
        lower = source in self.spectrograms
        cmap = "magma" if lower else "viridis"
        # max/avg/lp summaries stay within the input's range: same colours mean same values
        same_scale = self.controls["mode"].value != "std"
        for ax, data, name in [(self.axes[0], X, "input"), (self.axes[1], Y, "pooled")]:
            small = data.size <= 36
            lo, hi = (X.min(), X.max()) if same_scale else (data.min(), data.max())
            image = self._image(name, ax, data, lower=lower, cmap=cmap, vmin=lo, vmax=hi)
            self._values_text(name + " values", ax, data if small else None, image=image)
            ax.set_aspect("equal" if not lower else "auto")
            ax.set_title(f"{name} {data.shape[0]}x{data.shape[1]}")
        values = self.values()
        lp = f" (p={values['p']:g})" if values["mode"] == "lp" else ""
        self.info.value = (
            f"{values['mode']}{lp} pooling, kernel {values['kernel_size']}, "
            f"stride {values['stride']}: {X.shape} -> {Y.shape}"
        )


class ReceptiveFieldExplorer(Explorer):
    """Pick an output unit of a layer stack and see the input region it depends on.

    Lecture: locality and receptive fields (deeper units see more). ``layers`` is a list of
    (kernel, stride, padding[, dilation]), each an int or a (height, width) pair, applied to
    ``X`` (H, W). Controls: ``depth`` (how many layers), ``row`` and ``col`` of the unit (their
    ranges follow the output size). ``state`` is a :class:`course_lib.locality.ReceptiveRegion`.
    """

    live_kind = "receptive-field"

    def __init__(self, X: np.ndarray, layers, depth: int | None = None) -> None:
        import ipywidgets as W

        self.X = np.asarray(X, dtype=float)
        if self.X.ndim != 2:
            raise ValueError(f"X must be 2-D, got shape {self.X.shape}")
        self.layers = [tuple(layer) for layer in layers]
        if not self.layers:
            raise ValueError("layers must list at least one (kernel, stride, padding) layer")
        depth = len(self.layers) if depth is None else depth
        controls = {
            "depth": _slider(W, "layers", depth, 1, len(self.layers)),
            "row": _slider(W, "unit row", 0, 0, self.X.shape[0] - 1),
            "col": _slider(W, "unit col", 0, 0, self.X.shape[1] - 1),
        }
        super().__init__(controls, figsize=(9, 3.8))

    def live_data(self) -> dict:
        """``X`` and the layers, each as ``[kernel, stride, padding, dilation]`` of
        ``[height, width]`` pairs (missing entries filled with 1, 0 and 1)."""
        defaults = (None, 1, 0, 1)
        layers = []
        for layer in self.layers:
            full = [*layer, *defaults[len(layer) :]]
            layers.append(
                [[int(v), int(v)] if np.ndim(v) == 0 else [int(u) for u in v] for v in full]
            )
        return {"X": encode_array(self.X), "layers": layers}

    def compute(self, depth, row, col):
        stack = self.layers[:depth]
        last = locality.receptive_field_region_2d(stack, (0, 0), self.X.shape).output_shape
        unit = (min(row, last[0] - 1), min(col, last[1] - 1))
        return locality.receptive_field_region_2d(stack, unit, self.X.shape)

    def _sync_controls(self) -> None:
        h, w = self.state.output_shape
        _set_max(self.controls["row"], h - 1)
        _set_max(self.controls["col"], w - 1)

    def draw(self) -> None:
        from matplotlib.patches import Rectangle

        s = self.state
        ax, ax_out = self.axes
        self._image("input", ax, self.X, lower=True, cmap="magma")
        ax.set_aspect("auto")
        (r0, r1), (c0, c1) = s.rows, s.cols
        box = self._artists.get("field")
        if box is None:
            box = Rectangle((0, 0), 1, 1, fill=False, edgecolor="cyan", linewidth=2)
            self._artists["field"] = ax.add_patch(box)
        box.set_bounds(c0 - 0.5, r0 - 0.5, c1 - c0, r1 - r0)
        ax.set_title("input and the unit's receptive field")
        grid = np.zeros(s.output_shape)
        grid[s.unit] = 1
        self._image("output", ax_out, grid, lower=True, cmap="Blues", vmin=0, vmax=1)
        ax_out.set_aspect("auto")
        ax_out.set_title(f"output {s.output_shape[0]}x{s.output_shape[1]}: unit {s.unit}")
        self.info.value = (
            f"unit {s.unit} sees rows {r0}..{r1 - 1} and columns {c0}..{c1 - 1} "
            f"(a {r1 - r0} x {c1 - c0} region; receptive field {s.size[0]} x {s.size[1]}, "
            f"neighbouring units {s.jump[0]} x {s.jump[1]} apart)"
        )


class WeightSharingDemo(Explorer):
    """Tied vs untied weights of a locally connected layer: parameter count and output.

    Lecture: weight sharing turns a locally connected layer into a convolution. With
    ``tied`` on, every location uses the same filter (``LocallyConnected2d.from_conv2d``) and
    the output equals ``conv2d``; off, each location has its own random filter. The third
    panel shows the filters stored at four locations (top-left, top-right, centre,
    bottom-right): identical when tied, different when untied.
    """

    live_kind = "weight-sharing"

    def __init__(self, X: np.ndarray, kernel_size: int = 3, seed: int = 0) -> None:
        import ipywidgets as W
        import torch

        self.X = np.asarray(X, dtype=np.float32)
        if self.X.ndim != 2:
            raise ValueError(f"X must be 2-D, got shape {self.X.shape}")
        if kernel_size % 2 != 1:
            raise ValueError(f"kernel_size must be odd (same padding), got {kernel_size}")
        generator = torch.Generator().manual_seed(seed)
        self._conv = torch.nn.Conv2d(1, 1, kernel_size, padding=kernel_size // 2, bias=False)
        with torch.no_grad():
            if kernel_size == 3:  # start from a recognisable filter: an onset detector
                onset = filters.get_kernel("onset (time difference)")
                self._conv.weight.copy_(torch.from_numpy(onset)[None, None])
            else:
                self._conv.weight.copy_(
                    torch.rand(self._conv.weight.shape, generator=generator) - 0.5
                )
        self._untied = LocallyConnected2d(
            1, 1, self.X.shape, kernel_size, padding=kernel_size // 2, bias=False
        )
        with torch.no_grad():
            self._untied.weight.copy_(
                torch.rand(self._untied.weight.shape, generator=generator) - 0.5
            )
        self._tied = LocallyConnected2d.from_conv2d(self._conv, self.X.shape)
        controls = {
            "tied": W.ToggleButtons(
                options=[("tied (convolution)", True), ("untied (locally connected)", False)],
                value=True,
                description="weights",
            )
        }
        super().__init__(controls, figsize=(10, 3.5), ncols=3, width_ratios=(2, 2, 1.2))

    def live_data(self) -> dict:
        """``X``, the convolution's filter (kH, kW), the untied filters (H_out, W_out, kH, kW)
        and the padding on each side (stride 1)."""
        untied = self._untied.weight.detach()[:, :, 0, 0].numpy()
        return {
            "X": encode_array(self.X),
            "kernel": encode_array(self._conv.weight.detach()[0, 0].numpy()),
            "untied": encode_array(untied),
            "padding": int(self._conv.padding[0]),
        }

    def compute(self, tied):
        import torch

        layer = self._tied if tied else self._untied
        x = torch.from_numpy(self.X)[None, None]
        with torch.no_grad():
            out = layer(x)[0, 0].numpy()
            conv_out = self._conv(x)[0, 0].numpy()
        k = self._conv.kernel_size
        h, w = layer.output_size
        weights = layer.weight.detach()[:, :, 0, 0].numpy()  # (H_out, W_out, kH, kW)
        corners = [(0, 0), (0, w - 1), (h // 2, w // 2), (h - 1, w - 1)]
        return {
            "output": out,
            "filters": np.stack([weights[i, j] for i, j in corners]),
            "params": params.count_params(layer),
            "conv_params": params.conv2d_params(1, 1, k, bias=False),
            "locally_connected_params": params.locally_connected2d_params(
                1, 1, self.X.shape, k, padding=k[0] // 2, bias=False
            ),
            "equals_conv": bool(np.allclose(out, conv_out, atol=1e-5)),
        }

    def draw(self) -> None:
        s = self.state
        self._image("input", self.axes[0], self.X, lower=True, cmap="magma")
        self._image("output", self.axes[1], s["output"], lower=True, cmap="magma")
        for ax, title in [(self.axes[0], "input"), (self.axes[1], "output")]:
            ax.set_aspect("auto")
            ax.set_title(title)
        f = s["filters"]  # (4, kH, kW): top-left, top-right, centre, bottom-right
        k = f.shape[-1]
        grid = np.full((2 * k + 1, 2 * k + 1), np.nan)
        for n, (i, j) in enumerate([(0, 0), (0, k + 1), (k + 1, 0), (k + 1, k + 1)]):
            grid[i : i + k, j : j + k] = f[n]
        self._image("filters", self.axes[2], grid, cmap="coolwarm", vmin=-1, vmax=1)
        _clean(self.axes[2], "filters stored at 4 locations")
        self.info.value = (
            f"stored parameters: {s['params']:,} (convolution needs "
            f"{s['conv_params']}, untied needs "
            f"{s['locally_connected_params']:,}); output equals conv2d: "
            f"{s['equals_conv']}"
        )


class FilterPlayground(Explorer):
    """Choose or edit a small kernel, see its feature map on a spectrogram and hear it.

    Lecture: filters on spectrograms (onset-like, harmonic, smoothing).

    Parameters
    ----------
    S : ndarray (n_bins, n_frames) or dict of name -> ndarray
        The spectrogram(s) to filter; with several, a ``source`` dropdown picks one (e.g. a
        mel spectrogram for the onset filters, a CQT for the harmonic kernel).
    kernel : str
        Initial kernel, a name of :data:`course_lib.filters.KERNELS`.
    sonify : callable or dict of name -> callable, optional
        ``feature_map -> audio`` for the source(s) that can be heard (e.g. mel inversion with
        :func:`course_lib.audio.mel_to_audio`); the audio is played under the figure.
    sr : int
        Sample rate of the sonified audio.

    Controls: ``source``, ``kernel``, ``rectify`` (ReLU) and ``custom`` (rows separated by
    ``;``, first row = lowest band; overrides ``kernel``). ``state`` is ``(K, Y)``: the kernel
    and the feature map; ``audio_clip`` the last sonification (or ``None``).
    """

    live_kind = "filter-playground"

    def __init__(
        self, S, kernel: str = "onset (time difference)", sonify=None, sr: int = 22050
    ) -> None:
        import ipywidgets as W

        sources = S if isinstance(S, dict) else {"spectrogram": S}
        if not sources:
            raise ValueError("S must be a 2-D spectrogram or a non-empty dict of them")
        self.sources = {name: np.asarray(X, dtype=float) for name, X in sources.items()}
        for name, X in self.sources.items():
            if X.ndim != 2:
                raise ValueError(
                    f"S must be 2-D (n_bins, n_frames), got shape {X.shape} for {name!r}"
                )
        filters.get_kernel(kernel)  # validates the name
        if sonify is None or callable(sonify):
            self.sonify = {name: sonify for name in self.sources}
        else:
            self.sonify = {name: sonify.get(name) for name in self.sources}
        self.sr = sr
        self.audio_clip: np.ndarray | None = None
        controls = {
            "source": W.Dropdown(
                options=list(self.sources), value=next(iter(self.sources)), description="input"
            ),
            "kernel": W.Dropdown(
                options=sorted(filters.KERNELS), value=kernel, description="kernel"
            ),
            "rectify": W.Checkbox(value=True, description="ReLU"),
            "custom": W.Text(
                value="",
                description="custom",
                placeholder="e.g. -1 0 1; -1 0 1; -1 0 1",
                continuous_update=False,
            ),
        }
        self.audio = W.Output()
        super().__init__(controls, figsize=(10, 3.5), ncols=3, width_ratios=(1, 3, 3))
        self.widget.children = (*self.widget.children, self.audio)

    def live_data(self) -> dict:
        """The spectrograms, the named kernels and which sources are heard in the notebook."""
        return {
            "sources": {name: encode_array(X) for name, X in self.sources.items()},
            "kernels": {name: encode_array(K) for name, K in filters.KERNELS.items()},
            "sonified": [name for name, f in self.sonify.items() if f is not None],
        }

    @property
    def S(self) -> np.ndarray:
        """The spectrogram currently filtered (n_bins, n_frames)."""
        return self.sources[self.controls["source"].value]

    def compute(self, source, kernel, rectify, custom):
        K = filters.parse_kernel(custom) if custom.strip() else filters.get_kernel(kernel)
        return K, filters.apply_filter(self.sources[source], K, rectify=rectify)

    def draw(self) -> None:
        K, Y = self.state
        bound = float(np.abs(K).max()) or 1.0
        image = self._image(
            "kernel", self.axes[0], K, lower=True, cmap="coolwarm", vmin=-bound, vmax=bound
        )
        small = K if max(K.shape) <= 7 else None
        self._values_text("kernel values", self.axes[0], small, "{:.2g}", image)
        _clean(self.axes[0], f"kernel {K.shape[0]}x{K.shape[1]}")
        self._image("input", self.axes[1], self.S, lower=True, cmap="magma")
        self._image("feature map", self.axes[2], Y, lower=True, cmap="magma")
        for ax, title in [(self.axes[1], "input spectrogram"), (self.axes[2], "feature map")]:
            ax.set_aspect("auto")
            ax.set_title(title)
        nonzero = ", ".join(
            f"({i}, {j}): {K[i, j]:.2g}" for i, j in zip(*np.nonzero(K)) if max(K.shape) > 7
        )
        self.info.value = "kernel (rows = frequency, low first): " + (
            f"non-zero weights {nonzero}"
            if nonzero
            else " | ".join(" ".join(f"{v:.2g}" for v in row) for row in K)
        )
        self.audio_clip = None
        sonify = self.sonify[self.controls["source"].value]
        if sonify is not None:
            self.audio_clip = np.asarray(sonify(np.maximum(Y, 0)), dtype=np.float32)

    def _show(self) -> None:
        super()._show()
        from IPython.display import Audio, clear_output, display

        with self.audio:
            clear_output(wait=True)
            if self.audio_clip is not None and np.abs(self.audio_clip).max() > 0:
                display(Audio(self.audio_clip, rate=self.sr))
