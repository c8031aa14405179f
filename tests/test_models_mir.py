"""Shapes and parameter counts of the event- and frame-level MIR models vs the papers."""

import numpy as np
import pytest
import torch

from course_lib import params
from course_lib.models.instrument import ActivityCNN, InstrumentCNN
from course_lib.models.onset import OnsetCNN
from course_lib.models.pitch import (
    CREPE,
    N_BINS,
    bin_cents,
    cents_to_hz,
    decode_cents,
    hz_to_cents,
    viterbi_bins,
)
from course_lib.models.salience import DeepSalience, deep_salience


def test_onset_cnn_is_the_papers_architecture():
    # Schlüter & Böck 2014: 3@80x15 -> conv 10@7x3 (time x freq) -> pool 1x3 -> conv 20@3x3
    # -> pool 1x3 -> dense 256 -> 1; our layout is (bands, frames)
    table = params.summary(OnsetCNN(), (2, 3, 80, 15))
    shapes = {r.name: r.output_shape for r in table}
    assert shapes["features.0"] == (2, 10, 78, 9)
    assert shapes["features.2"] == (2, 10, 26, 9)
    assert shapes["features.3"] == (2, 20, 24, 7)
    assert shapes["features.5"] == (2, 20, 8, 7)
    assert shapes["classifier.2"] == (2, 256)
    assert table.output_shape == (2,)
    # 3*10*21+10 + 10*20*9+20 + 1120*256+256 + 257
    assert params.count_params(OnsetCNN()) == 640 + 1820 + 286976 + 257
    model = OnsetCNN().eval()
    with torch.no_grad():
        S = torch.randn(3, 80, 40)
        seq = model.forward_sequence(S, batch_size=7)
        assert seq.shape == (40,)
        # frame 20 of the sequence equals the model on the excerpt centred there
        torch.testing.assert_close(seq[20], model(S[None, :, :, 13:28])[0])
    with pytest.raises(ValueError, match="forward_sequence"):
        model(torch.zeros(1, 3, 80, 20))
    with pytest.raises(ValueError, match="spectrogram"):
        model.forward_sequence(torch.zeros(1, 80, 40))


@pytest.mark.parametrize(
    ("capacity", "published", "expected"),
    [("tiny", 0.49e6, 486_552), ("full", 22.2e6, 22_239_976)],
)
def test_crepe_parameter_counts_match_the_paper(capacity, published, expected):
    model = CREPE(capacity)
    n = params.count_params(model)
    assert n == expected
    assert abs(n - published) / published < 0.01  # Kim et al. 2018: 22.2 M and 0.49 M


def test_crepe_shapes_and_same_padding():
    model = CREPE("tiny").eval()
    table = params.summary(model, (3, 1024))
    out = [r.output_shape for r in table if r.name.endswith(".3")]  # the max-pools
    assert [s[-1] for s in out] == [128, 64, 32, 16, 8, 4]
    assert table.output_shape == (3, N_BINS)
    x = CREPE.normalise(torch.randn(5, 1024) * 3 + 1)
    torch.testing.assert_close(x.mean(1), torch.zeros(5), atol=1e-5, rtol=0)
    torch.testing.assert_close(x.std(1), torch.ones(5), atol=1e-5, rtol=0)
    with pytest.raises(ValueError, match="1024"):
        model(torch.zeros(2, 512))
    with pytest.raises(ValueError, match="capacity"):
        CREPE("huge")


def test_pitch_bins_and_decoding():
    f = cents_to_hz(bin_cents())
    assert f[0] == pytest.approx(31.70, abs=0.01)  # CREPE's grid: 31.7 Hz ...
    assert f[-1] == pytest.approx(2005.5, abs=0.5)  # ... to 2005.5 Hz in 20-cent steps
    np.testing.assert_allclose(hz_to_cents(cents_to_hz([3000.0, 6000.0])), [3000, 6000])
    assert hz_to_cents(0.0) == 0.0
    # a Gaussian bump centred between two bins decodes to its centre (weighted average)
    true = bin_cents()[100] + 7.0
    act = np.exp(-((bin_cents() - true) ** 2) / (2 * 25.0**2))[None, :]
    act[0, 160] = 0.9  # a second peak an octave up: outside the radius, ignored
    assert decode_cents(act)[0] == pytest.approx(true, abs=0.5)
    with pytest.raises(ValueError, match="360"):
        decode_cents(np.zeros((4, 100)))
    with pytest.raises(ValueError, match="centre"):
        decode_cents(np.ones((4, N_BINS)), centre=np.zeros(3, int))


def _brute_force_viterbi(act: np.ndarray, max_step: int) -> np.ndarray:
    """The textbook O(n K^2) Viterbi with the transition viterbi_bins documents."""
    obs = np.log(np.maximum(act / act.sum(1, keepdims=True), 1e-12))
    d = np.abs(np.arange(N_BINS)[:, None] - np.arange(N_BINS)[None, :])
    with np.errstate(divide="ignore"):
        move = np.log(np.maximum(max_step + 1 - d, 0) / (max_step + 1) ** 2)
    score, back = obs[0], []
    for t in range(1, len(act)):
        cand = score[:, None] + move
        back.append(cand.argmax(0))
        score = cand.max(0) + obs[t]
    path = [int(score.argmax())]
    for b in reversed(back):
        path.append(int(b[path[-1]]))
    return np.array(path[::-1])


def test_viterbi_matches_the_textbook_recursion():
    rng = np.random.default_rng(0)
    act = rng.random((12, N_BINS)) ** 8  # peaky, with many competing bins
    for max_step in (3, 11):
        np.testing.assert_array_equal(
            viterbi_bins(act, max_step), _brute_force_viterbi(act, max_step)
        )
    with pytest.raises(ValueError, match="max_step"):
        viterbi_bins(act, 0)
    with pytest.raises(ValueError, match="360"):
        viterbi_bins(np.zeros((4, 100)))
    # a path along the strongest bin when nothing competes
    steady = np.full((6, N_BINS), 1e-3)
    steady[:, 42] = 1.0
    np.testing.assert_array_equal(viterbi_bins(steady), np.full(6, 42))


def test_deep_salience_shapes_and_widths():
    full = deep_salience("full")
    # Bittner et al. 2017: 128@5x5, 64@5x5, 64@3x3, 64@3x3, 8@70x3, 1@1x1 on 6 harmonics
    convs = [m for m in full.modules() if isinstance(m, torch.nn.Conv2d)]
    assert [(m.out_channels, m.kernel_size) for m in convs] == [
        (128, (5, 5)),
        (64, (5, 5)),
        (64, (3, 3)),
        (64, (3, 3)),
        (8, (70, 3)),
        (1, (1, 1)),
    ]
    assert convs[0].in_channels == 6
    small = deep_salience("small").eval()
    with torch.no_grad():
        assert small(torch.randn(2, 6, 360, 11)).shape == (2, 360, 11)  # same grid out
    assert params.count_params(small) < params.count_params(full) / 5
    with pytest.raises(ValueError, match="HCQT"):
        small(torch.randn(2, 3, 360, 11))
    with pytest.raises(ValueError, match="size"):
        deep_salience("medium")
    with pytest.raises(ValueError, match="widths"):
        DeepSalience(widths=(8, 8))


def test_instrument_cnn_is_han_et_al():
    model = InstrumentCNN(num_classes=11, width=32, dense=1024)
    # four blocks of two 3x3 convs (32..256 channels), dense 1024, 11 outputs (IRMAS)
    expected = sum(
        9 * a * b + b
        for a, b in [(1, 32), (32, 32), (32, 64), (64, 64), (64, 128), (128, 128), (128, 256)]
        + [(256, 256)]
    )
    expected += 256 * 1024 + 1024 + 1024 * 11 + 11
    assert params.count_params(model) == expected == 1_446_123
    table = params.summary(model.eval(), (2, 1, 128, 43))  # 1 s excerpt at 22,050 Hz, hop 512
    pools = [r.output_shape for r in table if r.type == "MaxPool2d"]
    assert pools == [(2, 32, 42, 14), (2, 64, 14, 4), (2, 128, 4, 1)]
    assert table.output_shape == (2, 11)
    with pytest.raises(ValueError, match="27"):
        model(torch.zeros(1, 1, 128, 20))


def test_activity_cnn_gives_one_logit_per_frame():
    model = ActivityCNN(n_mels=80).eval()
    with torch.no_grad():
        assert model(torch.randn(3, 1, 80, 57)).shape == (3, 57)
    with pytest.raises(ValueError, match="80"):
        model(torch.randn(3, 1, 64, 57))
