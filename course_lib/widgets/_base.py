"""Common plumbing of the course widgets: controls -> pure function -> figure updated in place.

Works with ipywidgets 7.7 (Colab) and 8: only ``observe(names="value")``, ``Output``,
``HTML``, ``VBox``/``HBox`` and basic controls are used. The figure is created once; every
change of a control recomputes the state and updates the figure's existing artists (image
data, colour limits, patch positions, text) before the figure is shown again in the
widget's ``Output`` (which is what makes it refresh on Colab's inline backend, too).

On the course website no kernel runs behind the saved widget state. So that the widgets still
respond there, displaying an explorer (or its ``widget``) also emits an inert HTML output, a
hidden ``<div class="course-live">`` holding a JSON description of the widget
(:meth:`Explorer.live_spec`: the browser twin to use, its input arrays, its controls with their
ranges and current values). In Jupyter and Colab it shows nothing; on the website,
``jupyter_book/_ext/static/course-live.js`` reads it, builds the same controls and recomputes
the figure and the text in the browser with JavaScript twins of the pure functions. A widget
without such a twin (``live_kind = None``, e.g. one that runs a torch model) is announced
there as needing a kernel, with a link to the notebook on Colab.
"""

from __future__ import annotations

import base64
import functools
import json
from typing import Any, ClassVar

import numpy as np

LIVE_SPEC_VERSION = 1
KERNEL_ONLY = "kernel"  # ``kind`` of the spec of a widget without a browser twin


def encode_array(data: np.ndarray) -> dict[str, Any]:
    """An array as JSON: its shape and its float32 values, little-endian, in base64.

    Examples
    --------
    >>> encode_array(np.array([[1.0, 2.0]]))["shape"]
    [1, 2]
    """
    data = np.asarray(data, dtype="<f4")
    payload = base64.b64encode(np.ascontiguousarray(data).tobytes()).decode("ascii")
    return {"dtype": "float32", "shape": list(data.shape), "data": payload}


def decode_array(spec: dict[str, Any]) -> np.ndarray:
    """Inverse of :func:`encode_array` (as float64, the dtype the pure functions compute in).

    Examples
    --------
    >>> decode_array(encode_array(np.eye(2))).tolist()
    [[1.0, 0.0], [0.0, 1.0]]
    """
    if spec.get("dtype") != "float32":
        raise ValueError(f"expected a float32 array spec, got dtype {spec.get('dtype')!r}")
    values = np.frombuffer(base64.b64decode(spec["data"]), dtype="<f4")
    return values.reshape(spec["shape"]).astype(np.float64)


def describe_control(name: str, control) -> dict[str, Any]:
    """JSON description of one ipywidgets control, for the browser twin to rebuild it.

    Sliders become ``{"type": "int" | "float", "min", "max", "step"}``, dropdowns ``select``
    and toggle buttons ``toggle`` (both with ``options``, a list of ``[label, value]``),
    checkboxes ``checkbox`` and text boxes ``text``; every entry also has ``name``, ``label``
    (the widget's description) and the current ``value``.
    """
    import ipywidgets as W

    out: dict[str, Any] = {"name": name, "label": control.description or name}
    if isinstance(control, (W.IntSlider, W.FloatSlider)):
        is_int = isinstance(control, W.IntSlider)
        cast = int if is_int else float
        out.update(
            type="int" if is_int else "float",
            min=cast(control.min),
            max=cast(control.max),
            step=cast(control.step),
        )
    elif isinstance(control, (W.Dropdown, W.ToggleButtons)):
        options = [
            list(option) if isinstance(option, (tuple, list)) else [str(option), option]
            for option in control.options
        ]
        out.update(type="select" if isinstance(control, W.Dropdown) else "toggle", options=options)
    elif isinstance(control, W.Checkbox):
        out["type"] = "checkbox"
    elif isinstance(control, W.Text):
        out.update(type="text", placeholder=control.placeholder)
    else:
        raise TypeError(f"no browser twin for a {type(control).__name__} control ({name!r})")
    out["value"] = control.value
    return out


@functools.cache
def _live_box_class():
    """``ipywidgets.VBox`` that also displays its explorer's inert live spec (made on demand).

    A subclass only on the Python side: it is saved and rendered as a plain ``VBox``.
    """
    import ipywidgets as W

    class LiveBox(W.VBox):
        _course_explorer = None

        def _ipython_display_(self, **kwargs) -> None:
            from IPython.display import HTML, display

            bundle = getattr(super(), "_repr_mimebundle_", None)
            if bundle is not None:  # ipywidgets 8
                display(bundle(**kwargs), raw=True)
            else:  # pragma: no cover - ipywidgets 7 (Colab) displays itself
                super()._ipython_display_(**kwargs)
            if self._course_explorer is not None:
                display(HTML(self._course_explorer.live_html()))

    return LiveBox


class Explorer:
    """Base class: subclasses define ``controls`` (name -> widget), ``compute()`` and ``draw()``.

    Attributes
    ----------
    controls : dict
        The ipywidgets controls; tests set ``controls[name].value``.
    state : object
        Result of the last ``compute()`` (pure function output).
    widget : ipywidgets.VBox
        The UI to display.
    fig : matplotlib.figure.Figure
        Created once; ``draw()`` updates its artists.
    info : ipywidgets.HTML
        One line of text under the controls (formula, counts, or the reason a setting is
        invalid).
    live_kind : str or None
        Name of the JavaScript twin that recomputes this widget on the website (see
        :meth:`live_spec`); ``None`` when it needs a Python kernel.
    """

    live_kind: ClassVar[str | None] = None

    def __init__(
        self,
        controls: dict[str, Any],
        figsize=(8, 3.5),
        ncols: int = 2,
        width_ratios=None,
        extra_controls=(),
    ) -> None:
        import ipywidgets as W
        import matplotlib.pyplot as plt

        self.controls = controls
        with plt.ioff():  # created through pyplot so the notebook's backend is set up ...
            self.fig, axes = plt.subplots(
                1,
                ncols,
                figsize=figsize,
                squeeze=False,
                gridspec_kw=None if width_ratios is None else {"width_ratios": width_ratios},
            )
        plt.close(self.fig)  # ... then released: a later plt.show() does not draw it again
        self.axes = list(axes[0])
        self.output = W.Output()
        self.info = W.HTML()
        self.state = None
        self._artists: dict[str, Any] = {}
        for control in controls.values():
            control.observe(self._on_change, names="value")
        shown = [*extra_controls, *controls.values()]
        row = W.HBox(shown, layout=W.Layout(flex_flow="row wrap"))  # wraps on narrow screens
        self.widget = _live_box_class()([row, self.info, self.output])
        self.widget._course_explorer = self
        self.update()

    def values(self) -> dict[str, Any]:
        return {name: control.value for name, control in self.controls.items()}

    def _on_change(self, _change=None) -> None:
        self.update()

    def update(self) -> None:
        """Recompute the state from the controls and redraw the same figure."""
        try:
            state = self.compute(**self.values())
        except ValueError as err:  # invalid combination of settings: show why, keep the state
            self.info.value = f"<b style='color:#b00'>{err}</b>"
            return
        self.state = state
        self.draw()
        self.fig.canvas.draw_idle()
        self._show()
        self._sync_controls()

    def _sync_controls(self) -> None:
        """Adapt control ranges to the new state (e.g. the number of output cells)."""

    def _show(self) -> None:
        from IPython.display import clear_output, display

        with self.output:
            clear_output(wait=True)
            display(self.fig)

    def compute(self, **values):  # pragma: no cover - abstract
        raise NotImplementedError

    def draw(self) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)  # the widget, then its live spec (see _live_box_class)

    # -- the browser twin on the website --------------------------------------------------------

    def live_data(self) -> dict[str, Any]:
        """The inputs the browser twin computes from (arrays through :func:`encode_array`)."""
        return {}

    def live_spec(self) -> dict[str, Any]:
        """JSON-ready description of this widget for its JavaScript twin on the website.

        Returns
        -------
        dict
            ``version``, ``kind`` (:attr:`live_kind`, or ``"kernel"`` for a widget that needs
            a Python kernel), ``widget`` (the class name), and for a twin ``controls`` (see
            :func:`describe_control`, current values included) and ``data``
            (:meth:`live_data`).
        """
        spec: dict[str, Any] = {
            "version": LIVE_SPEC_VERSION,
            "kind": self.live_kind or KERNEL_ONLY,
            "widget": type(self).__name__,
        }
        if self.live_kind is not None:
            spec["controls"] = [describe_control(n, c) for n, c in self.controls.items()]
            spec["data"] = self.live_data()
        return spec

    def live_html(self) -> str:
        """The inert HTML output that carries :meth:`live_spec` (hidden outside the website)."""
        text = json.dumps(self.live_spec(), separators=(",", ":"), allow_nan=False)
        text = text.replace("<", "\\u003c").replace(">", "\\u003e")  # never ends the script
        kind = self.live_kind or KERNEL_ONLY
        return (
            f'<div class="course-live" data-kind="{kind}" hidden>'
            f'<script type="application/json" class="course-live-spec">{text}</script></div>'
        )

    # -- artists created on the first draw and updated afterwards ---------------------------

    def _image(
        self,
        key: str,
        ax,
        data: np.ndarray,
        *,
        lower: bool = False,
        cmap="viridis",
        vmin: float | None = None,
        vmax: float | None = None,
    ):
        """Show ``data`` (H, W) in ``ax``: a new ``AxesImage`` the first time, then ``set_data``.

        Cell ``(i, j)`` is centred on ``x=j, y=i``; ``lower`` puts row 0 at the bottom (as for
        spectrograms), otherwise at the top (as for matrices). NaN cells are left blank.
        """
        from matplotlib.ticker import MaxNLocator

        data = np.asarray(data, dtype=float)
        h, w = data.shape
        extent = (-0.5, w - 0.5, h - 0.5, -0.5)
        image = self._artists.get(key)
        if image is None:
            image = ax.imshow(data, cmap=cmap, extent=extent, interpolation="nearest")
            self._artists[key] = image
        else:
            image.set_data(data)
            image.set_extent(extent)
            image.set_cmap(cmap)
        finite = data[np.isfinite(data)]
        lo = vmin if vmin is not None else (finite.min() if finite.size else 0.0)
        hi = vmax if vmax is not None else (finite.max() if finite.size else 1.0)
        image.set_clim(lo, hi if hi > lo else lo + 1)
        ax.set_xlim(-0.5, w - 0.5)
        ax.set_ylim((-0.5, h - 0.5) if lower else (h - 0.5, -0.5))
        for axis in (ax.xaxis, ax.yaxis):
            if axis.get_ticklocs().size:  # keep hidden ticks hidden
                axis.set_major_locator(MaxNLocator(integer=True))
        return image

    def _values_text(
        self, key: str, ax, data: np.ndarray | None, fmt: str = "{:.3g}", image=None
    ) -> list:
        """Write each value of a small ``data`` on its cell, reusing the Text artists.

        With ``image`` (the ``AxesImage`` under the text) each value is written in black on
        light colours and in white on dark ones.
        """
        texts = self._artists.setdefault(key, [])
        cells = [] if data is None else list(np.ndenumerate(np.asarray(data)))
        while len(texts) < len(cells):
            texts.append(ax.text(0, 0, "", ha="center", va="center", fontsize=8, color="w"))
        for text, ((i, j), v) in zip(texts, cells):
            text.set_position((j, i))
            text.set_text("" if not np.isfinite(v) else fmt.format(v))
            text.set_visible(True)
            if image is not None and np.isfinite(v):
                r, g, b, _ = image.cmap(image.norm(v))
                text.set_color("k" if 0.299 * r + 0.587 * g + 0.114 * b > 0.5 else "w")
        for text in texts[len(cells) :]:
            text.set_visible(False)
        return texts

    def _markers(self, key: str, ax, rows, cols, size: float = 120):
        """Hollow red squares on cells ``(rows[i], cols[i])``; one scatter, moved by offsets."""
        points = np.column_stack([np.asarray(cols, float), np.asarray(rows, float)])
        scatter = self._artists.get(key)
        if scatter is None:
            scatter = ax.scatter(
                points[:, 0],
                points[:, 1],
                s=size,
                marker="s",
                facecolors="none",
                edgecolors="red",
                linewidths=2,
            )
            self._artists[key] = scatter
        else:
            scatter.set_offsets(points)
            scatter.set_sizes([size])
        return scatter
