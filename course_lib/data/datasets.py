"""PyTorch datasets over manifests: clips, chunks, frame-level targets and augmentation.

Lecture: training CNNs for MIR tasks — semantic-level tasks train on random chunks of a clip
and evaluate on sliding windows; event- and frame-level tasks need targets aligned to the
spectrogram frames (onsets, f0, activity, pitch sets).
"""

from __future__ import annotations

import inspect
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset

from ..core import audio
from .manifest import Item, Manifest

__all__ = [
    "clip_rng",
    "EpochSeeded",
    "set_epoch",
    "ClipDataset",
    "Augment",
    "MixDataset",
    "sliding_windows",
    "class_target",
    "multilabel_target",
    "onset_target",
    "pianoroll_target",
    "frame_target",
    "n_frames_for",
    "read_label_csv",
    "read_csv_table",
    "sample_at",
    "make_loader",
]


def _seed_word(value: int | str) -> int:
    if isinstance(value, str):
        return zlib.crc32(value.encode())
    word = int(value)
    if word < 0:
        raise ValueError(f"clip_rng seeds, epochs, indices and salts must be >= 0, got {value}")
    return word


def clip_rng(seed: int, epoch: int, index: int, *salt: int | str) -> np.random.Generator:
    """The random generator of training example ``index`` in epoch ``epoch`` of a run.

    Lecture: training CNNs for music (reproducible random chunks and augmentation). Every
    random draw of a training example (chunk start, augmentation, added noise) comes from
    this generator, so it depends only on ``(seed, epoch, index)``: not on the order the
    examples are read in, on the DataLoader worker that reads them, or on how many examples
    came before. A run resumed from a checkpoint therefore draws exactly what the
    uninterrupted run would have drawn.

    Parameters
    ----------
    seed : int
        The dataset's seed (``build_task(..., seed=...)``), >= 0.
    epoch : int
        The epoch, from 0 (set by :meth:`EpochSeeded.set_epoch`; the trainer calls it).
    index : int
        The example's index in the dataset.
    *salt : int or str
        Extra words that give independent streams for the same example (e.g. ``"mix"``).

    Returns
    -------
    numpy.random.Generator
        ``np.random.default_rng(np.random.SeedSequence([seed, epoch, index, *salt]))``
        (strings hashed with CRC-32).
    """
    words = [_seed_word(seed), _seed_word(epoch), _seed_word(index)]
    words += [_seed_word(s) for s in salt]
    return np.random.default_rng(np.random.SeedSequence(words))


class EpochSeeded:
    """Mixin of the datasets that draw random examples: a ``seed``, an ``epoch`` and
    :meth:`clip_rng`.

    Lecture: training CNNs for music (reproducible random chunks and augmentation).
    :class:`course_lib.train.Trainer` calls :meth:`set_epoch` on its training loader's
    dataset (and on the datasets it wraps) before every epoch, as PyTorch's
    ``DistributedSampler.set_epoch`` does for the shuffle.
    """

    seed: int = 0
    epoch: int = 0

    def set_epoch(self, epoch: int) -> None:
        """Draw the random examples of epoch ``epoch`` (from 0) from now on."""
        self.epoch = _seed_word(epoch)

    def clip_rng(self, index: int, *salt: int | str) -> np.random.Generator:
        """:func:`clip_rng` of example ``index`` at this dataset's seed and epoch."""
        return clip_rng(self.seed, self.epoch, int(index), *salt)


def class_target(key: str, classes: Sequence[str]) -> Callable[[Manifest, Item, int, int], int]:
    """Target function: index of ``item.labels[key]`` in ``classes`` (single-label)."""
    index = {c: i for i, c in enumerate(classes)}

    def target(_m: Manifest, item: Item, _start: int, _n: int) -> torch.Tensor:
        return torch.tensor(index[item.labels[key]])

    return target


def multilabel_target(key: str, classes: Sequence[str]):
    """Target function: multi-hot vector over ``classes`` from ``item.labels[key]``."""
    index = {c: i for i, c in enumerate(classes)}

    def target(_m: Manifest, item: Item, _start: int, _n: int) -> torch.Tensor:
        y = torch.zeros(len(classes))
        y[[index[t] for t in item.labels[key] if t in index]] = 1.0
        return y

    return target


def onset_target(
    onsets: Sequence[float],
    n_frames: int,
    sr: int,
    hop_length: int,
    start: float = 0.0,
    widen: int = 0,
) -> np.ndarray:
    """Frame-wise onset target: 1 at the frame nearest each onset (``widen`` frames around)."""
    y = np.zeros(n_frames, dtype=np.float32)
    frames = np.round((np.asarray(onsets) - start) * sr / hop_length).astype(int)
    for f in frames:
        lo, hi = max(f - widen, 0), min(f + widen + 1, n_frames)
        if lo < hi:
            y[lo:hi] = 1.0
    return y


def pianoroll_target(
    notes: Sequence[Sequence[float]],
    n_frames: int,
    sr: int,
    hop_length: int,
    lowest: int = 21,
    n_pitches: int = 88,
    start: float = 0.0,
) -> np.ndarray:
    """Frame-wise multi-pitch target ``(n_pitches, n_frames)`` from ``[onset, offset, pitch]``.

    Frame ``t`` is at ``start + t * hop_length / sr`` seconds; row ``k`` is MIDI pitch
    ``lowest + k`` (default: the 88 piano keys).
    """
    roll = np.zeros((n_pitches, n_frames), dtype=np.float32)
    times = start + np.arange(n_frames) * hop_length / sr
    for onset, offset, pitch in notes:
        k = int(pitch) - lowest
        if 0 <= k < n_pitches:
            roll[k, (times >= onset) & (times < offset)] = 1.0
    return roll


def n_frames_for(n_samples: int, hop_length: int) -> int:
    """Frames of a centred STFT/mel of ``n_samples``: ``1 + n_samples // hop_length``."""
    return 1 + int(n_samples) // int(hop_length)


FRAME_KEYS = ("onsets", "f0", "activity", "notes")


def frame_target(key: str, hop_length: int, widen: int = 0, lowest: int = 21, n_pitches: int = 88):
    """Target function for :class:`ClipDataset`: a frame-level label aligned to the hop.

    Lecture: event- and frame-level MIR tasks — one target per spectrogram frame. The frames
    are those of ``course_lib.audio.melspectrogram(y, sr, hop_length=hop_length)`` on the
    (chunk of) audio returned with it: ``1 + n_samples // hop_length`` frames, frame ``t``
    centred at ``(start + t * hop_length) / sr`` seconds of the clip.

    Parameters
    ----------
    key : {"onsets", "f0", "activity", "notes"}
        ``"onsets"``: 1.0 at the frame nearest each onset (``widen`` frames on each side),
        shape ``(n_frames,)``; ``"f0"``: Hz (0 = unvoiced), ``(n_frames,)``; ``"activity"``:
        0/1, ``(n_frames,)``; ``"notes"``: piano roll ``(n_pitches, n_frames)`` from
        ``lowest``.
    hop_length : int
        Samples between frames, at the manifest's sample rate.

    Returns
    -------
    callable ``(manifest, item, start_sample, n_samples) -> Tensor`` (float32)
    """
    if key not in FRAME_KEYS:
        raise ValueError(f"key must be one of {FRAME_KEYS}, got {key!r}")
    if isinstance(hop_length, bool) or not isinstance(hop_length, (int, np.integer)):
        raise ValueError(f"hop_length must be an int number of samples, got {hop_length!r}")
    if hop_length < 1:
        raise ValueError(f"hop_length must be positive, got {hop_length}")
    curves: dict[str, tuple[np.ndarray, np.ndarray]] = {}  # label files read once

    def target(manifest: Manifest, item: Item, start: int, n: int) -> torch.Tensor:
        sr, n_frames = manifest.sr, n_frames_for(n, hop_length)
        t0 = start / sr
        if key == "onsets":
            y = onset_target(item.labels["onsets"], n_frames, sr, hop_length, t0, widen)
        elif key == "notes":
            y = pianoroll_target(
                item.labels["notes"], n_frames, sr, hop_length, lowest, n_pitches, t0
            )
        else:
            path = str(manifest.label_path(item, key))
            if path not in curves:
                curves[path] = read_label_csv(path)
            times, values = curves[path]
            y = sample_at(times, values, t0 + np.arange(n_frames) * hop_length / sr)
        return torch.from_numpy(np.asarray(y, dtype=np.float32))

    return target


def _header_rows(path) -> int:
    """1 if the first line of a CSV file is a header (not all numbers), else 0."""
    with open(path) as f:
        first = f.readline()
    try:
        [float(v) for v in first.split(",")]
    except ValueError:
        return 1
    return 0


def read_csv_table(path) -> np.ndarray:
    """A numeric CSV file as a 2-D float array ``(n_rows, n_columns)``, with or without a
    header line (a first line that is not all numbers is skipped).

    Lecture: training CNNs for MIR tasks (frame labels stored as CSV). Raises ``ValueError``
    (NumPy's) for a non-numeric row.
    """
    return np.loadtxt(path, delimiter=",", skiprows=_header_rows(path), ndmin=2)


def read_label_csv(path) -> tuple[np.ndarray, np.ndarray]:
    """Read a ``time_s,value`` label file (f0 in Hz or 0/1 activity), with or without header."""
    data = read_csv_table(path)
    return data[:, 0], data[:, 1]


def sample_at(times: np.ndarray, values: np.ndarray, query: np.ndarray) -> np.ndarray:
    """Nearest-label value at each query time (labels hold between their frames)."""
    idx = np.clip(np.searchsorted(times, query - 1e-9), 0, len(times) - 1)
    prev = np.clip(idx - 1, 0, len(times) - 1)
    use_prev = np.abs(times[prev] - query) < np.abs(times[idx] - query)
    return values[np.where(use_prev, prev, idx)]


@dataclass
class Augment:
    """Random gain and additive noise applied to training audio (labels unchanged).

    Parameters
    ----------
    gain_db : (float, float)
        Range of a random gain in dB.
    noise_snr_db : (float, float) or None
        Range of the signal-to-noise ratio of added white noise; ``None`` adds none.
    time_shift : float
        Maximum circular shift in seconds (for clip-level labels only: frame labels would
        move).
    pitch_shift : float
        Maximum pitch shift in semitones (torchaudio phase vocoder; for labels that do not
        depend on pitch, e.g. genre or instrument).
    sr : int
        Sample rate of the audio (Hz), for the shifts.

    Notes
    -----
    Random draws come from the generator passed as ``rng`` (:class:`ClipDataset` passes the
    example's :func:`clip_rng`); without one, from a generator seeded by torch's global RNG
    (so ``torch.manual_seed`` repeats a call).
    """

    gain_db: tuple[float, float] = (-6.0, 6.0)
    noise_snr_db: tuple[float, float] | None = (20.0, 40.0)
    time_shift: float = 0.0
    pitch_shift: float = 0.0
    sr: int = 22050

    def __post_init__(self) -> None:
        ranges = {"gain_db": self.gain_db, "noise_snr_db": self.noise_snr_db}
        for name, bounds in ranges.items():
            if bounds is not None and (len(bounds) != 2 or bounds[0] > bounds[1]):
                raise ValueError(f"{name} must be a (low, high) range, got {bounds!r}")
        if self.time_shift < 0 or self.pitch_shift < 0:
            raise ValueError(
                f"time_shift and pitch_shift are maximum amounts (>= 0), got "
                f"{self.time_shift} and {self.pitch_shift}"
            )

    def __call__(self, y: np.ndarray, rng: np.random.Generator | None = None) -> np.ndarray:
        """Augmented copy of ``y`` (float32), drawn from ``rng``."""
        if rng is None:
            rng = np.random.default_rng(int(torch.randint(0, 2**62, ())))
        if self.pitch_shift:
            import torchaudio.functional as AF

            steps = float(rng.uniform(-self.pitch_shift, self.pitch_shift))
            y = AF.pitch_shift(
                torch.from_numpy(np.ascontiguousarray(y, np.float32)), self.sr, steps
            ).numpy()
        if self.time_shift:
            limit = int(self.time_shift * self.sr)
            y = np.roll(y, int(rng.integers(-limit, limit + 1)))
        y = y * 10 ** (float(rng.uniform(*self.gain_db)) / 20)
        if self.noise_snr_db is not None:
            power = float(np.mean(y**2)) + 1e-12
            snr = float(rng.uniform(*self.noise_snr_db))
            noise = rng.standard_normal(len(y))
            y = y + noise * np.sqrt(power / 10 ** (snr / 10))
        return y.astype(np.float32)


class ClipDataset(EpochSeeded, Dataset):
    """Audio clips (or chunks of them) with targets, from a manifest split.

    Parameters
    ----------
    manifest : Manifest
    split : {"train", "valid", "test"}
    target : callable
        ``target(manifest, item, start_sample, n_samples)`` returns the label tensor of a
        clip or chunk: :func:`class_target`, :func:`multilabel_target` or
        :func:`frame_target`.
    chunk_seconds : float, optional
        Return chunks of this length instead of whole clips.
    random_chunk : bool
        Random chunk start (training) or the first chunk (evaluation; see
        :func:`sliding_windows`).
    augment : callable, optional
        Audio-to-audio augmentation (e.g. :class:`Augment`), training only; called as
        ``augment(y, rng)`` when it takes an ``rng`` argument.
    cache : bool
        Keep every decoded clip in memory (the default: the rendered datasets are small).
        With ``cache=False`` only the chunk is read from disk, for corpora too large for
        memory (e.g. MAESTRO).
    seed : int
        Seed of the random chunks and augmentation: item ``i`` of epoch ``e`` draws from
        ``clip_rng(seed, e, i)`` (see :class:`EpochSeeded`).

    Notes
    -----
    Items are ``(y, target)`` with ``y`` a float32 tensor ``(n_samples,)``.
    """

    def __init__(
        self,
        manifest: Manifest,
        split: str,
        target,
        chunk_seconds: float | None = None,
        random_chunk: bool = True,
        augment=None,
        cache: bool = True,
        seed: int = 0,
    ) -> None:
        self.manifest = manifest
        self.items = manifest.split(split)
        if not self.items:
            raise ValueError(f"{manifest.name} has no items in split {split!r}")
        self.sr = manifest.sr
        self.target = target
        if chunk_seconds is not None and not chunk_seconds * self.sr >= 1:
            raise ValueError(f"chunk_seconds must be positive (or None), got {chunk_seconds!r}")
        self.chunk = None if chunk_seconds is None else int(round(chunk_seconds * self.sr))
        self.random_chunk = random_chunk
        self.augment = augment
        self._augment_takes_rng = augment is not None and _takes_rng(augment)
        self.cache = cache
        self.seed = int(seed)
        self._cache: dict[str, np.ndarray] = {}

    def __len__(self) -> int:
        return len(self.items)

    def load(self, item: Item) -> np.ndarray:
        """The whole clip at the dataset's sample rate (cached unless ``cache=False``)."""
        if item.id in self._cache:
            return self._cache[item.id]
        y, _ = audio.load(self.manifest.audio_path(item), sr=self.sr)
        if self.cache:
            self._cache[item.id] = y
        return y

    def _length(self, item: Item) -> int:
        """Samples of a clip at the dataset's rate, from the file's header."""
        info = audio.probe(self.manifest.audio_path(item))
        return int(np.ceil(info.n_samples * self.sr / info.sr))

    def __getitem__(self, index: int):
        item = self.items[index]
        rng = self.clip_rng(index)
        if self.chunk is None:
            y = self.load(item)
            start, n = 0, len(y)
        else:
            n = self.chunk
            full = self.load(item) if self.cache else None
            length = len(full) if full is not None else self._length(item)
            max_start = max(length - n, 0)
            start = int(rng.integers(0, max_start + 1)) if self.random_chunk else 0
            if full is not None:
                y = full[start : start + n]
            else:  # decode only the chunk
                path = self.manifest.audio_path(item)
                y, _ = audio.load(path, sr=self.sr, offset=start / self.sr, duration=n / self.sr)
                y = y[:n]
            if len(y) < n:
                y = np.pad(y, (0, n - len(y)))
        if self.augment is not None:
            y = self.augment(y, rng) if self._augment_takes_rng else self.augment(y)
        return torch.from_numpy(np.ascontiguousarray(y, dtype=np.float32)), self.target(
            self.manifest, item, start, n
        )


class MixDataset(EpochSeeded, Dataset):
    """Mix each example with a random other one (``prob``): audio averaged, targets combined.

    For multi-label tagging the combined target is the union (element-wise max) of the two
    multi-hot vectors: a mix of a piano clip and a drum clip has both tags. Whether and with
    what to mix item ``i`` is drawn from ``clip_rng(seed, epoch, i, "mix")``;
    :meth:`set_epoch` sets the wrapped dataset's epoch too.
    """

    def __init__(self, dataset: Dataset, prob: float = 0.5, seed: int = 0) -> None:
        if not 0 <= prob <= 1:
            raise ValueError(f"prob must be in [0, 1], got {prob}")
        self.dataset, self.prob, self.seed = dataset, prob, int(seed)

    def set_epoch(self, epoch: int) -> None:
        """Set this dataset's epoch and the wrapped dataset's (when it has ``set_epoch``)."""
        super().set_epoch(epoch)
        if hasattr(self.dataset, "set_epoch"):
            self.dataset.set_epoch(epoch)

    def __len__(self) -> int:
        return len(self.dataset)

    def __getitem__(self, index: int):
        y, target = self.dataset[index]
        rng = self.clip_rng(index, "mix")
        if float(rng.random()) >= self.prob:
            return y, target
        other = int(rng.integers(0, len(self.dataset)))
        y2, target2 = self.dataset[other]
        n = min(len(y), len(y2))
        return 0.5 * (y[:n] + y2[:n]), torch.maximum(target, target2)


def sliding_windows(
    y: np.ndarray | torch.Tensor, window: int, hop: int | None = None
) -> torch.Tensor:
    """Cut a clip into overlapping windows ``(n_windows, window)`` for evaluation.

    Lecture: a model trained on short chunks predicts a whole clip by averaging its outputs
    over sliding windows. The last window is zero-padded so that every sample is covered.
    """
    y = torch.as_tensor(np.asarray(y, dtype=np.float32) if not isinstance(y, torch.Tensor) else y)
    if y.dim() != 1:
        raise ValueError(f"y must be 1-D audio, got shape {tuple(y.shape)}")
    if window < 1:
        raise ValueError(f"window must be a positive number of samples, got {window}")
    hop = window if hop is None else hop
    n = max(1, int(np.ceil(max(len(y) - window, 0) / hop)) + 1)
    padded = torch.nn.functional.pad(y, (0, (n - 1) * hop + window - len(y)))
    return padded.unfold(0, window, hop)


def make_loader(
    dataset: Dataset,
    batch_size: int = 16,
    shuffle: bool = False,
    num_workers: int = 0,
    seed: int = 0,
) -> DataLoader:
    """A DataLoader with pinned memory on CUDA and a seeded shuffle.

    :class:`course_lib.train.Trainer` reseeds the shuffle from its seed and the epoch. Worker
    processes are kept between epochs (``persistent_workers``) except for a dataset with
    ``set_epoch`` (:class:`EpochSeeded`): its workers must start again each epoch to see the
    new epoch.
    """
    generator = torch.Generator().manual_seed(seed)
    return DataLoader(
        dataset,
        batch_size=batch_size,
        shuffle=shuffle,
        num_workers=num_workers,
        pin_memory=torch.cuda.is_available(),
        generator=generator,
        persistent_workers=num_workers > 0 and not _has_set_epoch(dataset),
    )


def _takes_rng(fn) -> bool:
    try:
        return "rng" in inspect.signature(fn).parameters
    except (TypeError, ValueError):  # builtins without a signature
        return False


def _epoch_datasets(dataset, seen=None):
    """``dataset`` and the datasets it wraps (``Subset``, ``ConcatDataset``, :class:`MixDataset`)
    that have ``set_epoch``."""
    seen = set() if seen is None else seen
    if dataset is None or id(dataset) in seen:
        return
    seen.add(id(dataset))
    if hasattr(dataset, "set_epoch"):
        yield dataset
    for inner in (getattr(dataset, "dataset", None), *getattr(dataset, "datasets", ())):
        yield from _epoch_datasets(inner, seen)


def _has_set_epoch(dataset) -> bool:
    return next(_epoch_datasets(dataset), None) is not None


def set_epoch(dataset, epoch: int) -> int:
    """Call ``set_epoch(epoch)`` on ``dataset`` and on every dataset it wraps that has one.

    Lecture: training CNNs for music (reproducible random chunks and augmentation).
    :class:`course_lib.train.Trainer` calls it with its training loader's dataset before each
    epoch; it reaches through ``torch.utils.data.Subset`` (``.dataset``) and
    ``ConcatDataset`` (``.datasets``). Returns how many datasets were set (0: none draws
    per-epoch randomness).
    """
    found = list(_epoch_datasets(dataset))
    for d in found:
        d.set_epoch(epoch)
    return len(found)
