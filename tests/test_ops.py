import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given
from hypothesis import strategies as st

from course_lib import ops
from course_lib.shapes import conv_output_size

SLIDE = np.array([[1, 5, 2, 4], [2, 3, 9, 1], [5, 3, 3, 4], [8, 4, 7, 8]])


def test_slide_max_pooling_example():
    out = ops.pool2d(SLIDE[None, None], kernel_size=2, stride=2, mode="max")
    np.testing.assert_array_equal(out[0, 0], [[5, 9], [8, 8]])


def test_slide_example_other_modes_by_hand():
    x = SLIDE[None, None].astype(float)
    np.testing.assert_allclose(ops.pool2d(x, 2, mode="avg")[0, 0], [[2.75, 4.0], [5.0, 5.5]])
    window = np.array([1, 5, 2, 3], dtype=float)
    assert ops.pool2d(x, 2, mode="std")[0, 0, 0, 0] == pytest.approx(window.std())
    assert ops.pool2d(x, 2, mode="lp", p=2)[0, 0, 0, 0] == pytest.approx(np.sqrt(39 / 4))
    # p = 1 on non-negative input is average pooling; large p approaches max pooling.
    np.testing.assert_allclose(ops.pool2d(x, 2, mode="lp", p=1), ops.pool2d(x, 2, mode="avg"))
    np.testing.assert_allclose(ops.pool2d(x, 2, mode="lp", p=200), ops.pool2d(x, 2), rtol=0.01)


conv_cases = st.fixed_dictionaries(
    {
        "n": st.integers(1, 2),
        "c_in": st.integers(1, 3),
        "c_out": st.integers(1, 3),
        "h": st.integers(1, 12),
        "w": st.integers(1, 12),
        "k": st.tuples(st.integers(1, 4), st.integers(1, 4)),
        "s": st.tuples(st.integers(1, 3), st.integers(1, 3)),
        "p": st.tuples(st.integers(0, 2), st.integers(0, 2)),
        "d": st.tuples(st.integers(1, 2), st.integers(1, 2)),
        "bias": st.booleans(),
        "seed": st.integers(0, 2**16),
    }
)


def _fits(h, w, k, p, d):
    return all(
        dd * (kk - 1) + 1 <= n + 2 * pp for n, kk, pp, dd in zip((h, w), k, p, d, strict=True)
    )


@given(conv_cases)
def test_conv2d_matches_torch(case):
    rng = np.random.default_rng(case["seed"])
    x = rng.standard_normal((case["n"], case["c_in"], case["h"], case["w"]))
    weight = rng.standard_normal((case["c_out"], case["c_in"], *case["k"]))
    bias = rng.standard_normal(case["c_out"]) if case["bias"] else None
    args = dict(stride=case["s"], padding=case["p"], dilation=case["d"])
    if not _fits(case["h"], case["w"], case["k"], case["p"], case["d"]):
        with pytest.raises(ValueError):
            ops.conv2d(x, weight, bias, **args)
        return
    expected = F.conv2d(
        torch.from_numpy(x),
        torch.from_numpy(weight),
        None if bias is None else torch.from_numpy(bias),
        **args,
    ).numpy()
    out = ops.conv2d(x, weight, bias, **args)
    assert out.shape == expected.shape
    np.testing.assert_allclose(out, expected, rtol=1e-10, atol=1e-10)


@given(conv_cases)
def test_locally_connected_with_tied_weights_is_conv(case):
    rng = np.random.default_rng(case["seed"])
    h, w = case["h"], case["w"]
    if not _fits(h, w, case["k"], case["p"], (1, 1)):
        return
    x = rng.standard_normal((case["n"], case["c_in"], h, w))
    weight = rng.standard_normal((case["c_out"], case["c_in"], *case["k"]))
    out_h, out_w = conv_output_size((h, w), case["k"], case["s"], case["p"])
    tied = np.broadcast_to(weight, (out_h, out_w, *weight.shape))
    bias = rng.standard_normal(case["c_out"])
    tied_bias = np.broadcast_to(bias[:, None, None], (case["c_out"], out_h, out_w))
    np.testing.assert_allclose(
        ops.locally_connected2d(x, tied, tied_bias, stride=case["s"], padding=case["p"]),
        ops.conv2d(x, weight, bias, stride=case["s"], padding=case["p"]),
        rtol=1e-10,
        atol=1e-10,
    )


def test_locally_connected_untied_weights_act_per_location():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((1, 2, 4, 4))
    weight = np.zeros((2, 2, 1, 2, 3, 3))
    weight[1, 0, 0, 1, 2, 2] = 1.0  # only location (1, 0) looks at channel 1, bottom-right
    out = ops.locally_connected2d(x, weight)
    expected = np.zeros((1, 1, 2, 2))
    expected[0, 0, 1, 0] = x[0, 1, 3, 2]
    np.testing.assert_allclose(out, expected)


@given(
    n=st.integers(1, 2),
    c=st.integers(1, 3),
    h=st.integers(1, 10),
    w=st.integers(1, 10),
    k=st.tuples(st.integers(1, 4), st.integers(1, 4)),
    s=st.one_of(st.none(), st.tuples(st.integers(1, 3), st.integers(1, 3))),
    data=st.data(),
    seed=st.integers(0, 2**16),
)
def test_max_and_avg_pool_match_torch(n, c, h, w, k, s, data, seed):
    p = (data.draw(st.integers(0, k[0] // 2)), data.draw(st.integers(0, k[1] // 2)))
    x = np.random.default_rng(seed).standard_normal((n, c, h, w))
    if not _fits(h, w, k, p, (1, 1)):
        with pytest.raises(ValueError):
            ops.pool2d(x, k, s, p)
        return
    xt = torch.from_numpy(x)
    np.testing.assert_allclose(ops.pool2d(x, k, s, p, "max"), F.max_pool2d(xt, k, s, p).numpy())
    np.testing.assert_allclose(
        ops.pool2d(x, k, s, p, "avg"), F.avg_pool2d(xt, k, s, p).numpy(), atol=1e-12
    )


@given(
    h=st.integers(2, 10),
    w=st.integers(2, 10),
    k=st.integers(1, 3),
    s=st.integers(1, 3),
    p_exp=st.sampled_from([1.0, 2.0, 3.0, 4.5]),
    seed=st.integers(0, 2**16),
)
def test_std_and_lp_pool_match_torch_unfold(h, w, k, s, p_exp, seed):
    if k > min(h, w):
        return
    x = np.random.default_rng(seed).standard_normal((2, 3, h, w))
    xt = torch.from_numpy(x)
    cols = F.unfold(xt, k, stride=s)  # (N, C*k*k, L)
    oh, ow = conv_output_size((h, w), k, s)
    cols = cols.reshape(2, 3, k * k, oh, ow)
    np.testing.assert_allclose(
        ops.pool2d(x, k, s, mode="std"), cols.std(dim=2, unbiased=False).numpy(), atol=1e-12
    )
    # torch's lp_pool2d is a power *sum*; ours is the power *average*.
    expected = F.lp_pool2d(xt.abs(), p_exp, k, s).numpy() / (k * k) ** (1 / p_exp)
    np.testing.assert_allclose(ops.pool2d(x, k, s, mode="lp", p=p_exp), expected, rtol=1e-9)


def test_std_and_lp_pool_ignore_padding():
    x = np.arange(9, dtype=float).reshape(1, 1, 3, 3)
    # Top-left window with padding 1 covers only x[0:2, 0:2] = [[0, 1], [3, 4]].
    assert ops.pool2d(x, 3, 2, 1, "std")[0, 0, 0, 0] == pytest.approx(np.std([0, 1, 3, 4]))
    lp = ops.pool2d(x, 3, 2, 1, "lp", p=2)[0, 0, 0, 0]
    assert lp == pytest.approx(np.sqrt(np.mean([0, 1, 9, 16])))
    assert ops.pool2d(-x, 3, 2, 1, "max")[0, 0, 0, 0] == 0.0


def test_unpool_repeats_cells_and_max_of_unpooled_is_identity():
    pooled = ops.pool2d(SLIDE[None, None], 2)
    up = ops.unpool2d(pooled, 2)
    assert up.shape == (1, 1, 4, 4)
    np.testing.assert_array_equal(up[0, 0, :2, :2], [[5, 5], [5, 5]])
    np.testing.assert_array_equal(ops.pool2d(up, 2), pooled)
    assert ops.unpool2d(pooled, (1, 3)).shape == (1, 1, 2, 6)


def test_extract_windows_is_a_view_of_patches():
    x = np.arange(16.0).reshape(1, 1, 4, 4)
    win = ops.extract_windows(x, 2, stride=2)
    assert win.shape == (1, 1, 2, 2, 2, 2)
    np.testing.assert_array_equal(win[0, 0, 1, 1], [[10, 11], [14, 15]])
    assert not win.flags.writeable


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: ops.conv2d(np.zeros((3, 5, 5)), np.zeros((1, 3, 3, 3))), r"x\[None\]"),
        (lambda: ops.conv2d(np.zeros((1, 3, 5, 5)), np.zeros((1, 2, 3, 3))), "filter depth"),
        (lambda: ops.conv2d(np.zeros((1, 1, 5, 5)), np.zeros((3, 3))), "weight must be 4-D"),
        (lambda: ops.conv2d(np.zeros((1, 1, 2, 2)), np.zeros((1, 1, 3, 3))), "padded input"),
        (
            lambda: ops.conv2d(np.zeros((1, 1, 5, 5)), np.zeros((2, 1, 3, 3)), np.zeros(3)),
            r"bias must have shape \(2,\)",
        ),
        (lambda: ops.pool2d(np.zeros((1, 1, 4, 4)), 2, mode="median"), "mode must be one of"),
        (lambda: ops.pool2d(np.zeros((1, 1, 4, 4)), 2, mode="lp", p=0), "p must be a positive"),
        (lambda: ops.pool2d(np.zeros((4, 4)), 2), r"x\[None, None\]"),
        (
            lambda: ops.locally_connected2d(np.zeros((1, 1, 5, 5)), np.zeros((2, 2, 1, 1, 3, 3))),
            "3x3 output grid",
        ),
        (lambda: ops.pool2d(np.zeros((1, 1, 4, 4), dtype=complex), 2), "real numbers"),
    ],
)
def test_bad_input_raises_clear_errors(call, match):
    with pytest.raises(ValueError, match=match):
        call()
