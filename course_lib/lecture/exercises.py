"""Self-checked exercises at the end of lectures 01-12: one registry, one ``check``.

Lecture: every lecture's "Exercises" section. Each exercise has an id (``"04-stft-frames"``),
a one-line question, the format its answer takes, a hint, a tolerance, and a function that
computes the expected value with the library's own tools (``params``, ``shapes``, ``ops``,
the models and the task metrics), so that the notebooks, the tests and the solutions share
one source of truth. In a notebook::

    answer = None  # your answer
    exercises.check("04-stft-frames", answer)

prints ``correct`` or ``not yet`` with a hint (never the expected value) and returns
``True`` or ``False``. ``None`` prints "write your answer first" so that the notebook still
runs top to bottom; an answer of the wrong type or shape raises :class:`AnswerFormatError`
saying what is expected.
"""

from __future__ import annotations

import difflib
import numbers
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..core import ops, params
from ..core.shapes import conv_output_size, pool_output_size, receptive_field
from .filters import apply_filter, parse_kernel
from .locality import receptive_field_region_2d

__all__ = [
    "Exercise",
    "EXERCISES",
    "AnswerFormatError",
    "check",
    "question",
    "hint",
    "exercises_of",
]


class AnswerFormatError(ValueError):
    """An answer that is not of the form an exercise expects (a string, a list of the wrong
    length, a 2 x 2 array where a 3 x 3 one is asked for, ...)."""


@dataclass(frozen=True)
class Exercise:
    """One exercise of a lecture.

    Attributes
    ----------
    id : str
        ``"NN-name"``, ``NN`` being the lecture's number.
    section : str
        The part of the lecture it practises.
    question : str
        One-line summary of the question (the notebook states it in full).
    answer_format : str
        What the answer looks like, e.g. ``"an int"`` or ``"(first_row, last_row)"``.
    shape : tuple of int
        ``()`` for one number, ``(n,)`` for n numbers, ``(h, w)`` for an array.
    compute : callable
        Returns the expected value, computed with ``course_lib``.
    hint : str
        Printed when the answer is not yet right; it does not give the answer away.
    tolerance : float
        Largest absolute difference still counted as right (0: exact).
    """

    id: str
    section: str
    question: str
    answer_format: str
    shape: tuple[int, ...]
    compute: Callable[[], Any]
    hint: str
    tolerance: float = 0.0

    @property
    def lecture(self) -> str:
        """The lecture's two-digit number, e.g. ``"04"``."""
        return self.id[:2]

    def expected(self) -> np.ndarray:
        """The expected answer as a float array of shape :attr:`shape`."""
        value = np.asarray(self.compute(), dtype=float)
        if value.shape != self.shape:  # a registry error, not the student's
            raise RuntimeError(
                f"{self.id}: expected value has shape {value.shape}, not {self.shape}"
            )
        return value


# --- expected values, computed with the library ------------------------------------------------


def _dense_mel() -> int:
    return params.dense_params(128 * 128, 512)


def _conv_mel() -> tuple[int, int]:
    # the count of a convolution does not depend on the input size: same call for both inputs
    return params.conv2d_params(1, 32, 3), params.conv2d_params(1, 32, 3)


def _local_mel() -> int:
    return params.locally_connected2d_params(1, 32, (128, 128), kernel_size=5)


# lecture 02's stack: conv 3x3 (padding 1) -> pool 2 -> conv 3x3 (padding 1) -> pool 2
_LECTURE02_STACK = [(3, 1, 1), (2, 2, 0), (3, 1, 1), (2, 2, 0)]


def _receptive_region() -> tuple[int, int, int, int]:
    region = receptive_field_region_2d(_LECTURE02_STACK[:2], (5, 10), (60, 138))
    (r0, r1), (c0, c1) = region.rows, region.cols
    return r0, r1 - 1, c0, c1 - 1  # inclusive, as the explorer prints them


def _receptive_deeper() -> int:
    stack = [(k, s) for k, s, _ in _LECTURE02_STACK] + [(3, 1), (3, 1)]
    return receptive_field(stack).size


def _transpose_bins() -> int:
    # a transposition multiplies every frequency by 2**(semitones / 12); on a log axis with
    # b bins per octave that is b * log2(ratio) bins (the rule of filters.harmonic_kernel)
    return int(round(36 * np.log2(2 ** (5 / 12))))


def _untied_params() -> int:
    return params.locally_connected2d_params(1, 1, (32, 48), 5, padding=2, bias=False)


def _lc_conv_ratio() -> float:
    local = params.locally_connected2d_params(8, 16, (64, 64), 3, stride=2, padding=1)
    return local / params.conv2d_params(8, 16, 3)


def _arithmetic_output() -> int:
    return conv_output_size(7, 3, stride=2, padding=1, dilation=2)


def _stft_frames() -> int:
    return conv_output_size(4 * 16000, 1024, stride=160, padding=1024 // 2)


def _same_padding() -> int:
    return next(p for p in range(0, 64) if conv_output_size(128, 5, padding=p, dilation=3) == 128)


def _filter_shift() -> int:
    impulse = np.zeros((1, 9))
    impulse[0, 4] = 1.0
    response = apply_filter(impulse, parse_kernel("0 0 1"))
    return int(np.argmax(response[0])) - 4


_PATCH = np.array([[0.0, 3.0], [4.0, 0.0]])


def _pool_patch() -> tuple[float, float, float]:
    x = _PATCH[None, None]
    return (
        float(ops.pool2d(x, 2, mode="max")[0, 0, 0, 0]),
        float(ops.pool2d(x, 2, mode="avg")[0, 0, 0, 0]),
        float(ops.pool2d(x, 2, mode="lp", p=2)[0, 0, 0, 0]),
    )


_SLIDE_EXAMPLE = np.array([[1, 5, 2, 4], [2, 3, 9, 1], [5, 3, 3, 4], [8, 4, 7, 8]], dtype=float)


def _overlapping_max() -> np.ndarray:
    return ops.pool2d(_SLIDE_EXAMPLE[None, None], 2, stride=1, mode="max")[0, 0]


def _pool_chain() -> tuple[int, int]:
    size: Any = (96, 1366)
    for kernel in [(2, 4), (4, 5), (3, 8)]:
        size = pool_output_size(size, kernel)
    return size


def _vgg_block() -> int:
    from ..models import vgg_block

    return params.count_params(vgg_block(128, 256, num_convs=3))


def _inception_3x3() -> int:
    from ..models import InceptionModule

    return params.count_params(InceptionModule(192, 64, 96, 128, 16, 32, 32).branch2)


def _resnet_block() -> int:
    from ..models.resnet import BasicBlock

    return params.count_params(BasicBlock(64, 128, stride=2))


def _temporal_conv() -> int:
    return params.conv2d_params(128, 64, (1, 3))


def _chunk_frames() -> int:
    return conv_output_size(5 * 22050, 1024, stride=512, padding=1024 // 2)


_ROC_LABELS = np.array([1, 0, 1, 0])
_ROC_SCORES = np.array([0.9, 0.8, 0.3, 0.1])


def _auc_by_hand() -> tuple[float, float]:
    from ..training.metrics import tagging_scores

    scores = tagging_scores(_ROC_LABELS[:, None], _ROC_SCORES[:, None])
    return scores.roc_auc, scores.pr_auc


def _tagging_windows() -> int:
    from ..data.datasets import sliding_windows

    sr = 22050
    chunk = 3 * sr
    return sliding_windows(np.zeros(int(round(29.1 * sr)), np.float32), chunk, chunk // 2).shape[0]


_ONSET_REF = [0.10, 0.50, 1.00, 1.50]
_ONSET_EST = [0.12, 0.47, 0.56, 1.04, 2.00]


def _onset_f_measure() -> tuple[float, float]:
    from ..tasks.onset import onset_scores

    return tuple(
        onset_scores([_ONSET_REF], [_ONSET_EST], window=w)["f_measure"] for w in (0.05, 0.025)
    )


def _onset_dense_inputs() -> int:
    import torch

    from ..models import onset_cnn

    model = onset_cnn()
    with torch.no_grad():
        return model.features(torch.zeros(1, 3, 80, 15)).numel()


def _onset_target_frames() -> tuple[int, int, int]:
    from ..data.datasets import onset_target
    from ..tasks.onset import HOP, SR

    return tuple(np.flatnonzero(onset_target([3.0], 400, SR, HOP, widen=1)))


def _excerpts_per_clip() -> int:
    from ..core import audio
    from ..tasks.instrument import EXCERPT

    return audio.chunk(np.zeros((1, 130)), EXCERPT, EXCERPT // 2).shape[0]


_ACTIVITY_REF = [0, 1, 1, 1, 0, 0, 1, 0]
_ACTIVITY_EST = [0, 1, 1, 0, 0, 1, 1, 1]


def _activity_scores() -> tuple[float, float]:
    from ..tasks.activity import frame_scores

    scores = frame_scores(np.array(_ACTIVITY_REF), np.array(_ACTIVITY_EST))
    return scores["accuracy"], scores["f1"]


def _crepe_bin() -> int:
    from ..models.pitch import bin_cents, hz_to_cents

    return int(np.argmin(np.abs(bin_cents() - hz_to_cents(440.0))))


def _cents_error() -> float:
    from ..models.pitch import hz_to_cents

    return float(hz_to_cents(445.0) - hz_to_cents(440.0))


def _rpa_rca() -> tuple[float, float]:
    from ..tasks.pitch import melody_scores

    times = np.arange(4) * 0.01
    scores = melody_scores(times, [440.0] * 4, times, [445.0, 220.0, 470.0, 0.0])
    return scores["rpa"], scores["rca"]


def _hcqt_shift() -> int:
    from ..tasks.multif0 import BINS_PER_OCTAVE

    return int(round(BINS_PER_OCTAVE * np.log2(3)))


def _note_frames() -> int:
    from ..tasks.multif0 import HOP, SR, notes_to_multi_f0

    times = np.arange(200) * HOP / SR
    return sum(len(f) for f in notes_to_multi_f0([(0.5, 1.0, 69)], times))


def _multipitch_accuracy() -> float:
    from ..tasks.multif0 import multipitch_scores

    times = np.array([0.0, 0.01, 0.02])
    ref = [np.array([440.0, 550.0]), np.array([440.0]), np.array([])]
    est = [np.array([440.0]), np.array([440.0, 660.0]), np.array([330.0])]
    return multipitch_scores(times, ref, times, est)["accuracy"]


_INT = "an int"

EXERCISES: dict[str, Exercise] = {
    e.id: e
    for e in [
        # 01 motivation
        Exercise(
            "01-dense-mel",
            "01 · 2. A fully connected layer on a spectrogram",
            "Parameters of a dense layer from a 128x128 mel spectrogram to 512 units (with biases)",
            _INT,
            (),
            _dense_mel,
            "every one of the 128 x 128 inputs connects to every unit, and each unit adds a bias",
        ),
        Exercise(
            "01-conv-mel",
            "01 · 3. Locality and weight sharing, counted",
            "Parameters of a conv layer of 32 filters 3x3 (with biases) on a 128x128 and on a "
            "512x512 single-channel input",
            "(on_128, on_512)",
            (2,),
            _conv_mel,
            "a filter has in_channels x 3 x 3 weights and one bias; ask yourself whether the "
            "input size appears anywhere in that count",
        ),
        Exercise(
            "01-local-mel",
            "01 · 3. Locality and weight sharing, counted",
            "Parameters of a locally connected layer, 32 filters of 5x5 (with biases), stride 1, "
            "no padding, on a 128x128 input",
            _INT,
            (),
            _local_mel,
            "first find the output size without padding (a 5x5 window fits fewer than 128 "
            "times), then give every output position its own 32 filters and 32 biases",
        ),
        # 02 locality and translation invariance
        Exercise(
            "02-transpose-bins",
            "02 · 1. A note, shifted in time and in pitch",
            "Vertical shift (in bins) of a note transposed up 5 semitones on a CQT with 36 bins "
            "per octave",
            _INT,
            (),
            _transpose_bins,
            "an octave (12 semitones) is one bins_per_octave; a semitone is a twelfth of it",
        ),
        Exercise(
            "02-receptive-region",
            "02 · 4. Locality: receptive fields",
            "Input rows and columns seen by unit (row 5, col 10) after conv 3x3 (padding 1) and "
            "pool 2",
            "(first_row, last_row, first_col, last_col), inclusive",
            (4,),
            _receptive_region,
            "the pooled unit i covers conv outputs 2i and 2i + 1; with padding 1, conv output j "
            "reads input j - 1 to j + 1",
        ),
        Exercise(
            "02-receptive-deeper",
            "02 · 4. Locality: receptive fields",
            "Receptive field after adding two conv 3x3 (stride 1) on top of lecture 02's stack",
            _INT,
            (),
            _receptive_deeper,
            "after the two poolings neighbouring units are 4 input samples apart (the jump): a "
            "3-tap layer on top adds (3 - 1) x jump",
        ),
        # 03 locally connected and weight sharing
        Exercise(
            "03-untied-params",
            "03 · 4. Try it (weight sharing demo)",
            "Parameters of the untied (locally connected) layer of a 5x5 weight sharing demo on "
            "the 32x48 input (same padding, no bias)",
            _INT,
            (),
            _untied_params,
            "same padding keeps all 32 x 48 output positions; each stores its own 5 x 5 filter",
        ),
        Exercise(
            "03-lc-conv-ratio",
            "03 · 1. One input, three layers",
            "How many times more parameters a locally connected layer has than a convolution "
            "(8 -> 16 channels, 3x3, stride 2, padding 1, 64x64 input, with biases)",
            "a number",
            (),
            _lc_conv_ratio,
            "the locally connected layer is one convolution's worth of weights and biases per "
            "output location; stride 2 changes how many locations there are",
        ),
        # 04 convolution mechanics
        Exercise(
            "04-conv-arithmetic",
            "04 · 2. The lecture's four cases (convolution arithmetic explorer)",
            "Output size of a 3x3 convolution on a 7x7 input with stride 2, padding 1, dilation 2",
            "an int (the output's height, equal to its width)",
            (),
            _arithmetic_output,
            "with dilation d a k-tap filter spans d x (k - 1) + 1 cells; count how many starting "
            "positions, stride apart, fit into the padded input",
        ),
        Exercise(
            "04-stft-frames",
            "04 · 3. Stride is the hop size",
            "STFT frames of 4 s of audio at 16 kHz, n_fft 1024, hop 160, centred",
            _INT,
            (),
            _stft_frames,
            "the centred STFT pads n_fft // 2 on each side, so the count is the convolution "
            "output size with kernel n_fft, stride hop and that padding",
        ),
        Exercise(
            "04-same-padding",
            "04 · 4. Padding and dilation",
            "Padding that keeps 128 frames for a 5-tap filter with dilation 3, stride 1",
            _INT,
            (),
            _same_padding,
            "'same' padding puts half of the filter's span beyond each border; the span of a "
            "dilated filter is dilation x (k - 1) + 1",
        ),
        Exercise(
            "04-filter-shift",
            "04 · 6. Filter playground",
            "Shift of the feature map of the 1x3 kernel '0 0 1' relative to its input, in frames "
            "(positive: later)",
            "an int (negative: the map moves to earlier frames)",
            (),
            _filter_shift,
            "torch's 'convolution' does not flip the kernel (it is a cross-correlation): the "
            "output at frame t is the sum of kernel[k] x input[t - 1 + k]",
        ),
        # 05 pooling
        Exercise(
            "05-overlapping-max",
            "05 · 2. Explore (pooling explorer)",
            "2x2 max pooling with stride 1 of the slide's 4x4 example",
            "a 3 x 3 array, e.g. [[a, b, c], [d, e, f], [g, h, i]]",
            (3, 3),
            _overlapping_max,
            "with stride 1 the windows overlap: slide the 2 x 2 window one cell at a time, along "
            "each row and then down",
        ),
        Exercise(
            "05-pool-patch",
            "05 · 1. The slide's example",
            "Max, average and L2 pooling of the patch [[0, 3], [4, 0]]",
            "(max, average, L2)",
            (3,),
            _pool_patch,
            "L^p pooling is the p-th root of the mean of |x|^p over the window: for p = 2, the "
            "root mean square",
            tolerance=0.01,
        ),
        Exercise(
            "05-pool-chain",
            "05 · 4. What pooling costs and buys",
            "Size of a 96x1366 mel spectrogram after non-overlapping pools (2, 4), (4, 5), (3, 8)",
            "(height, width)",
            (2,),
            _pool_chain,
            "each pool divides each axis by its kernel and rounds down, one layer at a time "
            "(rounding at every step, not once at the end)",
        ),
        # 06 CNN architectures
        Exercise(
            "06-vgg-block",
            "06 · 4. VGGNet: small filters",
            "Parameters of models.vgg_block(128, 256, num_convs=3)",
            _INT,
            (),
            _vgg_block,
            "the first 3x3 convolution goes from 128 to 256 channels, the other two from 256 to "
            "256; each has a bias per output channel; pooling has no parameters",
        ),
        Exercise(
            "06-inception-3x3",
            "06 · 5. GoogLeNet: 1x1 reductions",
            "Parameters of the 3x3 branch of inception (3a): 1x1 from 192 to 96, then 3x3 to 128 "
            "(with biases)",
            _INT,
            (),
            _inception_3x3,
            "add the two convolutions: the 1x1 one has 192 weights per filter, the 3x3 one "
            "96 x 3 x 3; each filter also has a bias",
        ),
        Exercise(
            "06-resnet-block",
            "06 · 6. ResNet: skip connections",
            "Parameters of a ResNet BasicBlock(64, 128, stride=2)",
            _INT,
            (),
            _resnet_block,
            "two 3x3 convolutions without bias, each followed by batch norm (2 parameters per "
            "channel), plus the projection shortcut: a 1x1 convolution with its own batch norm",
        ),
        # 07 audio as input
        Exercise(
            "07-temporal-conv",
            "07 · 3. 1-D (temporal) versus 2-D filters",
            "Parameters of a 1-D temporal conv on a 128-band mel spectrogram: 64 filters of 3 "
            "frames (with biases)",
            _INT,
            (),
            _temporal_conv,
            "a temporal filter treats the bands as input channels: it has 128 x 3 weights and a "
            "bias",
        ),
        Exercise(
            "07-chunk-frames",
            "07 · 1. A spectrogram as an image",
            "Frames of a 5-s excerpt at 22,050 Hz with n_fft 1024, hop 512, centred",
            _INT,
            (),
            _chunk_frames,
            "frames are hop samples apart, and centring adds one frame at the start: count how "
            "many whole hops fit into the samples",
        ),
        # 08 genre and tagging
        Exercise(
            "08-auc-by-hand",
            "08 · 3. Per-tag results",
            "ROC-AUC and PR-AUC (average precision) of one tag: labels [1, 0, 1, 0], scores "
            "[0.9, 0.8, 0.3, 0.1]",
            "(roc_auc, pr_auc)",
            (2,),
            _auc_by_hand,
            "ROC-AUC is the fraction of (positive, negative) pairs ranked the right way round; "
            "average precision averages the precision at the rank of each positive",
            tolerance=0.005,
        ),
        Exercise(
            "08-tagging-windows",
            "08 · 6. A tagger trained on all 2,000 songs",
            "Windows tag_probabilities runs the model on for a 29.1-s clip (3-s windows, half "
            "overlapping)",
            _INT,
            (),
            _tagging_windows,
            "windows start every 1.5 s; the last one is zero-padded so that every sample is "
            "covered, so round the number of hops up, not down",
        ),
        # 09 onset detection
        Exercise(
            "09-onset-f-measure",
            "09 · 4. Evaluation against classic detectors",
            "Onset F-measure of estimates [0.12, 0.47, 0.56, 1.04, 2.00] against references "
            "[0.10, 0.50, 1.00, 1.50] at ±50 ms and at ±25 ms",
            "(f_at_50ms, f_at_25ms)",
            (2,),
            _onset_f_measure,
            "match one to one: each reference takes at most one estimate within the window; "
            "then precision = hits / estimates, recall = hits / references, F = 2PR / (P + R)",
            tolerance=0.005,
        ),
        Exercise(
            "09-onset-target",
            "09 · 2. The network and one training run",
            "Positive target frames for an onset at 3.0 s (hop 220 at 22,050 Hz, one neighbour "
            "on each side)",
            "(first_frame, middle_frame, last_frame)",
            (3,),
            _onset_target_frames,
            "a frame is hop / sr seconds long: take the frame nearest 3.0 s with the exact hop "
            "(220 samples is not quite 10 ms), then one frame on each side",
        ),
        Exercise(
            "09-dense-inputs",
            "09 · 2. The network and one training run",
            "Values the onset CNN's convolutions pass to its dense layer for one 80-band, "
            "15-frame excerpt",
            _INT,
            (),
            _onset_dense_inputs,
            "follow (bands, frames) through conv 3x7 (bands x frames, no padding), pool 3x1, "
            "conv 3x3, pool 3x1, then multiply by the 20 channels",
        ),
        # 10 instrument recognition and activity
        Exercise(
            "10-excerpts-per-clip",
            "10 · 2. Train briefly, then use the shipped checkpoint",
            "1-s excerpts (43 frames, hop 21 frames) that instrument_probabilities averages for "
            "a 130-frame clip",
            _INT,
            (),
            _excerpts_per_clip,
            "this is a convolution output size: kernel 43 frames, stride 21, no padding; "
            "trailing frames that do not fill an excerpt are dropped",
        ),
        Exercise(
            "10-activity-scores",
            "10 · 3. Frame-level lead-voice activity",
            "Frame accuracy and F1 of estimate [0, 1, 1, 0, 0, 1, 1, 1] against reference "
            "[0, 1, 1, 1, 0, 0, 1, 0]",
            "(accuracy, f1)",
            (2,),
            _activity_scores,
            "count true positives, false positives and false negatives frame by frame; "
            "F1 = 2 TP / (2 TP + FP + FN)",
            tolerance=0.005,
        ),
        # 11 pitch estimation
        Exercise(
            "11-crepe-bin",
            "11 · Introduction: CREPE's 360 bins",
            "Index of the CREPE bin nearest to 440 Hz (bins of 20 cents from 31.70 Hz)",
            "an int (the first bin is 0)",
            (),
            _crepe_bin,
            "count the cents from the lowest bin's 31.70 Hz up to 440 Hz "
            "(1200 x log2(f2 / f1)) and divide by 20, rounding to the nearest bin",
        ),
        Exercise(
            "11-cents-error",
            "11 · 4. Evaluation (raw pitch accuracy)",
            "Error in cents of an estimate of 445 Hz for a reference of 440 Hz",
            "a number (cents)",
            (),
            _cents_error,
            "cents between two frequencies are 1200 x log2(f_estimate / f_reference)",
            tolerance=0.1,
        ),
        Exercise(
            "11-rpa-rca",
            "11 · 4. Evaluation (raw pitch and raw chroma accuracy)",
            "RPA and RCA of estimates [445, 220, 470, 0] Hz against a reference of 440 Hz in "
            "all four frames",
            "(rpa, rca)",
            (2,),
            _rpa_rca,
            "a frame counts when the estimate is within 50 cents of the reference; for RCA, "
            "after moving it by whole octaves; an unvoiced estimate (0 Hz) has no pitch",
            tolerance=0.005,
        ),
        # 12 multiple F0
        Exercise(
            "12-hcqt-shift",
            "12 · 1. The harmonic CQT",
            "Bins between a note's fundamental and its 3rd harmonic on the HCQT's grid "
            "(60 bins per octave)",
            _INT,
            (),
            _hcqt_shift,
            "harmonic h lies log2(h) octaves above the fundamental; round to the nearest bin",
        ),
        Exercise(
            "12-note-frames",
            "12 · 3. Salience, decoded f0s and the score",
            "Frames in which a note from 0.50 s to 1.00 s is in the reference (frames every "
            "256 samples at 22,050 Hz, a frame counts when onset <= t < offset)",
            _INT,
            (),
            _note_frames,
            "frame k is at k x 256 / 22050 s; find the first frame at or after the onset and "
            "the last one before the offset",
        ),
        Exercise(
            "12-multipitch-accuracy",
            "12 · 4. Evaluation against Basic Pitch",
            "Multi-pitch accuracy of est [[440], [440, 660], [330]] against ref "
            "[[440, 550], [440], []]",
            "a number between 0 and 1",
            (),
            _multipitch_accuracy,
            "pool all frames: accuracy = TP / (TP + FP + FN), where an estimate matching a "
            "reference pitch of its frame (within 50 cents) is a true positive",
            tolerance=0.005,
        ),
    ]
}


# --- the check ----------------------------------------------------------------------------------


def _get(exercise_id: str) -> Exercise:
    if not isinstance(exercise_id, str) or exercise_id not in EXERCISES:
        close = difflib.get_close_matches(str(exercise_id), EXERCISES, n=3)
        suggestion = f"; did you mean {', '.join(map(repr, close))}?" if close else ""
        raise KeyError(f"no exercise {exercise_id!r}{suggestion}")
    return EXERCISES[exercise_id]


def _is_number(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))


def _as_answer(exercise: Exercise, answer: Any) -> np.ndarray:
    """The answer as a float array of the exercise's shape, or an :class:`AnswerFormatError`."""
    expects = f"{exercise.id} expects {exercise.answer_format}"
    if isinstance(answer, np.ndarray) and answer.ndim == 0:
        answer = answer.item()
    if not exercise.shape:
        if not _is_number(answer):
            raise AnswerFormatError(f"{expects}, got {type(answer).__name__} {answer!r}")
        value = np.asarray(float(answer))
    else:
        if isinstance(answer, (str, bytes, dict, set)) or _is_number(answer):
            raise AnswerFormatError(f"{expects}, got {type(answer).__name__} {answer!r}")
        try:
            value = np.asarray(answer, dtype=object)
        except ValueError as err:  # ragged nesting
            raise AnswerFormatError(f"{expects}; could not read {answer!r}: {err}") from err
        if value.shape != exercise.shape:
            got = "x".join(map(str, value.shape)) or "a single value"
            want = "x".join(map(str, exercise.shape))
            raise AnswerFormatError(f"{expects} (shape {want}), got shape {got}: {answer!r}")
        if not all(_is_number(v) for v in value.flat):
            raise AnswerFormatError(f"{expects}: every entry must be a number, got {answer!r}")
        value = value.astype(float)
    if not np.isfinite(value).all():
        raise AnswerFormatError(f"{expects}: got a NaN or infinite value in {answer!r}")
    return value


def check(exercise_id: str, answer: Any) -> bool:
    """Check an answer to one of the lectures' exercises and print whether it is right.

    Lecture: the "Exercises" section at the end of lectures 01-12.

    Parameters
    ----------
    exercise_id : str
        The id printed in the notebook, e.g. ``"04-stft-frames"``.
    answer : number, sequence of numbers, array or None
        Your answer, in the form the exercise asks for (see :func:`question`). ``None``
        (the notebook's placeholder) only prints a reminder.

    Returns
    -------
    bool
        ``True`` when the answer is right (within the exercise's tolerance), ``False``
        otherwise, and for ``None``.

    Raises
    ------
    KeyError
        For an unknown ``exercise_id``.
    AnswerFormatError
        (a ``ValueError``) for an answer of the wrong type or shape; the message says
        what is expected.

    Examples
    --------
    >>> check("04-stft-frames", None)
    04-stft-frames: write your answer first (replace None). Question: STFT frames of 4 s of audio at 16 kHz, n_fft 1024, hop 160, centred
    False
    """  # noqa: E501
    exercise = _get(exercise_id)
    if answer is None:
        print(
            f"{exercise.id}: write your answer first (replace None). Question: {exercise.question}"
        )
        return False
    value = _as_answer(exercise, answer)
    right = np.abs(value - exercise.expected()) <= exercise.tolerance + 1e-9
    if right.all():
        print(f"{exercise.id}: correct.")
        return True
    detail = ""
    if exercise.shape:
        if len(exercise.shape) == 1:
            wrong = [f"entry {i + 1}" for i in np.flatnonzero(~right)]
        else:
            wrong = [f"row {i + 1} column {j + 1}" for i, j in zip(*np.nonzero(~right))]
        detail = (
            f" {right.size - len(wrong)} of {right.size} values are right; "
            f"look again at {', '.join(wrong)}."
        )
    print(f"{exercise.id}: not yet.{detail} Hint: {exercise.hint}.")
    return False


def question(exercise_id: str) -> str:
    """The one-line question of an exercise, with the lecture section and the answer's form."""
    e = _get(exercise_id)
    return f"{e.id} (lecture {e.section}): {e.question}. Answer: {e.answer_format}."


def hint(exercise_id: str) -> str:
    """The hint of an exercise (what :func:`check` prints for a wrong answer)."""
    return _get(exercise_id).hint


def exercises_of(lecture: int | str) -> list[str]:
    """The exercise ids of one lecture, in order, e.g. ``exercises_of(4)``."""
    number = f"{int(lecture):02d}"
    return [i for i, e in EXERCISES.items() if e.lecture == number]
