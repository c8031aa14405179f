"""Monophonic pitch estimation with a CREPE-like CNN: frames, targets, decoding, metrics.

Lecture: frame-level MIR — pitch estimation. Pipeline (Kim et al. 2018):

1. :func:`pitch_frames`: the audio at 16 kHz cut into 1024-sample frames every 10 ms, each
   centred on its time stamp and normalised to zero mean and unit variance;
2. :class:`course_lib.models.pitch.CREPE` outputs 360 pitch saliences (20-cent bins) per frame;
3. :func:`decode_pitch`: the most likely smooth path of bins through the frames
   (:func:`course_lib.models.pitch.viterbi_bins`, CREPE's Viterbi decoding), then the
   weighted average of the cents around it (:func:`course_lib.models.pitch.decode_cents`);
   the strongest salience is the *confidence*, median-filtered over 50 ms and thresholded
   for voicing.

Training targets are Gaussian-blurred one-hot vectors (standard deviation 25 cents) so that a
near miss costs less than an octave error; unvoiced frames have an all-zero target, which
teaches the network to stay silent (low confidence) there. :func:`estimate_pitch` runs the
shipped checkpoint; :func:`melody_scores` wraps mir_eval's melody metrics (raw pitch accuracy
RPA, raw chroma accuracy RCA, voicing recall and false alarm, overall accuracy).
"""

from __future__ import annotations

import numpy as np
import torch
from torch.utils.data import Dataset

from ..core import audio
from ..data.datasets import EpochSeeded
from ..models.pitch import (
    CREPE,
    FRAME_LENGTH,
    SR,
    bin_cents,
    cents_to_hz,
    decode_cents,
    hz_to_cents,
    viterbi_bins,
)
from . import TaskSetup
from ._common import prepare_audio, resolve_model, run_model, threshold_of, tune_threshold

__all__ = [
    "SR",
    "HOP",
    "pitch_frames",
    "pitch_target",
    "PitchFrames",
    "pitch_activation",
    "decode_pitch",
    "estimate_pitch",
    "melody_scores",
    "evaluate_estimator",
    "constant_estimator",
    "fit_voicing_threshold",
    "salience_loss",
    "frame_rpa",
    "build_task",
]

HOP = 160  # 10 ms at 16 kHz
TARGET_STD_CENTS = 25.0
DECODERS = ("viterbi", "argmax")
VOICING_MEDIAN_FRAMES = 5  # 50 ms: a one- or two-frame dip of confidence inside a note stays voiced


def pitch_frames(y: np.ndarray, sr: int = SR, hop_length: int = HOP) -> np.ndarray:
    """Normalised 1024-sample frames ``(n_frames, 1024)`` centred at ``k * hop_length``.

    Lecture: frame-level MIR (CREPE's input: raw waveform frames, 64 ms at 16 kHz).
    Audio at another rate is resampled to 16 kHz; ``n_frames = 1 + n // hop_length``.
    """
    y = prepare_audio(y, sr, SR, FRAME_LENGTH, "pitch estimation")
    padded = np.pad(y, FRAME_LENGTH // 2)
    n_frames = 1 + len(y) // hop_length
    frames = audio.frame(padded, FRAME_LENGTH, hop_length)[:n_frames]
    return CREPE.normalise(torch.from_numpy(np.ascontiguousarray(frames))).numpy()


def pitch_target(f0_hz, std_cents: float = TARGET_STD_CENTS) -> np.ndarray:
    """Gaussian-blurred pitch targets ``(n_frames, 360)``; all zero where ``f0_hz == 0``."""
    cents = hz_to_cents(np.atleast_1d(f0_hz))[:, None]
    target = np.exp(-((bin_cents()[None, :] - cents) ** 2) / (2 * std_cents**2))
    target[np.atleast_1d(f0_hz) <= 0] = 0.0
    return target.astype(np.float32)


class PitchFrames(EpochSeeded, Dataset):
    """CREPE training frames of the clips of a manifest split with their f0 targets.

    Lecture: frame-level MIR (pitch estimation as 360-way multi-label classification).

    Parameters
    ----------
    manifest : Manifest of the ``pitch`` dataset (16 kHz, ``f0`` label CSVs at 10 ms).
    split : str
    frame_step : int
        Keep every ``frame_step``-th labelled frame (neighbouring frames are near duplicates).
    limit : int, optional
        Use the first ``limit`` clips.
    noise_snr_db : (float, float), optional
        Add white noise at a random SNR in this range to each frame (training robustness).
    seed : int
        Item ``i`` of epoch ``e`` draws its noise from ``clip_rng(seed, e, i)``
        (:func:`course_lib.data.datasets.clip_rng`).
    """

    def __init__(self, manifest, split, frame_step=1, limit=None, noise_snr_db=None, seed=0):
        from ..data.datasets import read_label_csv

        self.clips, index, f0s = [], [], []
        for k, item in enumerate(manifest.split(split)[:limit]):
            y, _ = audio.load(manifest.audio_path(item), sr=SR)
            self.clips.append(torch.from_numpy(np.pad(y, FRAME_LENGTH // 2)))
            times, f0 = read_label_csv(manifest.root / item.labels["f0"])
            keep = np.arange(0, len(times), frame_step)
            starts = np.round(times[keep] * SR).astype(int)
            ok = starts + FRAME_LENGTH <= len(self.clips[-1])
            index.append(np.stack([np.full(ok.sum(), k), starts[ok]], axis=1))
            f0s.append(f0[keep][ok])
        if not self.clips:
            raise ValueError(f"{manifest.name} has no items in split {split!r}")
        self.index = np.concatenate(index)
        self.f0 = np.concatenate(f0s).astype(np.float32)
        self.noise_snr_db = noise_snr_db
        self.seed = int(seed)

    def __len__(self) -> int:
        return len(self.index)

    def __getitem__(self, i: int):
        k, start = self.index[i]
        frame = self.clips[k][start : start + FRAME_LENGTH].clone()
        if self.noise_snr_db is not None:
            rng = self.clip_rng(i)
            snr = float(rng.uniform(*self.noise_snr_db))
            power = float(frame.pow(2).mean()) + 1e-10
            noise = torch.from_numpy(rng.standard_normal(FRAME_LENGTH).astype(np.float32))
            frame += noise * np.sqrt(power / 10 ** (snr / 10))
        x = CREPE.normalise(frame[None])[0]
        return x, torch.from_numpy(pitch_target(self.f0[i])[0])


def melody_scores(ref_times, ref_f0, est_times, est_f0, est_voicing=None) -> dict[str, float]:
    """mir_eval melody metrics of one clip: RPA, RCA, voicing recall/false alarm, OA.

    Lecture: frame-level MIR (evaluating pitch estimates).

    ``ref_f0``/``est_f0`` in Hz with 0 for unvoiced frames; ``est_voicing`` (0/1 or a
    probability) lets RPA/RCA score the pitch of frames the estimator called unvoiced.
    """
    import mir_eval

    (ref_v, ref_c, est_v, est_c) = mir_eval.melody.to_cent_voicing(
        np.asarray(ref_times, float),
        np.asarray(ref_f0, float),
        np.asarray(est_times, float),
        np.asarray(est_f0, float),
        est_voicing=None if est_voicing is None else np.asarray(est_voicing, float),
    )
    return {
        "rpa": float(mir_eval.melody.raw_pitch_accuracy(ref_v, ref_c, est_v, est_c)),
        "rca": float(mir_eval.melody.raw_chroma_accuracy(ref_v, ref_c, est_v, est_c)),
        "voicing_recall": float(mir_eval.melody.voicing_recall(ref_v, est_v)),
        "voicing_false_alarm": float(mir_eval.melody.voicing_false_alarm(ref_v, est_v)),
        "overall_accuracy": float(mir_eval.melody.overall_accuracy(ref_v, ref_c, est_v, est_c)),
    }


def salience_loss(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Binary cross-entropy of each of the 360 bins against its blurred target (CREPE's loss)."""
    return torch.nn.functional.binary_cross_entropy_with_logits(logits, target)


def frame_rpa(logits: torch.Tensor, target: torch.Tensor) -> dict[str, float]:
    """Raw pitch accuracy of a batch of frames: share of voiced frames decoded within 50 cents.

    Voiced frames are those whose target peaks above 0.5; a batch without one scores 0.
    This is the validation metric the trainer prints (``valid_rpa``); mir_eval's clip-level
    metrics are :func:`melody_scores`.
    """
    voiced = target.amax(1) > 0.5
    if not voiced.any():
        return {"rpa": 0.0}
    est = decode_cents(torch.sigmoid(logits[voiced]).detach().cpu().numpy())
    ref = decode_cents(target[voiced].detach().cpu().numpy())
    return {"rpa": float(np.mean(np.abs(est - ref) <= 50))}


def pitch_activation(
    y: np.ndarray, sr: int, *, model=None, device=None, batch_size: int = 512
) -> np.ndarray:
    """Pitch saliences ``(n_frames, 360)`` every 10 ms (default: the shipped model), computed
    on the model's device (or ``device``) and returned on the CPU."""
    frames = pitch_frames(y, sr)
    model, device = resolve_model("crepe_tiny", model, device)
    return run_model(model, frames, device, lambda m, b: torch.sigmoid(m(b)), batch_size)


def decode_pitch(
    activation: np.ndarray, threshold: float, decoder: str = "viterbi"
) -> tuple[np.ndarray, np.ndarray]:
    """f0 and confidence per frame from the 360 pitch saliences.

    Lecture: frame-level MIR (decoding a pitch posterior).

    Parameters
    ----------
    activation : ndarray (n_frames, 360)
        Sigmoid saliences, e.g. from :func:`pitch_activation`.
    threshold : float
        Voicing threshold on the confidence; 0 keeps an f0 in every frame.
    decoder : {"viterbi", "argmax"}
        ``"viterbi"`` (default): the cents around the most likely smooth path of bins
        (:func:`course_lib.models.pitch.viterbi_bins`); ``"argmax"``: around each frame's
        strongest bin, frame by frame.

    Returns
    -------
    f0_hz : ndarray (n_frames,), 0 where the confidence is below ``threshold``
    confidence : ndarray (n_frames,), the strongest salience of each frame, median-filtered
        over :data:`VOICING_MEDIAN_FRAMES` frames
    """
    from scipy.ndimage import median_filter

    if decoder not in DECODERS:
        raise ValueError(f"decoder must be one of {DECODERS}, got {decoder!r}")
    activation = np.asarray(activation, dtype=float)
    centre = viterbi_bins(activation) if decoder == "viterbi" else None
    f0 = cents_to_hz(decode_cents(activation, centre=centre))
    confidence = median_filter(activation.max(axis=1), VOICING_MEDIAN_FRAMES, mode="nearest")
    return np.where(confidence >= threshold, f0, 0.0), confidence


def estimate_pitch(
    y: np.ndarray,
    sr: int,
    *,
    model: CREPE | None = None,
    threshold: float | None = None,
    decoder: str = "viterbi",
    device=None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """f0 every 10 ms of a monophonic recording, with the shipped CREPE-tiny checkpoint.

    Lecture: frame-level MIR (pitch estimation).

    Parameters
    ----------
    y : ndarray (n_samples,)
        Mono float audio, at least 64 ms; resampled to 16 kHz when ``sr`` differs.
    sr : int
    model : CREPE, optional
        Default: the shipped checkpoint.
    threshold : float, optional
        Voicing threshold: frames whose confidence is below it get f0 = 0 (unvoiced).
        Default: the model's stored threshold (tuned on the validation split), else 0.5;
        pass 0 to keep an f0 in every frame.
    decoder : {"viterbi", "argmax"}
        How the f0 is read from the saliences (:func:`decode_pitch`).
    device : str or torch.device, optional
        Where to run the model (default: where it is).

    Returns
    -------
    times : ndarray (n_frames,), seconds (frame centres, 10 ms apart)
    f0_hz : ndarray (n_frames,), Hz; 0 where unvoiced
    confidence : ndarray (n_frames,), the strongest salience in [0, 1] (median over 50 ms)
    """
    if decoder not in DECODERS:
        raise ValueError(f"decoder must be one of {DECODERS}, got {decoder!r}")
    model, device = resolve_model("crepe_tiny", model, device)
    activation = pitch_activation(y, sr, model=model, device=device)
    f0, confidence = decode_pitch(activation, threshold_of(model, threshold, 0.5), decoder)
    times = np.arange(len(f0)) * HOP / SR
    return times, f0, confidence


def evaluate_estimator(estimate, manifest, split: str = "test", limit=None) -> dict[str, float]:
    """Mean melody metrics of ``estimate(y, sr) -> (times, f0_hz)`` over a manifest split."""
    from ..data.datasets import read_label_csv

    rows = []
    for item in manifest.split(split)[:limit]:
        y, sr = audio.load(manifest.audio_path(item))
        times, f0 = estimate(y, sr)[:2]
        ref_t, ref_f = read_label_csv(manifest.root / item.labels["f0"])
        rows.append(melody_scores(ref_t, ref_f, times, f0))
    return {k: float(np.mean([r[k] for r in rows])) for k in rows[0]}


def constant_estimator(manifest, split: str = "train"):
    """A chance level for pitch: ``estimate(y, sr)`` that answers one pitch in every frame.

    Lecture: frame-level MIR (what a model that learned nothing scores). The pitch is the
    median f0 of the voiced frames of ``split`` (the training clips by default), every frame
    is called voiced, and the times are on the course's 10 ms grid.
    """
    from ..data.datasets import read_label_csv

    voiced = []
    for item in manifest.split(split):
        f0 = read_label_csv(manifest.root / item.labels["f0"])[1]
        voiced.append(f0[f0 > 0])
    if not voiced or not sum(len(v) for v in voiced):
        raise ValueError(f"split {split!r} of {manifest.root} has no voiced frame to take f0 from")
    f0_hz = float(np.median(np.concatenate(voiced)))

    def estimate(y: np.ndarray, sr: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        times = np.arange(1 + len(y) * SR // (sr * HOP)) * HOP / SR
        return times, np.full(len(times), f0_hz), np.ones(len(times))

    return estimate


def fit_voicing_threshold(
    model, manifest, split: str = "valid", limit: int | None = None, *, device=None
) -> tuple[float, float]:
    """Voicing threshold maximising the overall accuracy on (the first ``limit`` clips of)
    ``split``."""
    from ..data.datasets import read_label_csv

    clips = []
    for item in manifest.split(split)[:limit]:
        y, sr = audio.load(manifest.audio_path(item))
        act = pitch_activation(y, sr, model=model, device=device)
        clips.append((*decode_pitch(act, 0.0), item))  # the f0 and confidence estimate_pitch uses

    def score(t):
        rows = []
        for f0, conf, item in clips:
            ref_t, ref_f = read_label_csv(manifest.root / item.labels["f0"])
            est = np.where(conf >= t, f0, 0.0)
            rows.append(melody_scores(ref_t, ref_f, np.arange(len(f0)) * HOP / SR, est))
        return np.mean([r["overall_accuracy"] for r in rows])

    return tune_threshold(score, np.arange(0.1, 0.9, 0.05))


def build_task(
    config: str,
    *,
    root=None,
    seed: int = 0,
    lr: float = 1e-3,
    capacity: str | None = None,
    max_clips: int | None = None,
    num_epochs: int | None = None,
    frame_step: int | None = None,
    batch_size: int | None = None,
) -> TaskSetup:
    """CREPE training on the rendered ``pitch`` dataset.

    ``smoke``: CREPE-tiny, every 6th frame of the 24 training clips, 2 epochs (CPU).
    ``full`` (GPU): CREPE-full on every 2nd frame of the 2,000 clips, 30 epochs, noise
    augmentation (SNR 10-40 dB). ``capacity``, ``max_clips``, ``frame_step``, ``num_epochs``
    and ``batch_size`` override the configuration (e.g. for a CPU run).
    """
    from ..data import load_dataset
    from ..data.datasets import make_loader

    settings = {
        "smoke": {"size": "smoke", "capacity": "tiny", "step": 6, "epochs": 2, "batch": 64},
        "full": {"size": "full", "capacity": "full", "step": 2, "epochs": 30, "batch": 256},
    }
    if config not in settings:
        raise ValueError(f"config must be one of {sorted(settings)}, got {config!r}")
    s = settings[config]
    manifest = load_dataset("pitch", size=s["size"], root=root, seed=seed)
    step = int(frame_step or s["step"])
    noise = None if config == "smoke" else (10.0, 40.0)
    train = PitchFrames(manifest, "train", step, max_clips, noise_snr_db=noise, seed=seed)
    valid = PitchFrames(manifest, "valid", 3 * step, max_clips)

    torch.manual_seed(seed)
    return TaskSetup(
        name="pitch",
        model=CREPE(capacity or s["capacity"]),
        loss_fn=salience_loss,
        train_loader=make_loader(train, int(batch_size or s["batch"]), shuffle=True, seed=seed),
        valid_loader=make_loader(valid, 512),
        num_epochs=int(num_epochs or s["epochs"]),
        lr=float(lr),
        metrics_fn=frame_rpa,
        monitor="valid_rpa",
        mode="max",
        info={"sr": SR, "hop": HOP, "train_frames": len(train), "dataset": f"pitch/{s['size']}"},
    )
