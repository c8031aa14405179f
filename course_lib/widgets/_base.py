"""Common plumbing of the course widgets: controls -> pure function -> figure updated in place.

Works with ipywidgets 7.7 (Colab) and 8: only ``observe(names="value")``, ``Output``,
``VBox``/``HBox`` and basic controls are used.
"""

from __future__ import annotations

from typing import Any


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
    """

    def __init__(self, controls: dict[str, Any], figsize=(8, 3.5), ncols: int = 2) -> None:
        import ipywidgets as W
        import matplotlib.pyplot as plt

        self.controls = controls
        with plt.ioff():
            self.fig, axes = plt.subplots(1, ncols, figsize=figsize, squeeze=False)
        self.axes = list(axes[0])
        self.output = W.Output()
        self.info = W.HTML()
        self.state = None
        self._artists: dict[str, Any] = {}
        for control in controls.values():
            control.observe(self._on_change, names="value")
        self.widget = W.VBox(
            [
                W.HBox(list(controls.values())[:4]),
                W.HBox(list(controls.values())[4:]),
                self.info,
                self.output,
            ]
        )
        self.update()

    def values(self) -> dict[str, Any]:
        return {name: control.value for name, control in self.controls.items()}

    def _on_change(self, _change=None) -> None:
        self.update()

    def update(self) -> None:
        """Recompute the state from the controls and redraw the same figure."""
        try:
            self.state = self.compute(**self.values())
            error = None
        except ValueError as err:  # invalid combination of settings: show why
            error = str(err)
        if error is not None:
            self.info.value = f"<b style='color:#b00'>{error}</b>"
            return
        self.draw()
        self.fig.canvas.draw_idle()
        self._show()

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

        display(self.widget)
