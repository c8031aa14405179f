"""Evaluation metrics for the MIR tasks, built on scikit-learn and mir_eval.

Lecture: classification-based MIR tasks — accuracy and confusion matrices for single-label
classification (genre, instrument), ROC-AUC and PR-AUC for multi-label auto-tagging (the
figures reported for MagnaTagATune), F-measures for events. Inputs are validated first.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

__all__ = [
    "accuracy",
    "confusion_matrix",
    "f1_scores",
    "tagging_scores",
    "TaggingScores",
]


def _as_labels(y, name: str) -> np.ndarray:
    y = np.asarray(y)
    if y.ndim != 1:
        raise ValueError(f"{name} must be a 1-D array of class indices, got shape {y.shape}")
    if y.size == 0:
        raise ValueError(f"{name} is empty: nothing to evaluate")
    return y


def _check_pair(y_true, y_pred) -> tuple[np.ndarray, np.ndarray]:
    y_true, y_pred = _as_labels(y_true, "y_true"), np.asarray(y_pred)
    if y_pred.ndim == 2 and y_pred.shape[0] == len(y_true):
        y_pred = y_pred.argmax(axis=1)  # scores or logits (n_examples, n_classes)
    y_pred = _as_labels(y_pred, "y_pred")
    if len(y_true) != len(y_pred):
        raise ValueError(
            f"y_true has {len(y_true)} examples but y_pred has {len(y_pred)}; they must match"
        )
    return y_true, y_pred


def accuracy(y_true, y_pred) -> float:
    """Fraction of examples whose predicted class equals the true class.

    ``y_pred`` may be class indices ``(n,)`` or scores ``(n, n_classes)`` (argmax is taken).
    """
    y_true, y_pred = _check_pair(y_true, y_pred)
    return float(np.mean(y_true == y_pred))


def confusion_matrix(y_true, y_pred, num_classes: int | None = None) -> np.ndarray:
    """``C[i, j]`` = number of examples of class ``i`` predicted as ``j`` (scikit-learn)."""
    from sklearn.metrics import confusion_matrix as sk_confusion

    y_true, y_pred = _check_pair(y_true, y_pred)
    n = num_classes or int(max(y_true.max(), y_pred.max()) + 1)
    return sk_confusion(y_true, y_pred, labels=np.arange(n))


def f1_scores(y_true, y_pred) -> dict[str, float]:
    """Micro and macro F1 of single-label or multi-label (0/1 matrix) predictions."""
    from sklearn.metrics import f1_score

    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if y_true.shape != y_pred.shape:
        raise ValueError(f"y_true {y_true.shape} and y_pred {y_pred.shape} must have one shape")
    return {
        "micro": float(f1_score(y_true, y_pred, average="micro", zero_division=0)),
        "macro": float(f1_score(y_true, y_pred, average="macro", zero_division=0)),
    }


@dataclass
class TaggingScores:
    """Auto-tagging results: macro ROC-AUC and PR-AUC and the per-tag values.

    Tags with no positive (or no negative) example in ``y_true`` have no AUC; they are left
    out of the macro averages and listed in ``skipped``.
    """

    roc_auc: float
    pr_auc: float
    per_tag: dict[str, dict[str, float]]
    skipped: list[str]

    def __str__(self) -> str:
        return f"ROC-AUC {self.roc_auc:.4f}  PR-AUC {self.pr_auc:.4f}"


def tagging_scores(y_true, y_score, tags: Sequence[str] | None = None) -> TaggingScores:
    """Macro ROC-AUC and PR-AUC (average precision) over tags, as reported by Won et al. 2020.

    Parameters
    ----------
    y_true : array (n_clips, n_tags) of 0/1
    y_score : array (n_clips, n_tags)
        Scores or probabilities (higher = more likely).
    tags : names of the tags (default ``"tag0"``, ...).
    """
    from sklearn.metrics import average_precision_score, roc_auc_score

    y_true, y_score = np.asarray(y_true), np.asarray(y_score, dtype=float)
    if y_true.ndim != 2 or y_true.shape != y_score.shape:
        raise ValueError(
            f"y_true and y_score must both be (n_clips, n_tags); got {y_true.shape} and "
            f"{y_score.shape}"
        )
    if not np.isin(y_true, (0, 1)).all():
        raise ValueError("y_true must hold 0/1 tag indicators")
    if not np.isfinite(y_score).all():
        raise ValueError("y_score contains NaN or infinite values")
    tags = list(tags) if tags is not None else [f"tag{i}" for i in range(y_true.shape[1])]
    if len(tags) != y_true.shape[1]:
        raise ValueError(f"got {len(tags)} tag names for {y_true.shape[1]} columns")
    per_tag, skipped = {}, []
    for j, tag in enumerate(tags):
        positives = y_true[:, j].sum()
        if positives == 0 or positives == len(y_true):
            skipped.append(tag)
            continue
        per_tag[tag] = {
            "roc_auc": float(roc_auc_score(y_true[:, j], y_score[:, j])),
            "pr_auc": float(average_precision_score(y_true[:, j], y_score[:, j])),
        }
    if not per_tag:
        raise ValueError("no tag has both positive and negative examples: AUC is undefined")
    return TaggingScores(
        float(np.mean([v["roc_auc"] for v in per_tag.values()])),
        float(np.mean([v["pr_auc"] for v in per_tag.values()])),
        per_tag,
        skipped,
    )
