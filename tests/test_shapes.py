import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from course_lib.shapes import ReceptiveField, conv_output_size, pool_output_size, receptive_field


@pytest.mark.parametrize(
    ("padding", "stride", "expected"),
    # The lecture's four conv_arithmetic cases: 5x5 input, 3x3 filter.
    [(0, 1, 3), (1, 1, 5), (0, 2, 2), (1, 2, 3)],
)
def test_lecture_conv_arithmetic_cases(padding, stride, expected):
    assert conv_output_size(5, 3, stride=stride, padding=padding) == expected
    out = torch.nn.functional.conv2d(
        torch.zeros(1, 1, 5, 5), torch.zeros(1, 1, 3, 3), stride=stride, padding=padding
    )
    assert tuple(out.shape[2:]) == (expected, expected)


def test_pairs_give_pairs_and_ints_give_ints():
    assert conv_output_size(32, 5) == 28
    assert conv_output_size((128, 44), (3, 7), stride=(1, 2), padding=(1, 3)) == (128, 22)
    assert pool_output_size(28, 2) == 14
    assert pool_output_size((80, 15), (1, 3)) == (80, 5)


@given(
    size=st.tuples(st.integers(1, 40), st.integers(1, 40)),
    kernel=st.tuples(st.integers(1, 7), st.integers(1, 7)),
    stride=st.tuples(st.integers(1, 4), st.integers(1, 4)),
    padding=st.tuples(st.integers(0, 3), st.integers(0, 3)),
    dilation=st.tuples(st.integers(1, 3), st.integers(1, 3)),
)
def test_conv_output_size_matches_torch(size, kernel, stride, padding, dilation):
    spans = [d * (k - 1) + 1 for k, d in zip(kernel, dilation, strict=True)]
    fits = all(s <= n + 2 * p for s, n, p in zip(spans, size, padding, strict=True))
    if not fits:
        with pytest.raises(ValueError, match="kernel_size"):
            conv_output_size(size, kernel, stride, padding, dilation)
        return
    out = torch.nn.functional.conv2d(
        torch.zeros(1, 1, *size),
        torch.zeros(1, 1, *kernel),
        stride=stride,
        padding=padding,
        dilation=dilation,
    )
    assert conv_output_size(size, kernel, stride, padding, dilation) == tuple(out.shape[2:])


@given(
    size=st.integers(2, 40),
    kernel=st.integers(1, 6),
    stride=st.one_of(st.none(), st.integers(1, 4)),
    data=st.data(),
)
def test_pool_output_size_matches_torch(size, kernel, stride, data):
    padding = data.draw(st.integers(0, kernel // 2))
    if kernel > size + 2 * padding:
        with pytest.raises(ValueError):
            pool_output_size(size, kernel, stride, padding)
        return
    out = torch.nn.functional.max_pool2d(torch.zeros(1, 1, size, size), kernel, stride, padding)
    assert pool_output_size(size, kernel, stride, padding) == out.shape[-1]


def test_receptive_field_of_stacks():
    # Two (three) 3x3 convolutions see as much as one 5x5 (7x7): the VGG argument.
    assert receptive_field([(3, 1), (3, 1)]) == ReceptiveField(5, 1)
    assert receptive_field([(3, 1)] * 3).size == 7
    # LeNet-5: conv5, pool2, conv5, pool2 -> 16 input pixels per S4 unit, jump 4.
    assert receptive_field([(5, 1), (2, 2), (5, 1), (2, 2)]) == ReceptiveField(16, 4)
    # Dilation grows the field without extra weights.
    assert receptive_field([(3, 1, 1), (3, 1, 2), (3, 1, 4)]) == ReceptiveField(15, 1)
    assert receptive_field([]) == ReceptiveField(1, 1)


def test_receptive_field_matches_gradient_support():
    # The input positions with non-zero gradient for one output unit are its receptive field.
    layers = [(3, 2, 1), (3, 1, 2), (2, 2, 1)]
    convs = [torch.nn.Conv1d(1, 1, k, stride=s, dilation=d, bias=False) for k, s, d in layers]
    for conv in convs:
        torch.nn.init.constant_(conv.weight, 1.0)
    x = torch.ones(1, 1, 64, requires_grad=True)
    y = torch.nn.Sequential(*convs)(x)
    y[0, 0, 2].backward()
    support = torch.nonzero(x.grad[0, 0]).flatten()
    rf = receptive_field(layers)
    assert int(support.max() - support.min() + 1) == rf.size
    assert int(support.min()) == 2 * rf.jump


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: conv_output_size(0, 3), "size must be positive"),
        (lambda: conv_output_size(5, 0), "kernel_size must be positive"),
        (lambda: conv_output_size(5, 3, stride=0), "stride must be positive"),
        (lambda: conv_output_size(5, 3, padding=-1), "padding must be >= 0"),
        (lambda: conv_output_size(5, 7), "larger than the padded input"),
        (lambda: conv_output_size(5, (3, 3, 3)), "pair of ints"),
        (lambda: conv_output_size(5.0, 3), "int or a pair"),
        (lambda: pool_output_size(8, 2, padding=2), "at most half"),
        (lambda: receptive_field([(3,)]), "2 or 3 entries"),
        (lambda: receptive_field([3]), r"\(kernel, stride\)"),
        (lambda: receptive_field([(3, 0)]), "stride must be positive"),
    ],
)
def test_bad_arguments_raise_clear_errors(call, match):
    with pytest.raises(ValueError, match=match):
        call()
