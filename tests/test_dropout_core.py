"""The dropout core: statistics (tolerances from the sample size), modes, gradients, edge cases, bad input."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from core.dropout import (
    DropoutCache,
    bernoulli_mask,
    check_keep_prob,
    dropout_backward,
    dropout_forward,
    expected_output,
    monte_carlo_moments,
    output_variance,
    sample_outputs,
    spatial_dropout_backward,
    spatial_dropout_forward,
)
from core.gradcheck import numerical_gradient, relative_error

Z = 5.0  # tolerances are Z standard errors: a correct sampler fails one check in ~1.7 million
KEEP_PROBS = [0.05, 0.25, 0.5, 0.8, 0.95]


def kept_fraction_tolerance(keep_prob: float, n: int) -> float:
    return Z * math.sqrt(keep_prob * (1 - keep_prob) / n)


# --- the mask ----------------------------------------------------------------------------------


@pytest.mark.parametrize("keep_prob", KEEP_PROBS)
def test_fraction_kept_matches_keep_prob(keep_prob):
    n = 400_000
    _, cache = dropout_forward(np.ones(n), keep_prob, rng=1)
    assert abs(cache.mask.mean() - keep_prob) < kept_fraction_tolerance(keep_prob, n)


@pytest.mark.parametrize("keep_prob", [77.5 / 256, 230.5 / 256, 1e-4, 1 - 1e-4])
def test_keep_prob_is_not_quantised(keep_prob):
    """keep_prob values between multiples of 1/256 (or below 1/256) are honoured exactly.

    A sampler that rounded keep_prob to a byte would be off by 0.5/256 ~ 0.002 for the first two
    (or give 0 / 1 for the last two), far outside the tolerance at this n.
    """
    n = 16_000_000
    mask = bernoulli_mask((n,), keep_prob, rng=7)
    tolerance = kept_fraction_tolerance(keep_prob, n)
    assert abs(mask.mean() - keep_prob) < tolerance
    nearest_on_byte_grid = min(math.floor(keep_prob * 256) / 256, math.ceil(keep_prob * 256) / 256,
                               key=lambda grid: abs(grid - keep_prob))
    assert abs(nearest_on_byte_grid - keep_prob) > 2 * tolerance  # the test can tell the difference


def test_masks_are_independent_across_entries():
    """Neighbouring entries come from the same random word: their correlation must be ~0."""
    n = 1_000_000
    mask = bernoulli_mask((n,), 0.5, rng=3).astype(float)
    correlation = np.corrcoef(mask[:-1], mask[1:])[0, 1]
    assert abs(correlation) < Z / math.sqrt(n)


def test_new_mask_every_call_and_same_seed_same_mask():
    x = np.ones((64, 64))
    rng = np.random.default_rng(0)
    first, second = dropout_forward(x, 0.5, rng=rng)[1].mask, dropout_forward(x, 0.5, rng=rng)[1].mask
    assert not np.array_equal(first, second)
    np.testing.assert_array_equal(dropout_forward(x, 0.5, rng=5)[1].mask, dropout_forward(x, 0.5, rng=5)[1].mask)
    np.testing.assert_array_equal(
        dropout_forward(x, 0.5, rng=np.random.default_rng(5))[1].mask, dropout_forward(x, 0.5, rng=5)[1].mask
    )


def test_forward_draws_the_same_mask_as_bernoulli_mask():
    """The forward pass fuses mask drawing and scaling block by block; the mask must not change."""
    x = np.random.default_rng(0).standard_normal((300, 1001)).astype(np.float32)  # several blocks
    out, cache = dropout_forward(x, 0.37, rng=5)
    np.testing.assert_array_equal(cache.mask, bernoulli_mask(x.shape, 0.37, rng=5))
    np.testing.assert_array_equal(out, x * cache.mask * np.float32(1 / 0.37))


def test_large_arrays_span_several_blocks():
    """Masks longer than one internal block are still Bernoulli(keep_prob) in every part."""
    n = 1_000_003  # not a multiple of anything
    mask = bernoulli_mask((n,), 0.3, rng=11)
    for part in np.array_split(mask, 4):
        assert abs(part.mean() - 0.3) < kept_fraction_tolerance(0.3, part.size)


# --- outputs and their moments -----------------------------------------------------------------


@pytest.mark.parametrize("keep_prob", KEEP_PROBS)
def test_inverted_output_is_mask_times_x_over_keep_prob(keep_prob):
    x = np.random.default_rng(0).standard_normal((50, 40))
    out, cache = dropout_forward(x, keep_prob, rng=2)
    np.testing.assert_allclose(out, x * cache.mask / keep_prob, rtol=1e-15)
    out_standard, cache_standard = dropout_forward(x, keep_prob, inverted=False, rng=2)
    np.testing.assert_array_equal(cache_standard.mask, cache.mask)  # same seed, same mask
    np.testing.assert_array_equal(out_standard, x * cache.mask)


def bernoulli_output_moments(value: float, keep_prob: float, scale: float):
    """Mean, variance and 4th central moment of value * scale * Bernoulli(keep_prob)."""
    a, q = value * scale, keep_prob
    mean, variance = a * q, a**2 * q * (1 - q)
    fourth = a**4 * q * (1 - q) * ((1 - q) ** 3 + q**3)
    return mean, variance, fourth


def sample_variance_se(variance: float, fourth: float, n: int) -> float:
    """Standard error of the unbiased sample variance of n draws (exact for any distribution)."""
    return math.sqrt((fourth - variance**2 * (n - 3) / (n - 1)) / n)


@pytest.mark.parametrize("keep_prob", KEEP_PROBS)
@pytest.mark.parametrize("inverted", [True, False])
def test_sample_mean_and_variance_match_the_formulas(keep_prob, inverted):
    value, n = 1.7, 200_000
    samples = sample_outputs(np.array([value]), keep_prob, n, inverted=inverted, rng=4)[:, 0]
    scale = 1 / keep_prob if inverted else 1.0
    mean, variance, fourth = bernoulli_output_moments(value, keep_prob, scale)
    assert expected_output(np.array([value]), keep_prob, inverted=inverted)[0] == pytest.approx(mean)
    assert output_variance(np.array([value]), keep_prob, inverted=inverted)[0] == pytest.approx(variance)
    assert abs(samples.mean() - mean) < Z * math.sqrt(variance / n)
    assert abs(samples.var(ddof=1) - variance) < Z * sample_variance_se(variance, fourth, n)


def test_inverted_variance_formula_in_closed_form():
    x, q = np.array([-2.0, 0.5, 3.0]), 0.25
    np.testing.assert_allclose(output_variance(x, q), x**2 * (1 - q) / q)
    np.testing.assert_allclose(output_variance(x, q, inverted=False), x**2 * q * (1 - q))
    np.testing.assert_array_equal(output_variance(x, q, training=False), 0.0)


@pytest.mark.parametrize("inverted", [True, False])
def test_monte_carlo_moments_match_the_analytic_ones(inverted):
    x, q, n = np.array([[0.5, -1.0, 2.0], [0.0, 1.0, 3.0]]), 0.6, 50_000
    mean, variance = monte_carlo_moments(x, q, n, inverted=inverted, rng=9, chunk=10_000)
    scale = 1 / q if inverted else 1.0
    for value, m, v in zip(x.ravel(), mean.ravel(), variance.ravel(), strict=True):
        true_mean, true_var, fourth = bernoulli_output_moments(value, q, scale)
        assert abs(m - true_mean) <= Z * math.sqrt(true_var / n)
        assert abs(v - true_var) <= Z * sample_variance_se(true_var, fourth, n)


def test_monte_carlo_moments_equal_those_of_the_samples():
    """The counting shortcut gives exactly the sample mean and variance of the drawn outputs."""
    x = np.array([0.3, -1.2, 2.0])
    samples = sample_outputs(x, 0.4, 1_000, rng=12)
    mean, variance = monte_carlo_moments(x, 0.4, 1_000, rng=12)
    np.testing.assert_allclose(mean, samples.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(variance, samples.var(axis=0, ddof=1), rtol=1e-12)


@pytest.mark.parametrize("keep_prob", KEEP_PROBS)
def test_standard_and_inverted_agree_in_expectation(keep_prob):
    """Train-time mean equals test-time output in both forms (the point of the scaling)."""
    x = np.linspace(-2, 2, 9)
    for inverted in (True, False):
        train_mean = expected_output(x, keep_prob, training=True, inverted=inverted)
        test_out, _ = dropout_forward(x, keep_prob, training=False, inverted=inverted)
        np.testing.assert_allclose(train_mean, test_out, rtol=1e-12)
    # The two forms differ by exactly a factor keep_prob, at train and at test time.
    np.testing.assert_allclose(expected_output(x, keep_prob, inverted=False), keep_prob * expected_output(x, keep_prob))


# --- test time ---------------------------------------------------------------------------------


def test_test_time_uses_every_unit():
    x = np.random.default_rng(1).standard_normal((4, 5))
    out, cache = dropout_forward(x, 0.3, training=False)
    np.testing.assert_array_equal(out, x)
    assert cache.mask.all()
    out_standard, _ = dropout_forward(x, 0.3, training=False, inverted=False)
    np.testing.assert_array_equal(out_standard, x * 0.3)


# --- gradients ---------------------------------------------------------------------------------


@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize("inverted", [True, False])
@pytest.mark.parametrize("keep_prob", [0.3, 0.5, 0.9])
def test_dropout_backward_matches_numerical_gradient(training, inverted, keep_prob):
    rng = np.random.default_rng(0)
    x, dout = rng.standard_normal((6, 7)), rng.standard_normal((6, 7))
    _, cache = dropout_forward(x, keep_prob, training=training, inverted=inverted, rng=21)
    dx = dropout_backward(dout, cache)

    def forward_with_the_same_mask(z):  # the same seed gives the same mask: the mask is frozen
        return dropout_forward(z, keep_prob, training=training, inverted=inverted, rng=21)[0]

    assert relative_error(dx, numerical_gradient(forward_with_the_same_mask, x, dout)) < 1e-7
    np.testing.assert_array_equal(dx, dout * cache.mask * cache.scale)


@pytest.mark.parametrize("inverted", [True, False])
def test_spatial_dropout_backward_matches_numerical_gradient(inverted):
    rng = np.random.default_rng(1)
    x, dout = rng.standard_normal((2, 3, 4, 4)), rng.standard_normal((2, 3, 4, 4))
    _, cache = spatial_dropout_forward(x, 0.6, inverted=inverted, rng=8)
    dx = spatial_dropout_backward(dout, cache)
    numerical = numerical_gradient(lambda z: spatial_dropout_forward(z, 0.6, inverted=inverted, rng=8)[0], x, dout)
    assert relative_error(dx, numerical) < 1e-7


def test_inverted_backward_uses_the_scaled_mask():
    """MISSION confusion 1: the 0/2 mask (keep_prob 0.5), not the 0/1 mask, flows back."""
    x = np.ones((10, 10))
    _, cache = dropout_forward(x, 0.5, rng=3)
    dx = dropout_backward(np.ones_like(x), cache)
    assert set(np.unique(dx)) <= {0.0, 2.0}
    np.testing.assert_array_equal(dx == 0, ~cache.mask)


# --- spatial dropout ---------------------------------------------------------------------------


def test_spatial_mask_is_one_draw_per_sample_and_channel():
    x = np.ones((200, 50, 5, 6))
    out, cache = spatial_dropout_forward(x, 0.3, rng=2)
    assert cache.mask.shape == (200, 50, 1, 1)
    # Each feature map is all kept or all dropped.
    per_map = out.reshape(200, 50, -1)
    assert np.all(per_map == per_map[:, :, :1])
    n = cache.mask.size
    assert abs(cache.mask.mean() - 0.3) < kept_fraction_tolerance(0.3, n)


def test_spatial_dropout_needs_four_dimensions():
    with pytest.raises(ValueError, match="x"):
        spatial_dropout_forward(np.ones((3, 4)), 0.5)


# --- edge cases --------------------------------------------------------------------------------


@pytest.mark.parametrize("inverted", [True, False])
def test_keep_prob_one_returns_x_exactly(inverted):
    x = np.random.default_rng(0).standard_normal((5, 5)).astype(np.float32)
    for training in (True, False):
        out, cache = dropout_forward(x, 1.0, training=training, inverted=inverted, rng=0)
        np.testing.assert_array_equal(out, x)
        np.testing.assert_array_equal(dropout_backward(x, cache), x)


@pytest.mark.parametrize("forward", [dropout_forward, spatial_dropout_forward])
@pytest.mark.parametrize("inverted", [True, False])
def test_keep_prob_zero_gives_zeros_without_warnings_or_nan(forward, inverted):
    x = np.random.default_rng(0).standard_normal((2, 3, 4, 4))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out, cache = forward(x, 0.0, inverted=inverted, rng=0)
        dx = dropout_backward(np.ones_like(x), cache)
        variance = output_variance(x, 0.0)
        mean = expected_output(x, 0.0)
    for array in (out, dx, variance, mean):
        assert not np.isnan(array).any()
        assert not array.any()


def test_dtype_is_preserved_and_inputs_are_not_mutated():
    x = np.random.default_rng(0).standard_normal((30, 30)).astype(np.float32)
    x_before = x.copy()
    out, cache = dropout_forward(x, 0.4, rng=1)
    assert out.dtype == np.float32
    dout = np.ones_like(x)
    dx = dropout_backward(dout, cache)
    assert dx.dtype == np.float32
    np.testing.assert_array_equal(x, x_before)
    np.testing.assert_array_equal(dout, 1.0)
    out[:] = 99  # the output does not alias the input
    np.testing.assert_array_equal(x, x_before)
    assert dropout_forward(np.arange(4), 0.5, rng=0)[0].dtype == np.float64  # integers become float64


@pytest.mark.parametrize("bad", [-0.1, 1.0001, float("nan"), float("inf"), -float("inf"), 2])
def test_out_of_range_keep_prob_raises_value_error_naming_it(bad):
    for call in (
        lambda: dropout_forward(np.ones(3), bad),
        lambda: spatial_dropout_forward(np.ones((1, 1, 2, 2)), bad),
        lambda: bernoulli_mask((3,), bad),
        lambda: expected_output(np.ones(3), bad),
    ):
        with pytest.raises(ValueError, match="keep_prob"):
            call()


@pytest.mark.parametrize("bad", ["0.5", None, True, [0.5], 1j])
def test_non_number_keep_prob_raises_type_error_naming_it(bad):
    with pytest.raises(TypeError, match="keep_prob"):
        dropout_forward(np.ones(3), bad)


def test_other_bad_arguments_name_themselves():
    _, cache = dropout_forward(np.ones((2, 3)), 0.5, rng=0)
    with pytest.raises(ValueError, match="dout"):
        dropout_backward(np.ones((3, 2)), cache)
    with pytest.raises(TypeError, match="cache"):
        dropout_backward(np.ones((2, 3)), {"mask": None})
    with pytest.raises(TypeError, match="rng"):
        dropout_forward(np.ones(3), 0.5, rng="seed")
    with pytest.raises(ValueError, match="rng"):
        dropout_forward(np.ones(3), 0.5, rng=-1)
    with pytest.raises(TypeError, match="training"):
        dropout_forward(np.ones(3), 0.5, training="yes")
    with pytest.raises(TypeError, match="inverted"):
        dropout_forward(np.ones(3), 0.5, inverted=None)
    with pytest.raises(TypeError, match="x"):
        dropout_forward(np.array(["a", "b"]), 0.5)
    with pytest.raises(ValueError, match="n_masks"):
        monte_carlo_moments(np.ones(3), 0.5, 1)
    assert check_keep_prob(np.float32(0.25)) == 0.25


# --- properties over shapes, dtypes and keep_prob ----------------------------------------------

arrays = st.one_of(
    *(
        hnp.arrays(dtype, hnp.array_shapes(min_dims=1, max_dims=4, max_side=6),
                   elements=st.floats(-1e3, 1e3, allow_nan=False, width=width))
        for dtype, width in ((np.float32, 32), (np.float64, 64))
    )
)


@settings(max_examples=150, deadline=None)
@given(x=arrays, keep_prob=st.floats(0.0, 1.0), seed=st.integers(0, 2**32 - 1), inverted=st.booleans(),
       training=st.booleans())
def test_forward_backward_properties(x, keep_prob, seed, inverted, training):
    x_before = x.copy()
    out, cache = dropout_forward(x, keep_prob, training=training, inverted=inverted, rng=seed)
    assert isinstance(cache, DropoutCache)
    assert out.shape == x.shape and out.dtype == x.dtype
    with np.errstate(over="ignore", invalid="ignore"):
        expected = np.where(np.broadcast_to(cache.mask, x.shape), x * x.dtype.type(cache.scale), 0)
    np.testing.assert_array_equal(out, expected)
    dx = dropout_backward(np.ones_like(x), cache)
    with np.errstate(over="ignore"):
        kept_gradient = x.dtype.type(cache.scale)
    np.testing.assert_array_equal(dx, np.where(np.broadcast_to(cache.mask, x.shape), kept_gradient, 0))
    np.testing.assert_array_equal(x, x_before)
    if keep_prob == 1.0:
        np.testing.assert_array_equal(out, x)


@settings(max_examples=60, deadline=None)
@given(n=st.integers(1, 3), c=st.integers(1, 4), h=st.integers(1, 5), w=st.integers(1, 5),
       keep_prob=st.floats(0.0, 1.0), seed=st.integers(0, 1000))
def test_spatial_mask_properties(n, c, h, w, keep_prob, seed):
    x = np.random.default_rng(seed).standard_normal((n, c, h, w)).astype(np.float32)
    out, cache = spatial_dropout_forward(x, keep_prob, rng=seed)
    assert cache.mask.shape == (n, c, 1, 1)
    assert out.dtype == np.float32
    zero_maps = ~np.broadcast_to(cache.mask, x.shape)
    assert not out[zero_maps].any()
