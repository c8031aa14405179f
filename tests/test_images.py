import numpy as np
import pytest

from course_lib.images import generate_checkerboard


def test_checkerboard_squares_edges_and_ripple():
    board = generate_checkerboard(32, 8, ripple=0)
    assert board.shape == (32, 32)
    assert board[0, 0] == 0 and board[0, 8] == 1 and board[8, 0] == 1 and board[8, 8] == 0
    assert board.mean() == 0.5
    # edges exactly every 8 pixels along both axes
    assert np.flatnonzero(np.diff(board[0])).tolist() == [7, 15, 23]
    assert np.flatnonzero(np.diff(board[:, 0])).tolist() == [7, 15, 23]
    rippled = generate_checkerboard(32, 8, ripple=0.3)
    np.testing.assert_allclose(rippled - board, np.tile(0.3 * np.sin(np.arange(32) / 3.0), (32, 1)))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"size": 0}, "size must be positive"),
        ({"square": 2.5}, "square must be an int"),
        ({"ripple": float("nan")}, "ripple must be a finite"),
    ],
)
def test_checkerboard_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        generate_checkerboard(**kwargs)
