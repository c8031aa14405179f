import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from torch import nn

from course_lib import params
from course_lib.layers import LocallyConnected2d


def test_lecture_motivation_numbers():
    # 256x256x3 image into 256 hidden units: 50,331,648 weights (+256 biases).
    assert params.dense_params(256 * 256 * 3, 256, bias=False) == 50_331_648
    assert params.dense_params(256 * 256 * 3, 256) == 50_331_648 + 256
    # 128 mel x 128 frames into 256 hidden units.
    assert params.dense_params(128 * 128, 256) == 4_194_560


@given(n_in=st.integers(1, 300), n_out=st.integers(1, 300), bias=st.booleans())
def test_dense_params_match_torch(n_in, n_out, bias):
    assert params.dense_params(n_in, n_out, bias) == params.count_params(
        nn.Linear(n_in, n_out, bias=bias)
    )


@given(
    groups=st.integers(1, 4),
    in_mult=st.integers(1, 4),
    out_mult=st.integers(1, 4),
    k=st.tuples(st.integers(1, 7), st.integers(1, 7)),
    bias=st.booleans(),
)
def test_conv2d_params_match_torch(groups, in_mult, out_mult, k, bias):
    c_in, c_out = groups * in_mult, groups * out_mult
    module = nn.Conv2d(c_in, c_out, k, bias=bias, groups=groups)
    assert params.conv2d_params(c_in, c_out, k, bias, groups) == params.count_params(module)


@given(
    c_in=st.integers(1, 3),
    c_out=st.integers(1, 3),
    size=st.tuples(st.integers(3, 12), st.integers(3, 12)),
    k=st.integers(1, 3),
    stride=st.integers(1, 3),
    padding=st.integers(0, 1),
    bias=st.booleans(),
)
def test_locally_connected_params_match_module(c_in, c_out, size, k, stride, padding, bias):
    layer = LocallyConnected2d(c_in, c_out, size, k, stride, padding, bias)
    expected = params.locally_connected2d_params(c_in, c_out, size, k, stride, padding, bias)
    assert params.count_params(layer) == expected


def test_weight_sharing_saving_is_the_number_of_locations():
    lc = params.locally_connected2d_params(1, 16, 128, 3, padding=1, bias=False)
    conv = params.conv2d_params(1, 16, 3, bias=False)
    assert lc == 128 * 128 * conv


def test_count_params_trainable_and_shared():
    shared = nn.Linear(4, 4)
    model = nn.Sequential(shared, nn.ReLU(), shared, nn.Linear(4, 2))
    assert params.count_params(model) == 20 + 10  # the shared layer counts once
    model[3].weight.requires_grad_(False)
    assert params.count_params(model, trainable_only=True) == 20 + 2


def test_summary_rows_of_a_small_cnn():
    model = nn.Sequential(
        nn.Conv2d(1, 6, 5),
        nn.Tanh(),
        nn.AvgPool2d(2),
        nn.Flatten(),
        nn.Linear(6 * 14 * 14, 10),
    )
    table = params.summary(model, (2, 1, 32, 32))
    assert [r.type for r in table] == ["Conv2d", "Tanh", "AvgPool2d", "Flatten", "Linear"]
    assert [r.output_shape for r in table] == [
        (2, 6, 28, 28),
        (2, 6, 28, 28),
        (2, 6, 14, 14),
        (2, 1176),
        (2, 10),
    ]
    assert [r.params for r in table] == [156, 0, 0, 0, 11770]
    assert table.total_params == params.count_params(model) == 156 + 11770
    assert table.output_shape == (2, 10)
    text = str(table)
    assert "Conv2d" in text and "11,770" in text and "Total params: 11,926" in text
    assert model.training  # summary restores the training mode


def test_summary_counts_modules_with_own_parameters_and_children():
    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.scale = nn.Parameter(torch.ones(3))
            self.conv = nn.Conv2d(3, 3, 1)

        def forward(self, x):
            return self.conv(x) * self.scale[:, None, None]

    table = params.summary(Block(), (1, 3, 4, 4))
    assert sum(r.params for r in table) == table.total_params == 3 + 12


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: params.dense_params(0, 3), "in_features must be positive"),
        (lambda: params.dense_params(3, 2.5), "out_features must be an int"),
        (lambda: params.conv2d_params(3, 4, 3, groups=2), "divisible by groups"),
        (lambda: params.conv2d_params(3, 4, (3, 3, 3)), "kernel_size"),
        (lambda: params.locally_connected2d_params(1, 1, 2, 3), "padded input"),
        (lambda: params.count_params("model"), "torch.nn.Module"),
        (lambda: params.summary(nn.Linear(3, 2), (1, 0)), "input_shape"),
        (lambda: params.summary(nn.Linear(3, 2), (1, 5)), "could not run"),
    ],
)
def test_bad_input_raises_clear_errors(call, match):
    with pytest.raises(ValueError, match=match):
        call()
