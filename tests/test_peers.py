"""Peer tools (spectral flux, librosa, madmom, torchcrepe, pyin, PESTO, basic-pitch) on known
audio."""

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


@pytest.mark.parametrize(
    "detect",
    [
        peers.spectral_flux_onsets,
        peers.librosa_onsets,
        lambda y, sr: peers.madmom_onsets(y, sr, "cnn"),
        lambda y, sr: peers.madmom_onsets(y, sr, "rnn"),
    ],
    ids=["spectral-flux", "librosa", "madmom-cnn", "madmom-rnn"],
)
def test_onset_peers_find_the_scale(detect):
    y, sr = load_example("scale")
    assert onset_scores([SCALE_ONSETS], [detect(y, sr)], 0.05)["f_measure"] >= 0.8


@pytest.fixture(scope="module")
def a4_flute():
    return render_notes([Note(69, 0.1, 0.9, 100, 73)], sr=16000, duration=1.0), 16000


@pytest.mark.parametrize(
    "estimate",
    [lambda y, sr: peers.torchcrepe_pitch(y, sr, "tiny"), peers.pyin_pitch, peers.pesto_pitch],
    ids=["torchcrepe-tiny", "pyin", "pesto"],
)
def test_pitch_peers_hear_a4(a4_flute, estimate):
    times, f0, confidence = estimate(*a4_flute)
    assert times.shape == f0.shape == confidence.shape
    np.testing.assert_allclose(np.diff(times[:3]), 0.01)
    steady = f0[30:70]
    cents = 1200 * np.abs(np.log2(np.maximum(steady, 1e-3) / 440.0))
    assert np.mean(cents < 50) > 0.9


@pytest.mark.parametrize(
    "estimate", [peers.basic_pitch_multi_f0, peers.madmom_multi_f0], ids=["basic-pitch", "madmom"]
)
def test_multi_f0_peers_hear_a_c_major_triad(estimate):
    notes = [Note(p, 0.1, 1.4, 90, 0) for p in (60, 64, 67)]
    y = render_notes(notes, sr=22050, duration=1.6)
    times, f0s = estimate(y, 22050)
    assert len(times) == len(f0s) and times[1] == pytest.approx(0.01)
    middle = [np.round(12 * np.log2(f / 440.0) + 69) for f in f0s[40:120] if len(f)]
    hits = np.mean([{60, 64, 67} <= set(m.astype(int)) for m in middle])
    assert hits > 0.8


def test_peers_reject_bad_input():
    with pytest.raises(ValueError, match="to_mono"):
        peers.librosa_onsets(np.zeros((2, 22050), np.float32), 22050)
    with pytest.raises(ValueError, match="capacity"):
        peers.torchcrepe_pitch(np.zeros(16000, np.float32), 16000, "huge")
    with pytest.raises(ValueError, match="decoder"):
        peers.torchcrepe_pitch(np.zeros(16000, np.float32), 16000, decoder="beam")
    with pytest.raises(ValueError, match="too short"):
        peers.pyin_pitch(np.zeros(100, np.float32), 16000)
    with pytest.raises(ValueError, match="kind"):
        peers.madmom_onsets(np.zeros(22050, np.float32), 22050, "lstm")


def test_madmom_piano_notes_are_onset_offset_pitch_rows():
    y = render_notes([Note(60, 0.2, 1.0, 90, 0), Note(67, 0.6, 1.4, 90, 0)], sr=44100)
    notes = peers.madmom_piano_notes(y, 44100)
    assert notes.ndim == 2 and notes.shape[1] == 3
    assert set(notes[:, 2].astype(int)) >= {60, 67}
    by_pitch = {int(p): (on, off) for on, off, p in notes}
    assert abs(by_pitch[60][0] - 0.2) <= 0.05 and abs(by_pitch[67][0] - 0.6) <= 0.05
    assert (notes[:, 1] > notes[:, 0]).all()


def _fake_madmom(tmp_path, monkeypatch):
    """A bare ``madmom`` package without metadata, the only one importlib can see."""
    import importlib
    import importlib.metadata
    import sys

    site = tmp_path / "site"
    (site / "madmom").mkdir(parents=True)
    (site / "madmom" / "__init__.py").write_text("")
    monkeypatch.setattr(sys, "path", [str(site)])
    monkeypatch.delitem(sys.modules, "madmom", raising=False)
    importlib.invalidate_caches()
    with pytest.raises(importlib.metadata.PackageNotFoundError):
        importlib.metadata.distribution("madmom")
    return site


def test_madmom_metadata_is_written_next_to_the_package(tmp_path, monkeypatch):
    import importlib.metadata

    site = _fake_madmom(tmp_path, monkeypatch)
    info = peers.ensure_madmom_metadata()
    assert info == site / "madmom-0.17.dist-info"
    assert importlib.metadata.version("madmom") == "0.17"
    assert "madmom-0.17.dist-info/METADATA" in (info / "RECORD").read_text()
    assert peers.ensure_madmom_metadata() is None  # present now: nothing to do


def test_madmom_metadata_goes_to_a_private_folder_when_site_packages_is_read_only(
    tmp_path, monkeypatch
):
    import importlib.metadata
    import os
    import sys

    site = _fake_madmom(tmp_path, monkeypatch)
    monkeypatch.setattr(os, "access", lambda path, mode: False)
    info = peers.ensure_madmom_metadata()
    assert info.parent != site and str(info.parent) in sys.path
    assert not list(site.glob("*.dist-info"))
    assert importlib.metadata.version("madmom") == "0.17"
