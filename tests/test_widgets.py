"""Drive every widget through its controls and check the computed values and the figure.

No browser: controls are set through ``.value`` as the frontend would; the figure is created
once and its artists (image data, markers, patches) must show the new state.
"""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

from course_lib import filters, ops  # noqa: E402
from course_lib.images import generate_checkerboard  # noqa: E402
from course_lib.widgets import (  # noqa: E402
    ConvArithmeticExplorer,
    FilterPlayground,
    PoolingExplorer,
    ReceptiveFieldExplorer,
    WeightSharingDemo,
)


def _shown(ax, n=0):
    """The data of the n-th image drawn in ``ax`` (NaN where the widget leaves cells blank)."""
    return np.ma.filled(ax.images[n].get_array().astype(float), np.nan)


@pytest.mark.parametrize(
    ("padding", "stride", "dilation", "expected"),
    [(0, 1, 1, 3), (1, 1, 1, 5), (0, 2, 1, 2), (1, 2, 1, 3), (2, 1, 2, 5), (1, 3, 2, 1)],
)
def test_conv_arithmetic_agrees_with_torch(padding, stride, dilation, expected):
    w = ConvArithmeticExplorer()
    w.controls["size"].value = 5
    w.controls["kernel_size"].value = 3
    w.controls["padding"].value = padding
    w.controls["stride"].value = stride
    w.controls["dilation"].value = dilation
    state, formula = w.state
    assert state.output.shape == (expected, expected)
    assert formula.endswith(f"= {expected}")
    x = torch.from_numpy(w.x[:5, :5])[None, None]
    k = torch.from_numpy(w.kernel[:3, :3])[None, None]
    ref = F.conv2d(x, k, stride=stride, padding=padding, dilation=dilation)[0, 0]
    torch.testing.assert_close(torch.from_numpy(state.output), ref)
    # the step slider and the Play control cover exactly the output cells
    assert w.controls["step"].max == w.play.max == expected * expected - 1


def test_conv_arithmetic_steps_the_window_and_updates_the_figure():
    w = ConvArithmeticExplorer(size=5, kernel_size=3, stride=2, padding=1)
    a_in, _, a_out = w.axes
    window = w._artists["window"]
    assert np.isnan(_shown(a_out)).sum() == 8  # only cell (0, 0) computed so far
    w.controls["step"].value = 4  # output is 3x3: step 4 is the centre cell (1, 1)
    state, _ = w.state
    assert state.position == (1, 1)
    rows, cols = np.nonzero(state.window)
    assert (rows.min(), rows.max(), cols.min(), cols.max()) == (2, 4, 2, 4)
    expected = (state.padded[2:5, 2:5] * w.kernel[:3, :3]).sum()
    ref = F.conv2d(
        torch.from_numpy(w.x[:5, :5])[None, None],
        torch.from_numpy(w.kernel[:3, :3])[None, None],
        stride=2,
        padding=1,
    )[0, 0, 1, 1]
    assert state.value == pytest.approx(expected) == pytest.approx(float(ref))
    assert f"= {expected:g}" in w.info.value
    # same artists, new data: the red squares sit on the window, the output is filled to (1, 1)
    assert w._artists["window"] is window
    np.testing.assert_array_equal(
        sorted(map(tuple, window.get_offsets())), sorted(zip(cols.astype(float), rows))
    )
    shown = _shown(a_out)
    np.testing.assert_array_equal(shown.flat[:5], state.output.flat[:5])
    assert np.isnan(shown.flat[5:]).all()
    assert np.isnan(_shown(a_in)[0]).all()  # the zero-padding row is drawn as padding
    # Changing the size shrinks the step range and clamps the step
    w.controls["dilation"].value = 2
    state, _ = w.state
    assert state.output.shape == (2, 2)
    assert w.controls["step"].value == 3 and state.position == (1, 1)
    assert _shown(a_out).shape == (2, 2)


def test_conv_arithmetic_reports_impossible_settings():
    w = ConvArithmeticExplorer(size=3, kernel_size=3)
    before = w.state
    w.controls["dilation"].value = 3  # spans 7 > 3
    assert "larger than the padded input" in w.info.value
    assert w.state is before  # nothing recomputed from invalid settings


def test_pooling_explorer_reproduces_the_slide_and_modes():
    spec = np.random.default_rng(0).random((16, 24))
    w = PoolingExplorer(spectrograms={"spectrogram": spec})
    X, Y = w.state
    np.testing.assert_array_equal(Y, [[5, 9], [8, 8]])
    image = w.axes[1].images[0]
    texts = [t.get_text() for t in w._artists["pooled values"] if t.get_visible()]
    assert texts == ["5", "9", "8", "8"]
    w.controls["mode"].value = "avg"
    np.testing.assert_allclose(w.state[1], [[2.75, 4.0], [5.0, 5.5]])
    np.testing.assert_allclose(_shown(w.axes[1]), [[2.75, 4.0], [5.0, 5.5]])
    w.controls["mode"].value = "lp"
    w.controls["p"].value = 4.0
    np.testing.assert_allclose(w.state[1], ops.pool2d(X[None, None], 2, mode="lp", p=4)[0, 0])
    w.controls["source"].value = "spectrogram"
    w.controls["mode"].value = "std"
    w.controls["kernel_size"].value = 4
    w.controls["stride"].value = 4
    np.testing.assert_allclose(w.state[1], ops.pool2d(spec[None, None], 4, mode="std")[0, 0])
    assert w.state[1].shape == (4, 6)
    assert w.axes[1].images[0] is image  # the figure updates its image in place
    np.testing.assert_allclose(_shown(w.axes[1]), w.state[1])
    assert w.axes[1].get_ylim()[0] < w.axes[1].get_ylim()[1]  # low bands at the bottom
    assert not any(t.get_visible() for t in w._artists["input values"])  # too many to write
    assert sum(t.get_visible() for t in w._artists["pooled values"]) == 24
    w.controls["source"].value = "checkerboard image"
    np.testing.assert_array_equal(w.state[0], generate_checkerboard())
    assert w.state[1].shape == (8, 8)


def test_pooling_explorer_rejects_bad_inputs():
    with pytest.raises(ValueError, match="must be 2-D"):
        PoolingExplorer(inputs={"vector": np.zeros(5)})
    with pytest.raises(ValueError, match="mode must be one of"):
        PoolingExplorer(mode="median")


def test_receptive_field_explorer_regions():
    X = np.random.default_rng(0).random((32, 40))
    layers = [(3, 1, 0), (2, 2, 0), (3, 1, 0), (2, 2, 0)]
    w = ReceptiveFieldExplorer(X, layers)
    assert w.state.output_shape == (6, 8)
    assert (w.controls["row"].max, w.controls["col"].max) == (5, 7)
    box = w._artists["field"]
    w.controls["row"].value = 2
    w.controls["col"].value = 5
    # jump 4, receptive field 10: unit i sees 4i .. 4i + 9
    assert w.state.rows == (8, 18) and w.state.cols == (20, 30)
    assert w.state.size == (10, 10) and w.state.jump == (4, 4)
    assert w._artists["field"] is box
    assert (box.get_x(), box.get_y(), box.get_width(), box.get_height()) == (19.5, 7.5, 10, 10)
    assert _shown(w.axes[1])[2, 5] == 1 and _shown(w.axes[1]).sum() == 1
    w.controls["depth"].value = 1
    assert w.state.output_shape == (30, 38)
    assert (w.controls["row"].max, w.controls["col"].max) == (29, 37)
    assert w.state.rows == (2, 5)
    assert _shown(w.axes[1]).shape == (30, 38)
    w.controls["row"].value = 29
    w.controls["depth"].value = 4  # back to 6 rows: the unit row is clamped to the last one
    assert w.state.unit[0] == 5 and w.controls["row"].value == 5
    with pytest.raises(ValueError, match="2-D"):
        ReceptiveFieldExplorer(np.zeros(4), layers)


def test_weight_sharing_demo_counts_and_equivalence():
    S = np.random.default_rng(1).random((12, 20)).astype(np.float32)
    w = WeightSharingDemo(S)
    assert w.state["equals_conv"] is True
    assert w.state["conv_params"] == 9
    assert w.state["locally_connected_params"] == 12 * 20 * 9
    assert w.state["params"] == 12 * 20 * 9  # the tied layer still stores a copy per location
    onset = filters.get_kernel("onset (time difference)")
    expected = ops.conv2d(S[None, None], onset[None, None], padding=1)[0, 0]
    np.testing.assert_allclose(w.state["output"], expected, atol=1e-5)
    np.testing.assert_allclose(w.state["filters"], np.broadcast_to(onset, (4, 3, 3)), atol=1e-7)
    shown = _shown(w.axes[1]).copy()
    np.testing.assert_allclose(shown, expected, atol=1e-5)
    w.controls["tied"].value = False
    assert w.state["equals_conv"] is False
    assert not np.allclose(w.state["filters"][0], w.state["filters"][1])
    assert not np.allclose(_shown(w.axes[1]), shown)  # the output image shows the new map
    np.testing.assert_allclose(_shown(w.axes[1]), w.state["output"])
    with pytest.raises(ValueError, match="odd"):
        WeightSharingDemo(S, kernel_size=2)


def test_filter_playground_named_and_custom_kernels():
    S = np.zeros((8, 10))
    S[:, 5:] = 1.0  # a note starts at frame 5
    heard = []
    w = FilterPlayground(S, sonify=lambda Y: heard.append(Y.copy()) or np.ones(10))
    K, Y = w.state
    assert Y[:, 4:6].min() > 0 and Y[:, :3].max() == 0  # onset filter fires at the onset only
    np.testing.assert_allclose(_shown(w.axes[2]), Y)
    w.controls["kernel"].value = "smooth (box 3x3)"
    np.testing.assert_allclose(
        w.state[1], filters.apply_filter(S, filters.get_kernel("smooth (box 3x3)"), rectify=True)
    )
    w.controls["custom"].value = "0 0 0; 0 2 0; 0 0 0"
    K, Y = w.state
    np.testing.assert_allclose(Y, 2 * S)
    np.testing.assert_allclose(_shown(w.axes[0]), K)
    np.testing.assert_allclose(_shown(w.axes[2]), 2 * S)
    assert len(heard) == 3
    np.testing.assert_allclose(heard[-1], 2 * S)
    np.testing.assert_allclose(w.audio_clip, np.ones(10))
    w.controls["custom"].value = "1 2; 3"
    assert "same length" in w.info.value
    np.testing.assert_allclose(w.state[1], 2 * S)  # the last valid state is kept
    w.controls["custom"].value = "1 2 3 4"
    assert "odd sizes" in w.info.value
    with pytest.raises(ValueError, match="2-D"):
        FilterPlayground(np.zeros(5))
    with pytest.raises(ValueError, match="unknown kernel"):
        FilterPlayground(S, kernel="gabor")


def test_filter_playground_sources_and_the_harmonic_kernel():
    # a "CQT" with one note: f0 at bin 20, harmonics 12 and 19 bins above
    C = np.zeros((60, 12))
    C[[20, 32, 39], 2:10] = [[1.0], [0.5], [0.3]]
    M = np.random.default_rng(0).random((16, 12))
    w = FilterPlayground(
        {"mel": M, "cqt": C}, sonify={"mel": lambda Y: np.ones(4)}, kernel="identity"
    )
    assert w.audio_clip is not None
    np.testing.assert_allclose(w.state[1], M)
    w.controls["source"].value = "cqt"
    w.controls["kernel"].value = "harmonic (CQT 12 bins/octave: f0, 2f0, 3f0)"
    K, Y = w.state
    assert w.audio_clip is None  # nothing to hear for the CQT
    assert np.argmax(Y[:, 5]) == 20  # the response peaks on the fundamental
    assert Y[20, 5] == pytest.approx((1.0 + 0.5 + 0.3) / 3)
    np.testing.assert_allclose(_shown(w.axes[1]), C)
    np.testing.assert_allclose(_shown(w.axes[2]), Y)
    assert "non-zero weights" in w.info.value


def test_widget_figures_are_not_left_to_pyplot():
    """A later plt.show() in the notebook must not draw the widget's figure a second time."""
    import matplotlib.pyplot as plt

    before = set(plt.get_fignums())
    w = PoolingExplorer()
    assert set(plt.get_fignums()) == before
    w.controls["mode"].value = "avg"  # still drawable after release
    assert w.fig.axes[1].images[0].get_array().shape == (2, 2)
