"""Drive the listening explainer through its controls (no browser)."""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from course_lib import explain  # noqa: E402
from course_lib.data import load_example
from course_lib.models import tagging  # noqa: E402
from course_lib.widgets.explainer import ListenExplainer  # noqa: E402


@pytest.fixture(scope="module")
def example():
    torch.manual_seed(0)
    y, sr = load_example("arpeggio")
    return tagging.fcn(num_classes=3, width=4).eval(), y, sr


def test_controls_drive_the_explanation(example):
    model, y, sr = example
    w = ListenExplainer(model, y, sr, k=2)
    assert w.state.layer == "features.0" and w.controls["filter"].max == 3
    w.controls["layer"].value = "features.8"  # 8 filters
    assert w.controls["filter"].max == 7
    w.controls["filter"].value = 6
    expected = explain.explain_filter(model, y, sr, "features.8", 6, k=2)
    assert (w.state.layer, w.state.index) == ("features.8", 6)
    np.testing.assert_allclose(w.state.curve, expected.curve)
    assert w.state.regions == expected.regions
    w.controls["layer"].value = "features.0"  # 4 filters: the slider is clamped
    assert w.controls["filter"].value == 3 and w.state.index == 3
    w.controls["k"].value = 1
    assert len(w.state.regions) <= 1
    assert "top regions of filter 3" in w.info.value
    assert w.sonification is None


def test_sonify_and_bad_layer(example):
    model, y, sr = example
    short = y[: sr // 2]
    w = ListenExplainer(model, short, sr, layer="features.4", sonify=True)
    assert w.sonification is not None and w.sonification.ndim == 1
    assert abs(len(w.sonification) - len(short)) <= 512
    with pytest.raises(ValueError, match="not a conv layer"):
        ListenExplainer(model, y, sr, layer="classifier")
