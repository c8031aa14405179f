"""Plot helpers for spectrograms, signals and MIR labels (matplotlib imported on use).

Lecture: spectrograms as the CNN's input image. Every helper takes an optional ``ax`` and
returns the artist(s) it drew, so notebooks and widgets can update figures in place.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = [
    "Y_AXES",
    "plot_spectrogram",
    "plot_waveform",
    "plot_onsets",
    "plot_f0",
    "plot_pianoroll",
    "plot_feature_map",
]

# y_axis -> default label
Y_AXES = {
    None: "mel band",
    "bins": "bin",
    "linear": "frequency (Hz)",
    "mel": "frequency (Hz, mel scale)",
    "cqt_note": "pitch",
    "cqt_hz": "frequency (Hz, log scale)",
}


def _axes(ax):
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots()
    return ax


def _check_sr_hop(sr, hop_length) -> None:
    if isinstance(sr, bool) or not isinstance(sr, (int, np.integer, float)) or sr <= 0:
        raise ValueError(f"sr must be a positive sample rate in Hz, got {sr!r}")
    if (
        isinstance(hop_length, bool)
        or not isinstance(hop_length, (int, np.integer))
        or hop_length < 1
    ):
        raise ValueError(f"hop_length must be a positive number of samples, got {hop_length!r}")


def _note_name(midi: int) -> str:
    names = ["C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B"]
    return f"{names[midi % 12]}{midi // 12 - 1}"


def _frequency_ticks(ax, y_axis, n_bins, sr, fmin, fmax, bins_per_octave) -> None:
    """Label bin positions with frequencies (the image keeps one row per bin)."""
    if y_axis == "mel":
        import librosa

        # centre frequencies of the bands (the filterbank's edges are dropped)
        top = sr / 2 if fmax is None else fmax
        freqs = librosa.mel_frequencies(n_bins + 2, fmin=fmin, fmax=top)[1:-1]
        candidates = (64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384)
        ticks = [(np.interp(f, freqs, np.arange(n_bins)) + 0.5, f"{f:g}") for f in candidates]
        spaced: list[tuple[float, str]] = []
        for pos, label in ticks:  # keep ticks at least 1/12 of the axis apart
            if 0.5 < pos < n_bins - 0.5 and (not spaced or pos - spaced[-1][0] >= n_bins / 12):
                spaced.append((pos, label))
        ticks = spaced
    else:  # CQT: one tick per octave, at each C
        midi_fmin = 69 + 12 * np.log2(fmin / 440.0)
        step = bins_per_octave / 12
        ticks = []
        for midi in range(int(np.ceil(midi_fmin)), 128):
            pos = (midi - midi_fmin) * step + 0.5
            if pos > n_bins:
                break
            if midi % 12 == 0:
                hz = 440.0 * 2 ** ((midi - 69) / 12)
                ticks.append((pos, _note_name(midi) if y_axis == "cqt_note" else f"{hz:.0f}"))
    ax.set_yticks([pos for pos, _ in ticks])
    ax.set_yticklabels([label for _, label in ticks])


def plot_spectrogram(
    S: np.ndarray,
    sr: int = 22050,
    hop_length: int = 512,
    ax=None,
    y_axis: str | None = None,
    y_label: str | None = None,
    cmap: str = "magma",
    colorbar: bool = True,
    fmin: float | None = None,
    fmax: float | None = None,
    bins_per_octave: int = 12,
):
    """Show a spectrogram ``S`` shaped ``(n_bins, n_frames)`` with time in seconds on the x axis.

    Lecture: CNNs on audio — the spectrogram is the image a CNN sees.

    Parameters
    ----------
    S : ndarray, shape (n_bins, n_frames)
        Usually in dB (``course_lib.audio.power_to_db``).
    sr, hop_length : int
        Sample rate (Hz) and hop (samples): frame ``t`` is drawn at ``t * hop_length / sr`` s.
    ax : matplotlib Axes, optional
    y_axis : {None, "bins", "linear", "mel", "cqt_note", "cqt_hz"}
        How to label the frequency axis: ``None`` (mel band index, the default), ``"bins"``
        (bin index), ``"linear"`` (an STFT: the y axis is in Hz, ``0 .. sr / 2``), ``"mel"``
        (mel bands labelled in Hz; ``fmin``/``fmax`` as given to the mel filterbank, default
        0 and ``sr / 2``),
        ``"cqt_note"``/``"cqt_hz"`` (CQT bins starting at ``fmin`` with ``bins_per_octave``,
        labelled at each C by note name or in Hz; ``fmin`` defaults to C1 = 32.70 Hz).
    y_label : str, optional
        Axis label (default from ``Y_AXES``).
    cmap : str
    colorbar : bool

    Returns
    -------
    matplotlib.image.AxesImage
    """
    S = np.asarray(S)
    if S.ndim != 2:
        raise ValueError(f"S must be 2-D (n_bins, n_frames), got shape {S.shape}")
    if y_axis not in Y_AXES:
        raise ValueError(f"y_axis must be one of {list(Y_AXES)}, got {y_axis!r}")
    _check_sr_hop(sr, hop_length)
    ax = _axes(ax)
    duration = S.shape[1] * hop_length / sr
    top = sr / 2 if y_axis == "linear" else S.shape[0]
    image = ax.imshow(
        S,
        origin="lower",
        aspect="auto",
        cmap=cmap,
        extent=(0, duration, 0, top),
        interpolation="nearest",
    )
    if y_axis in ("mel", "cqt_note", "cqt_hz"):
        if fmin is None:  # the defaults of audio.melspectrogram and audio.cqt
            fmin = 0.0 if y_axis == "mel" else 32.70
        _frequency_ticks(ax, y_axis, S.shape[0], sr, fmin, fmax, bins_per_octave)
    ax.set_xlabel("time (s)")
    ax.set_ylabel(Y_AXES[y_axis] if y_label is None else y_label)
    if colorbar:
        ax.figure.colorbar(image, ax=ax)
    return image


def plot_waveform(y: np.ndarray, sr: int = 22050, ax=None, color: str = "C0", label=None):
    """Draw audio samples ``y`` (n_samples,) against time in seconds.

    Lecture: audio as input — the waveform before any transform.

    Returns
    -------
    matplotlib.lines.Line2D
    """
    y = np.asarray(y)
    if y.ndim != 1:
        hint = " (stereo? use course_lib.audio.to_mono first)" if y.ndim == 2 else ""
        raise ValueError(f"y must be 1-D audio samples, got shape {y.shape}{hint}")
    _check_sr_hop(sr, 1)
    ax = _axes(ax)
    (line,) = ax.plot(np.arange(len(y)) / sr, y, color=color, lw=0.6, label=label)
    ax.set_xlim(0, max(len(y) / sr, 1e-9))
    ax.set_xlabel("time (s)")
    ax.set_ylabel("amplitude")
    return line


def plot_onsets(onsets: Sequence[float], ax=None, color: str = "cyan", label: str = "onset"):
    """Mark onset times (seconds) as vertical lines, e.g. over a spectrogram.

    Returns
    -------
    list of matplotlib.lines.Line2D
    """
    onsets = np.asarray(onsets, dtype=float).ravel()
    ax = _axes(ax)
    return [
        ax.axvline(t, color=color, lw=0.8, label=label if i == 0 else None)
        for i, t in enumerate(onsets)
    ]


def plot_f0(times: np.ndarray, f0: np.ndarray, ax=None, color: str = "cyan", label: str = "f0"):
    """Draw an f0 curve in Hz against time (0 Hz = unvoiced is left blank).

    For a spectrogram drawn with ``plot_spectrogram(..., y_axis="linear")``.

    Returns
    -------
    matplotlib.lines.Line2D
    """
    times, f0 = np.asarray(times, dtype=float), np.asarray(f0, dtype=float)
    if times.shape != f0.shape or times.ndim != 1:
        raise ValueError(
            f"times and f0 must be 1-D of the same length, got {times.shape} and {f0.shape}"
        )
    ax = _axes(ax)
    (line,) = ax.plot(times, np.where(f0 > 0, f0, np.nan), color=color, lw=1.5, label=label)
    return line


def plot_pianoroll(notes: Sequence[Sequence[float]], ax=None, color: str = "k", alpha=0.8):
    """Draw notes ``[onset_s, offset_s, midi_pitch]`` as horizontal bars (a piano roll).

    Lecture: multi-F0 estimation — the label of a frame is the set of sounding pitches.

    Returns
    -------
    matplotlib.container.BarContainer
    """
    notes = np.asarray(notes, dtype=float)
    if notes.size == 0:
        notes = np.zeros((0, 3))
    if notes.ndim != 2 or notes.shape[1] != 3:
        raise ValueError(
            f"notes must be rows [onset_s, offset_s, midi_pitch], got shape {notes.shape}"
        )
    ax = _axes(ax)
    bars = ax.barh(
        notes[:, 2],
        notes[:, 1] - notes[:, 0],
        left=notes[:, 0],
        height=0.8,
        color=color,
        alpha=alpha,
    )
    if len(notes):
        ax.set_ylim(notes[:, 2].min() - 2, notes[:, 2].max() + 2)
        ax.set_xlim(0, notes[:, 1].max())
    ax.set_xlabel("time (s)")
    ax.set_ylabel("MIDI pitch")
    return bars


def plot_feature_map(
    X: np.ndarray, ax=None, title: str = "", cmap: str = "viridis", annotate: bool = False
):
    """Show a 2-D array (image, feature map, kernel) as a grid; optionally write each value.

    Returns
    -------
    matplotlib.image.AxesImage
    """
    X = np.asarray(X)
    if X.ndim != 2:
        raise ValueError(f"X must be 2-D (H, W), got shape {X.shape}")
    ax = _axes(ax)
    image = ax.imshow(X, cmap=cmap, interpolation="nearest")
    if annotate:
        for (i, j), v in np.ndenumerate(X):
            ax.text(j, i, f"{v:.3g}", ha="center", va="center", color="w", fontsize=8)
    ax.set_title(title)
    ax.set_xticks([])
    ax.set_yticks([])
    return image
