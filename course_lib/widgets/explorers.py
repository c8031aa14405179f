"""Interactive explorers for lectures 02-05 (ipywidgets + matplotlib).

Each explorer is a thin layer: its ``compute`` calls a pure function of ``course_lib``
(``arithmetic.conv_step``, ``ops.pool2d``, ``locality.receptive_field_region``,
``params.*``, ``filters.apply_filter``) and its ``draw`` updates one figure in place.
"""

from __future__ import annotations

import numpy as np

from .. import arithmetic, filters, locality, ops, params
from ..layers import LocallyConnected2d
from ._base import Explorer

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


class ConvArithmeticExplorer(Explorer):
    """Sliders for input size, kernel, stride, padding, dilation; step through the output.

    Lecture: convolution mechanics (the conv_arithmetic animations of the slide). The left
    panel shows the padded input with the filter's window, the right panel the output with the
    current cell; the formula and the value are printed above. A ``Play`` control animates.
    """

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
        self._x = rng.integers(0, 4, size=(16, 16)).astype(float)
        self._kernel = rng.integers(-1, 2, size=(7, 7)).astype(float)
        controls = {
            "size": _slider(W, "input", size, 3, 12),
            "kernel_size": _slider(W, "kernel", kernel_size, 1, 5),
            "stride": _slider(W, "stride", stride, 1, 3),
            "padding": _slider(W, "padding", padding, 0, 3),
            "dilation": _slider(W, "dilation", dilation, 1, 3),
            "step": W.Play(value=0, min=0, max=200, interval=600, description="step"),
        }
        self.step_slider = _slider(W, "step", 0, 0, 200)
        W.jslink((controls["step"], "value"), (self.step_slider, "value"))
        controls["step_slider"] = self.step_slider
        super().__init__(controls, figsize=(8, 4))

    def compute(self, size, kernel_size, stride, padding, dilation, step, step_slider):
        x = self._x[:size, :size]
        kernel = self._kernel[:kernel_size, :kernel_size]
        formula = arithmetic.output_size_formula(size, kernel_size, stride, padding, dilation)
        return arithmetic.conv_step(
            x, kernel, max(step, step_slider), stride, padding, dilation
        ), formula

    def draw(self) -> None:
        state, formula = self.state
        a_in, a_out = self.axes
        shade = state.padded.copy()
        for ax, data, title in [
            (a_in, shade, "padded input (window in red)"),
            (a_out, state.output, "output"),
        ]:
            ax.clear()
            ax.imshow(data, cmap="Greys", vmin=-1, vmax=max(4, data.max()))
            ax.set_title(title)
            ax.set_xticks([])
            ax.set_yticks([])
        rows, cols = np.nonzero(state.window)
        a_in.scatter(cols, rows, s=120, facecolors="none", edgecolors="red", linewidths=2)
        i, j = state.position
        a_out.scatter([j], [i], s=300, facecolors="none", edgecolors="red", linewidths=2)
        self.info.value = (
            f"output size: {formula} &nbsp;|&nbsp; cell {state.position} = {state.value:g}"
        )


class PoolingExplorer(Explorer):
    """Pooling mode (max/avg/std/lp), p, kernel and stride on a chosen input.

    Lecture: sub-sampling (pooling). Inputs: the slide's 4x4 example, a synthetic image and
    a mel spectrogram passed in by the notebook (``inputs`` maps names to 2-D arrays).
    """

    def __init__(
        self,
        inputs: dict[str, np.ndarray] | None = None,
        mode: str = "max",
        kernel_size: int = 2,
        stride: int = 2,
        p: float = 2.0,
    ) -> None:
        import ipywidgets as W

        self.inputs = {"slide example": SLIDE_POOLING_EXAMPLE, **(inputs or {})}
        for name, X in self.inputs.items():
            if np.asarray(X).ndim != 2:
                raise ValueError(f"input {name!r} must be 2-D, got shape {np.shape(X)}")
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
        super().__init__(controls, figsize=(8, 3.5))

    def compute(self, source, mode, kernel_size, stride, p):
        X = np.asarray(self.inputs[source], dtype=float)
        return X, ops.pool2d(X[None, None], kernel_size, stride, mode=mode, p=p)[0, 0]

    def draw(self) -> None:
        X, Y = self.state
        small = X.size <= 64
        for ax, data, title in [
            (self.axes[0], X, f"input {X.shape}"),
            (self.axes[1], Y, f"pooled {Y.shape}"),
        ]:
            ax.clear()
            ax.imshow(data, origin="upper" if small else "lower", aspect="auto", cmap="viridis")
            if small:
                for (i, j), v in np.ndenumerate(data):
                    ax.text(j, i, f"{v:.3g}", ha="center", va="center", color="w")
            ax.set_title(title)
        values = self.values()
        self.info.value = (
            f"{values['mode']} pooling, kernel {values['kernel_size']}, "
            f"stride {values['stride']}: {X.shape} -> {Y.shape}"
        )


class ReceptiveFieldExplorer(Explorer):
    """Pick an output unit of a layer stack and see the input region it depends on.

    Lecture: locality and receptive fields (deeper units see more). ``layers`` is a list of
    (kernel, stride, padding[, dilation]) applied along both axes of ``X``.
    """

    def __init__(self, X: np.ndarray, layers, depth: int | None = None) -> None:
        import ipywidgets as W

        self.X = np.asarray(X, dtype=float)
        if self.X.ndim != 2:
            raise ValueError(f"X must be 2-D, got shape {self.X.shape}")
        self.layers = [tuple(layer) for layer in layers]
        depth = len(self.layers) if depth is None else depth
        controls = {
            "depth": _slider(W, "layers", depth, 1, len(self.layers)),
            "row": _slider(W, "unit row", 0, 0, 1000),
            "col": _slider(W, "unit col", 0, 0, 1000),
        }
        super().__init__(controls, figsize=(8, 3.5))

    def compute(self, depth, row, col):
        stack = self.layers[:depth]
        h = locality.output_length(self.X.shape[0], stack)[-1]
        w = locality.output_length(self.X.shape[1], stack)[-1]
        row, col = min(row, h - 1), min(col, w - 1)
        rows = locality.receptive_field_region(stack, row, self.X.shape[0])
        cols = locality.receptive_field_region(stack, col, self.X.shape[1])
        return {"rows": rows, "cols": cols, "unit": (row, col), "output_shape": (h, w)}

    def draw(self) -> None:
        from matplotlib.patches import Rectangle

        s = self.state
        ax, ax_out = self.axes
        ax.clear()
        ax.imshow(self.X, origin="lower", aspect="auto", cmap="magma")
        (r0, r1), (c0, c1) = s["rows"], s["cols"]
        ax.add_patch(
            Rectangle(
                (c0 - 0.5, r0 - 0.5), c1 - c0, r1 - r0, fill=False, edgecolor="cyan", linewidth=2
            )
        )
        ax.set_title("input and receptive field")
        ax_out.clear()
        grid = np.zeros(s["output_shape"])
        grid[s["unit"]] = 1
        ax_out.imshow(grid, origin="lower", aspect="auto", cmap="Blues")
        ax_out.set_title(f"output {s['output_shape']}: unit {s['unit']}")
        self.info.value = (
            f"unit {s['unit']} sees rows {r0}..{r1 - 1} and columns "
            f"{c0}..{c1 - 1}: a {r1 - r0} x {c1 - c0} region"
        )


class WeightSharingDemo(Explorer):
    """Tied vs untied weights of a locally connected layer: parameter count and output.

    Lecture: weight sharing turns a locally connected layer into a convolution. With
    ``tied`` on, every location uses the same filter (``LocallyConnected2d.from_conv2d``) and
    the output equals ``conv2d``; off, each location has its own random filter.
    """

    def __init__(self, X: np.ndarray, kernel_size: int = 3, seed: int = 0) -> None:
        import ipywidgets as W
        import torch

        self.X = np.asarray(X, dtype=np.float32)
        if self.X.ndim != 2:
            raise ValueError(f"X must be 2-D, got shape {self.X.shape}")
        torch.manual_seed(seed)
        self._conv = torch.nn.Conv2d(1, 1, kernel_size, padding=kernel_size // 2, bias=False)
        if kernel_size == 3:  # start from a recognisable filter: an onset detector
            with torch.no_grad():
                onset = filters.get_kernel("onset (time difference)")
                self._conv.weight.copy_(torch.from_numpy(onset)[None, None])
        self._untied = LocallyConnected2d(
            1, 1, self.X.shape, kernel_size, padding=kernel_size // 2, bias=False
        )
        self._tied = LocallyConnected2d.from_conv2d(self._conv, self.X.shape)
        controls = {
            "tied": W.ToggleButtons(
                options=[("tied (convolution)", True), ("untied (locally connected)", False)],
                value=True,
                description="weights",
            )
        }
        super().__init__(controls, figsize=(8, 3.5))

    def compute(self, tied):
        import torch

        layer = self._tied if tied else self._untied
        x = torch.from_numpy(self.X)[None, None]
        with torch.no_grad():
            out = layer(x)[0, 0].numpy()
            conv_out = self._conv(x)[0, 0].numpy()
        k = self._conv.kernel_size
        return {
            "output": out,
            "params": params.count_params(layer),
            "conv_params": params.conv2d_params(1, 1, k, bias=False),
            "locally_connected_params": params.locally_connected2d_params(
                1, 1, self.X.shape, k, padding=k[0] // 2, bias=False
            ),
            "equals_conv": bool(np.allclose(out, conv_out, atol=1e-5)),
        }

    def draw(self) -> None:
        s = self.state
        for ax, data, title in [
            (self.axes[0], self.X, "input"),
            (self.axes[1], s["output"], "output"),
        ]:
            ax.clear()
            ax.imshow(data, origin="lower", aspect="auto", cmap="magma")
            ax.set_title(title)
        self.info.value = (
            f"stored parameters: {s['params']:,} (convolution needs "
            f"{s['conv_params']}, untied needs "
            f"{s['locally_connected_params']:,}); output equals conv2d: "
            f"{s['equals_conv']}"
        )


class FilterPlayground(Explorer):
    """Choose or edit a 3x3 kernel, see its feature map on a spectrogram and hear it.

    Lecture: filters on spectrograms (onset-like, harmonic, smoothing). ``sonify`` is an
    optional function ``feature_map -> audio`` supplied by the notebook (e.g. mel inversion).
    """

    def __init__(
        self, S: np.ndarray, kernel: str = "onset (time difference)", sonify=None, sr: int = 22050
    ) -> None:
        import ipywidgets as W

        self.S = np.asarray(S, dtype=float)
        if self.S.ndim != 2:
            raise ValueError(f"S must be 2-D (n_bins, n_frames), got shape {self.S.shape}")
        self.sonify, self.sr = sonify, sr
        controls = {
            "kernel": W.Dropdown(
                options=sorted(filters.KERNELS), value=kernel, description="kernel"
            ),
            "rectify": W.Checkbox(value=True, description="ReLU"),
            "custom": W.Text(
                value="", description="custom", placeholder="e.g. -1 0 1; -1 0 1; -1 0 1"
            ),
        }
        self.audio = W.Output()
        super().__init__(controls, figsize=(8, 3.5))
        self.widget.children = (*self.widget.children, self.audio)

    @staticmethod
    def parse_kernel(text: str) -> np.ndarray:
        """Parse rows separated by ';' and values by spaces or commas into a 2-D kernel."""
        try:
            rows = [
                [float(v) for v in row.replace(",", " ").split()]
                for row in text.split(";")
                if row.strip()
            ]
            kernel = np.array(rows, dtype=float)
        except ValueError as err:
            raise ValueError(f"could not read the kernel {text!r}: {err}") from err
        if kernel.ndim != 2:
            raise ValueError(f"every row of the kernel needs the same length, got {text!r}")
        return kernel

    def compute(self, kernel, rectify, custom):
        K = self.parse_kernel(custom) if custom.strip() else filters.get_kernel(kernel)
        return K, filters.apply_filter(self.S, K, rectify=rectify)

    def draw(self) -> None:
        K, Y = self.state
        for ax, data, title in [
            (self.axes[0], self.S, "input spectrogram"),
            (self.axes[1], Y, "feature map"),
        ]:
            ax.clear()
            ax.imshow(data, origin="lower", aspect="auto", cmap="magma")
            ax.set_title(title)
        self.info.value = "kernel (rows = frequency, low first): " + " | ".join(
            " ".join(f"{v:.2g}" for v in row) for row in K
        )
        if self.sonify is not None:
            from IPython.display import Audio, clear_output, display

            with self.audio:
                clear_output(wait=True)
                y = np.asarray(self.sonify(np.maximum(Y, 0)), dtype=np.float32)
                if np.abs(y).max() > 0:
                    display(Audio(y, rate=self.sr))
