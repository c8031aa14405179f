"""Multiple-F0 estimation with a deep-salience CNN on a harmonic CQT.

Lecture: frame-level MIR — multiple F0 (Bittner et al. 2017). Pipeline:

1. :func:`multif0_features`: the HCQT (:func:`course_lib.audio.hcqt`: harmonics 0.5-5 of
   32.7 Hz, 60 bins per octave over 6 octaves, hop 256 at 22,050 Hz = 11.6 ms), scaled from
   [-80, 0] dB to [0, 1];
2. :class:`course_lib.models.salience.DeepSalience` turns it into a salience map
   ``(360, n_frames)``: how likely each 20-cent bin is an active f0 in each frame;
3. :func:`salience_to_multi_f0`: in each frame, the local maxima over frequency above a
   threshold are the estimated f0s.

The training target is the piano roll of the score on the 360-bin grid, blurred by one bin.
:func:`multipitch_scores` wraps ``mir_eval.multipitch`` (accuracy, precision, recall);
:func:`estimate_multi_f0` runs the shipped checkpoint.
"""

from __future__ import annotations

import numpy as np
import torch
from torch.utils.data import Dataset

from ..core import audio
from ..data.datasets import EpochSeeded
from ..models.salience import WIDTHS, DeepSalience
from . import TaskSetup
from ._common import prepare_audio, resolve_model, run_model, threshold_of, tune_threshold

__all__ = [
    "SR",
    "HOP",
    "FMIN",
    "BINS_PER_OCTAVE",
    "N_BINS",
    "HARMONICS",
    "bin_frequencies",
    "multif0_features",
    "salience_target",
    "notes_to_multi_f0",
    "salience_to_multi_f0",
    "SaliencePatches",
    "salience_map",
    "estimate_multi_f0",
    "multipitch_scores",
    "evaluate_estimator",
    "clip_multipitch_scores",
    "constant_estimator",
    "fit_threshold",
    "build_task",
]

SR = 22050
HOP = 256  # 11.6 ms
FMIN = 32.70  # C1 = MIDI 24
BINS_PER_OCTAVE = 60  # 5 bins (20 cents) per semitone
N_OCTAVES = 6
N_BINS = BINS_PER_OCTAVE * N_OCTAVES
HARMONICS = (0.5, 1, 2, 3, 4, 5)
_MIDI_FMIN = 24


def bin_frequencies() -> np.ndarray:
    """Centre frequency (Hz) of each of the 360 salience bins."""
    return FMIN * 2 ** (np.arange(N_BINS) / BINS_PER_OCTAVE)


def multif0_features(y: np.ndarray, sr: int = SR) -> np.ndarray:
    """HCQT input ``(6, 360, n_frames)`` in [0, 1] (resampled to 22,050 Hz first).

    Lecture: frame-level MIR (the harmonic CQT lines up the harmonics of each f0 as channels).
    """
    y = prepare_audio(y, sr, SR, 4 * HOP, "multiple-F0 estimation")
    H = audio.hcqt(
        y,
        SR,
        hop_length=HOP,
        fmin=FMIN,
        n_octaves=N_OCTAVES,
        bins_per_octave=BINS_PER_OCTAVE,
        harmonics=HARMONICS,
    )
    return ((H + 80.0) / 80.0).astype(np.float32)


def notes_to_multi_f0(notes, times: np.ndarray) -> list[np.ndarray]:
    """Frame-wise f0 sets (Hz) at ``times`` from ``(onset_s, offset_s, midi_pitch, ...)`` rows.

    Lecture: frame-level MIR (a score as the multi-pitch reference).
    """
    out: list[list[float]] = [[] for _ in times]
    for onset, offset, pitch, *_ in notes:
        hz = 440.0 * 2 ** ((float(pitch) - 69) / 12)
        for k in np.flatnonzero((times >= onset) & (times < offset)):
            out[k].append(hz)
    return [np.array(sorted(f)) for f in out]


def salience_target(notes, n_frames: int, blur_bins: float = 1.0) -> np.ndarray:
    """Target salience ``(360, n_frames)``: each sounding note's bin, Gaussian-blurred."""
    times = np.arange(n_frames) * HOP / SR
    target = np.zeros((N_BINS, n_frames), dtype=np.float32)
    grid = np.arange(N_BINS)[:, None]
    for onset, offset, pitch, *_ in notes:
        k = (float(pitch) - _MIDI_FMIN) * BINS_PER_OCTAVE / 12
        active = (times >= onset) & (times < offset)
        if not active.any() or not -3 <= k < N_BINS + 3:
            continue
        bump = np.exp(-((grid - k) ** 2) / (2 * blur_bins**2))  # (360, 1)
        target[:, active] = np.maximum(target[:, active], bump)
    return target


def salience_to_multi_f0(
    S: np.ndarray, threshold: float = 0.3
) -> tuple[np.ndarray, list[np.ndarray]]:
    """Peak-pick a salience map ``(360, n_frames)``: ``(times, list of f0 arrays in Hz)``.

    Lecture: frame-level MIR (decoding: local maxima over frequency above ``threshold``).
    """
    S = np.asarray(S)
    if S.ndim != 2 or S.shape[0] != N_BINS:
        raise ValueError(f"salience must be ({N_BINS}, n_frames), got shape {S.shape}")
    padded = np.pad(S, ((1, 1), (0, 0)), constant_values=-np.inf)
    peaks = (S > padded[:-2]) & (S >= padded[2:]) & (S >= threshold)
    freqs = bin_frequencies()
    times = np.arange(S.shape[1]) * HOP / SR
    return times, [freqs[peaks[:, t]] for t in range(S.shape[1])]


class SaliencePatches(EpochSeeded, Dataset):
    """Random ``(6, 360, patch)`` HCQT patches with their target salience (training).

    Lecture: frame-level MIR (deep salience trained on short patches, as in the paper).

    ``features``/``targets`` are per-clip arrays; each epoch draws ``patches_per_clip``
    random patches from every clip; item ``i`` of epoch ``e`` takes its patch start from
    ``clip_rng(seed, e, i)`` (:func:`course_lib.data.datasets.clip_rng`).
    """

    def __init__(self, features, targets, patch: int = 50, patches_per_clip: int = 4, seed=0):
        if len(features) != len(targets) or not features:
            raise ValueError("need one target per feature array, and at least one clip")
        self.features = [torch.from_numpy(F.astype(np.float16)) for F in features]
        self.targets = [torch.from_numpy(T.astype(np.float16)) for T in targets]
        self.patch, self.per_clip = patch, patches_per_clip
        self.seed = int(seed)

    def __len__(self) -> int:
        return len(self.features) * self.per_clip

    def __getitem__(self, i: int):
        F, T = self.features[i // self.per_clip], self.targets[i // self.per_clip]
        n = F.shape[-1]
        if n <= self.patch:
            pad = self.patch - n
            return (
                torch.nn.functional.pad(F.float(), (0, pad)),
                torch.nn.functional.pad(T.float(), (0, pad)),
            )
        start = int(self.clip_rng(i).integers(0, n - self.patch + 1))
        window = slice(start, start + self.patch)
        return F[..., window].float(), T[:, window].float()


def clip_features(manifest, split: str, limit: int | None = None):
    """HCQT features and target saliences of the clips of a manifest split."""
    feats, targets, notes = [], [], []
    for item in manifest.split(split)[:limit]:
        y, sr = audio.load(manifest.audio_path(item), sr=SR)
        F = multif0_features(y, sr)
        feats.append(F)
        targets.append(salience_target(item.labels["notes"], F.shape[-1]))
        notes.append(item.labels["notes"])
    return feats, targets, notes


def multipitch_scores(ref_times, ref_freqs, est_times, est_freqs) -> dict[str, float]:
    """mir_eval multi-pitch metrics of one clip: accuracy, precision, recall (±50 cents).

    Lecture: frame-level MIR (evaluating multiple-F0 estimates). Estimates on another time
    grid than the reference (the HCQT's 11.6 ms frames against labels every 10 ms) are
    resampled to the reference times by mir_eval, as intended, without its warning; an
    untrained model's empty estimate scores 0 (its recall says so) without one warning per clip.
    """
    import warnings

    import mir_eval

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Estimate times not equal to reference times")
        warnings.filterwarnings("ignore", message="Estimate frequencies are all empty")
        scores = mir_eval.multipitch.evaluate(
            np.asarray(ref_times, float),
            list(ref_freqs),
            np.asarray(est_times, float),
            list(est_freqs),
        )
    return {
        "accuracy": float(scores["Accuracy"]),
        "precision": float(scores["Precision"]),
        "recall": float(scores["Recall"]),
    }


def salience_map(y_or_features, sr: int | None = SR, *, model=None, device=None) -> np.ndarray:
    """Salience ``(360, n_frames)`` in [0, 1] of audio (or of precomputed HCQT features when
    ``sr`` is None), computed on the model's device (or ``device``), returned on the CPU."""
    if sr is None:
        F = np.asarray(y_or_features, dtype=np.float32)
    else:
        F = multif0_features(y_or_features, sr)
    model, device = resolve_model("salience_small", model, device)
    return run_model(model, F[None], device, lambda m, b: torch.sigmoid(m(b)))[0]


def estimate_multi_f0(
    y: np.ndarray,
    sr: int,
    *,
    model: DeepSalience | None = None,
    threshold: float | None = None,
    device=None,
) -> tuple[np.ndarray, list[np.ndarray]]:
    """Frame-wise sets of f0s of polyphonic audio, with the shipped deep-salience checkpoint.

    Lecture: frame-level MIR (multiple-F0 estimation).

    Parameters
    ----------
    y : ndarray (n_samples,)
        Mono float audio, at least 50 ms; resampled to 22,050 Hz when ``sr`` differs.
    sr : int
    model : DeepSalience, optional
        Default: the shipped checkpoint.
    threshold : float, optional
        Salience threshold of the peak picking (default: the model's stored one, tuned on the
        validation split; 0.3 for a model without one).
    device : str or torch.device, optional
        Where to run the model (default: where it is).

    Returns
    -------
    times : ndarray (n_frames,), seconds (11.6 ms apart)
    f0s : list of ndarrays, the f0s (Hz) active in each frame (possibly empty)
    """
    model, device = resolve_model("salience_small", model, device)
    S = salience_map(y, sr, model=model, device=device)
    return salience_to_multi_f0(S, threshold_of(model, threshold, 0.3))


def evaluate_estimator(estimate, manifest, split: str = "test", limit=None) -> dict[str, float]:
    """Mean multi-pitch metrics of ``estimate(y, sr) -> (times, f0s)`` over a manifest split."""
    rows = []
    for item in manifest.split(split)[:limit]:
        y, sr = audio.load(manifest.audio_path(item))
        rows.append(clip_multipitch_scores(estimate, y, sr, item.labels["notes"]))
    return {k: float(np.mean([r[k] for r in rows])) for k in rows[0]}


def clip_multipitch_scores(estimate, y: np.ndarray, sr: int, notes) -> dict[str, float]:
    """:func:`multipitch_scores` of ``estimate(y, sr) -> (times, f0s)`` on one clip, against
    its ``notes`` (``(onset_s, offset_s, midi_pitch, ...)`` rows) sampled every 10 ms."""
    times, f0s = estimate(y, sr)
    ref_t = np.arange(int(len(y) / sr / 0.01)) * 0.01
    return multipitch_scores(ref_t, notes_to_multi_f0(notes, ref_t), times, f0s)


def constant_estimator(manifest, split: str = "train", n_pitches: int = 4):
    """A chance level for multiple F0: the same ``n_pitches`` f0s in every frame.

    Lecture: frame-level MIR (what a model that learned nothing scores). The pitches are the
    ``n_pitches`` MIDI notes that sound longest in ``split`` (the training clips by default;
    four for four-voice chorales); frames on the course's HCQT grid.
    """
    from collections import Counter

    held: Counter = Counter()
    for item in manifest.split(split):
        for onset, offset, pitch, *_ in item.labels["notes"]:
            held[int(round(pitch))] += offset - onset
    if not held:
        raise ValueError(f"split {split!r} of {manifest.root} has no notes")
    f0s = np.array([440.0 * 2 ** ((p - 69) / 12) for p, _ in held.most_common(n_pitches)])

    def estimate(y: np.ndarray, sr: int) -> tuple[np.ndarray, list[np.ndarray]]:
        times = np.arange(1 + len(y) * SR // (sr * HOP)) * HOP / SR
        return times, [f0s] * len(times)

    return estimate


def fit_threshold(model, features, notes, *, device=None) -> tuple[float, float]:
    """Peak-picking threshold maximising the mean multi-pitch accuracy on given clips
    (HCQT ``features`` and their ``notes``); returns ``(threshold, accuracy)``."""
    maps = [salience_map(F, None, model=model, device=device) for F in features]

    def score(t):
        rows = []
        for S, clip_notes in zip(maps, notes):
            times, f0s = salience_to_multi_f0(S, t)
            ref = notes_to_multi_f0(clip_notes, times)
            rows.append(multipitch_scores(times, ref, times, f0s)["accuracy"])
        return np.mean(rows)

    return tune_threshold(score, np.arange(0.1, 0.8, 0.05))


def build_task(
    config: str,
    *,
    root=None,
    seed: int = 0,
    lr: float | None = None,
    size: str | None = None,
    max_clips: int | None = None,
    num_epochs: int | None = None,
    patches_per_clip: int = 4,
    data_size: str | None = None,
    n_seeds: int = 1,
) -> TaskSetup:
    """Deep-salience training on the rendered ``multif0`` dataset (Bach chorales).

    ``smoke``: the ``tiny`` widths on 8 training clips, 4 epochs at a learning rate of 3e-3
    (CPU; the HCQT takes most of the time). ``full`` (GPU): the paper's widths on all 2,000
    clips, 50 epochs at 1e-3.
    ``size`` (model widths: ``full``/``small``/``tiny``), ``max_clips`` and ``num_epochs``
    override; ``data_size`` picks the dataset size and ``n_seeds`` pools the training clips of
    that many renderings (seeds ``seed``, ``seed + 1``, ...: other chorale excerpts, same
    instruments), a cheap way to more data than the smoke size without rendering the full one.
    """
    from ..data import load_dataset
    from ..data.datasets import make_loader

    settings = {
        "smoke": {"data": "smoke", "size": "tiny", "clips": 8, "epochs": 4, "batch": 8, "lr": 3e-3},
        "full": {
            "data": "full",
            "size": "full",
            "clips": None,
            "epochs": 50,
            "batch": 16,
            "lr": 1e-3,
        },
    }
    if config not in settings:
        raise ValueError(f"config must be one of {sorted(settings)}, got {config!r}")
    s = settings[config]
    widths = WIDTHS[size or s["size"]]
    data = data_size or s["data"]
    manifest = load_dataset("multif0", size=data, root=root, seed=seed)
    limit = max_clips or s["clips"]
    feats, targets = [], []
    for k in range(int(n_seeds)):
        m = manifest if k == 0 else load_dataset("multif0", size=data, root=root, seed=seed + k)
        f, t, _ = clip_features(m, "train", limit)
        feats, targets = feats + f, targets + t
    train = SaliencePatches(feats, targets, patches_per_clip=patches_per_clip, seed=seed)
    v_feats, v_targets, v_notes = clip_features(manifest, "valid", max(2, (limit or 200) // 5))
    valid = SaliencePatches(v_feats, v_targets, patches_per_clip=1, seed=seed + 1)
    valid.notes = v_notes  # for tuning the peak-picking threshold on whole clips

    def loss_fn(logits, target):
        return torch.nn.functional.binary_cross_entropy_with_logits(logits, target)

    torch.manual_seed(seed)
    return TaskSetup(
        name="multif0",
        model=DeepSalience(widths=widths),
        loss_fn=loss_fn,
        train_loader=make_loader(train, s["batch"], shuffle=True, seed=seed),
        valid_loader=make_loader(valid, 16),
        num_epochs=int(num_epochs or s["epochs"]),
        lr=float(lr or s["lr"]),
        info={
            "sr": SR,
            "hop": HOP,
            "widths": widths,
            "train_clips": len(feats),
            "dataset": f"multif0/{data} x {n_seeds} seeds",
        },
    )
