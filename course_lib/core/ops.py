"""NumPy reference implementations of convolution, locally connected layers and pooling.

Lecture: convolution mechanics (N x C x H x W tensors, stride, padding),
sub-sampling (max, average, standard-deviation and L^p pooling) and training deep CNNs
(batch normalisation, dropout, global pooling).

All functions take batches shaped ``(N, C, H, W)``, follow torch's conventions
(cross-correlation, zero padding, ``floor`` output sizes) and are vectorised with strided
views of the input (im2col without copies): no Python loop runs over pixels.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.lib.stride_tricks import as_strided

from .shapes import conv_output_size, pool_output_size
from .validate import Pair, as_pair, check_nchw

__all__ = [
    "conv2d",
    "locally_connected2d",
    "pool2d",
    "unpool2d",
    "extract_windows",
    "batch_norm",
    "dropout",
    "global_pool2d",
]

POOL_MODES = ("max", "avg", "std", "lp")
GLOBAL_POOL_MODES = ("avg", "max")


def extract_windows(
    x: np.ndarray,
    kernel_size: int | Sequence[int],
    stride: int | Sequence[int] = 1,
    padding: int | Sequence[int] = 0,
    dilation: int | Sequence[int] = 1,
    pad_value: float = 0.0,
) -> np.ndarray:
    """All sliding windows of a batch, as a read-only strided view.

    Lecture: convolution mechanics (a filter slides over the input with a stride).

    Parameters
    ----------
    x : ndarray, shape (N, C, H, W)
    kernel_size, stride, padding, dilation : int or (int, int)
    pad_value : float
        Value of the padded border (0 for convolution, ``nan`` to mark padding).

    Returns
    -------
    ndarray, shape (N, C, H_out, W_out, kH, kW)
        ``windows[n, c, i, j]`` is the patch that output unit ``(i, j)`` sees.
    """
    x = check_nchw(x)
    k = as_pair(kernel_size, "kernel_size", minimum=1)
    s = as_pair(stride, "stride", minimum=1)
    p = as_pair(padding, "padding", minimum=0)
    d = as_pair(dilation, "dilation", minimum=1)
    out_h, out_w = conv_output_size(x.shape[2:], k, s, p, d)
    if p != (0, 0):
        dtype = np.result_type(x.dtype, np.float32) if np.isnan(pad_value) else x.dtype
        x = np.pad(
            x.astype(dtype, copy=False),
            ((0, 0), (0, 0), (p[0], p[0]), (p[1], p[1])),
            constant_values=pad_value,
        )
    sn, sc, sh, sw = x.strides
    return as_strided(
        x,
        shape=(x.shape[0], x.shape[1], out_h, out_w, k[0], k[1]),
        strides=(sn, sc, sh * s[0], sw * s[1], sh * d[0], sw * d[1]),
        writeable=False,
    )


def _check_bias(bias: np.ndarray | None, shape: tuple[int, ...], what: str) -> np.ndarray | None:
    if bias is None:
        return None
    bias = np.asarray(bias)
    if bias.shape != shape:
        raise ValueError(f"{what}: bias must have shape {shape}, got {bias.shape}")
    return bias


def conv2d(
    x: np.ndarray,
    weight: np.ndarray,
    bias: np.ndarray | None = None,
    stride: int | Sequence[int] = 1,
    padding: int | Sequence[int] = 0,
    dilation: int | Sequence[int] = 1,
) -> np.ndarray:
    """2-D convolution (cross-correlation, as in torch) of a batch with a filter bank.

    Lecture: convolution mechanics. Each filter has the same depth as the input
    (``C``) and each filter makes one output channel.

    Parameters
    ----------
    x : ndarray, shape (N, C, H, W)
        Input batch.
    weight : ndarray, shape (C_out, C, kH, kW)
        One filter per output channel.
    bias : ndarray, shape (C_out,), optional
    stride, padding, dilation : int or (int, int)

    Returns
    -------
    ndarray, shape (N, C_out, H_out, W_out)
        Sizes from :func:`course_lib.shapes.conv_output_size`; equals
        ``torch.nn.functional.conv2d`` within float tolerance.
    """
    x = check_nchw(x)
    weight = np.asarray(weight)
    if weight.ndim != 4:
        raise ValueError(
            f"conv2d: weight must be 4-D, shaped (C_out, C_in, kH, kW), got shape {weight.shape}"
        )
    if weight.shape[1] != x.shape[1]:
        raise ValueError(
            f"conv2d: the filter depth must equal the input depth: weight has "
            f"{weight.shape[1]} input channels (shape {weight.shape}) but x has "
            f"{x.shape[1]} channels (shape {x.shape})"
        )
    bias = _check_bias(bias, (weight.shape[0],), "conv2d")
    windows = extract_windows(x, weight.shape[2:], stride, padding, dilation)
    n, c, h_out, w_out, kh, kw = windows.shape
    # im2col: one column per output position, (C*kH*kW, N*Ho*Wo). Copying the window view in
    # this order reads the input along its rows, about twice as fast as putting C*kH*kW last.
    columns = windows.transpose(1, 4, 5, 0, 2, 3).reshape(c * kh * kw, n * h_out * w_out)
    out = weight.reshape(len(weight), -1) @ columns  # (C_out, N*Ho*Wo): one row per filter
    out = out.reshape(-1, n, h_out, w_out).transpose(1, 0, 2, 3)
    if bias is not None:
        out = out + bias[None, :, None, None]
    return np.ascontiguousarray(out)


def locally_connected2d(
    x: np.ndarray,
    weight: np.ndarray,
    bias: np.ndarray | None = None,
    stride: int | Sequence[int] = 1,
    padding: int | Sequence[int] = 0,
) -> np.ndarray:
    """Locally connected layer: a convolution whose filters differ at every output location.

    Lecture: locally connected layer (locality without weight sharing). Tying
    ``weight[i, j] = w`` for every location ``(i, j)`` gives :func:`conv2d` with ``w``.

    Parameters
    ----------
    x : ndarray, shape (N, C, H, W)
    weight : ndarray, shape (H_out, W_out, C_out, C, kH, kW)
        A separate filter bank for every output location.
    bias : ndarray, shape (C_out, H_out, W_out), optional
        A separate bias for every output unit.
    stride, padding : int or (int, int)

    Returns
    -------
    ndarray, shape (N, C_out, H_out, W_out)
    """
    x = check_nchw(x)
    weight = np.asarray(weight)
    if weight.ndim != 6:
        raise ValueError(
            "locally_connected2d: weight must be 6-D, shaped (H_out, W_out, C_out, C_in, kH, kW), "
            f"got shape {weight.shape}"
        )
    out_h, out_w, c_out, c_in, kh, kw = weight.shape
    if c_in != x.shape[1]:
        raise ValueError(
            f"locally_connected2d: weight expects {c_in} input channels (shape {weight.shape}) "
            f"but x has {x.shape[1]} (shape {x.shape})"
        )
    windows = extract_windows(x, (kh, kw), stride, padding)
    if windows.shape[2:4] != (out_h, out_w):
        raise ValueError(
            f"locally_connected2d: this input, kernel, stride and padding give a "
            f"{windows.shape[2]}x{windows.shape[3]} output grid but weight was made for "
            f"{out_h}x{out_w}; build weight for input size {x.shape[2:]}"
        )
    bias = _check_bias(bias, (c_out, out_h, out_w), "locally_connected2d")
    out = np.einsum("nchwij,hwocij->nohw", windows, weight, optimize=True)
    if bias is not None:
        out = out + bias[None]
    return out


def _pool_args(kernel_size, stride, padding) -> tuple[Pair, Pair, Pair]:
    k = as_pair(kernel_size, "kernel_size", minimum=1)
    s = k if stride is None else as_pair(stride, "stride", minimum=1)
    p = as_pair(padding, "padding", minimum=0)
    return k, s, p


def pool2d(
    x: np.ndarray,
    kernel_size: int | Sequence[int],
    stride: int | Sequence[int] | None = None,
    padding: int | Sequence[int] = 0,
    mode: str = "max",
    p: float = 2,
) -> np.ndarray:
    """Pool every channel over sliding windows.

    Lecture: sub-sampling (or pooling): max, average, standard-deviation and
    L^p (power-average) pooling.

    Parameters
    ----------
    x : ndarray, shape (N, C, H, W)
    kernel_size : int or (int, int)
    stride : int or (int, int), optional
        Defaults to ``kernel_size`` (non-overlapping windows).
    padding : int or (int, int)
        At most half the kernel. Padded cells never win a max and are ignored by
        ``"std"`` and ``"lp"``; ``"avg"`` counts them as zeros, as torch's
        ``avg_pool2d`` does by default.
    mode : {"max", "avg", "std", "lp"}
        ``"std"`` is the population standard deviation of each window; ``"lp"`` is the
        power average ``(mean |x|^p) ** (1/p)`` (torch's ``lp_pool2d`` returns the
        power *sum*, ``(kH*kW) ** (1/p)`` times larger).
    p : float
        Exponent of ``"lp"`` pooling (``p=1`` is the mean of ``|x|``, ``p -> inf``
        approaches max pooling of ``|x|``).

    Returns
    -------
    ndarray, shape (N, C, H_out, W_out)
        Sizes from :func:`course_lib.shapes.pool_output_size`.

    Examples
    --------
    >>> x = np.array([[1, 5, 2, 4], [2, 3, 9, 1], [5, 3, 3, 4], [8, 4, 7, 8]])
    >>> pool2d(x[None, None], 2)[0, 0]
    array([[5, 9],
           [8, 8]])
    """
    x = check_nchw(x)
    if mode not in POOL_MODES:
        raise ValueError(f"pool2d: mode must be one of {POOL_MODES}, got {mode!r}")
    if mode == "lp" and not (np.isfinite(p) and p > 0):
        raise ValueError(f"pool2d: p must be a positive finite number for mode='lp', got {p!r}")
    k, s, pad = _pool_args(kernel_size, stride, padding)
    pool_output_size(x.shape[2:], k, s, pad)  # validates padding <= kernel / 2 and sizes
    if mode == "avg":
        windows = extract_windows(x, k, s, pad, pad_value=0.0)
        return windows.mean(axis=(-2, -1))
    if pad == (0, 0):
        windows = extract_windows(x, k, s)
        if mode == "max":
            return windows.max(axis=(-2, -1))
        if mode == "std":
            return windows.std(axis=(-2, -1))
        return np.mean(np.abs(windows) ** p, axis=(-2, -1)) ** (1.0 / p)
    windows = extract_windows(x, k, s, pad, pad_value=np.nan)  # nan marks the padding
    if mode == "max":
        return np.nanmax(windows, axis=(-2, -1))
    if mode == "std":
        return np.nanstd(windows, axis=(-2, -1))
    return np.nanmean(np.abs(windows) ** p, axis=(-2, -1)) ** (1.0 / p)


def unpool2d(x: np.ndarray, kernel_size: int | Sequence[int]) -> np.ndarray:
    """Nearest-neighbour upsampling: repeat every cell ``kH x kW`` times.

    Lecture: sub-sampling. Undoing the *size* change of non-overlapping pooling (not its
    information loss) lets us look at — or listen to — what a pooled map kept.

    Parameters
    ----------
    x : ndarray, shape (N, C, H, W)
    kernel_size : int or (int, int)

    Returns
    -------
    ndarray, shape (N, C, H * kH, W * kW)
    """
    x = check_nchw(x)
    kh, kw = as_pair(kernel_size, "kernel_size", minimum=1)
    return np.repeat(np.repeat(x, kh, axis=2), kw, axis=3)


def _channel_vector(v: np.ndarray | None, c: int, name: str) -> np.ndarray | None:
    if v is None:
        return None
    v = np.asarray(v, dtype=np.float64)
    if v.shape != (c,):
        raise ValueError(
            f"batch_norm: {name} must have shape ({c},), one value per channel, got {v.shape}"
        )
    return v


def batch_norm(
    x: np.ndarray,
    weight: np.ndarray | None = None,
    bias: np.ndarray | None = None,
    *,
    mean: np.ndarray | None = None,
    var: np.ndarray | None = None,
    eps: float = 1e-5,
) -> np.ndarray:
    """Batch normalisation of an ``(N, C, H, W)`` batch, channel by channel.

    Lecture: training deep CNNs (batch normalisation). Every channel ``c`` is normalised
    with one mean and one variance, taken over the batch and both spatial axes
    (``N, H, W``), then scaled by ``weight[c]`` and shifted by ``bias[c]``::

        y = (x - mean[c]) / sqrt(var[c] + eps) * weight[c] + bias[c]

    Parameters
    ----------
    x : ndarray, shape (N, C, H, W)
    weight, bias : ndarray, shape (C,), optional
        The learned scale (gamma, default 1) and shift (beta, default 0).
    mean, var : ndarray, shape (C,), optional
        Statistics to normalise with. Without them (training mode), the batch's own mean
        and *biased* variance (divided by ``N * H * W``) are used. Give both (evaluation
        mode: the running statistics) or neither.
    eps : float
        Added to the variance before the square root.

    Returns
    -------
    ndarray, shape (N, C, H, W)
        Without ``mean``/``var`` it equals ``torch.nn.BatchNorm2d`` in train mode
        (``F.batch_norm(x, None, None, weight, bias, training=True, eps=eps)``); with them,
        ``BatchNorm2d`` in eval mode with ``running_mean=mean, running_var=var``.

    Examples
    --------
    >>> x = np.arange(8.0).reshape(2, 1, 2, 2)  # one channel, values 0..7
    >>> y = batch_norm(x)
    >>> round(float(y.mean()), 6), round(float(y.std()), 4)
    (0.0, 1.0)
    """
    x = check_nchw(x)
    c = x.shape[1]
    if (mean is None) != (var is None):
        raise ValueError("batch_norm: give both mean and var (evaluation mode) or neither")
    if not (np.isfinite(eps) and eps >= 0):
        raise ValueError(f"batch_norm: eps must be a non-negative number, got {eps!r}")
    weight = _channel_vector(weight, c, "weight")
    bias = _channel_vector(bias, c, "bias")
    mean = _channel_vector(mean, c, "mean")
    var = _channel_vector(var, c, "var")
    x = x.astype(np.float64)
    if mean is None:
        if x.shape[0] * x.shape[2] * x.shape[3] < 2:
            raise ValueError(
                f"batch_norm: training mode needs more than one value per channel, got x of "
                f"shape {x.shape} (torch raises here too)"
            )
        mean = x.mean(axis=(0, 2, 3))
        var = x.var(axis=(0, 2, 3))
    elif np.any(var < 0):
        raise ValueError(f"batch_norm: var must be non-negative, got {var}")
    y = (x - mean[None, :, None, None]) / np.sqrt(var[None, :, None, None] + eps)
    if weight is not None:
        y = y * weight[None, :, None, None]
    if bias is not None:
        y = y + bias[None, :, None, None]
    return y


def dropout(
    x: np.ndarray, p: float = 0.5, *, training: bool = True, seed: int | None = 0
) -> np.ndarray:
    """Inverted dropout: zero each value with probability ``p``, scale the rest by ``1/(1-p)``.

    Lecture: training deep CNNs (dropout, the regulariser of AlexNet). The scaling keeps
    the expected value of every unit unchanged, so evaluation (``training=False``) simply
    returns ``x``: nothing is dropped and nothing is rescaled.

    Parameters
    ----------
    x : ndarray, any shape
    p : float
        Probability of dropping a value, ``0 <= p < 1``.
    training : bool
        ``False`` returns ``x`` unchanged, as ``torch.nn.Dropout`` in eval mode.
    seed : int, optional
        Seed of the random mask (``None``: a fresh one every call).

    Returns
    -------
    ndarray, same shape as ``x``
        The rule of ``torch.nn.functional.dropout``: every value is either 0 or
        ``x / (1 - p)``. The masks differ (torch draws from its own generator).
    """
    x = np.asarray(x)
    if isinstance(p, bool) or not (isinstance(p, (int, float, np.floating)) and 0 <= p < 1):
        raise ValueError(f"dropout: p must be a probability in [0, 1), got {p!r}")
    if not training or p == 0:
        return x
    keep = np.random.default_rng(seed).random(x.shape) >= p
    return np.where(keep, x / (1 - p), 0.0)


def global_pool2d(x: np.ndarray, mode: str = "avg") -> np.ndarray:
    """Global pooling: one number per channel, whatever the height and width.

    Lecture: training deep CNNs (global pooling). It turns the ``(C, H, W)`` feature maps
    of any input length into a fixed ``C``-vector that a classifier head can take (GoogLeNet,
    ResNet and the MIR models of the course end with it).

    Parameters
    ----------
    x : ndarray, shape (N, C, H, W)
    mode : {"avg", "max"}

    Returns
    -------
    ndarray, shape (N, C)
        Equals ``torch.nn.AdaptiveAvgPool2d(1)`` (or ``AdaptiveMaxPool2d(1)``) followed by
        ``flatten(1)``.
    """
    x = check_nchw(x)
    if mode not in GLOBAL_POOL_MODES:
        raise ValueError(f"global_pool2d: mode must be one of {GLOBAL_POOL_MODES}, got {mode!r}")
    if x.shape[2] * x.shape[3] == 0:
        raise ValueError(f"global_pool2d: x has no spatial positions, shape {x.shape}")
    return x.mean(axis=(2, 3)) if mode == "avg" else x.max(axis=(2, 3))
