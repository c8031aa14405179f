"""Drive every widget through its controls and check the computed values (no browser)."""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

from course_lib import filters, ops  # noqa: E402
from course_lib.widgets import (  # noqa: E402
    ConvArithmeticExplorer,
    FilterPlayground,
    PoolingExplorer,
    ReceptiveFieldExplorer,
    WeightSharingDemo,
)


@pytest.mark.parametrize(
    ("padding", "stride", "expected"), [(0, 1, 3), (1, 1, 5), (0, 2, 2), (1, 2, 3)]
)
def test_conv_arithmetic_agrees_with_torch(padding, stride, expected):
    w = ConvArithmeticExplorer()
    w.controls["size"].value = 5
    w.controls["kernel_size"].value = 3
    w.controls["padding"].value = padding
    w.controls["stride"].value = stride
    state, formula = w.state
    assert state.output.shape == (expected, expected)
    assert formula.endswith(f"= {expected}")
    x = torch.from_numpy(w._x[:5, :5])[None, None]
    k = torch.from_numpy(w._kernel[:3, :3])[None, None]
    torch.testing.assert_close(
        torch.from_numpy(state.output), F.conv2d(x, k, stride=stride, padding=padding)[0, 0]
    )


def test_conv_arithmetic_steps_the_window_and_shows_the_value():
    w = ConvArithmeticExplorer(size=5, kernel_size=3, stride=2, padding=1)
    w.step_slider.value = 4  # output is 3x3: step 4 is the centre cell (1, 1)
    state, _ = w.state
    assert state.position == (1, 1)
    rows, cols = np.nonzero(state.window)
    assert (rows.min(), rows.max(), cols.min(), cols.max()) == (2, 4, 2, 4)
    expected = (state.padded[2:5, 2:5] * w._kernel[:3, :3]).sum()
    assert state.value == pytest.approx(expected)
    assert "= " + f"{expected:g}" in w.info.value
    w.controls["dilation"].value = 2
    state, _ = w.state
    assert state.output.shape == (2, 2)


def test_conv_arithmetic_reports_impossible_settings():
    w = ConvArithmeticExplorer(size=3, kernel_size=3)
    before = w.state
    w.controls["dilation"].value = 3  # spans 7 > 3
    assert "larger than the padded input" in w.info.value
    assert w.state is before  # nothing recomputed from invalid settings


def test_pooling_explorer_reproduces_the_slide_and_modes():
    spec = np.random.default_rng(0).random((16, 24))
    w = PoolingExplorer(inputs={"spectrogram": spec})
    X, Y = w.state
    np.testing.assert_array_equal(Y, [[5, 9], [8, 8]])
    w.controls["mode"].value = "avg"
    np.testing.assert_allclose(w.state[1], [[2.75, 4.0], [5.0, 5.5]])
    w.controls["mode"].value = "lp"
    w.controls["p"].value = 4.0
    np.testing.assert_allclose(w.state[1], ops.pool2d(X[None, None], 2, mode="lp", p=4)[0, 0])
    w.controls["source"].value = "spectrogram"
    w.controls["mode"].value = "std"
    w.controls["kernel_size"].value = 4
    w.controls["stride"].value = 4
    np.testing.assert_allclose(w.state[1], ops.pool2d(spec[None, None], 4, mode="std")[0, 0])
    assert w.state[1].shape == (4, 6)
    assert w.axes[1].images[0].get_array().shape == (4, 6)  # the figure shows the new map


def test_receptive_field_explorer_regions():
    X = np.zeros((32, 32))
    layers = [(3, 1, 0), (2, 2, 0), (3, 1, 0), (2, 2, 0)]
    w = ReceptiveFieldExplorer(X, layers)
    assert w.state["output_shape"] == (6, 6)
    w.controls["row"].value = 2
    w.controls["col"].value = 5
    # jump 4, receptive field 10: unit i sees 4i .. 4i + 9
    assert w.state["rows"] == (8, 18) and w.state["cols"] == (20, 30)
    w.controls["depth"].value = 1
    assert w.state["output_shape"] == (30, 30)
    assert w.state["rows"] == (2, 5)
    w.controls["row"].value = 999  # clipped to the last unit
    assert w.state["unit"][0] == 29


def test_weight_sharing_demo_counts_and_equivalence():
    S = np.random.default_rng(1).random((12, 20)).astype(np.float32)
    w = WeightSharingDemo(S)
    assert w.state["equals_conv"] is True
    assert w.state["conv_params"] == 9
    assert w.state["locally_connected_params"] == 12 * 20 * 9
    expected = ops.conv2d(
        S[None, None], filters.get_kernel("onset (time difference)")[None, None], padding=1
    )[0, 0]
    np.testing.assert_allclose(w.state["output"], expected, atol=1e-5)
    w.controls["tied"].value = False
    assert w.state["equals_conv"] is False
    assert w.state["params"] == 12 * 20 * 9


def test_filter_playground_named_and_custom_kernels():
    S = np.zeros((8, 10))
    S[:, 5:] = 1.0  # a note starts at frame 5
    heard = []
    w = FilterPlayground(S, sonify=lambda Y: heard.append(Y.copy()) or np.ones(10))
    K, Y = w.state
    assert Y[:, 4:6].min() > 0 and Y[:, :3].max() == 0  # onset filter fires at the onset only
    w.controls["custom"].value = "0 0 0; 0 2 0; 0 0 0"
    K, Y = w.state
    np.testing.assert_allclose(Y, 2 * S)
    assert len(heard) >= 2
    w.controls["custom"].value = "1 2; 3"
    assert "same length" in w.info.value or "could not read" in w.info.value
    with pytest.raises(ValueError, match="2-D"):
        FilterPlayground(np.zeros(5))
