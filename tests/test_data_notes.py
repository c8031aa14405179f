import numpy as np
import pytest

from course_lib.data.notes import INSTRUMENTS, make_note_patches


@pytest.fixture(scope="module")
def patches():
    return make_note_patches(n_per_class=8, instruments=["piano", "flute", "bass"], seed=1)


def test_shapes_labels_and_standardisation(patches):
    assert patches.X.shape == (24, 1, 32, 32) and patches.X.dtype == np.float32
    assert patches.y.tolist() == [0] * 8 + [1] * 8 + [2] * 8
    assert patches.classes == ["piano", "flute", "bass"]
    np.testing.assert_allclose(patches.X.mean(axis=(1, 2, 3)), 0, atol=1e-4)
    np.testing.assert_allclose(patches.X.std(axis=(1, 2, 3)), 1, atol=1e-3)
    assert patches.pitch.min() == 48 and patches.pitch.max() == 84


def test_deterministic(patches):
    again = make_note_patches(n_per_class=8, instruments=["piano", "flute", "bass"], seed=1)
    np.testing.assert_array_equal(patches.X, again.X)


def test_split_holds_out_pitches(patches):
    train, test = patches.split_by_pitch(4)
    assert len(train) + len(test) == len(patches)
    assert set(train.pitch.tolist()).isdisjoint(test.pitch.tolist())
    assert (test.pitch % 4 == 0).all()
    with pytest.raises(ValueError, match="test_every"):
        patches.split_by_pitch(1)


def test_pitch_moves_the_energy_up(patches):
    # Higher notes put their energy in higher mel bands (rows): a label sanity check.
    piano = patches.X[patches.y == 0, 0]
    centroid = (piano.clip(0) * np.arange(32)[:, None]).sum(axis=(1, 2)) / piano.clip(0).sum(
        axis=(1, 2)
    )
    assert np.corrcoef(centroid, patches.pitch[patches.y == 0])[0, 1] > 0.8


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"instruments": ["kazoo"]}, "unknown instruments"),
        ({"n_per_class": 0}, "n_per_class"),
        ({"pitch_range": (90, 40)}, "pitch_range"),
    ],
)
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        make_note_patches(**kwargs)


def test_ten_instruments_by_default():
    assert len(INSTRUMENTS) == 10
