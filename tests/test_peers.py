"""Peer tools (spectral flux, librosa, torchcrepe, pyin, basic-pitch) on known audio."""

import numpy as np
import pytest

from course_lib import peers
from course_lib.data import load_example, render_notes
from course_lib.data.render import Note
from course_lib.tasks.onset import onset_scores

SCALE_ONSETS = 0.05 + 0.35 * np.arange(8)  # load_example("scale")


def test_spectral_flux_is_the_positive_log_mel_difference():
    sr = 22050
    y = np.zeros(sr, np.float32)
    y[sr // 2 :] = 0.5 * np.sin(2 * np.pi * 440 * np.arange(sr // 2) / sr)  # starts at 0.5 s
    flux = peers.spectral_flux(y, sr, hop_length=220)
    assert flux.shape == (1 + sr // 220,) and flux.max() == pytest.approx(1.0)
    # centred 2048-sample (93 ms) frames start to see the tone up to 46 ms early
    assert abs(int(flux.argmax()) * 220 / sr - 0.5) <= 0.05
    assert (flux >= 0).all()


@pytest.mark.parametrize("detect", [peers.spectral_flux_onsets, peers.librosa_onsets])
def test_onset_peers_find_the_scale(detect):
    y, sr = load_example("scale")
    assert onset_scores([SCALE_ONSETS], [detect(y, sr)], 0.05)["f_measure"] >= 0.8


@pytest.fixture(scope="module")
def a4_flute():
    return render_notes([Note(69, 0.1, 0.9, 100, 73)], sr=16000, duration=1.0), 16000


@pytest.mark.parametrize(
    "estimate",
    [lambda y, sr: peers.torchcrepe_pitch(y, sr, "tiny"), peers.pyin_pitch],
    ids=["torchcrepe-tiny", "pyin"],
)
def test_pitch_peers_hear_a4(a4_flute, estimate):
    times, f0, confidence = estimate(*a4_flute)
    assert times.shape == f0.shape == confidence.shape
    np.testing.assert_allclose(np.diff(times[:3]), 0.01)
    steady = f0[30:70]
    cents = 1200 * np.abs(np.log2(np.maximum(steady, 1e-3) / 440.0))
    assert np.mean(cents < 50) > 0.9


def test_basic_pitch_hears_a_c_major_triad():
    notes = [Note(p, 0.1, 1.4, 90, 0) for p in (60, 64, 67)]
    y = render_notes(notes, sr=22050, duration=1.6)
    times, f0s = peers.basic_pitch_multi_f0(y, 22050)
    assert len(times) == len(f0s) and times[1] == pytest.approx(0.01)
    middle = [np.round(12 * np.log2(f / 440.0) + 69) for f in f0s[40:120] if len(f)]
    hits = np.mean([{60, 64, 67} <= set(m.astype(int)) for m in middle])
    assert hits > 0.8


def test_peers_reject_bad_input():
    with pytest.raises(ValueError, match="to_mono"):
        peers.librosa_onsets(np.zeros((2, 22050), np.float32), 22050)
    with pytest.raises(ValueError, match="capacity"):
        peers.torchcrepe_pitch(np.zeros(16000, np.float32), 16000, "huge")
    with pytest.raises(ValueError, match="too short"):
        peers.pyin_pitch(np.zeros(100, np.float32), 16000)
