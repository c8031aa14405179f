"""Auto-tagging and genre classification on the rendered ``tagging`` dataset.

Lecture: semantic-level MIR (genre/mood classification and auto-tagging). The recipe of
Won et al. (2020): random ~3 s chunks for training, whole clips for evaluation, binary
cross-entropy over tags (cross-entropy over genres), Adam, and macro ROC-AUC / PR-AUC.

``python -m course_lib train tagging --config smoke`` trains the short-chunk residual CNN;
``--set model=fcn`` or ``--set model=musicnn`` pick the other designs, ``--set label=genre``
switches to single-label genre classification. Real corpora, indexed by
:mod:`course_lib.data.real`: ``--set dataset=mtat --set data_dir=PATH`` (MagnaTagATune, top-50
tags, standard split) or ``--set dataset=gtzan --set data_dir=PATH --set label=genre``
(fault-filtered split); evaluation then uses the first ``eval_seconds`` (default 29 s) of
each clip, cut or zero-padded to one length.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

from ..models import tagging as tagging_models
from ..training import metrics
from . import TaskSetup
from ._common import prepare_audio, resolve_model, run_model, threshold_of

__all__ = [
    "MODELS",
    "SETTINGS",
    "ChunkAverage",
    "build_task",
    "tagging_metrics",
    "genre_metrics",
    "tag_probabilities",
    "predict_tags",
    "evaluate_tagger",
]

#: Model builders by name (each takes ``num_classes``, ``sr``, ``n_mels`` and a size).
MODELS: dict[str, Callable] = {
    "fcn": lambda n, sr, size: tagging_models.fcn(num_classes=n, sr=sr, width=size),
    "musicnn": lambda n, sr, size: tagging_models.musicnn(num_classes=n, sr=sr, filters=size),
    "short_chunk": lambda n, sr, size: tagging_models.short_chunk_cnn(
        num_classes=n, sr=sr, width=size
    ),
}

#: The two configurations: dataset size, epochs, model width, batch size, learning rate.
#: The full one stops early after 10 epochs without a better validation score.
SETTINGS = {
    "smoke": {"size": "smoke", "num_epochs": 12, "width": 8, "batch_size": 8, "lr": 3e-3},
    "full": {"size": "full", "num_epochs": 60, "width": 32, "batch_size": 32, "lr": 1e-3},
}


class ChunkAverage(torch.nn.Module):
    """Predict a whole clip from a model trained on short chunks (Won et al. 2020 protocol).

    In training mode, or for inputs no longer than one chunk, the model is called as is. In
    evaluation mode each clip ``(n_samples,)`` is cut into chunks with
    :func:`course_lib.data.datasets.sliding_windows`, the model scores every chunk and the
    chunk probabilities are averaged: sigmoid outputs for tags (``multilabel=True``), softmax
    outputs for classes. The result is returned as logits again (``logit`` of the mean
    probability, or its ``log`` for classes), so losses and metrics apply unchanged.

    Parameters
    ----------
    model : nn.Module taking audio ``(N, chunk_samples)``
    chunk_samples : int
    hop_samples : int, optional (default: ``chunk_samples``, no overlap)
    multilabel : bool
    """

    def __init__(
        self,
        model: torch.nn.Module,
        chunk_samples: int,
        hop_samples: int | None = None,
        multilabel: bool = True,
    ) -> None:
        super().__init__()
        if chunk_samples < 1:
            raise ValueError(f"chunk_samples must be positive, got {chunk_samples}")
        self.model, self.chunk, self.hop = model, chunk_samples, hop_samples or chunk_samples
        self.multilabel = multilabel

    def forward(self, y: torch.Tensor) -> torch.Tensor:
        from ..data.datasets import sliding_windows

        if self.training or y.dim() != 2 or y.shape[-1] <= self.chunk:
            return self.model(y)
        windows = torch.stack([sliding_windows(clip, self.chunk, self.hop) for clip in y])
        n, w = windows.shape[:2]  # (N, n_windows, chunk_samples)
        out = self.model(windows.reshape(n * w, self.chunk)).float().reshape(n, w, -1)
        if self.multilabel:
            return torch.logit(torch.sigmoid(out).mean(dim=1), eps=1e-6)  # (N, n_tags)
        return torch.log(torch.softmax(out, dim=-1).mean(dim=1))  # (N, n_classes)


def tagging_metrics(tags: list[str]) -> Callable:
    """``metrics_fn`` for multi-label logits: macro ROC-AUC and PR-AUC of the sigmoid."""

    def compute(outputs: torch.Tensor, targets: torch.Tensor) -> dict[str, float]:
        scores = metrics.tagging_scores(targets.numpy(), torch.sigmoid(outputs).numpy(), tags)
        return {"roc_auc": scores.roc_auc, "pr_auc": scores.pr_auc}

    return compute


def genre_metrics(outputs: torch.Tensor, targets: torch.Tensor) -> dict[str, float]:
    """``metrics_fn`` for single-label logits: accuracy and macro F1."""
    y_pred = outputs.argmax(1).numpy()
    return {
        "accuracy": metrics.accuracy(targets.numpy(), y_pred),
        "f1_macro": metrics.f1_scores(targets.numpy(), y_pred)["macro"],
    }


def build_task(
    config: str,
    *,
    root=None,
    seed: int = 0,
    model: str = "short_chunk",
    label: str = "tags",
    chunk_seconds: float = 3.0,
    lr: float | None = None,
    dataset: str = "rendered",
    data_dir: str | None = None,
    eval_seconds: float | None = None,
    width: int | None = None,
    num_epochs: int | None = None,
    max_clips: int | None = None,
) -> TaskSetup:
    """Tagging (``label="tags"``) or genre classification (``label="genre"``).

    Parameters
    ----------
    config : {"smoke", "full"}
    root : folder holding the rendered datasets (default :func:`course_lib.data.default_root`)
    seed : int
    model : {"fcn", "musicnn", "short_chunk"}
    label : {"tags", "genre"}
    chunk_seconds : float
        Length of the random training chunks, in seconds (Won et al. 2020: 3.69 s).
    lr : float, optional
        Adam's learning rate (default: 3e-3 for smoke, 1e-3 for full).
    dataset : {"rendered", "mtat", "gtzan"}
        The course's rendered ``tagging`` data or a real corpus at ``data_dir``.
    data_dir : str
        Folder of the real corpus (see :func:`course_lib.data.real.load_real`).
    eval_seconds : float, optional
        Validation/test clips are cut or padded to this length (real corpora: 29 s; the
        rendered clips all have the same length and are used whole). On real corpora the
        model is wrapped in :class:`ChunkAverage`, so a clip is scored by averaging its
        ``chunk_seconds`` chunks, as in Won et al. (2020).
    width, num_epochs : int, optional
        Override the configuration's model width and epoch count.
    max_clips : int, optional
        Train on the first ``max_clips`` training clips only (a shorter CPU run).
    """
    from ..data import load_dataset
    from ..data.datasets import ClipDataset, class_target, make_loader, multilabel_target
    from ..data.generate import GENRES, TAGS

    if model not in MODELS:
        raise ValueError(f"model must be one of {sorted(MODELS)}, got {model!r}")
    if label not in ("tags", "genre"):
        raise ValueError(f"label must be 'tags' or 'genre', got {label!r}")
    if config not in SETTINGS:
        raise ValueError(f"config must be one of {sorted(SETTINGS)}, got {config!r}")
    if dataset not in ("rendered", "mtat", "gtzan"):
        raise ValueError(f"dataset must be 'rendered', 'mtat' or 'gtzan', got {dataset!r}")
    chunk_seconds = float(chunk_seconds)
    longest = 4.0 if dataset == "rendered" else 29.0
    if not 0.5 <= chunk_seconds <= longest:
        raise ValueError(
            f"chunk_seconds must fit in the {longest:g} s clips (0.5-{longest:g}), got "
            f"{chunk_seconds}"
        )
    s = dict(SETTINGS[config])
    for key, value in (("width", width), ("num_epochs", num_epochs), ("max_clips", max_clips)):
        if value is not None and int(value) < 1:
            raise ValueError(f"{key} must be a positive integer, got {value!r}")
    s["width"] = int(width or s["width"])
    s["num_epochs"] = int(num_epochs or s["num_epochs"])
    if dataset == "rendered":
        manifest = load_dataset("tagging", size=s["size"], root=root, seed=seed)
        tag_names, genre_names = list(TAGS), list(GENRES)
    else:
        from ..data.real import load_real

        if data_dir is None:
            raise ValueError(f"dataset={dataset!r} needs data_dir=<folder of the corpus>")
        if (dataset, label) in (("mtat", "genre"), ("gtzan", "tags")):
            raise ValueError(
                f"{dataset} has no {label!r} labels: use label='"
                f"{'tags' if dataset == 'mtat' else 'genre'}'"
            )
        manifest = load_real(dataset, data_dir)
        tag_names, genre_names = manifest.meta.get("tags"), manifest.meta.get("genres")
        eval_seconds = 29.0 if eval_seconds is None else eval_seconds
    if label == "tags":
        classes = list(tag_names)
        target = multilabel_target("tags", classes)
        loss_fn = torch.nn.functional.binary_cross_entropy_with_logits
        metrics_fn, monitor = tagging_metrics(classes), "valid_roc_auc"
    else:
        classes = list(genre_names)
        target = class_target("genre", classes)
        loss_fn = torch.nn.functional.cross_entropy
        metrics_fn, monitor = genre_metrics, "valid_accuracy"
    bs = s["batch_size"]

    def evaluation(split: str) -> ClipDataset:
        return ClipDataset(manifest, split, target, eval_seconds, random_chunk=False)

    train = ClipDataset(manifest, "train", target, chunk_seconds=chunk_seconds, seed=seed)
    if max_clips is not None:
        train = torch.utils.data.Subset(train, range(min(int(max_clips), len(train))))
    torch.manual_seed(seed)  # the model's initial weights
    network = MODELS[model](len(classes), manifest.sr, s["width"])
    if dataset != "rendered":
        chunk = int(round(chunk_seconds * manifest.sr))
        network = ChunkAverage(network, chunk, multilabel=label == "tags")
    return TaskSetup(
        name="tagging" if label == "tags" else "genre",
        model=network,
        loss_fn=loss_fn,
        train_loader=make_loader(train, bs, shuffle=True, seed=seed),
        valid_loader=make_loader(evaluation("valid"), bs),
        test_loader=make_loader(evaluation("test"), bs),
        num_epochs=s["num_epochs"],
        lr=float(s["lr"] if lr is None else lr),
        metrics_fn=metrics_fn,
        monitor=monitor,
        mode="max",
        patience=10 if config == "full" else None,
        info={
            "dataset": f"tagging/{s['size']}" if dataset == "rendered" else dataset,
            "model": model,
            "label": label,
            "classes": classes,
            "sr": manifest.sr,
            "chunk_seconds": chunk_seconds,
            "width": s["width"],
            "frontend": "LogMelFrontEnd(n_fft=1024, hop_length=512, n_mels=96)",
        },
    )


def tag_probabilities(
    y,
    sr: int,
    *,
    model: torch.nn.Module | None = None,
    device=None,
    chunk_seconds: float = 3.0,
) -> dict[str, float]:
    """Probability of every tag for a clip of any length, with the shipped tagger.

    Lecture: semantic-level MIR (auto-tagging). The clip is resampled to the model's rate,
    cut into ``chunk_seconds`` windows (half overlapping) and the sigmoid outputs are
    averaged over the windows: the whole-clip protocol of Won et al. (2020).

    Parameters
    ----------
    y : ndarray (n_samples,)
        Mono float audio, at least 1 s.
    sr : int
        Its sample rate.
    model : nn.Module, optional
        A tagger taking audio ``(N, n_samples)`` at 22,050 Hz whose outputs follow
        :data:`course_lib.data.generate.TAGS`; default: the shipped ``short_chunk_tagger``.
    device : str or torch.device, optional
        Where to run the model (default: where it is).
    chunk_seconds : float
        Window length (the length the model was trained on).

    Returns
    -------
    dict mapping each tag to its probability, most likely first.
    """
    from ..data.datasets import sliding_windows
    from ..data.generate import TAGS

    target_sr = 22050
    y = prepare_audio(y, sr, target_sr, target_sr, "tagging")
    chunk = int(round(chunk_seconds * target_sr))
    if len(y) < chunk:  # one window, zero-padded: the model pools over time anyway
        y = np.pad(y, (0, chunk - len(y)))
    model, device = resolve_model("short_chunk_tagger", model, device)
    windows = sliding_windows(torch.from_numpy(y), chunk, chunk // 2)  # (n_windows, chunk)
    p = run_model(model, windows, device, lambda m, b: torch.sigmoid(m(b).float())).mean(0)
    if len(p) != len(TAGS):
        raise ValueError(f"model gives {len(p)} outputs, expected one per tag ({len(TAGS)})")
    return dict(sorted(zip(TAGS, map(float, p)), key=lambda kv: -kv[1]))


def predict_tags(
    y,
    sr: int,
    *,
    model: torch.nn.Module | None = None,
    threshold: float | None = None,
    device=None,
) -> list[str]:
    """The tags of a clip: those whose probability reaches ``threshold``.

    Lecture: semantic-level MIR (auto-tagging). ``threshold`` defaults to the one stored with
    the model (the shipped checkpoint's was tuned for macro F1 on the validation split), or
    0.5 for a model without one. The model runs on its device (or ``device``).
    """
    model, device = resolve_model("short_chunk_tagger", model, device)
    threshold = threshold_of(model, threshold, 0.5)
    probabilities = tag_probabilities(y, sr, model=model, device=device)
    return [t for t, p in probabilities.items() if p >= threshold]


def evaluate_tagger(
    model: torch.nn.Module, manifest, split: str = "test", limit: int | None = None
) -> dict[str, float]:
    """Macro ROC-AUC and PR-AUC of ``model`` on whole clips of a rendered tagging split."""
    from ..core import audio
    from ..data.generate import TAGS

    y_true, y_score = [], []
    for item in manifest.split(split)[:limit]:
        y, sr = audio.load(manifest.audio_path(item))
        p = tag_probabilities(y, sr, model=model)
        y_score.append([p[t] for t in TAGS])
        y_true.append([t in item.labels["tags"] for t in TAGS])
    scores = metrics.tagging_scores(np.array(y_true, int), np.array(y_score), list(TAGS))
    return {"roc_auc": scores.roc_auc, "pr_auc": scores.pr_auc, "clips": len(y_true)}
