"""core/conv.py and the spatial dropout it builds on: masks, gradients, correlation, information left."""

from __future__ import annotations

import numpy as np
import pytest

from core.conv import (
    FILTER_NAMES,
    FILTER_SHORT_NAMES,
    conv2d_same,
    describe_filter_bank,
    digit_images,
    dropblock_mask,
    feature_maps,
    filter_bank,
    first_digit_of_class,
    generated_scene,
    information_left,
    information_left_curve,
    kept_energy_share,
    neighbour_correlation,
    neighbour_estimate,
    sample_mask,
    upsample,
)
from core.dropout import spatial_dropout_backward, spatial_dropout_forward
from core.gradcheck import numerical_gradient, relative_error

SIGMAS = 5  # tolerance of every statistical test, in standard errors


def _binomial_tolerance(p: float, n: int) -> float:
    return SIGMAS * np.sqrt(p * (1 - p) / n)


# --- spatial (channel) dropout: the mask -------------------------------------------------------


@pytest.mark.parametrize("keep_prob", [0.2, 0.5, 0.9])
def test_spatial_mask_is_constant_over_height_and_width(keep_prob):
    x = np.random.default_rng(1).uniform(0.5, 1.5, size=(6, 5, 7, 9))
    out, cache = spatial_dropout_forward(x, keep_prob, rng=3)
    assert cache.mask.shape == (6, 5, 1, 1)
    ratio = out / x  # 0 or 1/keep_prob, the same at every pixel of a map
    assert np.allclose(ratio, ratio[:, :, :1, :1])
    assert set(np.unique(np.round(ratio, 12))) <= {0.0, round(1 / keep_prob, 12)}
    channel = sample_mask("channel", x.shape, keep_prob, rng=3)
    assert channel.shape == (6, 5, 1, 1) and channel.dtype == bool


def test_spatial_mask_is_independent_over_samples_and_channels():
    keep_prob, n, c = 0.3, 400, 60
    mask = sample_mask("channel", (n, c, 4, 4), keep_prob, rng=11)[:, :, 0, 0]  # (N, C)
    # Marginal: every (n, c) kept with probability keep_prob.
    assert abs(mask.mean() - keep_prob) < _binomial_tolerance(keep_prob, mask.size)
    # Joint: disjoint pairs of neighbouring channels, and of neighbouring samples, are both kept with
    # probability keep_prob^2 (a shared draw would give keep_prob, an anti-correlated one less).
    both = keep_prob**2
    channel_pairs = mask[:, 0::2] & mask[:, 1::2]
    sample_pairs = mask[0::2, :] & mask[1::2, :]
    assert abs(channel_pairs.mean() - both) < _binomial_tolerance(both, channel_pairs.size)
    assert abs(sample_pairs.mean() - both) < _binomial_tolerance(both, sample_pairs.size)
    # Per channel, the kept share across samples does not depend on the channel: a chi-square-like check
    # that the spread of the per-channel means matches binomial noise.
    per_channel = mask.mean(axis=0)
    expected_var = keep_prob * (1 - keep_prob) / n
    var_tolerance = SIGMAS * expected_var * np.sqrt(2 / (c - 1))
    assert abs(per_channel.var(ddof=1) - expected_var) < var_tolerance


@pytest.mark.parametrize("inverted", [True, False])
@pytest.mark.parametrize("training", [True, False])
def test_spatial_dropout_gradient_check(inverted, training):
    rng = np.random.default_rng(5)
    x = rng.standard_normal((2, 3, 4, 5))
    dout = rng.standard_normal(x.shape)
    keep_prob = 0.6
    _, cache = spatial_dropout_forward(x, keep_prob, training=training, inverted=inverted, rng=7)
    analytic = spatial_dropout_backward(dout, cache)
    # The same seed gives the same mask on every call, so f is a fixed function of x. f is linear in x,
    # so a centred difference has no truncation error and a larger step only cuts the rounding error.
    numeric = numerical_gradient(
        lambda v: spatial_dropout_forward(v, keep_prob, training=training, inverted=inverted, rng=7)[0], x, dout,
        h=1e-3)
    assert relative_error(analytic, numeric) < 1e-7  # the cs231n threshold for a correct gradient
    if training and inverted:  # the check has teeth: forgetting the 1/keep_prob factor fails it
        assert relative_error(dout * cache.mask, numeric) > 1e-2
    if training:  # dropped maps get exactly zero gradient, kept maps the scaled upstream gradient
        scale = 1 / keep_prob if inverted else 1.0
        assert np.allclose(analytic, dout * cache.mask * scale)


# --- images and the convolution ----------------------------------------------------------------


def _naive_conv(images, kernels):
    n, h, w = images.shape
    c, k, _ = kernels.shape
    half = k // 2
    out = np.zeros((n, c, h, w))
    for i_n in range(n):
        for i_c in range(c):
            for i in range(h):
                for j in range(w):
                    total = 0.0
                    for u in range(k):
                        for v in range(k):
                            y, x = i + u - half, j + v - half
                            if 0 <= y < h and 0 <= x < w:
                                total += kernels[i_c, u, v] * images[i_n, y, x]
                    out[i_n, i_c, i, j] = total
    return out


def test_conv2d_same_matches_a_direct_loop_and_leaves_inputs_alone():
    rng = np.random.default_rng(0)
    images = rng.standard_normal((2, 6, 5))
    kernels = rng.standard_normal((3, 3, 3))
    images_before, kernels_before = images.copy(), kernels.copy()
    assert np.allclose(conv2d_same(images, kernels), _naive_conv(images, kernels))
    five = rng.standard_normal((2, 5, 5))
    assert np.allclose(conv2d_same(images, five), _naive_conv(images, five))
    assert np.array_equal(images, images_before) and np.array_equal(kernels, kernels_before)


def test_filter_bank_and_feature_maps():
    bank = filter_bank()
    assert bank.shape == (len(FILTER_NAMES), 3, 3) == (len(FILTER_SHORT_NAMES), 3, 3)
    bank[0] = 99.0  # a fresh copy each time
    assert not np.any(filter_bank() == 99.0)
    images = digit_images([0, 1, 2])
    maps = feature_maps(images, relu=True)
    assert maps.shape == (3, len(FILTER_NAMES), 32, 32) and maps.min() >= 0.0
    signed = feature_maps(images, relu=False)
    assert signed.min() < 0.0 and np.allclose(np.maximum(signed, 0), maps)
    # A unit step from dark to bright gives 1 on the "vertical edge +" filter, away from the border.
    step = np.zeros((1, 9, 9))
    step[:, :, 5:] = 1.0
    vertical = feature_maps(step, relu=False)[0, 0]
    assert vertical[4, 4] == pytest.approx(1.0) and vertical[4, 5] == pytest.approx(1.0)  # windows holding the step
    assert vertical[4, 2] == 0.0 and vertical[4, 7] == 0.0  # flat on either side
    assert feature_maps(images, border=2).shape == (3, len(FILTER_NAMES), 28, 28)


def _stroke(direction: str, size: int = 24, half_width: int = 1) -> np.ndarray:
    """A bright diagonal stroke on black, 2 half_width + 1 pixels thick, away from the picture's corners.

    Rows grow downwards, so "╱" runs from the bottom-left to the top-right (row + col constant) and "╲"
    from the top-left to the bottom-right (row - col constant).
    """
    rows, cols = np.mgrid[0:size, 0:size]
    across = rows + cols - (size - 1) if direction == "╱" else rows - cols
    middle = (np.abs(rows - (size - 1) / 2) < size / 3) & (np.abs(cols - (size - 1) / 2) < size / 3)
    return ((np.abs(across) <= half_width) & middle).astype(float)


@pytest.mark.parametrize("direction", ["╱", "╲"])
def test_a_diagonal_stroke_excites_the_edge_channel_named_after_it(direction):
    picture = _stroke(direction)
    size = picture.shape[0]
    if direction == "╱":  # the drawing is what its name says: bright near bottom-left and top-right
        assert picture[size - 7, 6] == 1.0 and picture[6, size - 7] == 1.0 and picture[6, 6] == 0.0
    else:
        assert picture[6, 6] == 1.0 and picture[size - 7, size - 7] == 1.0 and picture[size - 7, 6] == 0.0
    energy = (feature_maps(picture[None], relu=True)[0] ** 2).sum(axis=(1, 2))  # (C,)
    edges = {name: float(e) for name, e in zip(FILTER_NAMES, energy, strict=True) if "edge" in name}
    own, other = f"diagonal edge {direction}", "diagonal edge " + ("╲" if direction == "╱" else "╱")
    assert max(edges, key=edges.get) == own, edges
    assert edges[own] > 3 * edges[other], edges  # measured: about 8 times
    assert FILTER_SHORT_NAMES[FILTER_NAMES.index(own)] == f"{direction} edge"


def test_the_bank_description_follows_its_labels_and_its_kernels():
    assert describe_filter_bank() == ("vertical and horizontal edges in both polarities (+ and −), one diagonal ╱ and "
                                      "one diagonal ╲ edge (one polarity each), a blur and a centre spot")
    assert describe_filter_bank(("vertical edge +", "vertical edge −", "blur")) == (
        "vertical edge in both polarities (+ and −) and a blur")
    assert describe_filter_bank(("diagonal edge ╱",)) == "one diagonal ╱ edge (one polarity)"
    # The labels' polarities are the kernels': a "+"/"−" pair is one kernel and its negative, and no other
    # kernel is the negative of one in the bank.
    bank = dict(zip(FILTER_NAMES, filter_bank(), strict=True))
    for name, kernel in bank.items():
        negatives = [other for other, k in bank.items() if np.array_equal(k, -kernel)]
        if name.endswith((" +", " −")):
            assert negatives == [name[:-1] + ("−" if name.endswith("+") else "+")], name
        else:
            assert negatives == [], name


def test_upsample_and_digit_images():
    constant = np.full((1, 4, 4), 0.3)
    assert np.allclose(upsample(constant, 3), 0.3)
    image = np.random.default_rng(0).random((2, 5, 6))
    assert np.array_equal(upsample(image, 1), image)
    big = upsample(image, 4)
    assert big.shape == (2, 20, 24) and big.min() >= image.min() - 1e-12 and big.max() <= image.max() + 1e-12
    digits = digit_images(range(5))
    assert digits.shape == (5, 32, 32) and 0.0 <= digits.min() and digits.max() <= 1.0
    from core.data import load_digits

    _, labels = load_digits()
    assert all(labels[first_digit_of_class(k)] == k for k in range(10))


def test_generated_scene_is_reproducible_and_in_range():
    a, b, c = generated_scene(40, 3), generated_scene(40, 3), generated_scene(40, 4)
    assert a.shape == (40, 40) and np.array_equal(a, b) and not np.array_equal(a, c)
    assert 0.0 <= a.min() and a.max() <= 1.0 and a.std() > 0.05


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (lambda: conv2d_same(np.zeros((4, 4)), filter_bank()), ValueError),
        (lambda: conv2d_same(np.zeros((1, 4, 4)), np.zeros((2, 2, 2))), ValueError),
        (lambda: feature_maps(np.zeros((1, 8, 8)), relu="yes"), TypeError),
        (lambda: upsample(np.zeros((1, 4, 4)), 0), ValueError),
        (lambda: upsample(np.zeros((1, 4, 4)), 2.0), TypeError),
        (lambda: digit_images([5000]), ValueError),
        (lambda: generated_scene(8), ValueError),
        (lambda: first_digit_of_class(10), ValueError),
        (lambda: sample_mask("pixel", (1, 1, 4, 4), 0.5), ValueError),
        (lambda: sample_mask("element", (4, 4), 0.5), ValueError),
        (lambda: sample_mask("element", (1, 1, 4, 4), 1.5), ValueError),
        (lambda: dropblock_mask((1, 1, 4, 4), 0.5, 5), ValueError),
        (lambda: dropblock_mask((1, 1, 4, 4), 0.5, True), TypeError),
        (lambda: neighbour_correlation(np.zeros((1, 1, 4, 4)), 4), ValueError),
        (lambda: neighbour_correlation(np.zeros((4, 4)), 1), ValueError),
        (lambda: information_left(np.zeros((1, 1, 4, 4)), np.ones((1, 1, 4, 4), bool)), ValueError),
    ],
)
def test_bad_arguments_raise(call, error):
    with pytest.raises(error):
        call()


# --- the correlation against distance, on maps whose answer is known ----------------------------


def test_correlation_of_a_checkerboard_alternates_exactly():
    rows, cols = np.indices((12, 14))
    board = np.where((rows + cols) % 2 == 0, 1.0, -1.0)[None, None]  # (1, 1, 12, 14)
    correlation = neighbour_correlation(board, 6)
    assert correlation.shape == (1, 7)
    assert np.allclose(correlation[0], [(-1.0) ** d for d in range(7)])


def test_correlation_of_a_constant_map_is_undefined_not_a_number():
    maps = np.stack([np.ones((5, 5)), np.arange(25.0).reshape(5, 5)])[None]  # (1, 2, 5, 5)
    correlation = neighbour_correlation(maps, 2)
    assert np.all(np.isnan(correlation[0])) and np.all(np.isfinite(correlation[1]))


def _separable_ar1_field(n_maps, size, rho, rng):
    """Gaussian maps with correlation rho^d at distance d across and down (unit variance, stationary)."""
    innovation = np.sqrt(1 - rho**2)
    noise = rng.standard_normal((n_maps, size, size))
    across = np.empty_like(noise)
    across[:, :, 0] = noise[:, :, 0]
    for j in range(1, size):
        across[:, :, j] = rho * across[:, :, j - 1] + innovation * noise[:, :, j]
    field = np.empty_like(across)
    field[:, 0, :] = across[:, 0, :]
    for i in range(1, size):
        field[:, i, :] = rho * field[:, i - 1, :] + innovation * across[:, i, :]
    return field


def test_correlation_of_an_ar1_field_is_rho_to_the_distance():
    rho, batches, per_batch, size, max_distance = 0.7, 10, 6, 48, 5
    field = _separable_ar1_field(batches * per_batch, size, rho, np.random.default_rng(2024))
    maps = field[:, None]  # (N, 1, H, W)
    estimate = neighbour_correlation(maps, max_distance)[0]
    per_batch_estimates = np.array([
        neighbour_correlation(maps[b * per_batch:(b + 1) * per_batch], max_distance)[0] for b in range(batches)
    ])
    standard_error = per_batch_estimates.std(axis=0, ddof=1) / np.sqrt(batches)
    expected = rho ** np.arange(max_distance + 1)
    assert estimate[0] == pytest.approx(1.0)
    assert np.all(np.abs(estimate[1:] - expected[1:]) < SIGMAS * standard_error[1:])


def test_real_feature_maps_are_strongly_correlated_with_their_neighbours():
    maps = feature_maps(digit_images(range(24)))
    correlation = neighbour_correlation(maps, 8)
    assert np.all(correlation[:, 1] > 0.6)  # the page says neighbours are "strongly correlated"
    assert np.all(correlation[:, 1] > correlation[:, 8])


# --- DropBlock -----------------------------------------------------------------------------------


@pytest.mark.parametrize("block_size", [1, 3, 5])
def test_dropblock_keeps_each_pixel_with_keep_prob(block_size):
    keep_prob, n, c = 0.6, 300, 10
    mask = dropblock_mask((n, c, 12, 12), keep_prob, block_size, rng=block_size)
    # The maps are independent, so a fixed pixel's indicator over the N x C maps is binomial.
    for i, j in [(0, 0), (6, 6), (11, 3)]:
        kept = mask[:, :, i, j]
        assert abs(kept.mean() - keep_prob) < _binomial_tolerance(keep_prob, kept.size)


@pytest.mark.parametrize("block_size", [2, 3, 4])
def test_dropblock_drops_whole_blocks(block_size):
    """The dropped set is a union of b x b squares (those hanging over the edge cut off): a
    morphological opening by the square, with the outside counted as dropped, leaves it unchanged."""
    b = block_size
    mask = dropblock_mask((20, 3, 10, 11), 0.7, b, rng=9)
    dropped = ~mask
    assert dropped.any() and mask.any()
    padded = np.pad(dropped, ((0, 0), (0, 0), (b - 1, b - 1), (b - 1, b - 1)), constant_values=True)
    windows = np.lib.stride_tricks.sliding_window_view(padded, (b, b), axis=(2, 3))
    fits = windows.all(axis=(-2, -1))  # a square placed at each seed position lies wholly in the dropped set
    covered = np.lib.stride_tricks.sliding_window_view(
        np.pad(fits, ((0, 0), (0, 0), (b - 1, b - 1), (b - 1, b - 1))), (b, b), axis=(2, 3)).any(axis=(-2, -1))
    opened = covered[:, :, b - 1: b - 1 + 10, b - 1: b - 1 + 11]
    assert np.array_equal(opened, dropped)
    # Element-wise dropout at the same keep_prob is not a union of 3x3 squares: the test can fail.
    if b == 3:
        scattered = ~sample_mask("element", (20, 3, 10, 11), 0.7, rng=9)
        padded = np.pad(scattered, ((0, 0), (0, 0), (2, 2), (2, 2)), constant_values=True)
        fits = np.lib.stride_tricks.sliding_window_view(padded, (3, 3), axis=(2, 3)).all(axis=(-2, -1))
        covered = np.lib.stride_tricks.sliding_window_view(
            np.pad(fits, ((0, 0), (0, 0), (2, 2), (2, 2))), (3, 3), axis=(2, 3)).any(axis=(-2, -1))
        assert not np.array_equal(covered[:, :, 2:12, 2:13], scattered)


def test_dropblock_edge_cases_and_reproducibility():
    shape = (2, 3, 8, 8)
    assert dropblock_mask(shape, 1.0, 3, rng=0).all()
    assert not dropblock_mask(shape, 0.0, 3, rng=0).any()
    assert np.array_equal(dropblock_mask(shape, 0.5, 3, rng=4), dropblock_mask(shape, 0.5, 3, rng=4))
    assert np.array_equal(sample_mask("dropblock", shape, 0.5, 4, block_size=3), dropblock_mask(shape, 0.5, 3, 4))


# --- what the neighbours restore -----------------------------------------------------------------


def test_neighbour_estimate_restores_a_constant_map_and_nothing_under_channel_dropout():
    maps = np.ones((1, 2, 10, 10))  # two constant maps
    element = sample_mask("element", maps.shape, 0.3, rng=1)
    estimate = neighbour_estimate(maps, element)
    kept_neighbours = conv2d_same(element[0].astype(float), np.ones((1, 3, 3)))[:, 0]  # (2, 10, 10), centre included
    restorable = ~element[0] & (kept_neighbours > 0)
    lost = ~element[0] & (kept_neighbours == 0)
    assert restorable.any() and lost.any()
    assert np.all(estimate[0][element[0]] == 1.0)
    assert np.allclose(estimate[0][restorable], 1.0) and np.all(estimate[0][lost] == 0.0)
    channel = np.array([True, False]).reshape(1, 2, 1, 1)
    estimate = neighbour_estimate(maps, channel)
    assert np.all(estimate[0, 0] == 1.0) and np.all(estimate[0, 1] == 0.0)
    assert information_left(maps, channel) == pytest.approx(0.5)
    assert information_left(maps, channel) == pytest.approx(kept_energy_share(maps, channel))


def test_neighbour_estimate_is_the_mean_of_kept_neighbours():
    maps = np.arange(9.0).reshape(1, 1, 3, 3)
    mask = np.ones((1, 1, 3, 3), dtype=bool)
    mask[0, 0, 1, 1] = False  # drop the centre: its 8 neighbours average to 4
    mask[0, 0, 0, 0] = False  # and a corner: its kept neighbours are 1 and 3 (the centre is dropped)
    estimate = neighbour_estimate(maps, mask)
    assert estimate[0, 0, 1, 1] == pytest.approx((0 + 1 + 2 + 3 + 5 + 6 + 7 + 8 - 0) / 7)
    assert estimate[0, 0, 0, 0] == pytest.approx((1 + 3) / 2)
    assert np.array_equal(estimate[mask], maps[mask])


def test_information_left_at_the_extremes_and_between():
    maps = feature_maps(digit_images(range(8)))
    shape = maps.shape
    for kind in ("element", "channel", "dropblock"):
        assert information_left(maps, sample_mask(kind, shape, 1.0, rng=0)) == pytest.approx(1.0)
        assert information_left(maps, sample_mask(kind, shape, 0.0, rng=0)) == pytest.approx(0.0)
    element = information_left(maps, sample_mask("element", shape, 0.5, rng=0))
    channel_mask = sample_mask("channel", shape, 0.5, rng=0)
    assert information_left(maps, channel_mask) == pytest.approx(kept_energy_share(maps, channel_mask))
    assert element > 0.85  # neighbours restore most of what element-wise dropout removes


def test_information_left_curves():
    maps = feature_maps(digit_images(range(8)))
    grid = [0.0, 0.25, 0.5, 0.75, 1.0]
    element = information_left_curve(maps, "element", grid, rng=1)
    repeats = 400
    channel = information_left_curve(maps, "channel", grid, rng=1, repeats=repeats)
    assert element[0] == 0.0 and element[-1] == pytest.approx(1.0) and np.all(np.diff(element) > 0)
    # Channel dropout restores nothing: the mean kept energy share is keep_prob. For one mask, channel
    # c's share has variance q (1 - q) sum_n E_nc^2 / (sum_n E_nc)^2; the channels are independent, the
    # result is their mean, and `repeats` masks are averaged.
    energy = np.sum(maps**2, axis=(2, 3))  # (N, C)
    concentration = np.sum(energy**2, axis=0) / np.sum(energy, axis=0) ** 2  # (C,)
    for q, value in zip(grid, channel, strict=True):
        standard_error = np.sqrt(q * (1 - q) * np.sum(concentration) / len(concentration) ** 2 / repeats)
        assert abs(value - q) <= SIGMAS * standard_error + 1e-12
    assert np.all(element[1:-1] > channel[1:-1] + 0.2)
    # The cheap per-map path for channel dropout gives what the general formula gives.
    mask = sample_mask("channel", maps.shape, 0.5, rng=3)
    assert information_left(maps, mask) == pytest.approx(kept_energy_share(maps, mask))
