"""Frame-level lead-voice activity detection (a rendered stand-in for singing-voice detection).

Lecture: event-level MIR — singing-voice / lead-instrument detection. Every 10 ms frame of
a log-mel spectrogram (80 bands) is labelled "lead voice sounding" or not by
:class:`course_lib.models.instrument.ActivityCNN`; the rendered ``activity`` dataset plays a
lead melody in phrases over a chordal accompaniment, with lead programs in the test split
never heard in training. Scored frame by frame (accuracy, F1, precision, recall) against
:func:`energy_activity`, a band-energy threshold that knows nothing about timbre.
:func:`detect_activity` runs the shipped checkpoint.
"""

from __future__ import annotations

import numpy as np
import torch
from torch.utils.data import Dataset

from ..core import audio
from ..data.datasets import EpochSeeded
from ..models.instrument import ActivityCNN
from . import TaskSetup
from ._common import (
    attach_preprocessing,
    augment_spectrogram,
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
    "N_MELS",
    "activity_features",
    "ActivityClips",
    "activity_probability",
    "detect_activity",
    "energy_activity",
    "frame_scores",
    "evaluate_detector",
    "fit_threshold",
    "build_task",
    "render_varied_clips",
    "VARIED_ACCOMPANIMENT",
]

SR = 22050
HOP = 220  # 10 ms
N_MELS = 80


def activity_features(y: np.ndarray, sr: int = SR) -> np.ndarray:
    """Log-mel spectrogram ``(80, n_frames)`` at a 10 ms hop (resampled to 22,050 Hz)."""
    y = prepare_audio(y, sr, SR, 1024, "activity detection")
    S = audio.melspectrogram(y, SR, n_fft=1024, hop_length=HOP, n_mels=N_MELS, power=1.0)
    return audio.log_compress(S).astype(np.float32)


def _labels_at(manifest, item, n_frames: int) -> np.ndarray:
    from ..data.datasets import read_label_csv, sample_at

    t, a = read_label_csv(manifest.root / item.labels["activity"])
    return sample_at(t, a, np.arange(n_frames) * HOP / SR).astype(np.float32)


class ActivityClips(EpochSeeded, Dataset):
    """Standardised log-mel chunks ``(1, 80, chunk)`` with frame labels ``(chunk,)``.

    ``augment`` applies :func:`augment_spectrogram` to each training chunk. The chunk start
    and the augmentation of item ``i`` in epoch ``e`` are drawn from
    ``clip_rng(seed, e, i)`` (:func:`course_lib.data.datasets.clip_rng`).
    """

    def __init__(
        self,
        features,
        labels,
        chunk=200,
        mean=None,
        std=None,
        random=True,
        augment=False,
        seed: int = 0,
    ):
        if len(features) != len(labels) or not features:
            raise ValueError("need one label array per feature array, and at least one clip")
        if mean is None or std is None:
            stacked = np.concatenate(features, axis=1)
            mean, std = stacked.mean(1, keepdims=True), stacked.std(1, keepdims=True) + 1e-5
        self.mean, self.std = mean.astype(np.float32), std.astype(np.float32)
        self.features = [torch.from_numpy((F - self.mean) / self.std) for F in features]
        self.labels = [torch.from_numpy(a) for a in labels]
        self.chunk, self.random, self.augment = chunk, random, augment
        self.seed = int(seed)

    def __len__(self) -> int:
        return len(self.features)

    def __getitem__(self, i: int):
        F, a = self.features[i], self.labels[i]
        n = F.shape[1]
        rng = self.clip_rng(i)
        start = int(rng.integers(0, n - self.chunk + 1)) if self.random else 0
        x = F[None, :, start : start + self.chunk]
        if self.augment:
            x = augment_spectrogram(x, rng, tilt=1.0, gain=1.0, max_mask=10)
        return x, a[start : start + self.chunk]


def _load_split(manifest, split, limit=None):
    feats, labels = [], []
    for item in manifest.split(split)[:limit]:
        y, sr = audio.load(manifest.audio_path(item), sr=SR)
        F = activity_features(y, sr)
        feats.append(F)
        labels.append(_labels_at(manifest, item, F.shape[1]))
    return feats, labels


#: Accompaniment programs for :func:`render_varied_clips`: pianos, harpsichord, clavinet,
#: organs, guitars, harp, strings -- never the test split's electric pianos (4, 5).
VARIED_ACCOMPANIMENT = (0, 1, 2, 6, 7, 16, 19, 24, 25, 46, 48)


def render_varied_clips(n_clips: int, seed: int = 0, programs=VARIED_ACCOMPANIMENT):
    """Extra training clips: ``activity`` training clips re-rendered with the accompaniment
    played by a random program of ``programs`` (the dataset's training split always uses a
    piano). Returns ``(features, labels)`` lists like the dataset loader.

    Lecture: generalising to unheard accompaniments (more timbres in training).
    """
    from ..data.datasets import sample_at
    from ..data.generate import DATASETS, activity_from_notes, hash_name
    from ..data.render import render_notes

    spec = DATASETS["activity"]
    rng_program = np.random.default_rng(seed + 1)
    feats, labels = [], []
    for i in range(n_clips):
        rng = np.random.default_rng([seed + 7, hash_name("activity"), hash_name("train"), i])
        notes, bends, duration, extra = spec.make(rng, "train", i)
        lead = extra["_lead"]
        program = int(rng_program.choice(programs))
        lead_ids = {id(n) for n in lead}
        notes = [n if id(n) in lead_ids else n._replace(program=program) for n in notes]
        y = render_notes(notes, sr=spec.sr, duration=duration, pitch_bends=bends)
        F = activity_features(y, spec.sr)
        t, a = activity_from_notes(lead, duration)
        feats.append(F)
        labels.append(sample_at(t, a, np.arange(F.shape[1]) * HOP / SR).astype(np.float32))
    return feats, labels


def frame_scores(reference: np.ndarray, estimate: np.ndarray) -> dict[str, float]:
    """Frame accuracy, precision, recall and F1 of 0/1 activity (scikit-learn)."""
    from sklearn.metrics import precision_recall_fscore_support

    ref, est = np.asarray(reference).astype(int), np.asarray(estimate).astype(int)
    n = min(len(ref), len(est))
    p, r, f, _ = precision_recall_fscore_support(
        ref[:n], est[:n], average="binary", zero_division=0
    )
    return {
        "accuracy": float(np.mean(ref[:n] == est[:n])),
        "precision": float(p),
        "recall": float(r),
        "f1": float(f),
    }


def activity_probability(y: np.ndarray, sr: int, *, model=None, device=None) -> np.ndarray:
    """Lead-activity probability ``(n_frames,)`` every 10 ms, on the model's device."""
    F = activity_features(y, sr)
    model, device = resolve_model("activity_cnn", model, device)
    x = standardise(F, model)[None, None]
    return run_model(model, x, device, lambda m, b: torch.sigmoid(m(b)))[0]


def detect_activity(
    y: np.ndarray, sr: int, *, model=None, threshold: float | None = None, device=None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Frames where the lead voice sounds, with the shipped checkpoint.

    Lecture: event-level MIR (singing-voice / lead-instrument detection).

    Parameters
    ----------
    y : ndarray (n_samples,), mono float audio; resampled to 22,050 Hz when ``sr`` differs
    sr : int
    model : ActivityCNN, optional
        A trained model carrying its input normalisation (``TaskSetup.model``); default: the
        shipped checkpoint.
    threshold : float, optional
        Default: the model's stored one (tuned on the validation split), else 0.5.
    device : str or torch.device, optional
        Where to run the model (default: where it is).

    Returns
    -------
    times : ndarray (n_frames,), seconds, 10 ms apart
    active : ndarray of bool (n_frames,)
    probability : ndarray (n_frames,)
    """
    model, device = resolve_model("activity_cnn", model, device)
    p = activity_probability(y, sr, model=model, device=device)
    times = np.arange(len(p)) * HOP / SR
    return times, p >= threshold_of(model, threshold, 0.5), p


def energy_activity(y: np.ndarray, sr: int, fmin: float = 500.0) -> np.ndarray:
    """Baseline: frames whose mel energy above ``fmin`` exceeds the clip's median (0/1)."""
    y = prepare_audio(y, sr, SR, 1024, "activity detection")
    S = audio.melspectrogram(y, SR, n_fft=1024, hop_length=HOP, n_mels=N_MELS, fmin=fmin)
    e = audio.power_to_db(S.sum(0, keepdims=True))[0]
    return e > np.median(e)


def evaluate_detector(detect, manifest, split: str = "test", limit=None) -> dict[str, float]:
    """Mean frame scores of ``detect(y, sr) -> 0/1 per 10 ms frame`` over a manifest split."""
    rows = []
    for item in manifest.split(split)[:limit]:
        y, sr = audio.load(manifest.audio_path(item))
        est = np.asarray(detect(y, sr))
        rows.append(frame_scores(_labels_at(manifest, item, len(est)), est))
    return {k: float(np.mean([r[k] for r in rows])) for k in rows[0]}


def fit_threshold(model, manifest, split="valid", limit=None, *, device=None):
    """Threshold maximising the mean frame F1 on ``split``; returns ``(threshold, f1)``."""
    probs, refs = [], []
    for item in manifest.split(split)[:limit]:
        y, sr = audio.load(manifest.audio_path(item))
        p = activity_probability(y, sr, model=model, device=device)
        probs.append(p)
        refs.append(_labels_at(manifest, item, len(p)))

    def score(t):
        return np.mean([frame_scores(r, p >= t)["f1"] for r, p in zip(refs, probs)])

    return tune_threshold(score, np.arange(0.2, 0.85, 0.05))


def build_task(
    config: str,
    *,
    root=None,
    seed: int = 0,
    lr: float = 1e-3,
    max_clips: int | None = None,
    num_epochs: int | None = None,
    augment: bool = True,
    varied_clips: int = 0,
) -> TaskSetup:
    """Frame-wise lead-activity detection on the rendered ``activity`` dataset.

    ``smoke``: 24 training clips, 8 epochs of random 2-s chunks (CPU, seconds). ``full``
    (GPU): all 2,000 clips, 40 epochs. ``augment`` (default on) varies the timbre of the
    training chunks: the test split's accompaniment is an instrument never heard in training.
    ``varied_clips`` adds that many training clips re-rendered with other accompaniment
    programs (:func:`render_varied_clips`).
    """
    from ..data import load_dataset
    from ..data.datasets import make_loader

    settings = {"smoke": ("smoke", 8, 8), "full": ("full", 40, 32)}
    if config not in settings:
        raise ValueError(f"config must be one of {sorted(settings)}, got {config!r}")
    size, epochs, batch = settings[config]
    manifest = load_dataset("activity", size=size, root=root, seed=seed)
    feats, labels = _load_split(manifest, "train", max_clips)
    if varied_clips:
        f, lab = render_varied_clips(int(varied_clips), seed)
        feats, labels = feats + f, labels + lab
    train = ActivityClips(feats, labels, augment=augment, seed=seed)
    valid = ActivityClips(
        *_load_split(manifest, "valid", max_clips), mean=train.mean, std=train.std, random=False
    )

    def loss_fn(logits, target):
        return torch.nn.functional.binary_cross_entropy_with_logits(logits, target)

    def metrics_fn(logits, target):
        est = (logits > 0).numpy().ravel()
        return {"f1": frame_scores(target.numpy().ravel(), est)["f1"]}

    torch.manual_seed(seed)
    return TaskSetup(
        name="activity",
        model=attach_preprocessing(ActivityCNN(N_MELS), mean=train.mean, std=train.std),
        loss_fn=loss_fn,
        train_loader=make_loader(train, batch, shuffle=True, seed=seed),
        valid_loader=make_loader(valid, 32),
        num_epochs=int(num_epochs or epochs),
        lr=float(lr),
        metrics_fn=metrics_fn,
        monitor="valid_f1",
        mode="max",
        info={"sr": SR, "hop": HOP, "mean": train.mean, "std": train.std},
    )
