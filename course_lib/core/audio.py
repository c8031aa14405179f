"""Audio front end: loading, spectrograms and playback.

Lecture: CNNs on audio — the input representation. A spectrogram is the "image" a CNN sees:
frequency on one axis, time on the other. The transforms here are built on torchaudio so they
run in batches on a GPU, and agree with librosa's (tested, see each docstring).

Glossary: ``y`` audio samples, ``sr`` sample rate in Hz, ``S`` a spectrogram shaped
``(n_bins, n_frames)`` (with optional leading batch axes for tensors), ``hop_length`` in samples.
"""

from __future__ import annotations

import functools
import warnings
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import torch

from .validate import as_int

__all__ = [
    "load",
    "probe",
    "AudioInfo",
    "check_audio",
    "resample",
    "to_mono",
    "stft",
    "melspectrogram",
    "log_melspectrogram",
    "mel_transform",
    "power_to_db",
    "cqt",
    "hcqt",
    "log_compress",
    "mel_to_audio",
    "frame",
    "chunk",
    "frames_to_time",
    "play",
    "check_sr",
]

_MIN_SR, _MAX_SR = 1000, 384_000


def check_sr(sr: Any, name: str = "sr") -> int:
    """``sr`` as an int, or a ``ValueError`` saying why it is not a plausible sample rate.

    Lecture: audio as input (every function taking ``(y, sr)`` checks ``sr`` this way).
    """
    if isinstance(sr, bool) or not isinstance(sr, (int, np.integer)):
        raise ValueError(f"{name} must be an int number of samples per second, got {sr!r}")
    if not _MIN_SR <= sr <= _MAX_SR:
        raise ValueError(
            f"{name}={sr} is not a plausible sample rate (expected {_MIN_SR}..{_MAX_SR} Hz)"
        )
    return int(sr)


_check_sr = check_sr


def _check_audio(y: Any, name: str = "y", *, allow_batch: bool = False):
    """Validate audio: numpy or torch, real, finite, non-empty; 1-D (or batched if allowed)."""
    if isinstance(y, torch.Tensor):
        is_float = y.is_floating_point()
        ndim, size = y.dim(), y.numel()
        finite = bool(torch.isfinite(y).all()) if size else True
    else:
        y = np.asarray(y)
        is_float = np.issubdtype(y.dtype, np.floating)
        ndim, size = y.ndim, y.size
        finite = bool(np.isfinite(y).all()) if size else True
    if not is_float:
        raise ValueError(f"{name} must hold floating-point samples, got dtype {y.dtype}")
    if ndim == 0 or (ndim > 1 and not allow_batch):
        hint = " (stereo? use course_lib.audio.to_mono(y) first)" if ndim == 2 else ""
        raise ValueError(f"{name} must be 1-D audio samples, got shape {tuple(y.shape)}{hint}")
    if size == 0:
        raise ValueError(f"{name} is empty: no audio samples to process")
    if not finite:
        raise ValueError(f"{name} contains NaN or infinite samples; clean or re-load the audio")
    return y


def check_audio(
    y,
    sr: int,
    expected_sr: int | None = None,
    min_duration: float = 0.0,
    name: str = "y",
    allow_batch: bool = False,
):
    """Validate audio before it reaches a front end or a model; return it unchanged.

    Lecture: audio as input to CNNs — a model only understands the input it was trained on.

    Checks that ``y`` holds finite floating-point samples shaped ``(n_samples,)`` (or
    ``(..., n_samples)`` with ``allow_batch``), that ``sr`` is a plausible rate equal to
    ``expected_sr`` when given, and that the clip lasts at least ``min_duration`` seconds.
    Every failure is a ``ValueError`` that says how to fix it, e.g. ``got sr=44100, the model
    expects 16000: resample first``.
    """
    y = _check_audio(y, name, allow_batch=allow_batch)
    sr = _check_sr(sr)
    if expected_sr is not None and sr != _check_sr(expected_sr, "expected_sr"):
        raise ValueError(
            f"got sr={sr}, the model expects {expected_sr}: resample first "
            f"(course_lib.audio.resample({name}, {sr}, {expected_sr}) or "
            f"course_lib.audio.load(path, sr={expected_sr}))"
        )
    duration = y.shape[-1] / sr
    if duration < min_duration:
        raise ValueError(
            f"{name} lasts {duration:.3f} s ({y.shape[-1]} samples at {sr} Hz), shorter than the "
            f"{min_duration} s needed: use a longer clip or pad it with zeros (numpy.pad)"
        )
    return y


def to_mono(y: np.ndarray) -> np.ndarray:
    """Average the channels of ``y`` shaped ``(n_samples, n_channels)`` (soundfile's layout)."""
    y = np.asarray(y)
    return y.mean(axis=1) if y.ndim == 2 else y


def resample(y: np.ndarray, orig_sr: int, sr: int) -> np.ndarray:
    """Resample 1-D audio from ``orig_sr`` to ``sr`` (band-limited sinc interpolation, torchaudio).

    Returns float32 samples; ``len = ceil(len(y) * sr / orig_sr)``.
    """
    y = _check_audio(y)
    orig_sr, sr = _check_sr(orig_sr, "orig_sr"), _check_sr(sr)
    if orig_sr == sr:
        return np.asarray(y, dtype=np.float32)
    import torchaudio.functional as AF

    out = AF.resample(torch.as_tensor(np.asarray(y, dtype=np.float32)), orig_sr, sr)
    return out.numpy()


class AudioInfo(NamedTuple):
    """What :func:`probe` reads from a file's header: rate (Hz), length, channels, seconds."""

    sr: int
    n_samples: int
    n_channels: int
    duration: float


def _open_error(path: Path, err: Exception) -> ValueError:
    return ValueError(f"could not read {path} as audio ({err}); is it a valid WAV/FLAC/OGG file?")


def probe(path: str | Path) -> AudioInfo:
    """Sample rate, length and channels of an audio file, without decoding it.

    Lecture: audio as input to CNNs (pick a random chunk of a long recording without reading
    all of it).
    """
    import soundfile as sf

    path = Path(path)
    if not path.exists():
        raise ValueError(f"audio file not found: {path} (check the path and the working folder)")
    try:
        info = sf.info(str(path))
    except (RuntimeError, sf.LibsndfileError) as err:
        raise _open_error(path, err) from err
    return AudioInfo(int(info.samplerate), int(info.frames), int(info.channels), info.duration)


def load(
    path: str | Path,
    sr: int | None = None,
    mono: bool = True,
    min_duration: float = 0.0,
    offset: float = 0.0,
    duration: float | None = None,
) -> tuple[np.ndarray, int]:
    """Read an audio file (or a segment of it) with soundfile.

    Lecture: audio as input to CNNs.

    Parameters
    ----------
    path : str or Path
        WAV, FLAC, OGG (and MP3 where libsndfile supports it).
    sr : int, optional
        Resample to this rate; ``None`` keeps the file's rate.
    mono : bool
        Average the channels; otherwise return ``(n_channels, n_samples)``.
    min_duration : float
        Raise if the clip (or segment) is shorter than this many seconds.
    offset, duration : float
        Read only ``duration`` seconds (default: to the end) starting ``offset`` seconds
        into the file: only that part is decoded.

    Returns
    -------
    y : ndarray, float32, shape (n_samples,) or (n_channels, n_samples)
    sr : int
    """
    import soundfile as sf

    path = Path(path)
    if not path.exists():
        raise ValueError(f"audio file not found: {path} (check the path and the working folder)")
    if not offset >= 0:
        raise ValueError(f"offset must be >= 0 seconds, got {offset!r}")
    if duration is not None and not duration > 0:
        raise ValueError(
            f"duration must be a positive number of seconds (or None), got {duration!r}"
        )
    target = None if sr is None else _check_sr(sr)
    try:
        with sf.SoundFile(str(path)) as f:
            file_sr = f.samplerate
            start = int(round(offset * file_sr))
            if start and start >= f.frames:
                raise ValueError(
                    f"offset={offset} s is past the end of {path} ({f.frames / file_sr:.3f} s)"
                )
            if start:
                f.seek(start)
            frames = -1 if duration is None else int(round(duration * file_sr))
            y = f.read(frames, dtype="float32", always_2d=True)
    except (RuntimeError, sf.LibsndfileError) as err:
        raise _open_error(path, err) from err
    if y.shape[0] == 0:
        raise ValueError(f"{path} contains no audio samples")
    target = file_sr if target is None else target
    if mono:
        y = to_mono(y)
        y = resample(y, file_sr, target)
    else:
        y = np.stack([resample(ch, file_sr, target) for ch in y.T])
    length = y.shape[-1] / target
    if length < min_duration:
        raise ValueError(f"{path} lasts {length:.3f} s, shorter than the required {min_duration} s")
    return y, target


def _as_tensor(y):
    """Return (tensor, was_numpy)."""
    if isinstance(y, torch.Tensor):
        return y, False
    return torch.as_tensor(np.asarray(y, dtype=np.float32)), True


def stft(
    y, n_fft: int = 2048, hop_length: int = 512, win_length: int | None = None, power: float = 1.0
):
    """Magnitude (``power=1``) or power (``power=2``) STFT, centred, Hann window.

    Lecture: stride = hop size of the STFT. Shape ``(..., 1 + n_fft // 2, n_frames)`` with
    ``n_frames = 1 + len(y) // hop_length``; numpy in, numpy out; tensors stay on their device.
    """
    n_fft, hop_length = (
        as_int(n_fft, "n_fft", minimum=1),
        as_int(hop_length, "hop_length", minimum=1),
    )
    win_length = n_fft if win_length is None else as_int(win_length, "win_length", minimum=1)
    if win_length > n_fft:
        raise ValueError(f"win_length={win_length} must not exceed n_fft={n_fft}")
    y = _check_audio(y, allow_batch=True)
    yt, was_numpy = _as_tensor(y)
    window = torch.hann_window(win_length, device=yt.device, dtype=yt.dtype)
    flat = yt.reshape(-1, yt.shape[-1])
    spec = torch.stft(
        flat,
        n_fft,
        hop_length,
        win_length,
        window,
        center=True,
        pad_mode="constant",
        return_complex=True,
    ).abs()
    if power != 1.0:
        spec = spec.pow(power)
    spec = spec.reshape(*yt.shape[:-1], *spec.shape[-2:])
    return spec.numpy() if was_numpy else spec


def melspectrogram(
    y,
    sr: int = 22050,
    n_fft: int = 2048,
    hop_length: int = 512,
    n_mels: int = 128,
    fmin: float = 0.0,
    fmax: float | None = None,
    power: float = 2.0,
):
    """Mel spectrogram, computed with torchaudio (batched, GPU-ready).

    Lecture: the 128-mel x 128-frame input (about 3 s at 22,050 Hz, hop 512).

    Same conventions as ``librosa.feature.melspectrogram`` (Slaney mel scale and area
    normalisation, centred frames with zero padding, periodic Hann window); the two agree to
    a relative error below 1e-4 of the spectrogram's peak (see ``tests/test_audio.py``).

    Parameters
    ----------
    y : ndarray or Tensor, shape (n_samples,) or (..., n_samples)
    sr : int
    n_fft, hop_length : int
        Window and hop in samples.
    n_mels : int
    fmin, fmax : float
        Frequency range in Hz (``fmax`` defaults to ``sr / 2``).
    power : float
        2 for power, 1 for magnitude.

    Returns
    -------
    S : same type as ``y``, shape (..., n_mels, 1 + n_samples // hop_length)
    """
    sr = _check_sr(sr)
    n_fft, hop_length = (
        as_int(n_fft, "n_fft", minimum=1),
        as_int(hop_length, "hop_length", minimum=1),
    )
    n_mels = as_int(n_mels, "n_mels", minimum=1)
    y = _check_audio(y, allow_batch=True)
    if y.shape[-1] < n_fft // 2 + 1:
        raise ValueError(
            f"y has {y.shape[-1]} samples, too short for n_fft={n_fft}: pad it or use a "
            f"smaller n_fft (at least {n_fft // 2 + 1} samples are needed)"
        )
    fmax = sr / 2 if fmax is None else fmax
    if not 0 <= fmin < fmax <= sr / 2:
        raise ValueError(f"need 0 <= fmin < fmax <= sr/2, got fmin={fmin}, fmax={fmax}, sr={sr}")
    yt, was_numpy = _as_tensor(y)
    transform = _cached_mel(
        sr, n_fft, hop_length, n_mels, fmin, fmax, power, str(yt.device), yt.dtype
    )
    with torch.no_grad() if not yt.requires_grad else torch.enable_grad():
        S = _in_cache_sized_batches(transform, yt)
    return S.numpy() if was_numpy else S


def _in_cache_sized_batches(transform: torch.nn.Module, y: torch.Tensor) -> torch.Tensor:
    """``transform(y)`` over the leading axes, a few clips at a time on the CPU.

    One call on a large CPU batch is slower than the same work in pieces of about 2**20
    samples, whose spectrograms stay in cache (``benchmarks/bench_frontend.py``); on a GPU the
    whole batch goes at once.
    """
    flat = y.reshape(-1, y.shape[-1])
    rows = max(1, _CPU_BATCH_SAMPLES // y.shape[-1])
    if y.device.type != "cpu" or len(flat) <= rows:
        return transform(y)
    S = torch.cat([transform(flat[i : i + rows]) for i in range(0, len(flat), rows)])
    return S.reshape(*y.shape[:-1], *S.shape[-2:])


_CPU_BATCH_SAMPLES = 1 << 20


@functools.lru_cache(maxsize=16)
def _cached_mel(sr, n_fft, hop_length, n_mels, fmin, fmax, power, device, dtype):
    """Memoised transform per settings and device: the filterbank is built once."""
    return mel_transform(sr, n_fft, hop_length, n_mels, fmin, fmax, power).to(device, dtype)


def mel_transform(
    sr: int = 22050,
    n_fft: int = 2048,
    hop_length: int = 512,
    n_mels: int = 128,
    fmin: float = 0.0,
    fmax: float | None = None,
    power: float = 2.0,
) -> torch.nn.Module:
    """The torchaudio module behind :func:`melspectrogram` (librosa conventions).

    Use it inside a model (e.g. :class:`course_lib.models.tagging.LogMelFrontEnd`) so the
    spectrogram is computed on the GPU, batch by batch.
    """
    import torchaudio.transforms as T

    return T.MelSpectrogram(
        sample_rate=_check_sr(sr),
        n_fft=n_fft,
        hop_length=hop_length,
        f_min=fmin,
        f_max=sr / 2 if fmax is None else fmax,
        n_mels=n_mels,
        power=power,
        center=True,
        pad_mode="constant",
        norm="slaney",
        mel_scale="slaney",
    )


def cqt(
    y: np.ndarray,
    sr: int = 22050,
    hop_length: int = 512,
    fmin: float = 32.70,
    n_bins: int = 84,
    bins_per_octave: int = 12,
) -> np.ndarray:
    """Constant-Q magnitude spectrogram ``(n_bins, n_frames)`` (librosa's CQT).

    Lecture: translation invariance in pitch. On a log-frequency axis with
    ``bins_per_octave`` bins, transposing by one semitone shifts the pattern of harmonics by
    ``bins_per_octave / 12`` bins, so a convolution sees the same shape.
    """
    import librosa

    sr = _check_sr(sr)
    y = _check_audio(np.asarray(y, dtype=np.float32))
    fmax = fmin * 2 ** (n_bins / bins_per_octave)
    if fmax >= sr / 2:
        raise ValueError(
            f"the top CQT bin ({fmax:.0f} Hz) must stay below sr/2 = {sr / 2:.0f} Hz: "
            "use fewer n_bins or a lower fmin"
        )
    with warnings.catch_warnings():
        # librosa halves the rate for each lower octave; for a clip of a few seconds the last
        # halvings leave fewer samples than one FFT, which librosa zero-pads and warns about.
        warnings.filterwarnings("ignore", r"n_fft=\d+ is too large", UserWarning)
        C = librosa.cqt(
            y,
            sr=sr,
            hop_length=hop_length,
            fmin=fmin,
            n_bins=n_bins,
            bins_per_octave=bins_per_octave,
        )
    return np.abs(C).astype(np.float32)


def hcqt(
    y: np.ndarray,
    sr: int = 22050,
    hop_length: int = 256,
    fmin: float = 32.70,
    n_octaves: int = 6,
    bins_per_octave: int = 60,
    harmonics: tuple[float, ...] = (0.5, 1, 2, 3, 4, 5),
) -> np.ndarray:
    """Harmonic CQT ``(n_harmonics, n_bins, n_frames)``: CQTs starting at ``h * fmin``.

    Lecture: frame-level MIR (multi-F0, after Bittner et al. 2017, "Deep salience
    representations for F0 estimation"). Bin ``k`` of channel ``h`` is the energy at ``h`` times
    the frequency of bin ``k`` of the fundamental channel, so a 2-D convolution sees all
    harmonics of a candidate f0 at the same position, stacked as channels. Channels whose top
    bin would pass ``sr / 2`` raise an error: lower ``n_octaves`` or the highest harmonic.
    Magnitudes are log-compressed in dB (``power_to_db`` of the squared magnitude, 80 dB range).
    """
    if not harmonics or min(harmonics) <= 0:
        raise ValueError(f"harmonics must be positive multiples of fmin, got {harmonics}")
    n_bins = n_octaves * bins_per_octave
    channels = [cqt(y, sr, hop_length, fmin * h, n_bins, bins_per_octave) ** 2 for h in harmonics]
    return np.stack([power_to_db(C) for C in channels]).astype(np.float32)


def power_to_db(S, ref: float | str = "max", amin: float = 1e-10, top_db: float | None = 80.0):
    """Decibels ``10 log10(S / ref)``, as ``librosa.power_to_db`` (``ref="max"``: peak = 0 dB).

    Lecture: log compression of the spectrogram (the dynamic range an ear hears).
    """
    is_tensor = isinstance(S, torch.Tensor)
    St = S if is_tensor else torch.as_tensor(np.asarray(S, dtype=np.float32))
    if (St < 0).any():
        raise ValueError("power_to_db expects a power spectrogram (non-negative values)")
    db = 10.0 * torch.log10(St.clamp_min(amin))
    if ref == "max":
        db = db - db.amax(dim=(-2, -1), keepdim=True) if db.dim() >= 2 else db - db.max()
    else:
        db = db - 10.0 * np.log10(max(amin, float(ref)))
    if top_db is not None:
        peak = db.amax(dim=(-2, -1), keepdim=True) if db.dim() >= 2 else db.max()
        db = torch.maximum(db, peak - top_db)
    return db if is_tensor else db.numpy()


def log_compress(S, C: float = 10.0):
    """``log(1 + C * S)``: the compression used by many MIR CNNs (e.g. onset detection).

    Lecture: log compression of the spectrogram. ``S`` is a non-negative (magnitude or power)
    spectrogram, numpy or torch; the result has the same type and shape.
    """
    if not np.isfinite(C) or C <= 0:
        raise ValueError(f"C must be a positive finite constant, got {C!r}")
    is_tensor = isinstance(S, torch.Tensor)
    if (S < 0).any() if is_tensor else (np.asarray(S) < 0).any():
        raise ValueError("log_compress expects a non-negative spectrogram (magnitude or power)")
    if is_tensor:
        return torch.log1p(C * S)
    return np.log1p(C * np.asarray(S))


def log_melspectrogram(
    y,
    sr: int = 22050,
    *,
    C: float = 100.0,
    n_fft: int = 2048,
    hop_length: int = 512,
    n_mels: int = 128,
    fmin: float = 0.0,
    fmax: float | None = None,
):
    """``log(1 + C * mel power)``, float32: the input of the course's MIR CNNs.

    Lecture: audio as input (mel spectrogram, log compression). :func:`melspectrogram` with
    these arguments, then :func:`log_compress`; shape ``(..., n_mels, n_frames)`` with
    ``n_frames = 1 + n_samples // hop_length``. The graded assignments A3 and A4 compute
    their hidden clips' features with it, from the arguments the student chose.
    """
    S = log_compress(
        melspectrogram(y, sr, n_fft, hop_length, n_mels, fmin=fmin, fmax=fmax, power=2.0), C
    )
    return S.float() if isinstance(S, torch.Tensor) else S.astype(np.float32)


def mel_to_audio(
    S: np.ndarray, sr: int = 22050, n_fft: int = 2048, hop_length: int = 512, n_iter: int = 32
) -> np.ndarray:
    """Listen to a (modified) mel power spectrogram: invert it with Griffin-Lim (librosa).

    Lecture: hearing what a representation keeps, e.g. a pooled spectrogram. The phase is
    estimated, so expect some "phasiness"; more ``n_iter`` sounds better and costs more.
    """
    import librosa

    S = np.asarray(S, dtype=np.float32)
    if S.ndim != 2 or (S < 0).any():
        raise ValueError(f"S must be a 2-D non-negative mel power spectrogram, got shape {S.shape}")
    y = librosa.feature.inverse.mel_to_audio(
        S, sr=_check_sr(sr), n_fft=n_fft, hop_length=hop_length, n_iter=n_iter
    )
    return y.astype(np.float32)


def frame(y: np.ndarray, frame_length: int, hop_length: int) -> np.ndarray:
    """Overlapping frames of 1-D audio as a strided view, shape ``(n_frames, frame_length)``.

    Lecture: frame-level tasks (pitch: 1024-sample frames at 16 kHz).
    """
    y = _check_audio(y)
    if frame_length < 1 or hop_length < 1:
        raise ValueError("frame_length and hop_length must be positive")
    if len(y) < frame_length:
        raise ValueError(
            f"y has {len(y)} samples, fewer than frame_length={frame_length}; pad the audio"
        )
    return np.lib.stride_tricks.sliding_window_view(np.asarray(y), frame_length)[::hop_length]


def chunk(S: np.ndarray, n_frames: int, hop: int | None = None) -> np.ndarray:
    """Cut a spectrogram ``(n_bins, T)`` into chunks ``(n_chunks, n_bins, n_frames)``.

    Lecture: semantic-level tasks (a short-chunk CNN sees a few seconds at a time).
    Trailing frames that do not fill a chunk are dropped.
    """
    S = np.asarray(S)
    if S.ndim != 2:
        raise ValueError(f"S must be a 2-D spectrogram (n_bins, n_frames), got shape {S.shape}")
    if S.shape[1] < n_frames:
        raise ValueError(f"S has {S.shape[1]} frames, fewer than one chunk of {n_frames}")
    hop = n_frames if hop is None else hop
    view = np.lib.stride_tricks.sliding_window_view(S, n_frames, axis=1)[:, ::hop]
    return np.ascontiguousarray(view.transpose(1, 0, 2))


def frames_to_time(frames, sr: int = 22050, hop_length: int = 512) -> np.ndarray:
    """Frame indices to seconds (frame ``t`` is centred at ``t * hop_length / sr``)."""
    return np.asarray(frames) * hop_length / _check_sr(sr)


def play(y: np.ndarray, sr: int):
    """An IPython audio player for ``y`` (normalised), for notebooks."""
    from IPython.display import Audio

    y = _check_audio(np.asarray(y, dtype=np.float32))
    return Audio(y, rate=_check_sr(sr))
