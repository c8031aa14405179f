"""The inert live spec each explorer emits for its browser twin on the website.

Displaying an explorer (or its ``widget``) writes, after the widget itself, a hidden HTML
output whose JSON names the twin, carries the input arrays and describes the controls with
their current values. These tests read that JSON back and check it against the explorer.
"""

import html
import json
import re

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from IPython.core.interactiveshell import InteractiveShell  # noqa: E402
from IPython.display import display  # noqa: E402
from IPython.utils.capture import capture_output  # noqa: E402

from course_lib import filters  # noqa: E402
from course_lib.images import generate_checkerboard  # noqa: E402
from course_lib.widgets import (  # noqa: E402
    SLIDE_POOLING_EXAMPLE,
    ConvArithmeticExplorer,
    FilterPlayground,
    PoolingExplorer,
    ReceptiveFieldExplorer,
    WeightSharingDemo,
)
from course_lib.widgets._base import (  # noqa: E402
    LIVE_SPEC_VERSION,
    Explorer,
    decode_array,
    encode_array,
)

SPEC = re.compile(
    r'^<div class="course-live" data-kind="([\w-]+)" hidden>'
    r'<script type="application/json" class="course-live-spec">(.*)</script></div>$',
    re.DOTALL,
)


def _spec(explorer: Explorer) -> dict:
    """The JSON of ``live_html()``, checked to be the inert hidden form the site looks for."""
    match = SPEC.match(explorer.live_html())
    assert match, explorer.live_html()[:200]
    assert "<" not in match.group(2) and ">" not in match.group(2)  # cannot close the script
    spec = json.loads(match.group(2))
    assert spec["kind"] == match.group(1)
    assert spec["version"] == LIVE_SPEC_VERSION
    assert spec["widget"] == type(explorer).__name__
    return spec


def _controls(spec: dict) -> dict:
    return {c["name"]: c for c in spec["controls"]}


def test_arrays_round_trip_as_float32():
    x = np.array([[0.1, -2.5, 3.0], [np.pi, 0.0, -0.0]])
    encoded = encode_array(x)
    assert encoded["shape"] == [2, 3] and encoded["dtype"] == "float32"
    back = decode_array(json.loads(json.dumps(encoded)))
    assert back.dtype == np.float64
    np.testing.assert_array_equal(back, x.astype(np.float32).astype(np.float64))
    assert np.signbit(back[1, 2])  # -0.0 stays negative (the twin prints it as Python does)
    with pytest.raises(ValueError, match="float32"):
        decode_array({**encoded, "dtype": "float64"})


def test_conv_arithmetic_spec():
    w = ConvArithmeticExplorer(size=5, kernel_size=3, stride=2, padding=1)
    w.controls["step"].value = 4
    spec = _spec(w)
    assert spec["kind"] == "conv-arithmetic"
    np.testing.assert_array_equal(decode_array(spec["data"]["x"]), w.x)
    np.testing.assert_array_equal(decode_array(spec["data"]["kernel"]), w.kernel)
    c = _controls(spec)
    assert list(c) == ["size", "kernel_size", "stride", "padding", "dilation", "step"]
    assert (c["size"]["type"], c["size"]["min"], c["size"]["max"]) == ("int", 3, 12)
    assert c["stride"]["value"] == 2 and c["padding"]["value"] == 1
    # the step slider's range already follows the 3x3 output; its value is the current one
    assert (c["step"]["max"], c["step"]["value"]) == (8, 4)
    assert c["kernel_size"]["label"] == "kernel"


def test_pooling_spec_carries_every_input():
    S = np.random.default_rng(0).normal(size=(16, 40))
    w = PoolingExplorer(spectrograms={"mel (dB)": S}, mode="lp", kernel_size=3, p=4.0)
    spec = _spec(w)
    assert spec["kind"] == "pooling"
    data = spec["data"]
    assert list(data["inputs"]) == ["slide example", "checkerboard image", "mel (dB)"]
    np.testing.assert_array_equal(
        decode_array(data["inputs"]["slide example"]), SLIDE_POOLING_EXAMPLE
    )
    np.testing.assert_allclose(
        decode_array(data["inputs"]["checkerboard image"]), generate_checkerboard(), atol=1e-7
    )
    np.testing.assert_allclose(decode_array(data["inputs"]["mel (dB)"]), S, rtol=1e-6)
    assert data["spectrograms"] == ["mel (dB)"]
    c = _controls(spec)
    assert c["mode"]["type"] == "select"
    assert [o[1] for o in c["mode"]["options"]] == ["max", "avg", "std", "lp"]
    assert c["mode"]["value"] == "lp" and c["kernel_size"]["value"] == 3
    assert (c["p"]["type"], c["p"]["min"], c["p"]["max"], c["p"]["step"]) == ("float", 1, 16, 0.5)
    assert c["p"]["value"] == 4.0
    assert [o[0] for o in c["source"]["options"]] == list(data["inputs"])


def test_receptive_field_spec_normalises_the_layers():
    X = np.arange(20 * 30, dtype=float).reshape(20, 30)
    layers = [(3, 1, 1), ((1, 5), 1, (0, 2)), (2, 2), ((3, 3), (1, 2), 0, 2)]
    w = ReceptiveFieldExplorer(X, layers, depth=2)
    w.controls["row"].value = 7
    spec = _spec(w)
    assert spec["kind"] == "receptive-field"
    np.testing.assert_array_equal(decode_array(spec["data"]["X"]), X)
    assert spec["data"]["layers"] == [
        [[3, 3], [1, 1], [1, 1], [1, 1]],
        [[1, 5], [1, 1], [0, 2], [1, 1]],
        [[2, 2], [2, 2], [0, 0], [1, 1]],
        [[3, 3], [1, 2], [0, 0], [2, 2]],
    ]
    c = _controls(spec)
    assert (c["depth"]["max"], c["depth"]["value"], c["row"]["value"]) == (4, 2, 7)
    assert c["row"]["max"] == w.state.output_shape[0] - 1 == 19


def test_weight_sharing_spec_has_the_untied_filters():
    X = np.random.default_rng(1).random((8, 10)).astype(np.float32)
    w = WeightSharingDemo(X)
    spec = _spec(w)
    assert spec["kind"] == "weight-sharing"
    data = spec["data"]
    np.testing.assert_array_equal(decode_array(data["X"]), X)
    np.testing.assert_array_equal(
        decode_array(data["kernel"]), filters.get_kernel("onset (time difference)").astype("f4")
    )
    untied = decode_array(data["untied"])
    assert untied.shape == (8, 10, 3, 3) and data["padding"] == 1
    # the four filters the widget draws when untied come from these weights
    w.controls["tied"].value = False
    np.testing.assert_array_equal(w.state["filters"][0], untied[0, 0])
    np.testing.assert_array_equal(w.state["filters"][3], untied[-1, -1])
    c = _controls(spec)
    assert c["tied"]["type"] == "toggle"
    assert c["tied"]["options"] == [
        ["tied (convolution)", True],
        ["untied (locally connected)", False],
    ]
    assert c["tied"]["value"] is True  # the value when the spec was written (displayed)


def test_filter_playground_spec_has_sources_and_kernels():
    S = np.random.default_rng(2).random((12, 30))
    C = np.random.default_rng(3).random((40, 30))
    w = FilterPlayground({"mel": S, "cqt": C}, kernel="sharpen", sonify={"mel": lambda y: y})
    w.controls["custom"].value = "1 0 -1"
    spec = _spec(w)
    assert spec["kind"] == "filter-playground"
    data = spec["data"]
    assert list(data["sources"]) == ["mel", "cqt"] and data["sonified"] == ["mel"]
    np.testing.assert_allclose(decode_array(data["sources"]["cqt"]), C, rtol=1e-6)
    assert set(data["kernels"]) == set(filters.KERNELS)
    for name, K in filters.KERNELS.items():
        np.testing.assert_allclose(decode_array(data["kernels"][name]), K, rtol=1e-6)
    c = _controls(spec)
    assert [o[1] for o in c["kernel"]["options"]] == sorted(filters.KERNELS)
    assert c["kernel"]["value"] == "sharpen"
    assert (c["rectify"]["type"], c["rectify"]["value"]) == ("checkbox", True)
    assert (c["custom"]["type"], c["custom"]["value"]) == ("text", "1 0 -1")
    assert c["custom"]["placeholder"].startswith("e.g.")


def test_a_widget_without_twin_says_it_needs_a_kernel():
    class Kernelled(Explorer):
        def __init__(self):
            import ipywidgets as W

            super().__init__({"n": W.IntSlider(value=1, min=0, max=3)})

        def compute(self, n):
            return n

        def draw(self):
            pass

    spec = _spec(Kernelled())
    assert spec == {"version": LIVE_SPEC_VERSION, "kind": "kernel", "widget": "Kernelled"}


def test_listen_explainer_is_kernel_only():
    from course_lib.widgets import ListenExplainer

    assert ListenExplainer.live_kind is None


def test_displaying_the_widget_also_emits_the_inert_spec():
    """``explorer.widget`` as a cell's value (or displayed) gives the view, then the spec."""
    InteractiveShell.instance()
    w = PoolingExplorer()
    w.controls["mode"].value = "avg"
    for shown in (w, w.widget):
        with capture_output() as captured:
            display(shown)
        outputs = [o.data for o in captured.outputs]
        assert len(outputs) == 2
        view, spec = outputs
        assert view["application/vnd.jupyter.widget-view+json"]["model_id"] == w.widget.model_id
        match = SPEC.match(spec["text/html"])
        assert match and match.group(1) == "pooling"
        assert _controls(json.loads(match.group(2)))["mode"]["value"] == "avg"


def test_the_spec_text_is_plain_json_even_with_markup_in_names():
    w = PoolingExplorer(inputs={"</script><b>x</b>": np.ones((3, 3))})
    spec = _spec(w)
    assert "</script><b>x</b>" in spec["data"]["inputs"]
    assert html.escape("</script>") not in w.live_html()
