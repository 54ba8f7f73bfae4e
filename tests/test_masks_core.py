"""core/lessons_masks.py: the layer, the masks by iteration, and the Monte-Carlo moments.

Statistical checks use tolerances of 5 standard errors derived from the sample size.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from core import lessons_masks as lm
from core.dropout import bernoulli_mask, output_variance

KEEP_PROBS = [0.0, 0.1, 0.5, 0.8, 1.0]


# --- the layer ---------------------------------------------------------------------------------


def test_synthetic_layer_shapes_and_relu():
    layer = lm.synthetic_layer()
    assert layer.inputs.shape == (8, 6)
    assert layer.weights.shape == (6, 16)
    assert layer.bias.shape == (16,)
    assert layer.activations.shape == (8, 16)
    assert layer.next_weights.shape == (16, 4)
    np.testing.assert_allclose(layer.activations, np.maximum(layer.inputs @ layer.weights + layer.bias, 0))
    assert np.all(layer.activations >= 0)


def test_synthetic_layer_is_reproducible_and_has_no_dead_unit():
    a, b = lm.synthetic_layer(), lm.synthetic_layer()
    np.testing.assert_array_equal(a.activations, b.activations)
    assert not np.any(np.all(a.activations == 0, axis=0)), "a unit that is 0 for the whole batch teaches nothing"
    zero_fraction = float(np.mean(a.activations == 0))
    assert 0 < zero_fraction < 0.3  # some ReLU zeros to discuss, mostly active units


def test_synthetic_layer_other_seed_differs():
    assert not np.array_equal(lm.synthetic_layer(seed=1).activations, lm.synthetic_layer().activations)


@pytest.mark.parametrize("bad", [0, -1])
def test_synthetic_layer_rejects_bad_sizes(bad):
    with pytest.raises(ValueError, match="n_examples"):
        lm.synthetic_layer(n_examples=bad)


def test_synthetic_layer_rejects_non_integer_size():
    with pytest.raises(TypeError, match="n_units"):
        lm.synthetic_layer(n_units=2.5)


# --- masks by iteration --------------------------------------------------------------------------


def test_iteration_rng_is_determined_by_seed_and_iteration():
    assert lm.iteration_rng(3, 7).random() == lm.iteration_rng(3, 7).random()
    assert lm.iteration_rng(3, 7).random() != lm.iteration_rng(3, 8).random()
    assert lm.iteration_rng(3, 7).random() != lm.iteration_rng(4, 7).random()


@pytest.mark.parametrize("bad, error", [(0, ValueError), (-2, ValueError), (1.5, TypeError), (True, TypeError)])
def test_iteration_rng_rejects_bad_iteration(bad, error):
    with pytest.raises(error, match="iteration"):
        lm.iteration_rng(0, bad)


def test_stream_rng_rejects_negative_seed():
    with pytest.raises(ValueError, match="seed"):
        lm.stream_rng(-1, 1)


@pytest.mark.parametrize("keep_prob", KEEP_PROBS)
def test_masked_layer_is_inverted_dropout(keep_prob):
    activations = lm.synthetic_layer().activations
    before = activations.copy()
    view = lm.masked_layer(activations, keep_prob, seed=2, iteration=5)
    np.testing.assert_array_equal(activations, before)  # the input is not mutated
    assert view.mask.shape == view.scaled_mask.shape == view.output.shape == activations.shape
    assert view.mask.dtype == bool
    scale = 1 / keep_prob if keep_prob > 0 else 0.0
    assert view.scale == scale
    np.testing.assert_allclose(view.scaled_mask, view.mask * scale)
    np.testing.assert_allclose(view.output, activations * view.mask * scale)
    assert view.n_kept == int(view.mask.sum())
    assert view.kept_fraction == view.n_kept / view.mask.size
    assert np.all(np.isfinite(view.output)) and np.all(np.isfinite(view.scaled_mask))


def test_masked_layer_scaled_mask_is_zeros_and_twos_at_one_half():
    view = lm.masked_layer(lm.synthetic_layer().activations, 0.5, seed=0, iteration=1)
    assert set(np.unique(view.scaled_mask)) == {0.0, 2.0}


def test_masked_layer_edge_cases():
    activations = lm.synthetic_layer().activations
    assert not lm.masked_layer(activations, 0.0, 0, 1).mask.any()
    assert not lm.masked_layer(activations, 0.0, 0, 1).output.any()
    everything = lm.masked_layer(activations, 1.0, 0, 1)
    assert everything.mask.all()
    np.testing.assert_array_equal(everything.output, activations)


def test_masked_layer_same_iteration_same_mask_next_iteration_new_mask():
    activations = lm.synthetic_layer().activations
    first = lm.masked_layer(activations, 0.5, 4, 1)
    np.testing.assert_array_equal(first.mask, lm.masked_layer(activations, 0.5, 4, 1).mask)
    assert not np.array_equal(first.mask, lm.masked_layer(activations, 0.5, 4, 2).mask)


def test_kept_fraction_band_formula_and_clipping():
    low, high = lm.kept_fraction_band(0.5, 100)
    assert low == pytest.approx(0.5 - 2 * math.sqrt(0.25 / 100))
    assert high == pytest.approx(0.5 + 2 * math.sqrt(0.25 / 100))
    low, high = lm.kept_fraction_band(0.01, 1)
    assert low == 0.0 and high <= 1.0
    low, high = lm.kept_fraction_band(0.0, 10)
    assert low == high == 0.0
    with pytest.raises(ValueError, match="n_entries"):
        lm.kept_fraction_band(0.5, 0)
    with pytest.raises(ValueError, match="keep_prob"):
        lm.kept_fraction_band(1.5, 10)


@pytest.mark.parametrize("keep_prob", KEEP_PROBS)
def test_kept_history_matches_the_masks_the_page_draws(keep_prob):
    activations = lm.synthetic_layer().activations
    history = lm.kept_history(activations.shape, keep_prob, seed=1, iteration=6)
    np.testing.assert_array_equal(history.iterations, np.arange(1, 7))
    for i in (1, 6):
        assert history.kept_fraction[i - 1] == lm.masked_layer(activations, keep_prob, 1, i).kept_fraction
    np.testing.assert_allclose(history.running_fraction, np.cumsum(history.kept_fraction) / np.arange(1, 7))
    low, high = history.running_band
    assert np.all(np.diff(high - low) <= 1e-12)  # the running band narrows


def test_kept_history_running_fraction_is_within_five_standard_errors():
    keep_prob, n_entries, iterations = 0.3, 8 * 16, lm.MAX_ITERATION
    history = lm.kept_history((8, 16), keep_prob, seed=9, iteration=iterations)
    standard_error = math.sqrt(keep_prob * (1 - keep_prob) / (n_entries * iterations))
    assert abs(history.running_fraction[-1] - keep_prob) < 5 * standard_error


def test_kept_history_is_bounded():
    with pytest.raises(ValueError, match="iteration"):
        lm.kept_history((8, 16), 0.5, 0, lm.MAX_ITERATION + 1)


def test_layer_signals():
    layer = lm.synthetic_layer()
    view = lm.masked_layer(layer.activations, 0.5, 0, 1)
    inputs, incoming, outgoing, next_input = lm.layer_signals(layer, view.output, example=2)
    np.testing.assert_array_equal(inputs, layer.inputs[2])
    np.testing.assert_allclose(incoming, layer.inputs[2][:, None] * layer.weights)
    assert np.all(outgoing[~view.mask[2]] == 0)  # a dropped unit sends exactly nothing
    np.testing.assert_allclose(next_input, view.output[2] @ layer.next_weights)
    with pytest.raises(ValueError, match="example"):
        lm.layer_signals(layer, view.output, example=8)
    with pytest.raises(ValueError, match="output"):
        lm.layer_signals(layer, view.output[:2], example=0)


def test_largest_value():
    assert lm.largest_value(np.array([1.0, -3.0]), np.array([2.0])) == 3.0
    assert lm.largest_value(np.zeros(3)) == 1.0


# --- one unit over many masks --------------------------------------------------------------------


@pytest.mark.parametrize("inverted", [True, False])
@pytest.mark.parametrize("keep_prob", KEEP_PROBS)
def test_unit_samples_take_two_values(keep_prob, inverted):
    samples = lm.unit_samples(1.5, keep_prob, 500, seed=0, inverted=inverted)
    assert samples.shape == (500,)
    kept_value = 1.5 * (1 / keep_prob if inverted and keep_prob > 0 else 1.0)
    assert set(np.unique(samples)) <= {0.0, kept_value}


@pytest.mark.parametrize("bad, error", [(1, ValueError), (lm.MAX_SAMPLES + 1, ValueError), (10.0, TypeError)])
def test_unit_samples_bounds_the_sample_count(bad, error):
    with pytest.raises(error, match="n_samples"):
        lm.unit_samples(1.0, 0.5, bad, seed=0)


@pytest.mark.parametrize("bad, error", [(float("nan"), ValueError), ("1", TypeError), (True, TypeError)])
def test_unit_samples_rejects_bad_activation(bad, error):
    with pytest.raises(error, match="x"):
        lm.unit_samples(bad, 0.5, 10, seed=0)


@pytest.mark.parametrize("inverted", [True, False])
@pytest.mark.parametrize("keep_prob", [0.1, 0.5, 0.9])
def test_unit_experiment_mean_and_variance_within_five_standard_errors(keep_prob, inverted):
    x, n = -1.3, 20_000
    experiment = lm.unit_experiment(x, keep_prob, n, seed=5, inverted=inverted)
    expected = x if inverted else keep_prob * x
    assert experiment.expected == pytest.approx(expected)
    assert experiment.test_output == pytest.approx(expected)  # both variants: train mean = test output
    assert experiment.variance == pytest.approx(float(output_variance(x, keep_prob, inverted=inverted)))
    assert abs(experiment.mc_mean - expected) < 5 * math.sqrt(experiment.variance / n)
    assert experiment.mc_mean_standard_error == pytest.approx(math.sqrt(experiment.variance / n))
    assert abs(experiment.mc_variance - experiment.variance) < 5 * experiment.mc_variance_standard_error


@pytest.mark.parametrize("inverted", [True, False])
def test_unit_experiment_keep_prob_zero_and_one(inverted):
    nothing = lm.unit_experiment(-2.0, 0.0, 100, seed=0, inverted=inverted)
    assert nothing.expected == nothing.mc_mean == nothing.variance == nothing.mc_variance == 0
    assert nothing.kept_value == (0.0 if inverted else -2.0)  # inverted: no 1/0; standard: x, were it ever kept
    for value in (nothing.kept_value, nothing.expected, nothing.mc_mean, nothing.test_output):
        assert math.copysign(1.0, value) == 1.0 or value != 0.0  # never "-0" on screen
    assert nothing.test_output == (-2.0 if inverted else 0.0)
    everything = lm.unit_experiment(-2.0, 1.0, 100, seed=0, inverted=inverted)
    assert everything.mc_mean == everything.expected == everything.test_output == -2.0
    assert everything.variance == everything.mc_variance == everything.mc_variance_standard_error == 0


def test_sample_variance_standard_error_matches_repeated_experiments():
    """The formula for the spread of the sample variance against 400 repeated experiments."""
    x, keep_prob, n, repeats = 1.5, 0.3, 200, 400
    samples = lm.stream_rng(0, 99).random((repeats, n)) < keep_prob
    variances = (samples * (x / keep_prob)).var(axis=1, ddof=1)
    formula = float(lm.sample_variance_standard_error(x, keep_prob, n))
    # The SD of `repeats` near-normal values has a relative standard error of about 1/sqrt(2 (repeats - 1)).
    assert abs(variances.std(ddof=1) / formula - 1) < 5 / math.sqrt(2 * (repeats - 1))
    assert abs(variances.mean() - float(output_variance(x, keep_prob))) < 5 * formula / math.sqrt(repeats)


def test_sample_variance_standard_error_edge_cases():
    assert float(lm.sample_variance_standard_error(2.0, 0.0, 10)) == 0.0
    assert float(lm.sample_variance_standard_error(2.0, 1.0, 10)) == 0.0
    assert float(lm.sample_variance_standard_error(0.0, 0.5, 10)) == 0.0
    with pytest.raises(ValueError, match="n_samples"):
        lm.sample_variance_standard_error(1.0, 0.5, 1)


@pytest.mark.parametrize("inverted", [True, False])
def test_running_mean_converges_inside_its_band(inverted):
    x, keep_prob = 2.0, 0.2
    samples = lm.unit_samples(x, keep_prob, 20_000, seed=3, inverted=inverted)
    running = lm.running_mean(samples, x, keep_prob, inverted=inverted)
    assert running.counts[0] == 1 and running.counts[-1] == samples.size
    assert np.all(np.diff(running.counts) > 0) and running.counts.size <= 300
    np.testing.assert_allclose(running.means, np.cumsum(samples)[running.counts - 1] / running.counts)
    assert running.expected == pytest.approx(x if inverted else keep_prob * x)
    low, high = running.band
    # The last mean is within its own +-2 SE band widened to 5 SE.
    half = (high[-1] - low[-1]) / 2
    assert abs(running.means[-1] - running.expected) < 2.5 * half


def test_running_mean_rejects_bad_samples():
    with pytest.raises(ValueError, match="samples"):
        lm.running_mean(np.zeros((2, 2)), 1.0, 0.5)


@pytest.mark.parametrize("inverted", [True, False])
@pytest.mark.parametrize("keep_prob", KEEP_PROBS)
def test_outcome_distribution(keep_prob, inverted):
    samples = lm.unit_samples(1.5, keep_prob, 2_000, seed=1, inverted=inverted)
    outcomes = lm.outcome_distribution(samples, 1.5, keep_prob, inverted=inverted)
    assert sum(o.probability for o in outcomes) == pytest.approx(1.0)
    assert sum(o.observed for o in outcomes) == pytest.approx(1.0)
    for outcome in outcomes:
        standard_error = math.sqrt(outcome.probability * (1 - outcome.probability) / samples.size)
        assert abs(outcome.observed - outcome.probability) <= 5 * standard_error
    if keep_prob == 0.0:
        assert [o.label for o in outcomes] == ["dropped"]
    elif keep_prob == 1.0:
        assert [o.label for o in outcomes] == ["kept"]
    else:
        assert [o.label for o in outcomes] == ["dropped", "kept"]
        assert outcomes[1].value == pytest.approx(1.5 / keep_prob if inverted else 1.5)


def test_outcome_distribution_zero_activation_is_one_outcome():
    samples = lm.unit_samples(0.0, 0.5, 100, seed=0)
    assert [(o.value, o.label, o.probability) for o in lm.outcome_distribution(samples, 0.0, 0.5)] == [
        (0.0, "dropped or kept", 1.0)
    ]


# --- the variance over keep_prob, and the layer ---------------------------------------------------


def test_variance_curve_formulas():
    q = np.array([0.1, 0.5, 1.0])
    np.testing.assert_allclose(lm.variance_curve(2.0, q), 4 * (1 - q) / q)
    np.testing.assert_allclose(lm.variance_curve(2.0, q, inverted=False), 4 * q * (1 - q))
    assert lm.variance_curve(2.0, [0.0])[0] == 0.0  # nothing kept: a constant 0


@pytest.mark.parametrize("inverted", [True, False])
def test_variance_points_within_five_standard_errors(inverted):
    grid = [0.1, 0.3, 0.5, 0.7, 1.0]
    points, errors = lm.variance_points(1.2, grid, 5_000, seed=2, inverted=inverted)
    curve = lm.variance_curve(1.2, grid, inverted=inverted)
    assert points.shape == errors.shape == (5,)
    # At keep_prob 0.5 the first-order error term vanishes; allow a tiny absolute floor there.
    assert np.all(np.abs(points - curve) <= 5 * errors + 1e-3 * curve.max())
    assert points[-1] == errors[-1] == 0.0  # keep_prob 1: no randomness


@pytest.mark.parametrize("inverted", [True, False])
@pytest.mark.parametrize("keep_prob", KEEP_PROBS)
def test_layer_moments(keep_prob, inverted):
    activations = lm.synthetic_layer().activations[0]
    moments = lm.layer_moments(activations, keep_prob, 5_000, seed=0, inverted=inverted)
    np.testing.assert_allclose(moments.test_output, activations * (1.0 if inverted else keep_prob))
    if keep_prob > 0 or not inverted:
        np.testing.assert_allclose(moments.expected_train, moments.test_output)  # both variants agree on average
    else:  # keep_prob 0, inverted: training outputs only zeros, test time passes a on (the degenerate case)
        assert not moments.expected_train.any()
    assert np.all(np.isfinite(moments.mc_mean)) and np.all(np.isfinite(moments.mc_standard_error))
    if 0 < keep_prob < 1:
        sd = np.sqrt(output_variance(activations, keep_prob, inverted=inverted) / 5_000)
        assert np.all(np.abs(moments.mc_mean - moments.expected_train) <= 5 * sd + 1e-12)
    else:
        np.testing.assert_allclose(moments.mc_mean, moments.expected_train)
    with pytest.raises(ValueError, match="activations"):
        lm.layer_moments(np.zeros((2, 2)), 0.5, 10, seed=0)


def test_bernoulli_is_the_mask_source():
    """The history reuses core.dropout's own mask sampler: same rng, same mask."""
    mask = bernoulli_mask((8, 16), 0.4, lm.iteration_rng(0, 3))
    assert mask.mean() == lm.kept_history((8, 16), 0.4, 0, 3).kept_fraction[2]


def test_layer_moments_count_the_units_within_two_standard_errors():
    from core import lessons_masks as lm_

    layer = lm_.layer_moments(lm_.synthetic_layer().activations[0], 0.5, 2_000, 1, inverted=True)
    inside = abs(layer.mc_mean - layer.test_output) <= 2 * layer.mc_standard_error + 1e-12
    assert layer.units_within_noise == int(inside.sum())
    exact = lm_.layer_moments(lm_.synthetic_layer().activations[0], 1.0, 100, 1, inverted=True)
    assert exact.units_within_noise == exact.activations.size  # no randomness: every unit agrees exactly
    mismatch = lm_.layer_moments(lm_.synthetic_layer().activations[0], 0.0, 100, 1, inverted=True)
    assert mismatch.units_within_noise == int((mismatch.activations == 0).sum())  # only the silent units agree
