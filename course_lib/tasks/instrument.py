"""Instrument recognition with a Han et al. (2017)-style CNN on 1-s log-mel excerpts.

Lecture: event-level MIR — instrument recognition. Pipeline:

1. :func:`instrument_features`: log-mel spectrogram (128 bands, hop 512 at 22,050 Hz);
2. :class:`course_lib.models.instrument.InstrumentCNN` classifies 1-s excerpts (43 frames);
3. a clip's prediction is the mean of the class probabilities of its excerpts (sliding by
   0.5 s), as Han et al. aggregate over a recording.

Scored with accuracy and micro/macro F1 (:func:`course_lib.metrics.f1_scores`). The test
split plays every family with a General MIDI program never heard in training.
:func:`predict_instrument` runs the shipped checkpoint.
"""

from __future__ import annotations

import numpy as np
import torch
from torch.utils.data import Dataset

from ..core import audio
from ..data.datasets import EpochSeeded
from ..models.instrument import InstrumentCNN
from ..training import metrics
from . import TaskSetup
from ._common import augment_spectrogram, prepare_audio, resolve_model, run_model, threshold_of

__all__ = [
    "SR",
    "HOP",
    "N_MELS",
    "EXCERPT",
    "CLASSES",
    "REAL_MAX_CLIPS",
    "instrument_features",
    "MelExcerpts",
    "instrument_probabilities",
    "predict_instrument",
    "evaluate_classifier",
    "build_task",
    "GM_FAMILIES",
    "family_programs",
    "render_family_clips",
]

SR = 22050
HOP = 512
N_MELS = 128
EXCERPT = 43  # frames: 1 s
CLASSES = ("piano", "organ", "guitar", "bass", "strings", "brass", "reed", "flute")
#: Notes per split on a real corpus (NSynth), by configuration, unless ``max_clips`` says.
REAL_MAX_CLIPS = {"smoke": 220, "full": 20000}


def instrument_features(y: np.ndarray, sr: int = SR) -> np.ndarray:
    """Log-mel spectrogram ``(128, n_frames)`` (``log(1 + 10 S)`` of the magnitude mel).

    Lecture: event-level MIR (instrument recognition input). Resampled to 22,050 Hz first;
    clips shorter than 1 s are zero-padded to one excerpt (at least 0.25 s are required).
    """
    y = prepare_audio(y, sr, SR, SR // 4, "instrument recognition")
    if len(y) < SR:
        y = np.pad(y, (0, SR - len(y)))
    S = audio.melspectrogram(y, SR, n_fft=2048, hop_length=HOP, n_mels=N_MELS, power=1.0)
    return audio.log_compress(S).astype(np.float32)


class MelExcerpts(EpochSeeded, Dataset):
    """Random (training) or first (evaluation) 1-s excerpts of log-mel clips with a class.

    ``excerpts_per_clip`` random excerpts of each clip make one epoch; ``augment`` applies
    :func:`augment_spectrogram` (random tilt, gain and frequency masks) to each excerpt. Item
    ``i`` of epoch ``e`` draws its excerpt and augmentation from ``clip_rng(seed, e, i)``
    (:func:`course_lib.data.datasets.clip_rng`).
    """

    def __init__(
        self,
        features,
        labels,
        excerpts_per_clip: int = 4,
        random: bool = True,
        seed: int = 0,
        augment: bool = False,
    ):
        if len(features) != len(labels) or not features:
            raise ValueError("need one label per feature array, and at least one clip")
        self.augment = augment
        self.features = [torch.from_numpy(F) for F in features]
        self.labels = torch.as_tensor(labels)
        self.per_clip = excerpts_per_clip if random else 1
        self.random = random
        self.seed = int(seed)

    def __len__(self) -> int:
        return len(self.features) * self.per_clip

    def __getitem__(self, i: int):
        k = i // self.per_clip
        F = self.features[k]
        rng = self.clip_rng(i)
        start = int(rng.integers(0, F.shape[1] - EXCERPT + 1)) if self.random else 0
        x = F[None, :, start : start + EXCERPT]
        if self.augment:
            x = augment_spectrogram(x, rng, tilt=1.0, gain=1.0, max_mask=16)
        return x, self.labels[k]


#: General MIDI program ranges of the eight families (``strings`` spans solo strings and
#: ensembles, ``flute`` the "pipe" family).
GM_FAMILIES = {
    "piano": range(0, 8),
    "organ": range(16, 24),
    "guitar": range(24, 32),
    "bass": range(32, 40),
    "strings": range(40, 56),
    "brass": range(56, 64),
    "reed": range(64, 72),
    "flute": range(72, 80),
}


def family_programs(exclude_near_test: bool = True) -> dict[str, list[int]]:
    """Programs of each family usable for extra training clips: never a test program of the
    ``instruments`` dataset nor (``exclude_near_test``) its General MIDI neighbours."""
    from ..data.generate import INSTRUMENT_FAMILIES

    out = {}
    for family, programs in GM_FAMILIES.items():
        test = INSTRUMENT_FAMILIES[family][2]
        banned = {test - 1, test, test + 1} if exclude_near_test else {test}
        out[family] = [p for p in programs if p not in banned]
    return out


def render_family_clips(n_clips: int, seed: int = 0):
    """Extra training clips: melodies of the ``instruments`` dataset played by other programs
    of the same General MIDI family (:func:`family_programs`). Returns ``(features, labels)``.

    Lecture: generalising to unheard instruments (more timbres per class in training).
    """
    from ..data.generate import DATASETS, hash_name
    from ..data.render import render_notes

    spec = DATASETS["instruments"]
    choices = family_programs()
    pick = np.random.default_rng(seed + 1)
    feats, labels = [], []
    for i in range(n_clips):
        rng = np.random.default_rng([seed + 7, hash_name("instruments"), hash_name("train"), i])
        notes, bends, duration, extra = spec.make(rng, "train", i)
        program = int(pick.choice(choices[extra["instrument"]]))
        notes = [n._replace(program=program) for n in notes]
        y = render_notes(notes, sr=spec.sr, duration=duration, pitch_bends=bends)
        feats.append(instrument_features(y, spec.sr))
        labels.append(CLASSES.index(extra["instrument"]))
    return feats, labels


def _load_split(manifest, split, limit=None, classes=CLASSES, balanced=False):
    items = manifest.split(split)
    items = _balanced(items, limit) if balanced else items[:limit]
    feats, labels = [], []
    for item in items:
        y, sr = audio.load(manifest.audio_path(item), sr=SR)
        feats.append(instrument_features(y, sr))
        labels.append(classes.index(item.labels["instrument"]))
    return feats, labels


def _balanced(items, limit=None):
    """At most ``limit`` items, as many of each class as possible, evenly spaced in each."""
    if limit is None or len(items) <= limit:
        return list(items)
    by_class: dict[str, list] = {}
    for item in items:
        by_class.setdefault(item.labels["instrument"], []).append(item)
    quota = dict.fromkeys(by_class, 0)
    left = int(limit)
    while left > 0:  # deal one place at a time to the classes that have items left
        for name in sorted(by_class):
            if left > 0 and quota[name] < len(by_class[name]):
                quota[name] += 1
                left -= 1
    picked = []
    for name in sorted(by_class):
        group, n = by_class[name], quota[name]
        picked += [group[j * len(group) // n] for j in range(n)]
    return picked


def instrument_probabilities(y: np.ndarray, sr: int, *, model=None, device=None) -> np.ndarray:
    """Class probabilities ``(8,)`` of a clip: mean softmax over 1-s excerpts (hop 0.5 s),
    computed on the model's device (or ``device``), returned on the CPU."""
    F = instrument_features(y, sr)
    model, device = resolve_model("instrument_cnn", model, device)
    chunks = audio.chunk(F, EXCERPT, EXCERPT // 2)[:, None]  # (n_excerpts, 1, 128, 43)
    return run_model(model, chunks, device, lambda m, b: torch.softmax(m(b), dim=1)).mean(0)


def predict_instrument(
    y: np.ndarray, sr: int, *, model=None, threshold: float | None = None, device=None
) -> tuple[str, dict[str, float]]:
    """The instrument family playing in a clip, with the shipped checkpoint.

    Lecture: event-level MIR (instrument recognition).

    Parameters
    ----------
    y : ndarray (n_samples,)
        Mono float audio of one instrument (at least 0.25 s); resampled to 22,050 Hz.
    sr : int
    model : InstrumentCNN, optional
        Default: the shipped checkpoint.
    threshold : float, optional
        The smallest probability the most likely family must reach to be named; below it
        the label is ``"unknown"`` (default: the model's stored one, else 0: always a family).
    device : str or torch.device, optional
        Where to run the model (default: where it is).

    Returns
    -------
    label : str, one of :data:`CLASSES` (or ``"unknown"``, see ``threshold``)
    probabilities : dict mapping each class to its probability
    """
    model, device = resolve_model("instrument_cnn", model, device)
    p = instrument_probabilities(y, sr, model=model, device=device)
    label = (
        CLASSES[int(p.argmax())] if p.max() >= threshold_of(model, threshold, 0.0) else "unknown"
    )
    return label, {c: float(v) for c, v in zip(CLASSES, p)}


def evaluate_classifier(model, manifest, split: str = "test", limit=None) -> dict[str, float]:
    """Clip-level accuracy and micro/macro F1 of ``model`` on a manifest split."""
    y_true, y_pred = [], []
    for item in manifest.split(split)[:limit]:
        y, sr = audio.load(manifest.audio_path(item))
        y_true.append(CLASSES.index(item.labels["instrument"]))
        y_pred.append(int(instrument_probabilities(y, sr, model=model).argmax()))
    f1 = metrics.f1_scores(y_true, y_pred)
    return {
        "accuracy": metrics.accuracy(y_true, y_pred),
        "f1_micro": f1["micro"],
        "f1_macro": f1["macro"],
    }


def build_task(
    config: str,
    *,
    root=None,
    seed: int = 0,
    lr: float = 1e-3,
    width: int | None = None,
    dense: int | None = None,
    max_clips: int | None = None,
    num_epochs: int | None = None,
    augment: bool = True,
    train_splits: tuple[str, ...] = ("train",),
    family_clips: int = 0,
    dataset: str = "rendered",
    data_dir: str | None = None,
) -> TaskSetup:
    """Instrument-family classification on the rendered ``instruments`` dataset or NSynth.

    Lecture: event-level MIR (instrument recognition; section 4 runs it on NSynth).

    ``smoke``: width 8, 24 training clips, 8 epochs (CPU, seconds). ``full`` (GPU): the
    paper's width 32 and dense 1024 on all 2,000 clips, 40 epochs. Both add batch
    normalisation to the paper's design (see :class:`InstrumentCNN`). ``width``, ``dense``,
    ``max_clips`` and ``num_epochs`` override.

    ``dataset="nsynth"`` with ``data_dir`` (the folder :func:`course_lib.data.real.locate`
    finds, or any NSynth folder; :mod:`course_lib.data.real.nsynth`) classifies NSynth's
    four-second notes into its 11 instrument families (``info["classes"]``) with the
    official split (instruments of the test split never heard in training). Each split is
    cut to ``max_clips`` notes (default: :data:`REAL_MAX_CLIPS`), as many per family as
    possible and evenly spaced over its instruments and pitches. The task then also has a
    ``test_loader`` (the first second of each test note: its attack).
    """
    from ..data import load_dataset
    from ..data.datasets import make_loader

    settings = {
        "smoke": {"size": "smoke", "width": 8, "dense": 128, "epochs": 8, "batch": 16},
        "full": {"size": "full", "width": 32, "dense": 1024, "epochs": 40, "batch": 64},
    }
    if config not in settings:
        raise ValueError(f"config must be one of {sorted(settings)}, got {config!r}")
    if dataset not in ("rendered", "nsynth"):
        raise ValueError(f"dataset must be 'rendered' or 'nsynth', got {dataset!r}")
    if family_clips and dataset != "rendered":
        raise ValueError("family_clips renders General MIDI families: only for dataset='rendered'")
    s = settings[config]
    test = None
    if dataset == "rendered":
        manifest = load_dataset("instruments", size=s["size"], root=root, seed=seed)
        classes, balanced = CLASSES, False
    else:
        from ..data.real import load_real

        if data_dir is None:
            raise ValueError(f"dataset={dataset!r} needs data_dir=<folder of the corpus>")
        manifest = load_real(dataset, data_dir)
        classes, balanced = tuple(manifest.meta["instruments"]), True
        max_clips = REAL_MAX_CLIPS[config] if max_clips is None else max_clips
        test = MelExcerpts(*_load_split(manifest, "test", max_clips, classes, True), random=False)
    feats, labels = [], []
    for split in train_splits:
        f, lab = _load_split(manifest, split, max_clips, classes, balanced)
        feats, labels = feats + f, labels + lab
    if family_clips:
        f, lab = render_family_clips(int(family_clips), seed)
        feats, labels = feats + f, labels + lab
    train = MelExcerpts(feats, labels, seed=seed, augment=augment)
    valid = MelExcerpts(*_load_split(manifest, "valid", max_clips, classes, balanced), random=False)
    w = int(width or s["width"])

    def metrics_fn(logits, target):
        return {"accuracy": metrics.accuracy(target.numpy(), logits.argmax(1).numpy())}

    torch.manual_seed(seed)
    return TaskSetup(
        name="instrument",
        model=InstrumentCNN(len(classes), w, int(dense or s["dense"]), batch_norm=True),
        loss_fn=torch.nn.functional.cross_entropy,
        train_loader=make_loader(train, s["batch"], shuffle=True, seed=seed),
        valid_loader=make_loader(valid, 64),
        test_loader=None if test is None else make_loader(test, 64),
        num_epochs=int(num_epochs or s["epochs"]),
        lr=float(lr),
        metrics_fn=metrics_fn,
        monitor="valid_accuracy",
        mode="max",
        info={
            "sr": SR,
            "hop": HOP,
            "n_mels": N_MELS,
            "classes": classes,
            "dataset": "instruments" if dataset == "rendered" else dataset,
            "width": w,
            "dense": int(dense or s["dense"]),
        },
    )
