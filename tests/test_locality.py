import pytest
import torch

from course_lib.locality import output_length, receptive_field_region, receptive_field_region_2d
from course_lib.shapes import receptive_field


def _support(layers, size, index):
    """Input indices with non-zero gradient for output unit ``index`` (torch as reference)."""
    convs = [
        torch.nn.Conv1d(1, 1, k, stride=s, padding=p, dilation=d, bias=False)
        for k, s, p, d in layers
    ]
    for c in convs:
        torch.nn.init.constant_(c.weight, 1.0)
    x = torch.ones(1, 1, size, requires_grad=True)
    torch.nn.Sequential(*convs)(x)[0, 0, index].backward()
    nz = torch.nonzero(x.grad[0, 0]).flatten()
    return int(nz.min()), int(nz.max()) + 1


@pytest.mark.parametrize(
    ("layers", "index"),
    [
        ([(3, 1, 0, 1), (3, 1, 0, 1)], 4),
        ([(5, 1, 0, 1), (2, 2, 0, 1), (5, 1, 0, 1), (2, 2, 0, 1)], 3),
        ([(3, 2, 1, 1), (3, 1, 0, 2)], 0),
        ([(3, 2, 1, 1), (3, 1, 1, 2)], 7),
    ],
)
def test_region_matches_gradient_support(layers, index):
    assert receptive_field_region(layers, index, 40) == _support(layers, 40, index)


def test_region_size_is_the_receptive_field_away_from_borders():
    layers = [(3, 1, 0), (2, 2, 0), (3, 1, 0)]
    start, stop = receptive_field_region(layers, 5, 64)
    rf = receptive_field([(3, 1), (2, 2), (3, 1)])
    assert stop - start == rf.size and start == 5 * rf.jump


def test_output_length_and_errors():
    assert output_length(32, [(5, 1, 0), (2, 2, 0)]) == [32, 28, 14]
    with pytest.raises(ValueError, match="outside the output"):
        receptive_field_region([(3, 1, 0)], 8, 10)
    with pytest.raises(ValueError, match="1 to 4 entries"):
        receptive_field_region([(3, 1, 0, 1, 9)], 0, 10)
    with pytest.raises(ValueError, match="stride must be positive"):
        output_length(10, [(3, 0)])


def test_region_2d_matches_gradient_support_of_conv2d():
    # a 1-D temporal filter (1x5), a 2x2 pool, a dilated 3x3: rectangular regions
    layers = [((1, 5), 1, (0, 2)), (2, 2, 0), (3, 1, 1, 2)]
    convs = [
        torch.nn.Conv2d(1, 1, k, stride=s, padding=p, dilation=d, bias=False)
        for k, s, p, d in [((1, 5), 1, (0, 2), 1), (2, 2, 0, 1), (3, 1, 1, 2)]
    ]
    for c in convs:
        torch.nn.init.constant_(c.weight, 1.0)
    x = torch.ones(1, 1, 24, 40, requires_grad=True)
    out = torch.nn.Sequential(*convs)(x)
    region = receptive_field_region_2d(layers, (5, 9), (24, 40))
    assert region.output_shape == tuple(out.shape[2:]) == (10, 18)
    out[0, 0, 5, 9].backward()
    rows, cols = torch.nonzero(x.grad[0, 0], as_tuple=True)
    assert region.rows == (int(rows.min()), int(rows.max()) + 1)
    assert region.cols == (int(cols.min()), int(cols.max()) + 1)
    assert region.size == (receptive_field([(1, 1), (2, 2), (3, 1, 2)]).size, 1 + 4 + 1 + 8)
    assert region.jump == (2, 2) and region.unit == (5, 9)


def test_region_2d_errors():
    with pytest.raises(ValueError, match="unit row=6 is outside the output"):
        receptive_field_region_2d([(3, 1, 0)], (6, 0), (8, 8))
    with pytest.raises(ValueError, match=r"unit must be \(row, col\)"):
        receptive_field_region_2d([(3, 1, 0)], 3, (8, 8))
    with pytest.raises(ValueError, match="kernel must be an int or a pair"):
        receptive_field_region_2d([((3, 3, 3), 1, 0)], (0, 0), (8, 8))
    with pytest.raises(ValueError, match="padding must be >= 0"):
        receptive_field_region_2d([(3, 1, -1)], (0, 0), (8, 8))
