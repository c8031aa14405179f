import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from course_lib.plotting import plot_feature_map, plot_spectrogram  # noqa: E402


def test_plot_spectrogram_draws_the_data_with_time_in_seconds():
    S = np.random.default_rng(0).random((128, 130))
    fig, ax = plt.subplots()
    image = plot_spectrogram(S, sr=22050, hop_length=512, ax=ax)
    np.testing.assert_array_equal(image.get_array(), S)
    assert image.get_extent()[1] == pytest.approx(130 * 512 / 22050)
    assert ax.get_xlabel() == "time (s)"
    plt.close(fig)


def test_plot_feature_map_annotates_values():
    fig, ax = plt.subplots()
    plot_feature_map(np.array([[5, 9], [8, 8]]), ax=ax, annotate=True)
    assert sorted(t.get_text() for t in ax.texts) == ["5", "8", "8", "9"]
    plt.close(fig)
    with pytest.raises(ValueError, match="2-D"):
        plot_feature_map(np.zeros(3))
    with pytest.raises(ValueError, match="n_bins, n_frames"):
        plot_spectrogram(np.zeros((1, 2, 3)))
