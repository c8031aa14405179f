"""Every shipped model on one recording: the lecture's map of MIR tasks, applied.

Lecture: classification-based MIR tasks at the semantic level (tags), the event level
(instrument, onsets, lead activity) and the frame level (pitch, multiple F0). Command line::

    python -m course_lib analyze song.wav
    python -m course_lib analyze song.wav --task onsets --task pitch --json

The models are the small checkpoints of :mod:`course_lib.checkpoints`, trained on the
course's rendered data: on real recordings expect the mistakes a student can learn from.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..core import audio

__all__ = ["ANALYSES", "analyze", "format_analysis"]

#: What :func:`analyze` can compute, from the semantic to the frame level.
ANALYSES = ("tags", "instrument", "onsets", "activity", "pitch", "multi_f0")


def _tags(y: np.ndarray, sr: int) -> dict[str, Any]:
    from ..checkpoints import load_checkpoint
    from .tagging import tag_probabilities

    model, meta = load_checkpoint("short_chunk_tagger")
    p = tag_probabilities(y, sr, model=model)
    return {
        "predicted": [t for t, v in p.items() if v >= meta["threshold"]],
        "probabilities": p,
        "threshold": float(meta["threshold"]),
    }


def _instrument(y: np.ndarray, sr: int) -> dict[str, Any]:
    from .instrument import predict_instrument

    family, probabilities = predict_instrument(y, sr)
    return {"family": family, "probabilities": probabilities}


def _onsets(y: np.ndarray, sr: int) -> dict[str, Any]:
    from .onset import detect_onsets

    times = detect_onsets(y, sr)
    return {"count": len(times), "times": [round(float(t), 3) for t in times]}


def _activity(y: np.ndarray, sr: int) -> dict[str, Any]:
    from .activity import detect_activity

    times, active, _ = detect_activity(y, sr)
    return {"fraction_active": float(np.mean(active)) if len(active) else 0.0}


def _pitch(y: np.ndarray, sr: int) -> dict[str, Any]:
    from .pitch import estimate_pitch

    times, f0, confidence = estimate_pitch(y, sr)
    voiced = f0 > 0
    return {
        "voiced_fraction": float(voiced.mean()) if len(f0) else 0.0,
        "median_f0_hz": float(np.median(f0[voiced])) if voiced.any() else None,
        "times": [round(float(t), 3) for t in times],
        "f0_hz": [round(float(f), 2) for f in f0],
    }


def _multi_f0(y: np.ndarray, sr: int) -> dict[str, Any]:
    from .multif0 import estimate_multi_f0

    times, freqs = estimate_multi_f0(y, sr)
    counts = np.array([len(f) for f in freqs])
    sounding = counts[counts > 0]
    return {
        "max_polyphony": int(counts.max()) if len(counts) else 0,
        "mean_polyphony": float(sounding.mean()) if len(sounding) else 0.0,
    }


_RUN = {
    "tags": _tags,
    "instrument": _instrument,
    "onsets": _onsets,
    "activity": _activity,
    "pitch": _pitch,
    "multi_f0": _multi_f0,
}


def analyze(y, sr: int, analyses: Sequence[str] = ANALYSES) -> dict[str, Any]:
    """Run the shipped models named in ``analyses`` on one mono recording.

    Lecture: the map of MIR tasks (semantic, event and frame level) on one piece of audio.

    Parameters
    ----------
    y : ndarray (n_samples,)
        Mono float audio, at least 1 s (see :func:`course_lib.audio.load`).
    sr : int
        Its sample rate; each model resamples to its own.
    analyses : sequence of str
        Any of :data:`ANALYSES` (default: all).

    Returns
    -------
    dict
        ``duration`` (s) and ``sr``, then one entry per analysis: ``tags`` (predicted tags,
        every tag's probability, the threshold), ``instrument`` (family and probabilities; the
        model assumes one instrument), ``onsets`` (count and times in s), ``activity``
        (fraction of 10-ms frames with a lead voice), ``pitch`` (voiced fraction, median f0,
        the f0 track every 10 ms, 0 where unvoiced) and ``multi_f0`` (largest and mean number
        of simultaneous pitches).

    Raises
    ------
    ValueError
        An unknown analysis name, or audio that is not mono, finite and at least 1 s long.
    """
    unknown = [name for name in analyses if name not in _RUN]
    if unknown or not analyses:
        raise ValueError(f"analyses must be some of {list(ANALYSES)}, got {list(analyses)}")
    y = np.asarray(audio.check_audio(y, sr, min_duration=1.0), dtype=np.float32)
    result: dict[str, Any] = {"duration": round(len(y) / sr, 3), "sr": int(sr)}
    for name in dict.fromkeys(analyses):  # in the order given, once each
        result[name] = _RUN[name](y, sr)
    return result


def format_analysis(result: dict[str, Any]) -> str:
    """A few lines of text summarising :func:`analyze`'s result, one per analysis."""
    lines = [f"{result['duration']:.1f} s of audio at {result['sr']} Hz"]
    if "tags" in result:
        top = list(result["tags"]["probabilities"].items())[:5]
        shown = ", ".join(f"{t} {p:.2f}" for t, p in top)
        lines.append(f"tags: {', '.join(result['tags']['predicted']) or '(none)'}   [top: {shown}]")
    if "instrument" in result:
        family = result["instrument"]["family"]
        p = result["instrument"]["probabilities"][family]
        lines.append(f"instrument family (one instrument assumed): {family} ({p:.2f})")
    if "onsets" in result:
        first = ", ".join(f"{t:.2f}" for t in result["onsets"]["times"][:8])
        lines.append(f"onsets: {result['onsets']['count']}   [first: {first}]")
    if "activity" in result:
        lines.append(f"lead voice active: {result['activity']['fraction_active']:.0%} of frames")
    if "pitch" in result:
        pitch = result["pitch"]
        median = "-" if pitch["median_f0_hz"] is None else f"{pitch['median_f0_hz']:.1f} Hz"
        lines.append(f"pitch: {pitch['voiced_fraction']:.0%} voiced, median f0 {median}")
    if "multi_f0" in result:
        m = result["multi_f0"]
        lines.append(
            f"multiple F0: up to {m['max_polyphony']} pitches at once, "
            f"{m['mean_polyphony']:.1f} on average where any sounds"
        )
    return "\n".join(lines)
