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


def test_plot_spectrogram_frequency_axes():
    fig, axes = plt.subplots(1, 3)
    S = np.zeros((1025, 20))
    image = plot_spectrogram(S, 22050, 512, ax=axes[0], y_axis="linear", colorbar=False)
    assert image.get_extent()[3] == pytest.approx(11025)
    assert axes[0].get_ylabel() == "frequency (Hz)"
    # mel: 128 bands from 0 to 11025 Hz; 1024 Hz sits where librosa puts that band centre
    import librosa

    plot_spectrogram(np.zeros((128, 20)), 22050, 512, ax=axes[1], y_axis="mel", colorbar=False)
    labels = [t.get_text() for t in axes[1].get_yticklabels()]
    pos = dict(zip(labels, axes[1].get_yticks()))
    centres = librosa.mel_frequencies(130, fmax=11025)[1:-1]
    k = int(pos["1024"] - 0.5)  # the tick sits at the centre of fractional band index k + 0.5
    assert centres[k] <= 1024 <= centres[k + 1]
    # CQT from C1 at 12 bins per octave: C4 is 36 bins up (drawn at the bin centre)
    plot_spectrogram(np.zeros((84, 20)), 22050, 512, ax=axes[2], y_axis="cqt_note", colorbar=False)
    ticks = dict(zip([t.get_text() for t in axes[2].get_yticklabels()], axes[2].get_yticks()))
    assert ticks["C4"] == pytest.approx(36.5, abs=0.01) and ticks["C1"] == pytest.approx(
        0.5, abs=0.01
    )
    plt.close(fig)
    with pytest.raises(ValueError, match="y_axis must be one of"):
        plot_spectrogram(S, y_axis="log")
    with pytest.raises(ValueError, match="hop_length"):
        plot_spectrogram(S, 22050, 0)


def test_waveform_onsets_f0_and_pianoroll_draw_their_data():
    from course_lib.plotting import plot_f0, plot_onsets, plot_pianoroll, plot_waveform

    fig, ax = plt.subplots()
    y = np.sin(np.arange(100) / 5.0)
    line = plot_waveform(y, sr=50, ax=ax)
    np.testing.assert_allclose(line.get_xdata(), np.arange(100) / 50)
    np.testing.assert_array_equal(line.get_ydata(), y)
    lines = plot_onsets([0.5, 1.25], ax=ax)
    assert [ln.get_xdata()[0] for ln in lines] == [0.5, 1.25]
    f0_line = plot_f0(np.array([0.0, 0.01, 0.02]), np.array([0.0, 440.0, 441.0]), ax=ax)
    ydata = f0_line.get_ydata()
    assert np.isnan(ydata[0]) and ydata[1:].tolist() == [440.0, 441.0]
    bars = plot_pianoroll([[0.0, 0.5, 60], [0.25, 1.0, 64]], ax=ax)
    rects = [(r.get_x(), r.get_width(), r.get_y() + r.get_height() / 2) for r in bars]
    np.testing.assert_allclose(rects, [(0.0, 0.5, 60), (0.25, 0.75, 64)])
    plt.close(fig)
    with pytest.raises(ValueError, match="to_mono"):
        plot_waveform(np.zeros((10, 2)))
    with pytest.raises(ValueError, match="same length"):
        plot_f0(np.zeros(3), np.zeros(4))
    with pytest.raises(ValueError, match="onset_s, offset_s, midi_pitch"):
        plot_pianoroll([[0.0, 1.0]])
