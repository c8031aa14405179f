"""Existing open tools run on the same audio as the course's CNNs ("peers" to compare with).

Lecture: event- and frame-level MIR — where a small CNN stands next to established tools.

=====================  =====================================================================
task                   peers
=====================  =====================================================================
onset detection        :func:`spectral_flux_onsets` (the classic detection function, written
                       out), :func:`librosa_onsets` (``librosa.onset.onset_detect``)
pitch                  :func:`torchcrepe_pitch` (the published CREPE weights, tiny/full),
                       :func:`pyin_pitch` (``librosa.pyin``, probabilistic YIN)
multiple F0            :func:`basic_pitch_multi_f0` (Spotify's Basic Pitch, ONNX model)
=====================  =====================================================================

Every function takes ``(y, sr)`` like the course's own and returns the same kind of output.
torchcrepe and basic-pitch are optional: install the ``peers`` extra (basic-pitch with
``--no-deps``, see ``.ci/install.sh``); a missing tool raises ``ImportError`` saying how to
install it. Nothing is downloaded: both ship their weights inside their wheels.
"""

from __future__ import annotations

import functools

import numpy as np

from ..tasks import prepare_audio

__all__ = [
    "spectral_flux",
    "spectral_flux_onsets",
    "librosa_onsets",
    "torchcrepe_pitch",
    "pyin_pitch",
    "basic_pitch_multi_f0",
]


def _require(module: str, install: str):
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as err:
        raise ImportError(
            f"{module} is not installed: {install} (or pip install 'course-lib[peers]')"
        ) from err


def spectral_flux(
    y: np.ndarray, sr: int, hop_length: int = 220, n_fft: int = 2048, n_mels: int = 80
) -> np.ndarray:
    """Spectral flux ``(n_frames,)``: summed positive change of the log-mel spectrum.

    Lecture: event-level MIR (the hand-made onset detection function a CNN replaces):
    ``SF(t) = sum_k max(0, log S[k, t] - log S[k, t-1])``, scaled to a peak of 1.
    """
    from ..core import audio

    y = prepare_audio(y, sr, sr, n_fft // 2 + 1, "spectral flux")
    S = audio.melspectrogram(y, sr, n_fft=n_fft, hop_length=hop_length, n_mels=n_mels, power=1)
    L = np.log1p(10 * S)
    flux = np.maximum(0.0, np.diff(L, axis=1)).sum(axis=0)
    flux = np.concatenate([[0.0], flux])
    return flux / max(float(flux.max()), 1e-9)


def spectral_flux_onsets(
    y: np.ndarray, sr: int, threshold: float = 0.15, hop_length: int = 220, window: int = 5
) -> np.ndarray:
    """Onset times (s) from spectral flux: adaptive threshold (local mean) and peak picking."""
    from ..tasks.onset import pick_peaks

    flux = spectral_flux(y, sr, hop_length)
    local_mean = np.convolve(flux, np.ones(2 * window + 1) / (2 * window + 1), mode="same")
    return pick_peaks(flux - local_mean, threshold, fps=sr / hop_length)


def librosa_onsets(y: np.ndarray, sr: int, hop_length: int = 512) -> np.ndarray:
    """Onset times (s) as ``librosa.onset.onset_detect(y=y, sr=sr, units="time")`` gives them.

    librosa's onset strength (spectral flux of a log-power mel spectrogram), scaled to [0, 1],
    then its default peak picking (30 ms before for the maximum, 100 ms around for the mean,
    ``delta`` 0.07, 30 ms wait) through :func:`~course_lib.tasks.onset.pick_peaks_adaptive`,
    the same rule in NumPy (librosa's numba version crashed parallel worker processes).
    """
    import librosa

    from ..tasks.onset import pick_peaks_adaptive

    y = prepare_audio(y, sr, sr, 2048, "librosa onset detection")
    env = librosa.onset.onset_strength(y=y, sr=sr, hop_length=hop_length)
    env = env - env.min()
    env = env / (env.max() + np.finfo(env.dtype).tiny)
    if not env.any() or not np.all(np.isfinite(env)):
        return np.zeros(0)
    peaks = pick_peaks_adaptive(
        env,
        pre_max=int(0.03 * sr // hop_length),
        post_max=1,
        pre_avg=int(0.10 * sr // hop_length),
        post_avg=int(0.10 * sr // hop_length) + 1,
        delta=0.07,
        wait=int(0.03 * sr // hop_length),
    )
    return peaks * hop_length / sr


def torchcrepe_pitch(
    y: np.ndarray, sr: int, capacity: str = "tiny", voicing_threshold: float = 0.5
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """CREPE with the published weights (torchcrepe): ``(times, f0_hz, confidence)`` at 10 ms.

    ``capacity`` is ``"tiny"`` or ``"full"``; f0 is 0 where the periodicity (CREPE's
    confidence) is below ``voicing_threshold``. Weighted-argmax decoding, as in the paper.
    """
    import torch

    torchcrepe = _require("torchcrepe", "pip install torchcrepe")
    if capacity not in ("tiny", "full"):
        raise ValueError(f"capacity must be 'tiny' or 'full', got {capacity!r}")
    y = prepare_audio(y, sr, 16000, 1024, "torchcrepe")
    f0, periodicity = torchcrepe.predict(
        torch.from_numpy(y)[None],
        16000,
        hop_length=160,
        fmin=32.0,
        fmax=2000.0,
        model=capacity,
        decoder=torchcrepe.decode.weighted_argmax,
        return_periodicity=True,
        batch_size=512,
        device="cpu",
    )
    f0, conf = f0[0].numpy().astype(float), periodicity[0].numpy().astype(float)
    times = np.arange(len(f0)) * 0.01
    return times, np.where(conf >= voicing_threshold, f0, 0.0), conf


def pyin_pitch(
    y: np.ndarray, sr: int, fmin: float = 65.0, fmax: float = 2000.0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``librosa.pyin`` at a 10 ms hop: ``(times, f0_hz (0 = unvoiced), voiced probability)``."""
    import librosa

    y = prepare_audio(y, sr, 16000, 2048, "pyin")
    f0, voiced, prob = librosa.pyin(
        y, fmin=fmin, fmax=fmax, sr=16000, frame_length=2048, hop_length=160
    )
    f0 = np.where(voiced, np.nan_to_num(f0), 0.0)
    return np.arange(len(f0)) * 0.01, f0, prob


@functools.lru_cache(maxsize=1)
def _basic_pitch_model():
    """The ONNX Basic Pitch model inside the wheel, loaded once."""
    from pathlib import Path

    basic_pitch = _require("basic_pitch", "pip install --no-deps basic-pitch onnxruntime resampy")
    from basic_pitch.inference import Model

    return Model(str(Path(basic_pitch.__file__).parent / "saved_models/icassp_2022/nmp.onnx"))


def basic_pitch_multi_f0(
    y: np.ndarray, sr: int, hop: float = 0.01
) -> tuple[np.ndarray, list[np.ndarray]]:
    """Basic Pitch (Bittner et al. 2022) note transcription as frame-wise f0 sets.

    Runs the ONNX model shipped inside the ``basic-pitch`` wheel with its default thresholds,
    then samples its note events every ``hop`` seconds: ``(times, list of f0 arrays in Hz)``.
    """
    import tempfile
    from pathlib import Path

    import soundfile as sf

    y = prepare_audio(y, sr, 22050, 2048, "basic-pitch")
    model = _basic_pitch_model()
    from basic_pitch.inference import predict

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "clip.wav"
        sf.write(path, y, 22050)
        import contextlib
        import io

        with contextlib.redirect_stdout(io.StringIO()):  # it prints a progress line
            _, _, notes = predict(str(path), model)
    from ..tasks.multif0 import notes_to_multi_f0

    times = np.arange(int(np.ceil(len(y) / 22050 / hop))) * hop
    return times, notes_to_multi_f0(notes, times)
