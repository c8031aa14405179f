"""Batch normalisation, dropout and global pooling: the NumPy references of ``ops`` against
torch, and the measurements of ``course_lib.lecture.training_tricks``."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from course_lib import ops, params
from course_lib.lecture.training_tricks import (
    SmallCNN,
    dropout_statistics,
    running_statistics,
)


def _batch(seed=0, shape=(4, 3, 5, 6)):
    rng = np.random.default_rng(seed)
    # channels with different means and scales, so a per-channel bug cannot hide
    return rng.standard_normal(shape) * [[[[1.0]], [[3.0]], [[0.2]]]] + [
        [[[0.0]], [[5.0]], [[-2.0]]]
    ]


def test_batch_norm_by_hand_on_a_tiny_batch():
    x = np.arange(8.0).reshape(2, 1, 2, 2)  # one channel: values 0..7, mean 3.5, var 5.25
    y = ops.batch_norm(x, eps=0.0)
    np.testing.assert_allclose(y.ravel(), (np.arange(8.0) - 3.5) / np.sqrt(5.25))
    y = ops.batch_norm(x, weight=np.array([2.0]), bias=np.array([1.0]), eps=0.0)
    np.testing.assert_allclose(y.ravel(), 2 * (np.arange(8.0) - 3.5) / np.sqrt(5.25) + 1)


def test_batch_norm_normalises_each_channel_over_n_h_w():
    y = ops.batch_norm(_batch(), eps=0.0)
    np.testing.assert_allclose(y.mean(axis=(0, 2, 3)), 0, atol=1e-12)
    np.testing.assert_allclose(y.var(axis=(0, 2, 3)), 1, rtol=1e-12)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_batch_norm_matches_torch_in_train_and_eval_mode(seed):
    x = _batch(seed)
    rng = np.random.default_rng(seed + 10)
    gamma, beta = rng.standard_normal(3), rng.standard_normal(3)
    bn = nn.BatchNorm2d(3).double()
    with torch.no_grad():
        bn.weight.copy_(torch.from_numpy(gamma))
        bn.bias.copy_(torch.from_numpy(beta))
    out = bn.train()(torch.from_numpy(x)).detach().numpy()
    np.testing.assert_allclose(ops.batch_norm(x, gamma, beta), out, atol=1e-10)
    # eval mode uses the running statistics, not the batch's
    mean, var = bn.running_mean.numpy(), bn.running_var.numpy()
    out_eval = bn.eval()(torch.from_numpy(x)).detach().numpy()
    np.testing.assert_allclose(
        ops.batch_norm(x, gamma, beta, mean=mean, var=var), out_eval, atol=1e-10
    )
    assert not np.allclose(out_eval, out)
    functional = F.batch_norm(torch.from_numpy(x), None, None, training=True, eps=1e-3)
    np.testing.assert_allclose(ops.batch_norm(x, eps=1e-3), functional.numpy(), atol=1e-10)


@pytest.mark.parametrize("momentum", [0.1, 0.5, 1.0])
def test_running_statistics_match_torch(momentum):
    batches = [_batch(seed) for seed in range(4)]
    bn = nn.BatchNorm2d(3, momentum=momentum).double().train()
    for b in batches:
        bn(torch.from_numpy(b))
    mean, var = running_statistics(batches, momentum=momentum)
    np.testing.assert_allclose(mean, bn.running_mean.numpy(), rtol=1e-10)
    np.testing.assert_allclose(var, bn.running_var.numpy(), rtol=1e-10)


def test_running_statistics_by_hand():
    x = np.arange(8.0).reshape(2, 1, 2, 2)  # mean 3.5, unbiased var 6
    mean, var = running_statistics([x], momentum=0.1)
    np.testing.assert_allclose(mean, [0.35])
    np.testing.assert_allclose(var, [0.9 * 1 + 0.1 * 6])


def test_dropout_reference_rule_and_torch_share_it():
    x = np.linspace(1, 2, 10_000)
    y = ops.dropout(x, 0.25, seed=3)
    kept = y != 0
    np.testing.assert_allclose(y[kept], x[kept] / 0.75)
    assert abs((~kept).mean() - 0.25) < 0.02
    assert ops.dropout(x, 0.25, training=False) is x
    np.testing.assert_array_equal(ops.dropout(x, 0.25, seed=3), y)  # a seed repeats the mask
    torch.manual_seed(0)
    t = F.dropout(torch.from_numpy(x), 0.25, training=True).numpy()
    np.testing.assert_allclose(t[t != 0], x[t != 0] / 0.75)


@pytest.mark.parametrize("p", [0.0, 0.2, 0.5, 0.8])
def test_dropout_statistics_measure_torch(p):
    stats = dropout_statistics(p, n=50_000, seed=1)
    assert abs(stats.dropped - p) < 4 * np.sqrt(p * (1 - p) / 50_000) + 1e-12
    assert stats.kept_value == pytest.approx(1 / (1 - p), rel=1e-6)
    assert abs(stats.train_mean - 1) < 0.05
    assert stats.eval_changed == 0


def test_dropout_statistics_leave_the_global_generator_alone():
    torch.manual_seed(5)
    expected = torch.rand(3)
    torch.manual_seed(5)
    dropout_statistics(0.5, n=100)
    torch.testing.assert_close(torch.rand(3), expected)


@pytest.mark.parametrize("mode", ["avg", "max"])
def test_global_pool_matches_torch_for_any_size(mode):
    pool = nn.AdaptiveAvgPool2d(1) if mode == "avg" else nn.AdaptiveMaxPool2d(1)
    for h, w in [(1, 1), (8, 8), (5, 27)]:
        x = np.random.default_rng(h * w).standard_normal((2, 4, h, w))
        out = ops.global_pool2d(x, mode)
        assert out.shape == (2, 4)
        np.testing.assert_allclose(out, pool(torch.from_numpy(x)).flatten(1).numpy())


def test_global_average_by_hand():
    x = np.arange(6.0).reshape(1, 1, 2, 3)
    assert ops.global_pool2d(x)[0, 0] == 2.5 and ops.global_pool2d(x, "max")[0, 0] == 5


def test_small_cnn_heads_parameter_counts():
    flat = SmallCNN(10, head="flatten", input_size=(128, 128))
    avg = SmallCNN(10, head="avg")
    assert params.count_params(flat.head) == params.dense_params(128 * 8 * 8, 10) == 81_930
    assert params.count_params(avg.head) == params.dense_params(128, 10) == 1_290
    assert params.count_params(flat.body) == params.count_params(avg.body)
    x = torch.randn(2, 1, 128, 128)
    assert flat(x).shape == avg(x).shape == (2, 10)
    # global pooling takes any length; the flatten head only the one it was built for
    for frames in (64, 431):
        assert avg(torch.randn(1, 1, 128, frames)).shape == (1, 10)
        assert avg.embedding(torch.randn(1, 1, 128, frames)).shape == (1, 128)
    with pytest.raises(RuntimeError):
        flat(torch.randn(1, 1, 128, 431))


def test_small_cnn_batch_norm_switch():
    with_bn = SmallCNN(3, channels=(4, 4, 4, 4), batch_norm=True)
    without = SmallCNN(3, channels=(4, 4, 4, 4), batch_norm=False)
    assert sum(isinstance(m, nn.BatchNorm2d) for m in with_bn.modules()) == 4
    assert not any(isinstance(m, nn.BatchNorm2d) for m in without.modules())
    # each BN adds gamma and beta (2 x 4) and makes the conv bias (4) redundant
    assert params.count_params(with_bn) - params.count_params(without) == 4 * (8 - 4)
    model = SmallCNN(3, dropout=0.5, head="max")
    assert isinstance(model.head[0], nn.AdaptiveMaxPool2d)
    assert isinstance(model.head[2], nn.Dropout) and model.head[2].p == 0.5


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: ops.batch_norm(np.zeros((2, 3))), "4-D"),
        (lambda: ops.batch_norm(np.zeros((2, 3, 2, 2)), weight=np.ones(2)), "weight"),
        (lambda: ops.batch_norm(np.zeros((2, 3, 2, 2)), mean=np.zeros(3)), "mean and var"),
        (lambda: ops.batch_norm(np.zeros((1, 3, 1, 1))), "more than one value"),
        (lambda: ops.batch_norm(np.zeros((2, 1, 2, 2)), mean=[0.0], var=[-1.0]), "var"),
        (lambda: ops.batch_norm(np.zeros((2, 1, 2, 2)), eps=-1), "eps"),
        (lambda: ops.dropout(np.zeros(3), p=1.0), "p must be"),
        (lambda: ops.dropout(np.zeros(3), p=-0.1), "p must be"),
        (lambda: ops.global_pool2d(np.zeros((1, 1, 2, 2)), "std"), "mode"),
        (lambda: ops.global_pool2d(np.zeros((1, 2))), "4-D"),
        (lambda: running_statistics([], 0.1), "empty"),
        (lambda: running_statistics([np.zeros((2, 1, 2, 2))], 0), "momentum"),
        (lambda: running_statistics([np.zeros((2, 1, 2, 2)), np.zeros((2, 2, 2, 2))]), "channels"),
        (lambda: dropout_statistics(1.5), "p must be"),
        (lambda: dropout_statistics(0.5, n=0), "n must be"),
        (lambda: SmallCNN(10, head="flatten"), "input_size"),
        (lambda: SmallCNN(10, head="mean"), "head"),
        (lambda: SmallCNN(10, channels=(8, 8)), "channels"),
        (lambda: SmallCNN(10, dropout=1.0), "dropout"),
        (lambda: SmallCNN(10, head="flatten", input_size=(8, 128)), "input_size"),
    ],
)
def test_bad_input_raises_clear_errors(call, match):
    with pytest.raises(ValueError, match=match):
        call()
