"""Robustness probes: degradation (noise, reverberation) and re-rendering a dataset clip."""

import numpy as np
import pytest

from course_lib import audio
from course_lib.tasks.robustness import degrade, rerender


def test_degrade_reaches_the_requested_snr_and_keeps_the_length():
    sr = 16000
    y = np.sin(2 * np.pi * 440 * np.arange(sr) / sr).astype(np.float32)
    noisy = degrade(y, sr, snr_db=10.0, rt60=None, seed=1)
    assert noisy.shape == y.shape and np.abs(noisy).max() == pytest.approx(0.9, abs=1e-6)
    clean = 0.9 * y / np.abs(y).max()
    # after peak normalisation the noise power is ~1/10 of the tone's (10 dB SNR)
    scale = np.dot(noisy, y) / np.dot(y, y)
    residual = noisy - scale * y
    snr = 10 * np.log10(np.mean((scale * y) ** 2) / np.mean(residual**2))
    assert snr == pytest.approx(10.0, abs=0.5)
    assert not np.allclose(noisy, clean)
    # reverberation smears an impulse into a decaying tail
    click = np.zeros(sr, np.float32)
    click[100] = 1.0
    wet = degrade(click, sr, snr_db=None, rt60=0.3)
    tail = np.abs(wet[200 + sr // 20 : 200 + sr // 10]).mean()
    late = np.abs(wet[100 + int(0.3 * sr) :]).mean()
    assert tail > 10 * late > 0
    with pytest.raises(ValueError, match="rt60"):
        degrade(y, sr, rt60=-1.0)


def test_rerender_reproduces_the_dataset_clip_and_labels(rendered):
    manifest = rendered("onsets", seed=11)
    item = manifest.split("test")[2]
    y, sr, labels = rerender("onsets", "test", 2, seed=11, soundfont="TimGM6mb")
    original, sr0 = audio.load(manifest.audio_path(item))
    assert sr == sr0 and labels["onsets"] == item.labels["onsets"]
    np.testing.assert_allclose(y, original, atol=1e-4)  # 16-bit WAV rounding
    with pytest.raises(ValueError, match="unknown dataset"):
        rerender("drums", "test", 0)
