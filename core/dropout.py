"""Dropout and spatial dropout: forward and backward side by side, plus their moments.

Conventions (see README): `keep_prob` is the probability of KEEPING a unit. PyTorch's `p` and
Keras' `rate` are drop probabilities, i.e. `1 - keep_prob`.

    out, cache = dropout_forward(x, keep_prob, training=True, inverted=True, rng=seed)
    dx = dropout_backward(dout, cache)

Every mode is the same expression, `out = x * mask * scale`, so its derivative is
`dx = dout * mask * scale`:

    mode                      mask            scale
    training, inverted        Bernoulli       1 / keep_prob
    training, standard        Bernoulli       1
    test time, inverted       all ones        1
    test time, standard       all ones        keep_prob
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

import numpy as np

__all__ = [
    "DropoutCache",
    "bernoulli_mask",
    "check_count",
    "check_keep_prob",
    "dropout_backward",
    "dropout_forward",
    "expected_output",
    "make_rng",
    "monte_carlo_moments",
    "output_scale",
    "output_variance",
    "sample_outputs",
    "spatial_dropout_backward",
    "spatial_dropout_forward",
]


@dataclass(frozen=True)
class DropoutCache:
    """What a backward pass needs: the exact mask and scale the forward pass used."""

    mask: np.ndarray  # bool, broadcastable to x: x.shape, (N, C, 1, 1) for spatial, or all-ones at test time
    scale: float  # the factor applied to kept units (1/keep_prob, 1 or keep_prob; see the module table)
    keep_prob: float
    training: bool
    inverted: bool
    shape: tuple[int, ...]  # the shape of x, which dout must match
    dtype: np.dtype  # the dtype of out, which dx shares


# --- argument checks ---------------------------------------------------------------------------


def check_keep_prob(keep_prob, name: str = "keep_prob") -> float:
    """Return keep_prob as a float, or raise if it is not a finite real number in [0, 1]."""
    if isinstance(keep_prob, (bool, np.bool_)) or not isinstance(keep_prob, numbers.Real):
        raise TypeError(f"{name} must be a real number in [0, 1], got {type(keep_prob).__name__} {keep_prob!r}")
    value = float(keep_prob)
    if not math.isfinite(value) or not 0.0 <= value <= 1.0:
        raise ValueError(f"{name} must be a finite number in [0, 1] (the probability of keeping a unit), got {value!r}")
    return value


def make_rng(rng) -> np.random.Generator:
    """A Generator from a Generator (returned as is), an int seed, or None (fresh entropy)."""
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None:
        return np.random.default_rng()
    if isinstance(rng, (bool, np.bool_)) or not isinstance(rng, numbers.Integral):
        raise TypeError(f"rng must be a numpy.random.Generator, an int seed or None, got {type(rng).__name__}")
    if rng < 0:
        raise ValueError(f"rng seed must be a non-negative integer, got {rng}")
    return np.random.default_rng(int(rng))


def _as_float_array(x, name: str = "x") -> np.ndarray:
    array = np.asarray(x)
    if array.dtype.kind in "biu":
        return array.astype(np.float64)
    if array.dtype.kind != "f":
        raise TypeError(f"{name} must be an array of real numbers, got dtype {array.dtype}")
    return array


def _check_flag(value, name: str) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {value!r}")
    return bool(value)


# --- masks -------------------------------------------------------------------------------------


_BLOCK = 1 << 16  # entries drawn at a time: a block's random bytes, mask and output stay in the CPU cache


def _byte_threshold(keep_prob: float) -> tuple[int, float]:
    """keep_prob * 256 split into its whole part K (0..255) and fraction r: P(keep) = (K + r) / 256."""
    whole, remainder = divmod(keep_prob * 256.0, 1.0)
    return int(whole), remainder


def _words_drawn(size: int) -> int:
    """How many 64-bit words a mask of `size` entries takes from the bit generator: one per 8 entries
    of each block, plus one that seeds the tie-breaker (see bernoulli_mask)."""
    full_blocks, rest = divmod(size, _BLOCK)
    return 1 + full_blocks * (_BLOCK // 8) + -(-rest // 8)


def _tie_breaker(rng: np.random.Generator) -> np.random.Generator:
    """A generator of its own for the rare ties, seeded by ONE word of rng: how many ties a mask has
    depends on keep_prob, but what rng gives after the mask then does not."""
    return np.random.default_rng(int(rng.bit_generator.random_raw()))


def _fill_bernoulli(block: np.ndarray, whole: int, remainder: float, rng: np.random.Generator,
                    ties_rng: np.random.Generator) -> None:
    """Fill a 1-D bool array in place with independent Bernoulli((whole + remainder) / 256) draws."""
    # Eight random bytes per 64-bit word, straight from the bit generator.
    random_bytes = rng.bit_generator.random_raw(-(-block.size // 8)).view(np.uint8)[: block.size]
    np.less(random_bytes, whole, out=block)
    ties = np.flatnonzero(random_bytes == whole)  # about 1 entry in 256
    if ties.size:
        block[ties] = ties_rng.random(ties.size) < remainder


def bernoulli_mask(shape, keep_prob: float, rng=None) -> np.ndarray:
    """A boolean array of `shape` whose entries are independently True with probability keep_prob.

    Drawing a float per entry (`rng.random(shape) < keep_prob`) is the obvious way and the slow
    one. Here one random *byte* decides almost every entry: with keep_prob * 256 = K + r
    (K whole, 0 <= r < 1), a byte b keeps its entry when b < K, drops it when b > K, and on a tie
    (b == K, probability 1/256) a fresh uniform float decides, kept when below r. So
    P(keep) = K/256 + r/256 = keep_prob to float precision, with no quantisation of keep_prob.

    Coupled across keep_prob: the bytes (and the tie-breaking floats) are the same whatever keep_prob
    is, and a byte kept at a lower keep_prob is kept at any higher one. So with the same rng state the
    units kept at keep_prob 0.3 are a subset of those kept at 0.6: lowering keep_prob drops units one
    by one, it never brings a dropped one back. Every keep_prob, 0 and 1 included, takes the same
    number of words from rng, so what is drawn after the mask does not depend on keep_prob either.
    """
    keep_prob = check_keep_prob(keep_prob)
    shape = tuple(int(s) for s in np.atleast_1d(shape))
    rng = make_rng(rng)
    if keep_prob in (0.0, 1.0):  # nothing random to decide, but rng moves on as at any other keep_prob
        rng.bit_generator.random_raw(_words_drawn(math.prod(shape)))
        return np.full(shape, keep_prob == 1.0)
    whole, remainder = _byte_threshold(keep_prob)
    ties_rng = _tie_breaker(rng)
    mask = np.empty(math.prod(shape), dtype=bool)
    for start in range(0, mask.size, _BLOCK):
        _fill_bernoulli(mask[start : start + _BLOCK], whole, remainder, rng, ties_rng)
    return mask.reshape(shape)


def _masked_dropout_in_blocks(x: np.ndarray, keep_prob: float, factor, rng) -> tuple[np.ndarray, np.ndarray]:
    """The same mask as bernoulli_mask(x.shape, keep_prob, rng) and x * mask * factor, computed
    block by block so that each block is still in the CPU cache when it is multiplied (~1.3x faster
    than drawing the whole mask first on 1e7 entries)."""
    whole, remainder = _byte_threshold(keep_prob)
    ties_rng = _tie_breaker(rng)
    flat_x = x.reshape(-1)
    mask = np.empty(x.size, dtype=bool)
    out = np.empty(x.size, dtype=x.dtype)
    for start in range(0, x.size, _BLOCK):
        block = slice(start, start + _BLOCK)
        _fill_bernoulli(mask[block], whole, remainder, rng, ties_rng)
        np.multiply(flat_x[block], mask[block], out=out[block])
        out[block] *= factor
    return mask.reshape(x.shape), out.reshape(x.shape)


def output_scale(keep_prob: float, *, training: bool, inverted: bool) -> float:
    """The factor a kept unit is multiplied by (the module table)."""
    if training:
        if not inverted:
            return 1.0
        return 1.0 / keep_prob if keep_prob > 0 else 0.0  # keep_prob 0 drops everything: no 1/0
    return 1.0 if inverted else keep_prob


def _masked_scale(values: np.ndarray, mask: np.ndarray, scale: float) -> np.ndarray:
    """values * mask * scale in values' dtype, as a new array (values is never modified).

    Dropped entries are exactly 0 even when 1/keep_prob overflows the dtype (keep_prob below
    ~1e-38 in float32); a kept entry that overflows becomes inf, as IEEE arithmetic says.
    """
    with np.errstate(over="ignore"):
        factor = values.dtype.type(scale)
        if np.isfinite(factor):
            out = np.multiply(values, mask, dtype=values.dtype)
            if factor != 1:
                out *= factor
            return out
    out = np.zeros(np.broadcast_shapes(values.shape, mask.shape), dtype=values.dtype)
    with np.errstate(over="ignore", invalid="ignore"):
        np.multiply(values, factor, out=out, where=mask)
    return out


# --- element-wise dropout ----------------------------------------------------------------------


def _forward(x, keep_prob, mask_shape_of, *, training, inverted, rng):
    keep_prob = check_keep_prob(keep_prob)
    training = _check_flag(training, "training")
    inverted = _check_flag(inverted, "inverted")
    x = _as_float_array(x)
    scale = output_scale(keep_prob, training=training, inverted=inverted)
    with np.errstate(over="ignore"):
        factor = x.dtype.type(scale)  # inf when 1/keep_prob overflows the dtype
    if training and 0.0 < keep_prob < 1.0 and mask_shape_of(x.shape) == x.shape and np.isfinite(factor):
        mask, out = _masked_dropout_in_blocks(x, keep_prob, factor, make_rng(rng))  # the fast path
    else:
        if training:
            mask = bernoulli_mask(mask_shape_of(x.shape), keep_prob, rng)
        else:
            make_rng(rng)  # validated all the same, though test time draws nothing
            mask = np.ones((1,) * x.ndim, dtype=bool)  # test time: every unit is used
        out = _masked_scale(x, mask, scale)
    cache = DropoutCache(mask, scale, keep_prob, training, inverted, x.shape, x.dtype)
    return out, cache


def dropout_forward(x, keep_prob, *, training=True, inverted=True, rng=None):
    """Element-wise dropout.

    x: array of any shape (N, D) typically; keep_prob: probability of keeping each unit;
    training: draw a mask (True) or use every unit (False); inverted: scale kept units by
    1/keep_prob at train time (True) or scale everything by keep_prob at test time (False);
    rng: Generator, int seed or None.
    Returns out (same shape and float dtype as x) and a DropoutCache for dropout_backward.
    """
    return _forward(x, keep_prob, lambda shape: shape, training=training, inverted=inverted, rng=rng)


def dropout_backward(dout, cache: DropoutCache) -> np.ndarray:
    """Gradient of dropout_forward: dx = dout * mask * scale, with the forward pass's own mask.

    dout: upstream gradient, same shape as the forward input x. Returns dx of that shape.
    """
    if not isinstance(cache, DropoutCache):
        raise TypeError(f"cache must be the DropoutCache returned by the forward pass, got {type(cache).__name__}")
    dout = _as_float_array(dout, "dout")
    if dout.shape != cache.shape:
        raise ValueError(f"dout has shape {dout.shape} but the forward input had shape {cache.shape}")
    return _masked_scale(dout.astype(cache.dtype, copy=False), cache.mask, cache.scale)


# --- spatial (channel) dropout -----------------------------------------------------------------


def _channel_mask_shape(shape):
    if len(shape) != 4:
        raise ValueError(f"x must have shape (N, C, H, W) for spatial dropout, got {len(shape)} dimensions {shape}")
    return (shape[0], shape[1], 1, 1)


def spatial_dropout_forward(x, keep_prob, *, training=True, inverted=True, rng=None):
    """Spatial dropout: one Bernoulli draw per (sample, channel) drops or keeps a whole feature map.

    x: (N, C, H, W). cache.mask has shape (N, C, 1, 1) in training. Otherwise as dropout_forward.
    """
    return _forward(x, keep_prob, _channel_mask_shape, training=training, inverted=inverted, rng=rng)


def spatial_dropout_backward(dout, cache: DropoutCache) -> np.ndarray:
    """Gradient of spatial_dropout_forward: dout (N, C, H, W) -> dx (N, C, H, W)."""
    return dropout_backward(dout, cache)


# --- moments: the analytic ones and their Monte-Carlo estimates --------------------------------


def expected_output(x, keep_prob, *, training=True, inverted=True) -> np.ndarray:
    """E[out] over masks. Inverted training: x; standard training: keep_prob * x; test: the test output.

    At keep_prob 0 every unit is dropped, so the training output (and its mean) is exactly 0.
    """
    keep_prob = check_keep_prob(keep_prob)
    x = _as_float_array(x)
    if not training:
        return x * output_scale(keep_prob, training=False, inverted=inverted)
    return x * (keep_prob * output_scale(keep_prob, training=True, inverted=inverted))


def output_variance(x, keep_prob, *, training=True, inverted=True) -> np.ndarray:
    """Var[out] over masks: (x * scale)^2 * keep_prob * (1 - keep_prob).

    Inverted training: x^2 (1 - keep_prob) / keep_prob; standard training: x^2 keep_prob (1 - keep_prob);
    test time (no randomness) and keep_prob 0 or 1: 0.
    """
    keep_prob = check_keep_prob(keep_prob)
    x = _as_float_array(x)
    if not training:
        return np.zeros_like(x)
    scale = output_scale(keep_prob, training=True, inverted=inverted)
    return (x * scale) ** 2 * (keep_prob * (1.0 - keep_prob))


def check_count(n, name: str, minimum: int) -> int:
    """n as an int, or TypeError (not an integer) / ValueError (below minimum) naming the argument."""
    if isinstance(n, (bool, np.bool_)) or not isinstance(n, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {type(n).__name__} {n!r}")
    if n < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {n}")
    return int(n)


def sample_outputs(x, keep_prob, n_masks, *, inverted=True, rng=None) -> np.ndarray:
    """Training outputs of dropout on x under n_masks independent masks: shape (n_masks, *x.shape)."""
    keep_prob = check_keep_prob(keep_prob)
    n_masks = check_count(n_masks, "n_masks", 1)
    x = _as_float_array(x)
    masks = bernoulli_mask((n_masks, *x.shape), keep_prob, rng)  # (n_masks, *x.shape)
    scale = output_scale(keep_prob, training=True, inverted=inverted)
    return _masked_scale(np.broadcast_to(x, masks.shape), masks, scale)


def monte_carlo_moments(x, keep_prob, n_masks, *, inverted=True, rng=None, chunk=1_000_000):
    """Sample mean and unbiased sample variance of the training output over n_masks masks.

    Vectorised: only how many of the n_masks masks keep each entry matters (k of n), so
    mean = x * scale * k / n and variance = (x * scale)^2 * k (n - k) / (n (n - 1)).
    Masks are drawn in blocks of about `chunk` entries to bound memory.
    Returns (mean, variance), each shaped like x.
    """
    keep_prob = check_keep_prob(keep_prob)
    n_masks = check_count(n_masks, "n_masks", 2)
    x = _as_float_array(x)
    rng = make_rng(rng)
    kept = np.zeros(x.shape, dtype=np.int64)
    per_block = max(1, chunk // max(1, x.size))
    for start in range(0, n_masks, per_block):
        block = min(per_block, n_masks - start)
        kept += bernoulli_mask((block, *x.shape), keep_prob, rng).sum(axis=0)
    scaled = x * output_scale(keep_prob, training=True, inverted=inverted)
    mean = scaled * (kept / n_masks)
    variance = scaled**2 * (kept * (n_masks - kept) / (n_masks * (n_masks - 1.0)))
    return mean, variance
