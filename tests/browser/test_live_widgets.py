"""The concept widgets of the website respond in the browser, offline, with no kernel.

Each live widget of the built site (the inert ``div.course-live`` outputs of lectures 02-05,
rebuilt by ``course-live.js``) is driven in Debian's chromium with every external request
aborted: a control is changed as a reader would (keyboard on a slider, a choice in a menu, a
click, typing), and the numbers the page recomputed (``data-state`` and ``courseLiveState``)
are compared with ``course_lib`` computing on the same inputs (the arrays of the page's own
spec). The info line is compared with the text the Python widget writes for the same settings,
and invalid settings must show the error text ``course_lib`` raises. A widget that needs a
kernel (lecture 07) must say so and link its notebook on Colab.
"""

from __future__ import annotations

import html
import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from book_pages import colab_url  # noqa: E402

from course_lib import arithmetic, filters, locality, ops  # noqa: E402
from course_lib.widgets._base import decode_array  # noqa: E402

RECEPTIVE = "lectures/02_locality_translation_invariance"
SHARING = "lectures/03_locally_connected_and_weight_sharing"
MECHANICS = "lectures/04_convolution_mechanics"
POOLING = "lectures/05_pooling"
LISTEN = "lectures/07_audio_as_input"
LIVE_KINDS = {
    RECEPTIVE: ["receptive-field"],
    SHARING: ["weight-sharing"],
    MECHANICS: ["conv-arithmetic", "filter-playground"],
    POOLING: ["pooling"],
}
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


class Live:
    """One live widget of an open page: its spec, its controls and what it computed."""

    def __init__(self, page, kind: str, log) -> None:
        self.page, self.log = page, log
        self.root = page.locator(f".course-live-widget[data-kind='{kind}']")
        assert self.root.count() == 1, f"{kind}: {self.root.count()} widgets"
        self.root.wait_for(state="visible", timeout=20_000)
        assert self.root.get_attribute("data-ready") == "true"
        holder = page.locator("div.course-live", has=self.root)
        self.spec = json.loads(holder.locator("script.course-live-spec").text_content())
        self.data = self.spec["data"]

    def array(self, *keys: str) -> np.ndarray:
        node = self.data
        for key in keys:
            node = node[key]
        return decode_array(node)

    def control(self, name: str):
        return self.root.locator(f"[data-name='{name}']")

    def slide(self, name: str, value: float) -> None:
        """Move a slider with the keyboard (Home, then ArrowRight steps) as a reader would."""
        c = next(c for c in self.spec["controls"] if c["name"] == name)
        slider = self.control(name)
        slider.focus()
        slider.press("Home")
        for _ in range(round((value - c["min"]) / c["step"])):
            slider.press("ArrowRight")
        assert float(slider.input_value()) == value, (name, slider.input_value(), value)

    def choose(self, name: str, label: str) -> None:
        self.control(name).select_option(label=label)

    def state(self) -> dict:
        state = json.loads(self.root.get_attribute("data-state"))
        assert not self.log.page_errors, self.log.page_errors
        return state

    def result(self) -> dict:
        """Everything computed, big arrays included (NaN written as None)."""
        return self.root.evaluate("el => el.courseLiveState")


def _array(nested) -> np.ndarray:
    return np.array([[np.nan if v is None else v for v in row] for row in nested], dtype=float)


def _python_info(explorer) -> str:
    """The Python widget's info line as a browser shows it (HTML entities resolved)."""
    return html.unescape(explorer.info.value)


def _python_error(call) -> str:
    with pytest.raises(ValueError) as err:
        call()
    return str(err.value)


@pytest.fixture
def live(open_page, site: Path):
    opened = {}

    def _live(docname: str, kind: str) -> Live:
        if docname not in opened:
            page, log = open_page(f"{docname}.html", height=1100)
            page.wait_for_function("document.documentElement.dataset.courseLiveReady")
            opened[docname] = (page, log)
        page, log = opened[docname]
        return Live(page, kind, log)

    yield _live
    for _page, log in opened.values():
        assert not log.blocked, f"requests left the site: {log.blocked}"
        assert not log.page_errors and not log.console_errors, (log.page_errors, log.console_errors)


def test_every_live_widget_is_ready_and_the_dead_view_is_gone(open_page, site: Path):
    for docname, kinds in LIVE_KINDS.items():
        source = (site / f"{docname}.html").read_text()
        assert source.count('class="course-live"') == len(kinds), docname
        # the saved ipywidgets views (dead controls) of these cells are not in the page, and
        # with none left the page loads no widget manager
        assert WIDGET_VIEW not in source and "embed-amd.js" not in source, docname
        page, log = open_page(f"{docname}.html")
        page.wait_for_function("document.documentElement.dataset.courseLiveReady")
        ready = page.eval_on_selector_all(
            ".course-live-widget", "els => els.map(e => [e.dataset.kind, e.dataset.ready])"
        )
        assert sorted(ready) == sorted([k, "true"] for k in kinds), docname
        # a heat map was drawn: the canvases are not blank
        painted = page.eval_on_selector_all(
            ".course-live-widget canvas",
            """els => els.map(c => {
                const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
                let n = 0;
                for (let i = 3; i < d.length; i += 4) n += d[i] > 0;
                return n / (d.length / 4);
            })""",
        )
        assert painted and min(painted) > 0.2, (docname, painted)
        assert not log.blocked and not log.page_errors and not log.console_errors, log


def test_receptive_field_explorer(live):
    from course_lib.widgets import ReceptiveFieldExplorer

    w = live(RECEPTIVE, "receptive-field")
    X = w.array("X")
    layers = [tuple(tuple(pair) for pair in layer) for layer in w.data["layers"]]
    python = ReceptiveFieldExplorer(X, layers)
    initial = w.state()["values"]
    assert (initial["row"], initial["col"]) == (6, 5)  # set in the notebook before display
    for depth, row, col in [(len(layers), 3, 2), (1, 10, 7), (2, 0, 4)]:
        w.slide("depth", depth)
        w.slide("row", row)
        w.slide("col", col)
        state = w.state()
        stack = layers[:depth]
        last = locality.receptive_field_region_2d(stack, (0, 0), X.shape).output_shape
        unit = (min(row, last[0] - 1), min(col, last[1] - 1))
        expected = locality.receptive_field_region_2d(stack, unit, X.shape)
        result = state["result"]
        assert tuple(result["rows"]) == expected.rows and tuple(result["cols"]) == expected.cols
        assert tuple(result["unit"]) == expected.unit
        assert tuple(result["output_shape"]) == expected.output_shape
        assert tuple(result["size"]) == expected.size and tuple(result["jump"]) == expected.jump
        # the sliders' ranges follow the output, as in the notebook
        assert int(w.control("row").get_attribute("max")) == expected.output_shape[0] - 1
        for name, value in (("depth", depth), ("row", row), ("col", col)):
            python.controls[name].value = value
        assert state["info"] == _python_info(python)
        assert state["error"] is None


def test_weight_sharing_demo(live):
    from course_lib.widgets import WeightSharingDemo

    w = live(SHARING, "weight-sharing")
    X, kernel, untied = w.array("X"), w.array("kernel"), w.array("untied")
    pad = w.data["padding"]
    python = WeightSharingDemo(X.astype(np.float32), kernel_size=kernel.shape[0])
    assert python.live_data()["untied"] == w.data["untied"]  # the same seed, the same filters

    w.root.get_by_role("button", name="untied (locally connected)").click()
    result = w.result()
    expected = ops.locally_connected2d(X[None, None], untied[:, :, None, None], padding=pad)[0, 0]
    np.testing.assert_allclose(_array(result["output"]), expected, rtol=1e-9, atol=1e-12)
    np.testing.assert_array_equal(np.array(result["filters"][3]), untied[-1, -1].ravel())
    h, w_out = expected.shape
    k = kernel.size
    assert result["params"] == result["locally_connected_params"] == h * w_out * k
    assert result["conv_params"] == k and result["equals_conv"] is False
    python.controls["tied"].value = False
    assert w.state()["info"] == _python_info(python)

    w.root.get_by_role("button", name="tied (convolution)").click()
    result = w.result()
    conv = ops.conv2d(X[None, None], kernel[None, None], padding=pad)[0, 0]
    np.testing.assert_allclose(_array(result["output"]), conv, rtol=1e-9, atol=1e-12)
    assert result["equals_conv"] is True
    assert all(np.array_equal(f, kernel.ravel()) for f in result["filters"])
    python.controls["tied"].value = True
    assert w.state()["info"] == _python_info(python)


def test_convolution_arithmetic_explorer(live):
    from course_lib.widgets import ConvArithmeticExplorer

    w = live(MECHANICS, "conv-arithmetic")
    x, kernel = w.array("x"), w.array("kernel")
    python = ConvArithmeticExplorer()
    np.testing.assert_array_equal(python.x, x)  # the page's inputs are the widget's
    start = w.state()["values"]
    assert (start["size"], start["kernel_size"], start["stride"], start["padding"]) == (5, 3, 2, 1)
    settings = [
        {"size": 7, "kernel_size": 3, "stride": 2, "padding": 1, "dilation": 1, "step": 5},
        {"size": 9, "kernel_size": 2, "stride": 1, "padding": 2, "dilation": 3, "step": 31},
        {"size": 6, "kernel_size": 4, "stride": 1, "padding": 0, "dilation": 1, "step": 7},
    ]
    for values in settings:
        w.slide("step", 0)
        for name in ("size", "kernel_size", "stride", "padding", "dilation", "step"):
            w.slide(name, values[name])
        state = w.state()
        assert state["error"] is None and state["values"] == values
        args = [values[n] for n in ("size", "kernel_size", "stride", "padding", "dilation")]
        size, k, stride, padding, dilation = args
        expected = arithmetic.conv_step(
            x[:size, :size], kernel[:k, :k], values["step"], stride, padding, dilation
        )
        result = w.result()
        np.testing.assert_allclose(_array(result["output"]), expected.output, atol=1e-12)
        assert tuple(result["position"]) == expected.position
        assert result["value"] == pytest.approx(expected.value)
        assert sorted(map(tuple, result["window"])) == sorted(zip(*np.nonzero(expected.window)))
        assert result["formula"] == arithmetic.output_size_formula(*args)
        # the step slider covers exactly the output cells
        assert int(w.control("step").get_attribute("max")) == expected.output.size - 1
        for name, value in values.items():
            python.controls[name].value = value
        assert state["info"] == _python_info(python)

    # a kernel wider than the padded input: the error text of course_lib, figure unchanged
    before = w.result()
    w.control("dilation").press("ArrowRight")  # 6x6 input, 4x4 kernel, dilation 2: spans 7
    state = w.state()
    message = _python_error(lambda: ConvArithmeticExplorer().compute(6, 4, 1, 0, 2, 7))
    assert state["values"]["dilation"] == 2
    assert state["error"] == message == state["info"]
    assert "spans 7 samples, larger than the padded input" in message
    assert w.root.locator(".course-live-info.course-live-error").is_visible()
    assert w.result() == before
    w.control("dilation").press("ArrowLeft")  # valid again: recomputed, the error is gone
    assert w.state()["error"] is None and w.result() == before


def test_filter_playground(live):
    from course_lib.widgets import FilterPlayground

    w = live(MECHANICS, "filter-playground")
    sources = {name: w.array("sources", name) for name in w.data["sources"]}
    kernels = {name: w.array("kernels", name) for name in w.data["kernels"]}
    python = FilterPlayground(sources)
    python.controls["kernel"].value = w.state()["values"]["kernel"]
    steps = [
        ("kernel", "sharpen"),
        ("rectify", False),
        ("source", list(sources)[-1]),
        ("kernel", "harmonic (CQT 12 bins/octave: f0, 2f0, 3f0)"),
        ("rectify", True),
        ("custom", "1 0 -1; 2, 0, -2; 1 0 -1"),
        ("custom", "0.125 0.375 -0.25"),
    ]
    for name, value in steps:
        if name == "rectify":
            w.control(name).set_checked(value)
        elif name == "custom":
            w.control(name).fill(value)
            w.control(name).press("Enter")
        else:
            w.choose(name, value)
        python.controls[name].value = value
        state = w.state()
        values = state["values"]
        assert values[name] == value and state["error"] is None
        K = (
            filters.parse_kernel(values["custom"])
            if values["custom"].strip()
            else kernels[values["kernel"]]
        )
        expected = filters.apply_filter(sources[values["source"]], K, rectify=values["rectify"])
        result = w.result()
        np.testing.assert_array_equal(_array(result["kernel"]), K)
        np.testing.assert_allclose(_array(result["output"]), expected, rtol=1e-9, atol=1e-9)
        assert state["info"] == _python_info(python), name  # same kernel text as Python
    # the text of the notebook for kernels it cannot use, and the figure stays
    before = w.result()["output"]
    for text in ["1 2; 3", "1 x 3", "1 2; 3 4", "1 inf 2", ";", ","]:
        w.control("custom").fill(text)
        w.control("custom").press("Enter")
        state = w.state()
        assert state["error"] == _python_error(
            lambda text=text: python.compute(list(sources)[-1], "identity", True, text)
        ), text
    assert w.result()["output"] == before
    # the notebook plays the feature map of the mel spectrogram; the page says where to hear it
    w.control("custom").fill("")
    w.control("custom").press("Enter")
    w.choose("source", w.data["sonified"][0])
    note = w.root.locator(".course-live-note a")
    assert note.get_attribute("href") == colab_url(MECHANICS)


def test_pooling_explorer(live, screenshots: Path):
    from course_lib.widgets import PoolingExplorer

    w = live(POOLING, "pooling")
    inputs = {name: w.array("inputs", name) for name in w.data["inputs"]}
    spectrograms = {name: inputs[name] for name in w.data["spectrograms"]}
    python = PoolingExplorer(
        inputs={n: X for n, X in inputs.items() if n not in spectrograms},
        spectrograms=spectrograms,
    )
    state = w.state()  # the slide's example, max pooling 2x2: the slide's answer
    assert _array(state["result"]["output"]).tolist() == [[5, 9], [8, 8]]
    settings = [
        ("slide example", "avg", 2, 1, 2.0),
        ("slide example", "lp", 3, 1, 3.5),
        ("checkerboard image", "std", 4, 4, 3.5),
        (list(spectrograms)[0], "max", 3, 2, 3.5),
        (list(spectrograms)[0], "lp", 2, 2, 16.0),
    ]
    for source, mode, k, stride, p in settings:
        w.choose("source", source)
        w.choose("mode", mode)
        w.slide("kernel_size", k)
        w.slide("stride", stride)
        w.slide("p", p)
        state = w.state()
        assert state["error"] is None
        X = inputs[source]
        expected = ops.pool2d(X[None, None], k, stride, mode=mode, p=p)[0, 0]
        np.testing.assert_allclose(_array(w.result()["output"]), expected, rtol=1e-12, atol=1e-9)
        assert state["result"]["input_shape"] == list(X.shape)
        for name, value in [
            ("source", source),
            ("mode", mode),
            ("kernel_size", k),
            ("stride", stride),
            ("p", p),
        ]:
            python.controls[name].value = value
        assert state["info"] == _python_info(python)

    w.choose("source", "slide example")
    w.slide("kernel_size", 5)
    state = w.state()
    assert state["error"] == _python_error(
        lambda: ops.pool2d(inputs["slide example"][None, None], 5, 2, mode="lp", p=16.0)
    )
    assert state["error"].startswith("pool_output_size: kernel_size[0]")

    w.slide("kernel_size", 2)
    w.choose("mode", "max")
    w.slide("stride", 2)
    w.page.evaluate("document.activeElement.blur()")
    # the widget's cell at the top of the screen, with its output below it
    w.root.evaluate("e => (e.closest('.cell') || e).scrollIntoView()")
    w.page.evaluate("window.scrollBy(0, -20)")
    path = screenshots / "05_pooling_widget.png"
    w.page.screenshot(path=str(path))
    assert path.stat().st_size > 10_000


def test_widget_that_needs_a_kernel_links_to_colab(open_page, site: Path):
    source = (site / f"{LISTEN}.html").read_text()
    assert 'data-kind="kernel"' in source and WIDGET_VIEW in source
    page, log = open_page(f"{LISTEN}.html", height=1100)
    page.wait_for_function("document.documentElement.dataset.courseLiveReady")
    note = page.locator(".course-live-kernel-note")
    note.wait_for(state="visible")
    assert "needs Python" in note.inner_text()
    assert note.locator("a").get_attribute("href") == colab_url(LISTEN)
    # the saved view keeps its figure and audio but not its dead controls
    cell = page.locator(".cell_output.course-live-kernel-cell")
    cell.locator(".widget-output").first.wait_for(state="attached", timeout=20_000)
    assert cell.locator(".widget-slider").count() > 0
    assert not cell.locator(".widget-slider").first.is_visible()
    assert not cell.locator("select").first.is_visible()
    assert not log.blocked and not log.page_errors, log


def test_numbers_are_written_as_python_writes_them(open_page):
    """The twin's number formatting (ties to even, -0, exponents) is Python's."""
    page, _ = open_page(f"{POOLING}.html")
    page.wait_for_function("document.documentElement.dataset.courseLiveReady")
    values = [0.125, 0.375, 2.5, 3.5, -0.0, 0.0, 1 / 3, -2 / 3, 1 / 9, 1e-5, 0.0001234]
    values += [123456789.0, 999999.5, 9.995, 99.95, 0.05, -1.0, 42.0, 1e16, 7e-12]
    specs = ["g", ".2g", ".3g", ".1g"]
    js = page.evaluate(
        """([values, precisions]) => values.map(v => [
            ...precisions.map(p => window.courseLive.fmtG(v, p)), window.courseLive.fmtF(v, 0)
        ])""",
        [values, [int(s[1:-1]) if s != "g" else 6 for s in specs]],
    )
    python = [[format(v, s) for s in specs] + [format(v, ".0f")] for v in values]
    assert js == python
