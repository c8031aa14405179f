"""Similarity and retrieval from tag embeddings: the recommendation side of tagging.

Lecture 08, section "Mood and recommendation from tags". A tagger turns every song into a
vector (its tag probabilities, or the activations of its last hidden layer); songs whose
vectors point the same way sound alike to the tagger. This module computes that similarity
(:func:`cosine_similarity_matrix`), the songs nearest to a query song (:func:`nearest`), how
often those neighbours share a label (:func:`precision_at_k`, against the chance level of a
random ranking, :func:`chance_precision_at_k`), and a ranking by chosen tags
(:func:`query_by_tags`, e.g. "soft" and "slow"). :func:`song_embeddings` runs the shipped
tagger over the songs of a manifest split.

This module defines no ``build_task``: it is not a trainable task.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

__all__ = [
    "cosine_similarity_matrix",
    "nearest",
    "precision_at_k",
    "chance_precision_at_k",
    "query_by_tags",
    "song_embeddings",
]


def _as_matrix(X, name: str) -> np.ndarray:
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[0] == 0 or X.shape[1] == 0:
        raise ValueError(f"{name} must be (n_songs, n_dims) with both > 0, got shape {X.shape}")
    if not np.isfinite(X).all():
        raise ValueError(f"{name} contains NaN or infinite values")
    norms = np.linalg.norm(X, axis=1)
    if (norms == 0).any():
        rows = np.flatnonzero(norms == 0).tolist()
        raise ValueError(f"{name} has all-zero rows {rows}: their cosine similarity is undefined")
    return X / norms[:, None]


def cosine_similarity_matrix(X, Y=None) -> np.ndarray:
    """Cosine similarity of every row of ``X`` with every row of ``Y`` (default ``X``).

    Lecture 08, section "Mood and recommendation from tags": ``x·y / (|x| |y|)``, 1 for
    vectors pointing the same way, 0 for orthogonal ones (-1 for opposite ones; tag
    probabilities are never negative, so their similarities lie in [0, 1]).

    Parameters
    ----------
    X : array (n, d)
    Y : array (m, d), optional

    Returns
    -------
    ndarray (n, m)
    """
    A = _as_matrix(X, "X")
    B = A if Y is None else _as_matrix(Y, "Y")
    if A.shape[1] != B.shape[1]:
        raise ValueError(f"X and Y need the same number of columns, got {A.shape} and {B.shape}")
    return np.clip(A @ B.T, -1.0, 1.0)


def _check_square(S) -> np.ndarray:
    S = np.asarray(S, dtype=np.float64)
    if S.ndim != 2 or S.shape[0] != S.shape[1] or len(S) < 2:
        raise ValueError(f"S must be a square (n, n) similarity matrix, n >= 2; got {S.shape}")
    return S


def _ranking(S: np.ndarray, query: int) -> np.ndarray:
    """The other songs, most similar first (ties: lower index first)."""
    others = np.delete(np.arange(len(S)), query)
    return others[np.argsort(-S[query, others], kind="stable")]


def nearest(S, query: int, k: int = 3) -> np.ndarray:
    """Indices of the ``k`` songs most similar to song ``query`` (itself excluded).

    Lecture 08, section "Mood and recommendation from tags" ("songs like this one").
    ``S`` is a square similarity matrix (:func:`cosine_similarity_matrix` of the songs);
    ties go to the lower index.
    """
    S = _check_square(S)
    if not 0 <= int(query) < len(S):
        raise ValueError(f"query must be a song index in [0, {len(S) - 1}], got {query!r}")
    if not 1 <= int(k) <= len(S) - 1:
        raise ValueError(f"k must be between 1 and {len(S) - 1} (the other songs), got {k!r}")
    return _ranking(S, int(query))[: int(k)]


def precision_at_k(S, labels: Sequence, k: int) -> float:
    """Mean over query songs of the share of its ``k`` nearest songs with the same label.

    Lecture 08, section "Mood and recommendation from tags": every song is a query in turn;
    its ``k`` nearest other songs (:func:`nearest`) are "retrieved", and those sharing its
    label (its genre, say) are the relevant ones.
    """
    S = _check_square(S)
    labels = np.asarray(labels)
    if labels.shape != (len(S),):
        raise ValueError(f"need one label per song ({len(S)}), got shape {labels.shape}")
    hits = [np.mean(labels[nearest(S, q, k)] == labels[q]) for q in range(len(S))]
    return float(np.mean(hits))


def chance_precision_at_k(labels: Sequence) -> float:
    """Expected :func:`precision_at_k` of a random ranking, for any ``k``.

    Lecture 08, section "Mood and recommendation from tags": for a query song, the share of
    the *other* songs that share its label, averaged over the queries.
    """
    labels = np.asarray(labels)
    if labels.ndim != 1 or len(labels) < 2:
        raise ValueError(f"labels must be 1-D with at least two songs, got shape {labels.shape}")
    same = (labels[:, None] == labels[None, :]).sum(axis=1) - 1
    return float(np.mean(same / (len(labels) - 1)))


def query_by_tags(P, tags: Sequence[str], wanted: Sequence[str]) -> np.ndarray:
    """Songs ranked by the mean probability of the ``wanted`` tags, highest first.

    Lecture 08, section "Mood and recommendation from tags" (a query such as "soft and
    slow"). ``P`` is ``(n_songs, n_tags)``, its columns named by ``tags``; ties go to the
    lower index.
    """
    P = np.asarray(P, dtype=np.float64)
    tags = list(tags)
    if P.ndim != 2 or P.shape[1] != len(tags):
        raise ValueError(f"P must be (n_songs, {len(tags)} tags), got shape {P.shape}")
    unknown = [t for t in wanted if t not in tags]
    if unknown or not len(wanted):
        raise ValueError(f"wanted must name tags among {tags}; unknown: {unknown or 'none given'}")
    score = P[:, [tags.index(t) for t in wanted]].mean(axis=1)
    return np.argsort(-score, kind="stable")


def song_embeddings(manifest, split: str = "test", *, model=None, limit: int | None = None):
    """Tag probabilities (and last-hidden-layer activations) of the songs of a split.

    Lecture 08, section "Mood and recommendation from tags". Each song is scored whole with
    :func:`course_lib.tasks.tagging.tag_probabilities` (3-s windows, half overlapping,
    averaged). When the tagger ends in a ``dense`` stack whose last layer is linear (the
    course's short-chunk ResCNN and FCN), the input of that last layer is recorded too and
    averaged over the windows: a learned embedding of the song.

    Returns
    -------
    dict with
        ``tags`` (list of the tag names), ``probabilities`` (ndarray ``(n_songs, n_tags)``),
        ``penultimate`` (ndarray ``(n_songs, n_hidden)``, or None when the model has no
        such layer), ``items`` (the manifest items, in order).
    """
    from ..core import audio
    from ..data.generate import TAGS
    from ._common import resolve_model
    from .tagging import tag_probabilities

    model, _ = resolve_model("short_chunk_tagger", model, None)
    items = manifest.split(split)[:limit]
    if not items:
        raise ValueError(f"split {split!r} of {manifest.root} has no songs")
    dense = getattr(model, "dense", None)
    last = dense[-1] if isinstance(dense, torch.nn.Sequential) and len(dense) else None
    recorded: list[torch.Tensor] = []
    handle = None
    if isinstance(last, torch.nn.Linear):
        handle = last.register_forward_pre_hook(lambda m, args: recorded.append(args[0].detach()))
    probabilities, hidden = [], []
    try:
        for item in items:
            y, sr = audio.load(manifest.audio_path(item))
            recorded.clear()
            p = tag_probabilities(y, sr, model=model)
            probabilities.append([p[t] for t in TAGS])
            if handle is not None:
                hidden.append(torch.cat(recorded).float().mean(0).cpu().numpy())
    finally:
        if handle is not None:
            handle.remove()
    return {
        "tags": list(TAGS),
        "probabilities": np.array(probabilities),
        "penultimate": np.stack(hidden) if hidden else None,
        "items": list(items),
    }
