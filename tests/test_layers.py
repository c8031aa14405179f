import numpy as np
import pytest
import torch
from torch import nn

from course_lib import ops
from course_lib.layers import LocallyConnected2d, LpPool2d, StdPool2d


def test_locally_connected_from_conv2d_equals_conv():
    torch.manual_seed(0)
    conv = nn.Conv2d(3, 5, (3, 2), stride=(2, 1), padding=(1, 0)).double()
    x = torch.randn(4, 3, 9, 7, dtype=torch.float64)
    lc = LocallyConnected2d.from_conv2d(conv, (9, 7)).double()
    torch.testing.assert_close(lc(x), conv(x))
    assert lc.weight.shape == (5, 6, 5, 3, 3, 2)


def test_locally_connected_matches_numpy_reference_and_is_untied():
    torch.manual_seed(1)
    lc = LocallyConnected2d(2, 3, (6, 5), 3, stride=1, padding=1).double()
    x = torch.randn(2, 2, 6, 5, dtype=torch.float64)
    expected = ops.locally_connected2d(
        x.numpy(), lc.weight.detach().numpy(), lc.bias.detach().numpy(), 1, 1
    )
    np.testing.assert_allclose(lc(x).detach().numpy(), expected, atol=1e-12)
    # Changing the filter of one location changes only that location's output.
    before = lc(x).detach()
    with torch.no_grad():
        lc.weight[2, 3].add_(1.0)
    diff = (lc(x).detach() - before).abs().sum(dim=(0, 1))
    assert diff[2, 3] > 0
    diff[2, 3] = 0
    assert torch.count_nonzero(diff) == 0


def test_locally_connected_gradients_flow():
    lc = LocallyConnected2d(1, 2, 5, 3)
    lc(torch.randn(3, 1, 5, 5)).sum().backward()
    assert lc.weight.grad is not None and lc.weight.grad.abs().sum() > 0


@pytest.mark.parametrize(("k", "s", "p"), [(2, None, 0), (3, 1, 1), ((2, 3), (1, 2), (1, 1))])
def test_std_and_lp_pool_modules_match_ops(k, s, p):
    x = torch.randn(2, 3, 8, 9, dtype=torch.float64)
    np.testing.assert_allclose(
        StdPool2d(k, s, p)(x).numpy(), ops.pool2d(x.numpy(), k, s, p, "std"), atol=1e-7
    )
    np.testing.assert_allclose(
        LpPool2d(3, k, s, p)(x).numpy(), ops.pool2d(x.numpy(), k, s, p, "lp", p=3), rtol=1e-9
    )


def test_lp_pool_is_torch_lppool_divided_by_window_size():
    x = torch.rand(1, 2, 6, 6, dtype=torch.float64)
    ours = LpPool2d(2, 3)(x)
    torch_sum = nn.LPPool2d(2, 3)(x)
    torch.testing.assert_close(ours * 3.0, torch_sum)  # (3*3) ** (1/2) = 3


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: LocallyConnected2d(1, 1, 5, 3)(torch.zeros(1, 2, 5, 5)), "1 input channels"),
        (lambda: LocallyConnected2d(1, 1, 5, 3)(torch.zeros(1, 1, 6, 6)), "input_size"),
        (lambda: LocallyConnected2d(1, 1, 5, 3)(torch.zeros(1, 5, 5)), r"\(N, C, H, W\)"),
        (lambda: LocallyConnected2d(1, 1, 2, 3), "padded input"),
        (lambda: LocallyConnected2d(0, 1, 5, 3), "in_channels must be positive"),
        (lambda: LpPool2d(0, 2), "p must be a positive"),
        (lambda: StdPool2d(2, padding=2), "at most half"),
        (lambda: StdPool2d(2)(torch.zeros(4, 4)), r"\(N, C, H, W\)"),
    ],
)
def test_bad_input_raises_clear_errors(call, match):
    with pytest.raises(ValueError, match=match):
        call()
