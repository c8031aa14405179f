"""Classical baselines computed next to the CNNs: MFCC statistics and harmonic summation.

Lecture: semantic-level MIR (genre and tags, lecture 08, section "Classical baselines") and
frame-level MIR (multiple F0, lecture 12, section "A classical baseline: harmonic
summation"). A CNN result means more next to what a hand-designed feature with a simple
decision rule reaches on the same clips:

* genre and tags: the mean and standard deviation over a clip of 20 MFCCs and of their
  deltas (:func:`mfcc_statistics`, 80 numbers per clip), standardised, then a linear
  classifier (:func:`fit_linear_baseline`: logistic regression or a linear SVM over genres;
  :func:`fit_tag_baseline`: one logistic regression per tag);
* multiple F0: harmonic summation (:func:`harmonic_summation`), the salience of a candidate
  f0 being the weighted sum of the (compressed) magnitudes at its harmonics h·f0, read off the
  harmonic CQT channels that :func:`course_lib.tasks.multif0.multif0_features` computes, then
  the same peak picking as the deep-salience CNN with a threshold tuned on validation clips
  (:func:`fit_summation_threshold`).

This module defines no ``build_task``: it is not a trainable task.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..core import audio
from ..training import metrics
from . import multif0
from ._common import tune_threshold

__all__ = [
    "N_MFCC",
    "mfcc_statistics",
    "clip_mfcc_statistics",
    "fit_linear_baseline",
    "TagBaseline",
    "fit_tag_baseline",
    "evaluate_mfcc_baselines",
    "harmonic_summation",
    "harmonic_summation_multi_f0",
    "fit_summation_threshold",
]

N_MFCC = 20
_N_FFT, _HOP = 2048, 512
_DELTA_WIDTH = 9  # librosa.feature.delta's default window (frames)


def mfcc_statistics(
    y: np.ndarray, sr: int, *, n_mfcc: int = N_MFCC, n_fft: int = _N_FFT, hop_length: int = _HOP
) -> np.ndarray:
    """Clip-level MFCC statistics: mean and std of ``n_mfcc`` MFCCs and of their deltas.

    Lecture 08, section "Classical baselines": the bag-of-frames description of a clip
    that genre classifiers used before CNNs (Tzanetakis & Cook 2002 used such means and
    variances). The MFCCs are those of ``librosa.feature.mfcc`` (128-band Slaney mel power
    spectrogram, ``n_fft`` 2048, hop 512 samples, in dB re 1 with an 80-dB floor below the
    peak, orthonormal DCT-II), computed from :func:`course_lib.audio.melspectrogram`; the
    deltas are their local slopes over 9 frames (a Savitzky-Golay derivative, as
    ``librosa.feature.delta``).

    Parameters
    ----------
    y : ndarray (n_samples,)
        Mono float audio; at least ``(9 - 1) * hop_length`` samples (9 frames for the
        deltas).
    sr : int
        Its sample rate.
    n_mfcc, n_fft, hop_length : int

    Returns
    -------
    ndarray (4 * n_mfcc,), float64
        ``[mean(MFCC), std(MFCC), mean(delta), std(delta)]``, each ``n_mfcc`` long.
    """
    from scipy.fft import dct
    from scipy.signal import savgol_filter

    y = audio.check_audio(y, sr)
    if int(n_mfcc) < 1:
        raise ValueError(f"n_mfcc must be a positive integer, got {n_mfcc!r}")
    need = (_DELTA_WIDTH - 1) * int(hop_length)
    if len(y) < need:
        raise ValueError(
            f"y has {len(y)} samples; MFCC deltas need at least {_DELTA_WIDTH} frames, i.e. "
            f"{need} samples at hop {hop_length} ({need / sr:.3f} s at {sr} Hz)"
        )
    mel = audio.melspectrogram(
        np.asarray(y, dtype=np.float32), sr, n_fft=int(n_fft), hop_length=int(hop_length)
    )
    log_mel = audio.power_to_db(mel, ref=1.0).astype(np.float64)  # (128, n_frames)
    M = dct(log_mel, type=2, axis=0, norm="ortho")[: int(n_mfcc)]
    D = savgol_filter(M, _DELTA_WIDTH, polyorder=1, deriv=1, axis=-1, mode="interp")
    return np.concatenate([M.mean(axis=1), M.std(axis=1), D.mean(axis=1), D.std(axis=1)])


def clip_mfcc_statistics(manifest, split: str, limit: int | None = None) -> np.ndarray:
    """:func:`mfcc_statistics` of every clip of a manifest split: ``(n_clips, 80)``.

    Lecture 08, section "Classical baselines" (whole clips, as the CNNs are tested).
    """
    items = manifest.split(split)[:limit]
    if not items:
        raise ValueError(f"split {split!r} of {manifest.root} has no clips")
    rows = []
    for item in items:
        y, sr = audio.load(manifest.audio_path(item))
        rows.append(mfcc_statistics(y, sr))
    return np.stack(rows)


def _check_features(X, name: str = "X") -> np.ndarray:
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[0] == 0 or X.shape[1] == 0:
        raise ValueError(f"{name} must be (n_clips, n_features) with both > 0, got {X.shape}")
    if not np.isfinite(X).all():
        raise ValueError(f"{name} contains NaN or infinite values")
    return X


def fit_linear_baseline(X, y, *, kind: str = "logistic", C: float = 1.0, seed: int = 0):
    """A linear classifier on standardised features (scikit-learn pipeline, fitted).

    Lecture 08, section "Classical baselines": genre from MFCC statistics. Each feature is
    standardised with the training mean and std (``StandardScaler``), then ``kind`` is
    ``"logistic"`` (multinomial logistic regression) or ``"svm"`` (a linear SVM,
    one-vs-rest); ``C`` is the inverse strength of the L2 regularisation.

    Parameters
    ----------
    X : array (n_clips, n_features)
    y : array (n_clips,)
        Class labels (at least two different ones).
    kind : {"logistic", "svm"}
    C : float
    seed : int
        For the SVM's solver (the logistic solver is deterministic).

    Returns
    -------
    sklearn.pipeline.Pipeline
        With ``predict(X)`` (and ``predict_proba`` for ``"logistic"``).
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import LinearSVC

    X = _check_features(X)
    y = np.asarray(y)
    if y.shape != (len(X),):
        raise ValueError(f"y must hold one label per row of X ({len(X)}), got shape {y.shape}")
    if len(np.unique(y)) < 2:
        raise ValueError("y has a single class: a classifier needs at least two")
    if not C > 0:
        raise ValueError(f"C must be positive, got {C!r}")
    if kind == "logistic":
        classifier = LogisticRegression(C=float(C), max_iter=5000)
    elif kind == "svm":
        classifier = LinearSVC(C=float(C), max_iter=20000, random_state=int(seed))
    else:
        raise ValueError(f"kind must be 'logistic' or 'svm', got {kind!r}")
    return make_pipeline(StandardScaler(), classifier).fit(X, y)


@dataclass
class TagBaseline:
    """One logistic regression per tag (fitted by :func:`fit_tag_baseline`).

    Lecture 08, section "Classical baselines". ``models[j]`` is the pipeline of tag ``j``, or
    ``None`` when the training clips all had (or all lacked) that tag; its probability is
    then the constant ``constants[j]`` (0 or 1).
    """

    models: list
    constants: np.ndarray

    def predict_proba(self, X) -> np.ndarray:
        """Probability of every tag for every clip: ``(n_clips, n_tags)``."""
        X = _check_features(X)
        columns = [
            np.full(len(X), c) if m is None else m.predict_proba(X)[:, 1]
            for m, c in zip(self.models, self.constants)
        ]
        return np.stack(columns, axis=1)


def fit_tag_baseline(X, Y, *, C: float = 1.0) -> TagBaseline:
    """Per-tag logistic regression on standardised features (multi-label tagging).

    Lecture 08, section "Classical baselines": each tag is an independent yes/no decision,
    as each sigmoid output of a CNN tagger is.

    Parameters
    ----------
    X : array (n_clips, n_features)
    Y : array (n_clips, n_tags) of 0/1
    C : float
        Inverse L2 regularisation strength of every logistic regression.
    """
    X = _check_features(X)
    Y = np.asarray(Y)
    if Y.ndim != 2 or len(Y) != len(X):
        raise ValueError(f"Y must be (n_clips={len(X)}, n_tags), got shape {Y.shape}")
    if not np.isin(Y, (0, 1)).all():
        raise ValueError("Y must hold 0/1 tag indicators")
    models, constants = [], np.zeros(Y.shape[1])
    for j in range(Y.shape[1]):
        column = Y[:, j].astype(int)
        if column.min() == column.max():
            models.append(None)
            constants[j] = float(column[0])
        else:
            models.append(fit_linear_baseline(X, column, kind="logistic", C=C))
    return TagBaseline(models, constants)


def _tagging_labels(manifest, split: str, genres: Sequence[str], tags: Sequence[str]):
    items = manifest.split(split)
    genre = np.array([list(genres).index(it.labels["genre"]) for it in items])
    multi_hot = np.array([[t in it.labels["tags"] for t in tags] for it in items], dtype=int)
    return genre, multi_hot


def evaluate_mfcc_baselines(
    manifest,
    genres: Sequence[str],
    tags: Sequence[str],
    *,
    train: str = "train",
    test: str = "test",
    kind: str = "logistic",
    C: float = 1.0,
) -> dict:
    """MFCC statistics + linear classifiers for genre and tags on a rendered tagging split.

    Lecture 08, section "Classical baselines". Fits on the ``train`` clips, scores the whole
    ``test`` clips (those the CNNs are tested on).

    Returns
    -------
    dict with
        ``genre_accuracy``, ``genre_f1_macro`` (the ``kind`` classifier over ``genres``),
        ``genre_chance`` (always answering the genre most frequent among the test clips),
        ``confusion`` (``(n_genres, n_genres)``, rows true), ``tag_scores``
        (:class:`course_lib.metrics.TaggingScores` of the per-tag logistic regressions),
        ``n_train``, ``n_test``, ``n_features``.
    """
    X_train = clip_mfcc_statistics(manifest, train)
    X_test = clip_mfcc_statistics(manifest, test)
    g_train, t_train = _tagging_labels(manifest, train, genres, tags)
    g_test, t_test = _tagging_labels(manifest, test, genres, tags)
    genre_model = fit_linear_baseline(X_train, g_train, kind=kind, C=C)
    predicted = genre_model.predict(X_test)
    tag_model = fit_tag_baseline(X_train, t_train, C=C)
    return {
        "genre_accuracy": metrics.accuracy(g_test, predicted),
        "genre_f1_macro": metrics.f1_scores(g_test, predicted)["macro"],
        "genre_chance": float(np.bincount(g_test).max() / len(g_test)),
        "confusion": metrics.confusion_matrix(g_test, predicted, num_classes=len(genres)),
        "tag_scores": metrics.tagging_scores(t_test, tag_model.predict_proba(X_test), list(tags)),
        "n_train": len(X_train),
        "n_test": len(X_test),
        "n_features": X_train.shape[1],
    }


# ---------------------------------------------------------------- multiple F0 (lecture 12)


def harmonic_summation(H, *, alpha: float = 0.8, power: float = 0.5) -> np.ndarray:
    """Harmonic-summation salience ``(360, n_frames)`` in [0, 1] from HCQT features.

    Lecture 12, section "A classical baseline: harmonic summation". The salience of the
    candidate f0 of bin ``b`` is ``sum_h alpha**(h - 1) * |X(h * f_b)|**power`` over the
    harmonics h = 1, ..., 5: the HCQT channel of harmonic h holds ``|X(h * f_b)|`` at bin
    ``b`` already, so the sum runs over channels (the h = 0.5 channel is left out). The
    sub-octave f0/2 of a note scores less than f0 because its odd "harmonics" fall between
    the partials, the octave 2·f0 because it collects only the even partials, which are
    usually weaker; the decaying weights (Salamon & Gómez 2012 use 0.8) make the lower
    harmonics count more. ``power`` 0.5 compresses the magnitudes (the square root) so that
    one loud partial does not outweigh the rest. The map is divided by its maximum, so a
    threshold is relative to the clip's strongest salience.

    Parameters
    ----------
    H : ndarray (6, 360, n_frames)
        :func:`course_lib.tasks.multif0.multif0_features` (dB in [-80, 0] mapped to [0, 1]).
    alpha : float in (0, 1]
        Weight decay per harmonic.
    power : float > 0
        Magnitude compression.
    """
    H = np.asarray(H, dtype=np.float64)
    shape = (len(multif0.HARMONICS), multif0.N_BINS)
    if H.ndim != 3 or H.shape[:2] != shape:
        raise ValueError(
            f"H must be HCQT features {shape + ('n_frames',)} from multif0_features, "
            f"got shape {H.shape}"
        )
    if not 0 < alpha <= 1:
        raise ValueError(f"alpha must be in (0, 1], got {alpha!r}")
    if not power > 0:
        raise ValueError(f"power must be positive, got {power!r}")
    magnitude = 10.0 ** ((80.0 * H - 80.0) / 20.0)  # back from the [0, 1] dB scale
    S = np.zeros(H.shape[1:])
    for k, h in enumerate(multif0.HARMONICS):
        if h >= 1:
            S += alpha ** (h - 1) * magnitude[k] ** power
    peak = S.max() if S.size else 0.0
    return (S / peak if peak > 0 else S).astype(np.float32)


def harmonic_summation_multi_f0(
    y: np.ndarray,
    sr: int,
    *,
    threshold: float = 0.5,
    alpha: float = 0.8,
    power: float = 0.5,
) -> tuple[np.ndarray, list[np.ndarray]]:
    """Frame-wise f0 sets by harmonic summation and peak picking (no learning).

    Lecture 12, section "A classical baseline: harmonic summation". The HCQT of
    :func:`course_lib.tasks.multif0.multif0_features`, then :func:`harmonic_summation`,
    then the deep-salience decoding :func:`course_lib.tasks.multif0.salience_to_multi_f0`
    (local maxima over frequency at or above ``threshold``). Same signature and output as
    :func:`course_lib.tasks.multif0.estimate_multi_f0`: ``(times, list of f0 arrays in Hz)``.
    """
    S = harmonic_summation(multif0.multif0_features(y, sr), alpha=alpha, power=power)
    return multif0.salience_to_multi_f0(S, threshold)


def fit_summation_threshold(
    features,
    notes,
    *,
    alpha: float = 0.8,
    power: float = 0.5,
    candidates: Sequence[float] | None = None,
) -> tuple[float, float]:
    """Peak-picking threshold of :func:`harmonic_summation` maximising the mean multi-pitch
    accuracy on given clips (their HCQT ``features`` and ``notes``): ``(threshold, accuracy)``.

    Lecture 12, section "A classical baseline: harmonic summation" (tuned on validation
    clips, as the CNN's threshold is). ``candidates`` default to 0.05, 0.10, ..., 0.90.
    """
    if len(features) != len(notes) or not len(features):
        raise ValueError("need one notes list per feature array, and at least one clip")
    maps = [harmonic_summation(F, alpha=alpha, power=power) for F in features]
    grid = np.arange(0.05, 0.91, 0.05) if candidates is None else np.asarray(candidates, float)

    def score(t: float) -> float:
        rows = []
        for S, clip_notes in zip(maps, notes):
            times, f0s = multif0.salience_to_multi_f0(S, t)
            ref = multif0.notes_to_multi_f0(clip_notes, times)
            rows.append(multif0.multipitch_scores(times, ref, times, f0s)["accuracy"])
        return float(np.mean(rows))

    return tune_threshold(score, grid)
