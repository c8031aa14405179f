import numpy as np
import pytest
import torch

from course_lib import audio, params
from course_lib.data import load_example
from course_lib.models import tagging


@pytest.mark.parametrize("builder", [tagging.fcn, tagging.short_chunk_cnn, tagging.musicnn])
def test_audio_and_spectrogram_inputs_give_logits(builder):
    torch.manual_seed(0)
    model = builder(num_classes=7).eval()
    y = torch.randn(3, 22050 * 3)
    with torch.no_grad():
        logits = model(y)
        S = model.frontend(y)
        assert S.shape == (3, 1, 96, 1 + 22050 * 3 // 512)
        torch.testing.assert_close(model(S), logits)  # the same network after the front end
    assert logits.shape == (3, 7)
    assert params.count_params(model) == params.summary(model, (2, 22050 * 3)).total_params


def test_frontend_matches_course_melspectrogram():
    fe = tagging.LogMelFrontEnd(22050, n_fft=1024, hop_length=512, n_mels=96)
    y, sr = load_example("scale")
    mel = audio.melspectrogram(y, sr, n_fft=1024, hop_length=512, n_mels=96)
    with torch.no_grad():
        raw = torch.log1p(10 * fe.mel(torch.from_numpy(y)[None]))[0].numpy()
    np.testing.assert_allclose(raw, np.log1p(10 * mel), rtol=1e-4, atol=1e-5)


def test_models_differ_in_size_as_configured():
    small = params.count_params(tagging.ShortChunkResCNN(10, width=16, num_blocks=4))
    large = params.count_params(tagging.ShortChunkResCNN(10, width=32, num_blocks=4))
    assert large > 3 * small
    # the musicnn front end: a vertical filter spans 40% of the mel axis
    m = tagging.Musicnn(10, n_mels=96)
    assert m.vertical[0][0].kernel_size[0] == 39 and m.horizontal[0][0].kernel_size == (1, 33)


def test_tagger_learns_a_separable_toy_problem():
    torch.manual_seed(0)
    # class 0: energy in low bands, class 1: energy in high bands
    X = torch.randn(32, 1, 96, 64) * 0.1
    y = torch.arange(32) % 2
    X[y == 0, :, :30] += 1.0
    X[y == 1, :, 60:] += 1.0
    model = tagging.ShortChunkResCNN(2, width=8, num_blocks=3)
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    for _ in range(40):
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(X), y)
        loss.backward()
        opt.step()
    model.eval()
    assert (model(X).argmax(1) == y).float().mean() >= 0.9  # chance: 0.5


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: tagging.FCN(3)(torch.zeros(2, 1000)), "no audio front end"),
        (lambda: tagging.fcn(num_classes=3)(torch.zeros(2, 3, 96, 50)), r"\(N, 1, n_mels"),
        (lambda: tagging.Musicnn(3, n_mels=96)(torch.zeros(2, 1, 64, 50)), "96 mel bands"),
        (lambda: tagging.LogMelFrontEnd()(torch.zeros(2, 1, 100)), "n_samples"),
        (lambda: tagging.ShortChunkResCNN(3, num_blocks=0), "num_blocks"),
    ],
)
def test_bad_input(call, match):
    with pytest.raises(ValueError, match=match):
        call()
