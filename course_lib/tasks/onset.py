"""Onset detection with the Schlüter & Böck (2014) CNN: features, training, peak picking.

Lecture: event-level MIR — onset detection. Pipeline:

1. :func:`onset_features`: log-mel spectrograms (80 bands, 27.5 Hz - 11 kHz, 10 ms hop) with
   three window sizes (23, 46 and 93 ms) stacked as channels;
2. :class:`course_lib.models.onset.OnsetCNN` scores every frame from a 15-frame excerpt;
3. :func:`pick_peaks`: local maxima above a threshold, at least 30 ms apart, give onset times.

:func:`detect_onsets` runs the whole pipeline with the shipped checkpoint
(:mod:`course_lib.checkpoints`); ``python -m course_lib train onset --config smoke`` trains one.
Scored with mir_eval's onset F-measure (:func:`onset_scores`; ±50 ms is mir_eval's default,
the paper's 0.903 uses ±25 ms).
"""

from __future__ import annotations

import numpy as np
import torch
from torch.utils.data import Dataset

from ..core import audio
from ..data.datasets import onset_target
from ..models.onset import CONTEXT, N_BANDS, OnsetCNN
from . import TaskSetup
from ._common import (
    attach_preprocessing,
    prepare_audio,
    resolve_model,
    run_model,
    standardise,
    threshold_of,
    tune_threshold,
)

__all__ = [
    "SR",
    "HOP",
    "WINDOWS",
    "onset_features",
    "pick_peaks",
    "pick_peaks_adaptive",
    "OnsetFrames",
    "onset_scores",
    "onset_activation",
    "detect_onsets",
    "build_task",
    "evaluate_detector",
    "fit_threshold",
    "fit_threshold_on",
    "clip_features",
]

SR = 22050
HOP = 220  # 9.98 ms
FPS = SR / HOP
WINDOWS = (512, 1024, 2048)  # 23, 46 and 93 ms
FMIN, FMAX = 27.5, 11025.0


def onset_features(y: np.ndarray, sr: int = SR) -> np.ndarray:
    """Three-resolution log-mel input ``(3, 80, n_frames)`` at a 10 ms hop.

    Lecture: event-level MIR (onset detection input: several window sizes as channels).
    Audio at another rate is resampled to 22,050 Hz first; ``n_frames = 1 + n // 220``.
    """
    y = prepare_audio(y, sr, SR, WINDOWS[-1], "onset detection")
    mels = [
        audio.melspectrogram(
            y, SR, n_fft=w, hop_length=HOP, n_mels=N_BANDS, fmin=FMIN, fmax=FMAX, power=1.0
        )
        for w in WINDOWS
    ]
    return np.log1p(10 * np.stack(mels)).astype(np.float32)


def pick_peaks(
    activation: np.ndarray,
    threshold: float = 0.5,
    fps: float = FPS,
    min_distance: float = 0.03,
    smooth: int = 0,
) -> np.ndarray:
    """Onset times (s) at local maxima of a frame-wise activation above ``threshold``.

    Lecture: event-level MIR (from a frame-wise detection function to events).

    Parameters
    ----------
    activation : ndarray (n_frames,)
        Onset probability (or any detection function) per frame.
    threshold : float
    fps : float
        Frames per second.
    min_distance : float
        Minimum time between two onsets, in seconds (the higher peak wins).
    smooth : int
        Half-width of a moving-average smoothing in frames (0: none).

    Returns
    -------
    ndarray of onset times in seconds, increasing.
    """
    from scipy.signal import find_peaks

    a = np.asarray(activation, dtype=float)
    if a.ndim != 1:
        raise ValueError(f"activation must be 1-D (n_frames,), got shape {a.shape}")
    if fps <= 0:
        raise ValueError(f"fps must be positive frames per second, got {fps}")
    if smooth > 0:
        a = np.convolve(a, np.ones(2 * smooth + 1) / (2 * smooth + 1), mode="same")
    peaks, _ = find_peaks(a, height=threshold, distance=max(1, int(round(min_distance * fps))))
    return peaks / fps


def pick_peaks_adaptive(
    x: np.ndarray,
    pre_max: int,
    post_max: int,
    pre_avg: int,
    post_avg: int,
    delta: float,
    wait: int,
) -> np.ndarray:
    """Frame indices of peaks above a moving average (the rule of Böck et al., 2012).

    Lecture: event-level MIR (peak picking on a detection function with an adaptive threshold).

    Frame ``n`` is a peak when ``x[n]`` is the maximum of ``x[n - pre_max : n + post_max]``,
    is at least ``delta`` above the mean of ``x[n - pre_avg : n + post_avg]``, and comes more
    than ``wait`` frames after the previous peak. This is the rule ``librosa.util.peak_pick``
    implements (the same windows, the same special case for frame 0), written in NumPy: the
    numba-compiled original crashed worker processes running in parallel.

    Parameters
    ----------
    x : ndarray (n_frames,)
        Detection function (for instance a normalised onset strength).
    pre_max, post_max, pre_avg, post_avg, wait : int
        Window lengths in frames (``post_max`` and ``post_avg`` at least 1).
    delta : float
        How far above the local mean a peak must be.

    Returns
    -------
    ndarray of int frame indices, increasing.
    """
    x = np.asarray(x, dtype=float)
    if x.ndim != 1:
        raise ValueError(f"x must be a 1-D detection function (n_frames,), got shape {x.shape}")
    windows = dict(pre_max=pre_max, post_max=post_max, pre_avg=pre_avg, post_avg=post_avg)
    for name, value in {**windows, "wait": wait}.items():
        if int(value) != value or value < 0:
            raise ValueError(f"{name} must be a whole number of frames >= 0, got {value}")
    if post_max < 1 or post_avg < 1:
        raise ValueError(f"post_max and post_avg must be >= 1, got {post_max} and {post_avg}")
    pre_max, post_max, pre_avg, post_avg, wait = map(
        int, (pre_max, post_max, pre_avg, post_avg, wait)
    )
    n_frames, peaks = len(x), []
    if n_frames == 0:
        return np.zeros(0, dtype=int)
    # frame 0 has no past: only the windows ahead of it count
    if x[0] >= x[:post_max].max() and x[0] >= x[:post_avg].mean() + delta:
        peaks.append(0)
        n = wait + 1
    else:
        n = 1
    while n < n_frames:
        if x[n] == x[max(0, n - pre_max) : n + post_max].max() and (
            x[n] >= x[max(0, n - pre_avg) : n + post_avg].mean() + delta
        ):
            peaks.append(n)
            n += wait + 1
        else:
            n += 1
    return np.array(peaks, dtype=int)


class OnsetFrames(Dataset):
    """Every frame of a set of clips as a ``(3, 80, 15)`` excerpt with a 0/1 onset target.

    Lecture: event-level MIR (onset detection as frame classification).

    Targets are widened as in the paper: the frame nearest an onset and ``widen`` frames on
    each side are positive. Features are standardised per band with ``mean``/``std``
    (computed from these clips when not given) and kept in float16 to save memory.
    """

    def __init__(
        self,
        features: list[np.ndarray],
        onsets: list[list[float]],
        widen: int = 1,
        mean: np.ndarray | None = None,
        std: np.ndarray | None = None,
    ) -> None:
        if len(features) != len(onsets) or not features:
            raise ValueError("need one onset list per feature array, and at least one clip")
        if mean is None or std is None:
            stacked = np.concatenate(features, axis=2)
            mean = stacked.mean(axis=2, keepdims=True)
            std = stacked.std(axis=2, keepdims=True) + 1e-5
        self.mean, self.std = mean.astype(np.float32), std.astype(np.float32)
        half = CONTEXT // 2
        self.clips, index, targets = [], [], []
        for k, (F, times) in enumerate(zip(features, onsets)):
            F = (F - self.mean) / self.std
            padded = np.pad(F, ((0, 0), (0, 0), (half, half))).astype(np.float16)
            self.clips.append(torch.from_numpy(padded))
            n = F.shape[2]
            index.append(np.stack([np.full(n, k), np.arange(n)], axis=1))
            targets.append(onset_target(times, n, SR, HOP, widen=widen))
        self.index = np.concatenate(index)
        self.targets = torch.from_numpy(np.concatenate(targets))

    def __len__(self) -> int:
        return len(self.index)

    def __getitem__(self, i: int):
        k, t = self.index[i]
        return self.clips[k][:, :, t : t + CONTEXT].float(), self.targets[i]


def clip_features(manifest, split: str, limit: int | None = None):
    """Onset features and onset lists of the clips of a manifest split (first ``limit``)."""
    feats, onsets = [], []
    for item in manifest.split(split)[:limit]:
        y, sr = audio.load(manifest.audio_path(item), sr=SR)
        feats.append(onset_features(y, sr))
        onsets.append(item.labels["onsets"])
    return feats, onsets


def onset_scores(
    reference: list[np.ndarray], estimated: list[np.ndarray], window: float = 0.05
) -> dict[str, float]:
    """Mean mir_eval onset F-measure, precision and recall over clips.

    Lecture: evaluating event detection (a hit is an estimate within ±``window`` s).
    """
    import mir_eval

    if len(reference) != len(estimated) or not reference:
        raise ValueError(
            f"need one estimate per reference clip, got {len(reference)} and {len(estimated)}"
        )
    f, p, r = zip(
        *(
            mir_eval.onset.f_measure(np.asarray(ref, float), np.asarray(est, float), window=window)
            for ref, est in zip(reference, estimated)
        )
    )
    return {
        "f_measure": float(np.mean(f)),
        "precision": float(np.mean(p)),
        "recall": float(np.mean(r)),
    }


def build_task(
    config: str,
    *,
    root=None,
    seed: int = 0,
    lr: float = 1e-3,
    max_clips: int | None = None,
    num_epochs: int | None = None,
) -> TaskSetup:
    """Frame-wise onset classification on the rendered ``onsets`` dataset.

    ``smoke``: 24 training clips, 3 epochs (CPU, about a minute). ``full``: the 2,000-clip
    set (``max_clips`` caps it, e.g. for a CPU run), 30 epochs, for a GPU.
    """
    from ..data import load_dataset
    from ..data.datasets import make_loader

    sizes = {"smoke": ("smoke", 3, 256), "full": ("full", 30, 512)}
    if config not in sizes:
        raise ValueError(f"config must be one of {sorted(sizes)}, got {config!r}")
    size, epochs, batch = sizes[config]
    manifest = load_dataset("onsets", size=size, root=root, seed=seed)
    train = OnsetFrames(*clip_features(manifest, "train", max_clips))
    valid = OnsetFrames(
        *clip_features(manifest, "valid", max_clips), mean=train.mean, std=train.std
    )
    pos = float(train.targets.mean())
    pos_weight = torch.tensor((1 - pos) / max(pos, 1e-6))

    def loss_fn(logits, target):
        return torch.nn.functional.binary_cross_entropy_with_logits(
            logits, target.float(), pos_weight=pos_weight.to(logits.device)
        )

    torch.manual_seed(seed)
    return TaskSetup(
        name="onset",
        model=attach_preprocessing(OnsetCNN(), mean=train.mean, std=train.std),
        loss_fn=loss_fn,
        train_loader=make_loader(train, batch, shuffle=True, seed=seed),
        valid_loader=make_loader(valid, 2048),
        num_epochs=int(num_epochs or epochs),
        lr=float(lr),
        info={
            "sr": SR,
            "hop": HOP,
            "windows": WINDOWS,
            "mean": train.mean,
            "std": train.std,
            "positive_fraction": pos,
            "train_frames": len(train),
            "dataset": f"onsets/{size}",
        },
    )


def onset_activation(y: np.ndarray, sr: int, *, model=None, device=None) -> np.ndarray:
    """Frame-wise onset probability ``(n_frames,)`` at 22,050 / 220 frames per second.

    Runs on the model's device (or ``device``); the model's attached mean/std standardise the
    features (see :func:`course_lib.tasks.attach_preprocessing`).
    """
    features = onset_features(y, sr)
    model, device = resolve_model("onset_cnn", model, device)
    x = standardise(features, model)
    return run_model(model, x, device, lambda m, b: torch.sigmoid(m.forward_sequence(b)))


def detect_onsets(
    y: np.ndarray,
    sr: int,
    *,
    model: OnsetCNN | None = None,
    threshold: float | None = None,
    device=None,
) -> np.ndarray:
    """Onset times in seconds of a mono recording, with the shipped CNN.

    Lecture: event-level MIR (onset detection).

    Parameters
    ----------
    y : ndarray (n_samples,)
        Mono float audio (use ``course_lib.audio.to_mono`` for stereo), at least 0.1 s.
    sr : int
        Its sample rate; audio is resampled to 22,050 Hz when it differs.
    model : OnsetCNN, optional
        A trained model carrying its input normalisation (``TaskSetup.model``); default: the
        shipped checkpoint.
    threshold : float, optional
        Peak-picking threshold on the onset probability (default: the model's stored one,
        tuned on the validation split; 0.5 for a model without one).
    device : str or torch.device, optional
        Where to run the model (default: where it is).

    Returns
    -------
    ndarray of float, onset times in seconds, increasing (on the CPU).
    """
    model, device = resolve_model("onset_cnn", model, device)
    activation = onset_activation(y, sr, model=model, device=device)
    return pick_peaks(activation, threshold_of(model, threshold, 0.5))


def evaluate_detector(detect, manifest, split: str = "test", windows=(0.05, 0.025)):
    """Onset scores of ``detect(y, sr) -> times`` on a manifest split, per mir_eval window.

    Returns ``{window: {"f_measure", "precision", "recall"}}``.
    """
    refs, ests = [], []
    for item in manifest.split(split):
        y, sr = audio.load(manifest.audio_path(item))
        refs.append(np.asarray(item.labels["onsets"], float))
        ests.append(np.asarray(detect(y, sr), float))
    return {w: onset_scores(refs, ests, w) for w in windows}


def fit_threshold(model, manifest, split: str = "valid", *, device=None) -> tuple[float, float]:
    """Peak-picking threshold maximising the mean F-measure (±50 ms) on ``split``.

    Returns ``(threshold, f_measure)``; pass the threshold to :func:`detect_onsets`.
    """
    acts, refs = [], []
    for item in manifest.split(split):
        y, sr = audio.load(manifest.audio_path(item))
        acts.append(onset_activation(y, sr, model=model, device=device))
        refs.append(np.asarray(item.labels["onsets"], float))
    return fit_threshold_on(acts, refs)


def fit_threshold_on(
    activations: list[np.ndarray], references: list[np.ndarray]
) -> tuple[float, float]:
    """Peak-picking threshold (0.2-0.9 in steps of 0.05) maximising the mean F-measure at
    ±50 ms of :func:`pick_peaks` on these onset activations against their reference onsets.

    Returns ``(threshold, f_measure)``; :func:`fit_threshold` calls it on a manifest split.
    """
    if len(activations) != len(references) or not activations:
        raise ValueError(
            f"need one reference onset list per activation, got {len(activations)} "
            f"activations and {len(references)} references"
        )

    def score(t):
        return onset_scores(references, [pick_peaks(a, t) for a in activations])["f_measure"]

    return tune_threshold(score, np.arange(0.2, 0.95, 0.05))
