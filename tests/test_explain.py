import numpy as np
import pytest
import torch

from course_lib import audio, explain
from course_lib.data import load_example
from course_lib.models import tagging


@pytest.fixture(scope="module")
def fcn():
    torch.manual_seed(0)
    return tagging.fcn(num_classes=4, width=4).eval()


def test_top_k_regions_hand_checked():
    curve = [0, 1, 5, 1, 0, 0, 3, 0, 0, 4, 0]
    assert explain.top_k_regions(curve, k=3, width=3) == [(1, 4, 5.0), (8, 11, 4.0), (5, 8, 3.0)]
    assert explain.top_k_regions(curve, k=1, width=3) == [(1, 4, 5.0)]
    # peaks at 4 and 5 would give windows overlapping [0, 4); 6's window [4, 8) is the next
    assert explain.top_k_regions([1, 5, 1, 1, 3, 1, 1, 1], k=3, width=4) == [
        (0, 4, 5.0),
        (4, 8, 1.0),
    ]
    assert explain.top_k_regions([0, 0, 0], k=2, width=1) == []  # a silent filter: nothing


def test_activation_over_time_stretches_the_max_over_frequency():
    A = np.array([[0, 1], [2, 0]])  # (n_freq=2, n_time=2)
    np.testing.assert_array_equal(explain.activation_over_time(A, 4), [2, 2, 1, 1])
    np.testing.assert_array_equal(explain.activation_over_time(A, 3), [2, 2, 1])
    np.testing.assert_array_equal(explain.activation_over_time(np.array([3, 4, 5]), 3), [3, 4, 5])


def test_extract_excerpts_with_fades_and_gaps():
    out = explain.extract_excerpts(np.ones(100), 10, [(0, 1), (5, 6)], fade=0.2, gap=0.5)
    piece = [0, 1, 1, 1, 1, 1, 1, 1, 1, 0]  # 10 samples, 2-sample linear fades
    np.testing.assert_allclose(out, piece + [0] * 5 + piece)
    assert explain.extract_excerpts(np.ones(10), 10, []).size == 0


def test_activations_equal_the_rectified_convolution():
    torch.manual_seed(1)
    model = tagging.FCN(3, width=4).eval()  # no front end: spectrogram input
    X = torch.randn(96, 40)
    A = explain.compute_activations(model, X.numpy(), "features.0")
    conv = model.features[0]
    expected = torch.relu(conv(X[None, None]))[0].detach().numpy()
    np.testing.assert_allclose(A, expected, rtol=1e-5, atol=1e-6)
    assert A.shape == (4, 96, 40)
    raw = explain.compute_activations(model, X.numpy(), "features.0", rectify=False)
    assert raw.min() < 0 and np.allclose(np.maximum(raw, 0), A, atol=1e-6)
    np.testing.assert_allclose(
        explain.filter_weights(model, "features.0", 2), conv.weight[2].mean(0).detach().numpy()
    )


def test_explain_filter_on_a_tagger(fcn):
    y, sr = load_example("scale")
    assert list(explain.conv_layers(fcn)) == [f"features.{4 * i}" for i in range(5)]
    assert explain.describe_layer(fcn, "features.4") == "features.4: Conv2d 4->8, kernel 3x3"
    e = explain.explain_filter(fcn, y, sr, "features.4", 1, k=2, region_seconds=0.5)
    n_frames = 1 + len(y) // 512
    assert e.S.shape == (96, n_frames) and e.curve.shape == (n_frames,)
    assert e.A.shape == (48, (n_frames + 3) // 4)  # after one 2x4 max pooling (ceil mode)
    assert 1 <= len(e.regions) <= 2
    width = round(0.5 * sr / 512) * 512 / sr
    for start, end, peak in e.regions:
        assert 0 <= start < end <= len(y) / sr + 1e-9 and end - start == pytest.approx(width)
        assert peak == pytest.approx(e.curve[int(round(start * sr / 512)) :].max(), rel=1)
    assert peak <= e.regions[0][2]
    gaps = int(0.2 * sr) * (len(e.regions) - 1)
    assert abs(e.excerpts.size - gaps - sum(round((b - a) * sr) for a, b, _ in e.regions)) <= 2
    assert e.times[1] == pytest.approx(512 / sr)


def test_sonify_masks_the_spectrogram_then_inverts(monkeypatch):
    seen = []
    monkeypatch.setattr(audio, "mel_to_audio", lambda S, *args: seen.append(S) or np.zeros(3))
    S = np.arange(1.0, 9.0).reshape(4, 2)
    explain.sonify_activation(S, np.ones((3, 5)), 22050)
    np.testing.assert_allclose(seen[-1], S)  # a flat map keeps everything
    explain.sonify_activation(S, np.array([[1.0, 0.0], [0.0, 2.0]]), 22050)
    mask = np.array([[1, 0], [1, 0], [0, 2], [0, 2]]) / 2  # stretched to 4 bands, max -> 1
    np.testing.assert_allclose(seen[-1], S * mask)
    explain.sonify_activation(np.ones((2, 4)), np.array([0.0, -1.0, 3.0]), 22050)
    np.testing.assert_allclose(seen[-1], [[0, 0, 0, 1]] * 2)  # 1-D map, rectified, every band
    monkeypatch.undo()
    y, sr = load_example("chords")
    S = audio.melspectrogram(y[: sr // 2], sr, n_fft=1024, hop_length=512, n_mels=32)
    z = explain.sonify_activation(S, np.ones(4), sr, 1024, 512, n_iter=2)
    assert z.shape == (512 * (S.shape[1] - 1),) and np.abs(z).max() > 0


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda m: explain.compute_activations(m, np.zeros(4000), "nope"), "not a conv layer"),
        (lambda m: explain.explain_filter(m, np.zeros(4000), 22050, "features.0", 4), "0..3"),
        (lambda m: explain.explain_filter(m, np.zeros((2, 9)), 22050, "features.0", 0), "mono"),
        (lambda m: explain.filter_weights(m, "features.0", -1), r"\[0, 4\)"),
        (lambda m: explain.top_k_regions(np.zeros((2, 2))), "1-D"),
        (lambda m: explain.top_k_regions(np.zeros(3), k=0), "positive"),
        (lambda m: explain.activation_over_time(np.zeros((1, 2, 3)), 4), "one filter"),
        (lambda m: explain.extract_excerpts(np.ones(10), 10, [(2, 3)]), "outside"),
        (lambda m: explain.sonify_activation(np.ones(3), np.ones(3)), "mel spectrogram"),
        (lambda m: explain.conv_layers(torch.nn.Linear(2, 2)), "no Conv1d"),
        (
            lambda m: explain.compute_activations(tagging.FCN(2), np.zeros(4000), "features.0"),
            "no front end",
        ),
    ],
)
def test_bad_input(fcn, call, match):
    with pytest.raises(ValueError, match=match):
        call(fcn)
