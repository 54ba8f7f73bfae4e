"""Dropout on convolutional feature maps: images, a fixed filter bank, masks, and the measurements
that show why element-wise dropout regularises feature maps poorly.

    images = digit_images(range(16))                       # (N, 32, 32) in [0, 1]
    maps = feature_maps(images, relu=True)                 # (N, C, H, W), C = len(FILTER_NAMES)
    corr = neighbour_correlation(maps, max_distance=8)     # (C, 9): correlation against distance
    mask = sample_mask("element", maps.shape, 0.5, rng=0)  # or "channel", "dropblock"
    left = information_left(maps, mask)                    # share of the maps' energy still there

Pure NumPy. Every random draw comes from a Generator or a seed. No function modifies its inputs.
"""

from __future__ import annotations

import numbers

import numpy as np

from core.data import load_digits
from core.dropout import (
    bernoulli_mask,
    check_keep_prob,
    dropout_forward,
    make_rng,
    spatial_dropout_forward,
)

__all__ = [
    "FILTER_NAMES",
    "FILTER_SHORT_NAMES",
    "MASK_KINDS",
    "conv2d_same",
    "describe_filter_bank",
    "digit_images",
    "dropblock_mask",
    "feature_maps",
    "filter_bank",
    "first_digit_of_class",
    "generated_scene",
    "information_left",
    "information_left_curve",
    "kept_energy_share",
    "neighbour_correlation",
    "neighbour_estimate",
    "sample_mask",
    "upsample",
]

# --- the filter bank ---------------------------------------------------------------------------

_SOBEL_X = np.array([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]]) / 4.0  # a unit step gives 1
_DIAGONAL = np.array([[0.0, 1.0, 2.0], [-1.0, 0.0, 1.0], [-2.0, -1.0, 0.0]]) / 4.0
_BLUR = np.array([[1.0, 2.0, 1.0], [2.0, 4.0, 2.0], [1.0, 2.0, 1.0]]) / 16.0
_SPOT = np.array([[0.0, -1.0, 0.0], [-1.0, 4.0, -1.0], [0.0, -1.0, 0.0]]) / 2.0

# The vertical and horizontal edge filters come in +/- pairs, as in a trained first layer (after a ReLU
# each keeps one polarity); the two diagonal edge filters have one polarity each.
_FILTERS = {
    "vertical edge +": _SOBEL_X,  # dark on the left, bright on the right
    "vertical edge −": -_SOBEL_X,
    "horizontal edge +": _SOBEL_X.T,  # dark above, bright below
    "horizontal edge −": -_SOBEL_X.T,
    "diagonal edge ╱": _DIAGONAL[:, ::-1],  # bright above-left, dark below-right: an edge (or a stroke) along ╱
    "diagonal edge ╲": _DIAGONAL,  # bright above-right, dark below-left: an edge (or a stroke) along ╲
    "blur": _BLUR,
    "centre spot": _SPOT,  # bright centre on a darker surround
}
FILTER_NAMES: tuple[str, ...] = tuple(_FILTERS)
FILTER_SHORT_NAMES: tuple[str, ...] = (  # the same channels, short enough for a half-width grid
    "│ edge +", "│ edge −", "─ edge +", "─ edge −", "╱ edge", "╲ edge", "blur", "spot",
)
MASK_KINDS: tuple[str, ...] = ("element", "channel", "dropblock")


def filter_bank() -> np.ndarray:
    """The fixed 3x3 filters, shape (C, 3, 3) in the order of FILTER_NAMES (a fresh array)."""
    return np.stack([kernel.copy() for kernel in _FILTERS.values()])


def _and_join(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def describe_filter_bank(names=FILTER_NAMES) -> str:
    """The filter bank in words, read from its labels (so the words cannot drift from the bank).

    An edge label ending in " +" or " −" is one polarity of that edge; an edge whose two polarities are
    both labelled is said to come in both, any other edge in one. For the bank here:
    'vertical and horizontal edges in both polarities (+ and −), one diagonal ╱ and one diagonal ╲
    edge (one polarity each), a blur and a centre spot'.
    """
    signs = {}  # edge orientation -> the polarities labelled, in label order
    others = []
    for name in names:
        base, _, sign = name.rpartition(" ")
        if sign not in ("+", "−"):
            base, sign = name, ""
        if "edge" in base.split():
            signs.setdefault(" ".join(word for word in base.split() if word != "edge"), []).append(sign)
        else:
            others.append(name)
    both = [orientation for orientation, found in signs.items() if {"+", "−"} <= set(found)]
    single = [orientation for orientation in signs if orientation not in both]
    parts = []
    if both:
        parts.append(f"{_and_join(both)} edge{'s' if len(both) > 1 else ''} in both polarities (+ and −)")
    if single:
        each = " (one polarity each)" if len(single) > 1 else " (one polarity)"
        parts.append(_and_join([f"one {orientation}" for orientation in single]) + " edge" + each)
    parts += [f"a {name}" for name in others]
    return _and_join(parts) if parts else "no filters"


# --- images ------------------------------------------------------------------------------------


def _check_int(value, name: str, low: int, high: int | None = None) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__} {value!r}")
    if value < low or (high is not None and value > high):
        bound = f"from {low} to {high}" if high is not None else f"at least {low}"
        raise ValueError(f"{name} must be {bound}, got {value}")
    return int(value)


def _check_images(images, name: str = "images") -> np.ndarray:
    array = np.asarray(images)
    if array.dtype.kind not in "biuf":
        raise TypeError(f"{name} must be an array of real numbers, got dtype {array.dtype}")
    if array.ndim != 3:
        raise ValueError(f"{name} must have shape (N, H, W), got shape {array.shape}")
    return array.astype(np.float64, copy=False)


def _linear_interpolation_matrix(n_in: int, factor: int) -> np.ndarray:
    """(n_in * factor, n_in): row i samples the input at pixel-centre position (i + 0.5) / factor - 0.5."""
    positions = np.clip((np.arange(n_in * factor) + 0.5) / factor - 0.5, 0.0, n_in - 1.0)
    low = np.floor(positions).astype(int)
    high = np.minimum(low + 1, n_in - 1)
    weight_high = positions - low
    matrix = np.zeros((n_in * factor, n_in))
    rows = np.arange(n_in * factor)
    np.add.at(matrix, (rows, low), 1.0 - weight_high)
    np.add.at(matrix, (rows, high), weight_high)
    return matrix


def upsample(images, factor: int) -> np.ndarray:
    """Bilinear upsampling of (N, H, W) images by an integer factor: (N, H * factor, W * factor)."""
    images = _check_images(images)
    factor = _check_int(factor, "factor", 1, 16)
    rows = _linear_interpolation_matrix(images.shape[1], factor)  # (H f, H)
    cols = _linear_interpolation_matrix(images.shape[2], factor)  # (W f, W)
    return np.einsum("ih,nhw,jw->nij", rows, images, cols)


def digit_images(indices, factor: int = 4) -> np.ndarray:
    """Digits from core.data.load_digits (8x8, values in [0, 1]) upsampled bilinearly.

    The 8x8 digits are 32x32 scans averaged over 4x4 blocks, so factor 4 returns them to about the
    scan's resolution. indices: sequence of row numbers 0..1796. Returns (N, 8 factor, 8 factor).
    """
    indices = np.asarray(list(indices))
    if indices.ndim != 1 or indices.size == 0 or indices.dtype.kind not in "iu":
        raise ValueError(f"indices must be a non-empty sequence of integers, got {indices!r}")
    X, _ = load_digits()
    if indices.min() < 0 or indices.max() >= len(X):
        raise ValueError(f"indices must lie in 0..{len(X) - 1}, got {indices.min()}..{indices.max()}")
    return upsample(X[indices].reshape(-1, 8, 8), factor)


def first_digit_of_class(label: int) -> int:
    """Row number of the first digit with this label (0-9) in load_digits()."""
    label = _check_int(label, "label", 0, 9)
    _, y = load_digits()
    return int(np.flatnonzero(y == label)[0])


def _gaussian_blur_fft(field: np.ndarray, sigma: float) -> np.ndarray:
    """Circular Gaussian blur of a 2-D array via the FFT (the field is periodic noise, so circular is fine)."""
    h, w = field.shape
    fy = np.fft.fftfreq(h)[:, None]
    fx = np.fft.fftfreq(w)[None, :]
    transfer = np.exp(-2.0 * (np.pi * sigma) ** 2 * (fx**2 + fy**2))
    return np.real(np.fft.ifft2(np.fft.fft2(field) * transfer))


def generated_scene(size: int = 48, seed: int = 0) -> np.ndarray:
    """A natural-looking greyscale picture made in NumPy: a smooth random background with a few
    soft-edged discs and rectangles. size: side in pixels (16..128). Returns (size, size) in [0, 1].
    """
    size = _check_int(size, "size", 16, 128)
    rng = make_rng(_check_int(seed, "seed", 0))
    background = _gaussian_blur_fft(rng.standard_normal((size, size)), sigma=size / 10.0)
    background = (background - background.min()) / (np.ptp(background) or 1.0)  # [0, 1]
    picture = 0.15 + 0.35 * background
    rows, cols = np.mgrid[0:size, 0:size] + 0.5
    edge = 0.8  # softness of the shapes' edges, in pixels
    for _ in range(2):  # discs
        cy, cx = rng.uniform(0.2, 0.8, 2) * size
        radius = rng.uniform(0.1, 0.2) * size
        inside = 1.0 / (1.0 + np.exp((np.hypot(rows - cy, cols - cx) - radius) / edge))
        picture = picture * (1 - inside) + rng.uniform(0.6, 1.0) * inside
    for _ in range(2):  # axis-aligned rectangles
        top, left = rng.uniform(0.05, 0.6, 2) * size
        height, width = rng.uniform(0.15, 0.35, 2) * size
        inside_rows = 1.0 / (1.0 + np.exp(-(rows - top) / edge)) / (1.0 + np.exp((rows - top - height) / edge))
        inside_cols = 1.0 / (1.0 + np.exp(-(cols - left) / edge)) / (1.0 + np.exp((cols - left - width) / edge))
        inside = inside_rows * inside_cols
        picture = picture * (1 - inside) + rng.uniform(0.0, 0.9) * inside
    return np.clip(picture, 0.0, 1.0)


# --- convolution -------------------------------------------------------------------------------


def conv2d_same(images, kernels) -> np.ndarray:
    """'Same' 2-D cross-correlation (what deep-learning frameworks call convolution), zero padding.

    images: (N, H, W); kernels: (C, k, k) with k odd. Returns (N, C, H, W) with
    out[n, c, i, j] = sum_{u, v} kernels[c, u, v] * padded[n, i + u, j + v].
    """
    images = _check_images(images)
    kernels = np.asarray(kernels, dtype=np.float64)
    if kernels.ndim != 3 or kernels.shape[1] != kernels.shape[2] or kernels.shape[1] % 2 == 0:
        raise ValueError(f"kernels must have shape (C, k, k) with k odd, got {kernels.shape}")
    n, h, w = images.shape
    k = kernels.shape[1]
    half = k // 2
    padded = np.pad(images, ((0, 0), (half, half), (half, half)))
    out = np.zeros((n, kernels.shape[0], h, w))
    for u in range(k):
        for v in range(k):
            out += kernels[None, :, u, v, None, None] * padded[:, None, u : u + h, v : v + w]
    return out


def feature_maps(images, *, relu: bool = True, border: int = 0) -> np.ndarray:
    """The filter bank applied to (N, H, W) images, optionally followed by a ReLU.

    border: pixels cut from each side afterwards, to drop the rim where the zero padding shows
    (a picture that does not fade to black at its edges gets a bright frame otherwise).
    Returns (N, C, H - 2 border, W - 2 border), C = len(FILTER_NAMES).
    """
    if not isinstance(relu, (bool, np.bool_)):
        raise TypeError(f"relu must be True or False, got {relu!r}")
    images = _check_images(images)
    border = _check_int(border, "border", 0, (min(images.shape[1:]) - 1) // 2)
    maps = conv2d_same(images, filter_bank())
    maps = maps[..., border : maps.shape[2] - border, border : maps.shape[3] - border]
    return np.maximum(maps, 0.0) if relu else maps


# --- masks -------------------------------------------------------------------------------------


def _check_maps(maps, name: str = "maps") -> np.ndarray:
    array = np.asarray(maps)
    if array.dtype.kind not in "biuf":
        raise TypeError(f"{name} must be an array of real numbers, got dtype {array.dtype}")
    if array.ndim != 4:
        raise ValueError(f"{name} must have shape (N, C, H, W), got shape {array.shape}")
    return array.astype(np.float64, copy=False)


def _check_shape(shape) -> tuple[int, int, int, int]:
    shape = tuple(int(s) for s in np.atleast_1d(shape))
    if len(shape) != 4 or min(shape) < 1:
        raise ValueError(f"shape must be (N, C, H, W) with every size at least 1, got {shape}")
    return shape  # type: ignore[return-value]


def dropblock_mask(shape, keep_prob: float, block_size: int, rng=None) -> np.ndarray:
    """DropBlock (Ghiasi et al. 2018): drop contiguous block_size x block_size squares of each map.

    shape: (N, C, H, W); each (n, c) map gets its own blocks. Returns a bool mask of that shape
    (True = kept). Block seeds fall independently with probability gamma on a grid of
    (H + b - 1) x (W + b - 1) positions, so that blocks may hang over the border and every pixel
    is covered by exactly b^2 possible blocks; gamma = 1 - keep_prob^(1 / b^2) then makes every
    pixel's keep probability exactly keep_prob. (The paper's gamma formula keeps blocks inside the
    map and ignores overlaps, which drops a little less than 1 - keep_prob.) block_size 1 is
    element-wise dropout.
    """
    shape = _check_shape(shape)
    keep_prob = check_keep_prob(keep_prob)
    b = _check_int(block_size, "block_size", 1, min(shape[2], shape[3]))
    n, c, h, w = shape
    no_seed = bernoulli_mask((n, c, h + b - 1, w + b - 1), keep_prob ** (1.0 / (b * b)), rng)
    seeds = ~no_seed
    if b == 1:
        return no_seed
    # Pixel (i, j) is dropped when a seed lies in rows i..i+b-1 and columns j..j+b-1 of the seed grid:
    # a b x b sliding "any", done as one pass along rows and one along columns.
    seeds_in_rows = np.zeros((n, c, h, w + b - 1), dtype=bool)
    for u in range(b):
        seeds_in_rows |= seeds[:, :, u : u + h, :]
    dropped = np.zeros((n, c, h, w), dtype=bool)
    for v in range(b):
        dropped |= seeds_in_rows[:, :, :, v : v + w]
    return ~dropped


def sample_mask(kind: str, shape, keep_prob: float, rng=None, *, block_size: int = 3) -> np.ndarray:
    """A training mask for (N, C, H, W) feature maps: True = kept.

    kind: "element" (each pixel on its own; shape (N, C, H, W)), "channel" (one draw per map, as
    nn.Dropout2d / SpatialDropout2D; shape (N, C, 1, 1)) or "dropblock" (block_size squares;
    shape (N, C, H, W)). The element and channel masks are those of core.dropout's forward passes.
    """
    shape = _check_shape(shape)
    if kind == "element":
        _, cache = dropout_forward(np.zeros(shape, dtype=np.float32), keep_prob, rng=rng)
        return np.broadcast_to(cache.mask, shape).copy()
    if kind == "channel":
        _, cache = spatial_dropout_forward(np.zeros(shape, dtype=np.float32), keep_prob, rng=rng)
        return cache.mask.reshape(shape[0], shape[1], 1, 1).copy()
    if kind == "dropblock":
        return dropblock_mask(shape, keep_prob, block_size, rng)
    raise ValueError(f"kind must be one of {MASK_KINDS}, got {kind!r}")


# --- the measurements --------------------------------------------------------------------------


def neighbour_correlation(maps, max_distance: int) -> np.ndarray:
    """Correlation between activations d pixels apart, for d = 0..max_distance, per channel.

    maps: (N, C, H, W). For each channel, the pairs (a[n, i, j], a[n, i, j + d]) and
    (a[n, i, j], a[n, i + d, j]) over every image and position are pooled and their Pearson
    correlation is taken. Returns (C, max_distance + 1); column 0 is 1. A channel whose pairs
    do not vary (e.g. all zero after the ReLU) has NaN there: there is nothing to correlate.
    """
    maps = _check_maps(maps)
    _, channels, h, w = maps.shape
    max_distance = _check_int(max_distance, "max_distance", 0, min(h, w) - 1)
    result = np.full((channels, max_distance + 1), np.nan)
    for d in range(max_distance + 1):
        first = np.concatenate([maps[..., :, : w - d].reshape(*maps.shape[:2], -1),
                                maps[..., : h - d, :].reshape(*maps.shape[:2], -1)], axis=2)  # (N, C, P)
        second = np.concatenate([maps[..., :, d:].reshape(*maps.shape[:2], -1),
                                 maps[..., d:, :].reshape(*maps.shape[:2], -1)], axis=2)
        first = first.transpose(1, 0, 2).reshape(channels, -1)  # (C, N P)
        second = second.transpose(1, 0, 2).reshape(channels, -1)
        first = first - first.mean(axis=1, keepdims=True)
        second = second - second.mean(axis=1, keepdims=True)
        denominator = np.sqrt((first**2).sum(axis=1) * (second**2).sum(axis=1))
        numerator = (first * second).sum(axis=1)
        scale = np.maximum(np.abs(first).max(axis=1), np.abs(second).max(axis=1))
        varies = denominator > 1e-12 * np.maximum(scale, 1e-300) ** 2 * first.shape[1]
        result[varies, d] = numerator[varies] / denominator[varies]
    return result


def _box3(values: np.ndarray) -> np.ndarray:
    """Sum over each pixel's 3x3 neighbourhood (itself included), zero outside the map: (..., H, W)."""
    padded = np.pad(values, [(0, 0)] * (values.ndim - 2) + [(1, 1), (1, 1)])
    h, w = values.shape[-2:]
    return sum(padded[..., u : u + h, v : v + w] for u in range(3) for v in range(3))


def neighbour_estimate(maps, mask) -> np.ndarray:
    """What a dropped activation's surviving neighbours say about it.

    maps: (N, C, H, W); mask: bool, broadcastable to maps (True = kept). Kept pixels keep their
    value; a dropped pixel is estimated by the mean of the kept pixels among its 8 neighbours in
    the same map, or 0 when none of them survived. Returns (N, C, H, W).
    """
    maps = _check_maps(maps)
    kept = np.broadcast_to(np.asarray(mask, dtype=bool), maps.shape)
    kept_values = np.where(kept, maps, 0.0)
    neighbour_sum = _box3(kept_values)  # the dropped centre contributes 0
    neighbour_count = _box3(kept.astype(np.float64))
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(neighbour_count > 0, neighbour_sum / np.maximum(neighbour_count, 1.0), 0.0)
    return np.where(kept, maps, mean)


def _channel_energy(maps: np.ndarray) -> np.ndarray:
    """Energy sum(a^2) of each channel over images and pixels, (C,); raises if every channel is zero."""
    energy = np.sum(maps**2, axis=(0, 2, 3))
    if not np.any(energy > 0):
        raise ValueError("maps are all zero: there is no information to lose")
    return energy


def information_left(maps, mask) -> float:
    """Share of the maps' energy that survives a mask, counting what neighbours can restore.

    Per channel c: 1 - sum((estimate - maps)^2) / sum(maps^2) over images and pixels, with the
    estimate of neighbour_estimate (kept pixels exactly, dropped pixels from their surviving 3x3
    neighbours); then the mean over the channels that are not all zero, so that every filter
    counts the same (a bright blur channel would otherwise outweigh the thin edge channels).
    1 when nothing is dropped, 0 when everything is; with no help from neighbours it is the kept
    share of the energy (about keep_prob). Raises ValueError when the maps are all zero.
    """
    maps = _check_maps(maps)
    energy = _channel_energy(maps)
    error = np.sum((neighbour_estimate(maps, mask) - maps) ** 2, axis=(0, 2, 3))
    live = energy > 0
    return float(np.mean(1.0 - error[live] / energy[live]))


def information_left_curve(maps, kind: str, keep_probs, rng=None, *, block_size: int = 3,
                           repeats: int = 1) -> np.ndarray:
    """information_left averaged over `repeats` fresh masks of `kind`, for each keep_prob.

    maps: (N, C, H, W); keep_probs: 1-D sequence in [0, 1]. Returns (len(keep_probs),).
    """
    maps = _check_maps(maps)
    repeats = _check_int(repeats, "repeats", 1, 1000)
    rng = make_rng(rng)
    keep_probs = [check_keep_prob(q) for q in np.atleast_1d(keep_probs)]
    if kind == "channel":
        # A dropped map's neighbours are dropped with it, so nothing is restored and the information
        # left is the kept share of the energy: per-map energies suffice (same numbers, far cheaper).
        channel_energy = _channel_energy(maps)  # (C,)
        live = channel_energy > 0
        map_energy = np.sum(maps**2, axis=(2, 3))[:, live]  # (N, live C)
        n, c = maps.shape[:2]
        shares = []
        for q in keep_probs:
            kept = sample_mask("channel", (repeats * n, c, 1, 1), q, rng).reshape(repeats, n, c)[:, :, live]
            per_channel = np.sum(kept * map_energy, axis=1) / channel_energy[live]  # (repeats, live C)
            shares.append(float(np.mean(per_channel)))
        return np.array(shares)
    return np.array([
        np.mean([information_left(maps, sample_mask(kind, maps.shape, q, rng, block_size=block_size))
                 for _ in range(repeats)])
        for q in keep_probs
    ])


def kept_energy_share(maps, mask) -> float:
    """The kept share of each channel's energy, averaged over the channels that are not all zero:
    the information left with no help from neighbours (see information_left)."""
    maps = _check_maps(maps)
    energy = _channel_energy(maps)
    kept = np.sum(maps**2 * np.broadcast_to(np.asarray(mask, dtype=bool), maps.shape), axis=(0, 2, 3))
    live = energy > 0
    return float(np.mean(kept[live] / energy[live]))
