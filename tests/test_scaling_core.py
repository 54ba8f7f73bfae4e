"""core.scaling: standard and inverted dropout agree between train (in expectation) and test, the
forgotten scale does not, and the mismatch reaches the next layer; the 3-units-2-kept example."""

from __future__ import annotations

import numpy as np
import pytest

from core.scaling import (
    SCHEMES,
    compare_schemes,
    hidden_layer_example,
    mismatch_curve,
    next_layer_shift,
    scale_factors,
    worked_example,
)

A = np.array([0.5, 1.0, 1.5, 2.0])
MASK = np.array([True, False, True, True])


@pytest.mark.parametrize("keep_prob", [0.1, 0.5, 0.8, 1.0])
def test_standard_and_inverted_expected_train_output_equals_test_output(keep_prob):
    views = compare_schemes(A, MASK, keep_prob)
    for scheme in ("standard", "inverted"):
        np.testing.assert_allclose(views[scheme].expected_train, views[scheme].test_output, rtol=1e-15)
        np.testing.assert_allclose(views[scheme].gap, 0.0, atol=1e-15)


@pytest.mark.parametrize("keep_prob", [0.1, 0.5, 0.8])
def test_train_outputs_on_the_shared_mask(keep_prob):
    views = compare_schemes(A, MASK, keep_prob)
    np.testing.assert_array_equal(views["standard"].train_output, A * MASK)
    np.testing.assert_allclose(views["inverted"].train_output, A * MASK / keep_prob, rtol=1e-15)
    np.testing.assert_allclose(views["standard"].test_output, A * keep_prob, rtol=1e-15)
    np.testing.assert_array_equal(views["inverted"].test_output, A)
    # the two schemes differ by the constant keep_prob, at train and at test time
    np.testing.assert_allclose(views["standard"].train_output, keep_prob * views["inverted"].train_output, rtol=1e-15)


@pytest.mark.parametrize("keep_prob", [0.1, 0.5, 0.8, 1.0])
def test_forgot_to_scale_misses_by_one_minus_keep_prob(keep_prob):
    view = compare_schemes(A, MASK, keep_prob)["forgot to scale"]
    np.testing.assert_array_equal(view.train_output, A * MASK)
    np.testing.assert_array_equal(view.test_output, A)
    np.testing.assert_allclose(view.expected_train, keep_prob * A, rtol=1e-15)
    np.testing.assert_allclose(view.gap, (1 - keep_prob) * A, rtol=1e-12, atol=1e-15)
    assert (view.train_scale, view.test_scale) == (1.0, 1.0)


def test_keep_prob_zero_and_one_give_finite_numbers():
    for keep_prob in (0.0, 1.0):
        a, mask = hidden_layer_example(3, keep_prob)
        for view in compare_schemes(a, mask, keep_prob).values():
            for array in (view.train_output, view.expected_train, view.test_output):
                assert np.all(np.isfinite(array))
    zero = compare_schemes(A, np.zeros(4, bool), 0.0)
    assert np.all(zero["inverted"].train_output == 0) and scale_factors("inverted", 0.0) == (0.0, 1.0)
    one = compare_schemes(A, np.ones(4, bool), 1.0)
    for view in one.values():
        np.testing.assert_array_equal(view.train_output, A)
        np.testing.assert_array_equal(view.test_output, A)


def test_mismatch_curve_gap_grows_as_keep_prob_falls():
    grid = np.linspace(0, 1, 11)
    curve = mismatch_curve(grid)
    np.testing.assert_allclose(curve["expected_train"], grid, atol=1e-15)
    np.testing.assert_array_equal(curve["test"], 1.0)
    np.testing.assert_allclose(curve["gap"], 1 - grid, atol=1e-15)
    assert np.all(np.diff(curve["gap"]) < 0)
    assert curve["ratio"][0] == np.inf and curve["ratio"][5] == pytest.approx(2.0)
    for scheme in ("standard", "inverted"):
        gaps = mismatch_curve(grid[1:], scheme)["gap"]
        np.testing.assert_allclose(gaps, 0.0, atol=1e-15)


@pytest.mark.parametrize("scheme", ["standard", "inverted"])
@pytest.mark.parametrize("keep_prob", [0.2, 0.5, 0.9])
def test_next_layer_train_mean_matches_test_within_five_standard_errors(scheme, keep_prob):
    shift = next_layer_shift(scheme, keep_prob, seed=11, n_examples=2048)
    np.testing.assert_allclose(shift.expected_train, shift.test_mean, rtol=1e-12)
    assert np.all(np.abs(shift.train_mean - shift.expected_train) < 5 * shift.train_std_error)


@pytest.mark.parametrize("keep_prob", [0.2, 0.5, 0.8])
def test_forgetting_the_scale_shifts_the_next_layer_input(keep_prob):
    shift = next_layer_shift("forgot to scale", keep_prob, seed=11, n_examples=2048)
    right = next_layer_shift("inverted", keep_prob, seed=11, n_examples=2048)
    np.testing.assert_allclose(shift.test_mean, right.test_mean, rtol=1e-12)  # test time: all units, no scaling
    # the training mean is keep_prob times the inverted one's linear part: a gap far beyond the noise
    assert np.all(shift.test_mean - shift.train_mean > 5 * shift.train_std_error)
    assert np.all(np.abs(shift.train_mean - shift.expected_train) < 5 * shift.train_std_error)


def test_next_layer_shift_uses_the_same_mask_for_every_scheme():
    standard = next_layer_shift("standard", 0.5, seed=3)
    forgot = next_layer_shift("forgot to scale", 0.5, seed=3)
    np.testing.assert_array_equal(standard.train_mean, forgot.train_mean)  # same train half, same mask


def test_worked_example_three_units_two_kept():
    example = worked_example()
    assert example["keep_prob"] == pytest.approx(2 / 3)
    c = example["columns"]
    np.testing.assert_allclose(c["standard train"], [0.6, 0.0, 0.9])
    np.testing.assert_allclose(c["standard test"], [0.4, 0.8, 0.6])
    np.testing.assert_allclose(c["inverted train"], [0.9, 0.0, 1.35])
    np.testing.assert_allclose(c["inverted test"], [0.6, 1.2, 0.9])
    assert example["n_masks"] == 8
    # over all 8 masks, each weighted by its probability, every unit is kept with probability 2/3: the
    # expected training output is the test output
    np.testing.assert_allclose(c["standard train, expected over masks"], c["standard test"], rtol=1e-14)
    np.testing.assert_allclose(c["inverted train, expected over masks"], c["inverted test"], rtol=1e-14)


@pytest.mark.parametrize("mask", [(True, False, True), (False, False, True), (True, True, True)])
@pytest.mark.parametrize("keep_prob", [0.2, 2 / 3, 0.9])
def test_worked_example_keep_prob_is_set_first_not_read_off_the_mask(mask, keep_prob):
    """keep_prob is the probability each unit is kept; the mask is one draw that need not keep that fraction."""
    example = worked_example(mask=mask, keep_prob=keep_prob)
    assert example["keep_prob"] == keep_prob
    c = example["columns"]
    a = np.array([0.6, 1.2, 0.9])
    np.testing.assert_allclose(c["inverted train"], a * np.array(mask) / keep_prob, rtol=1e-15)
    np.testing.assert_allclose(c["standard train, expected over masks"], keep_prob * a, rtol=1e-14)
    np.testing.assert_allclose(c["inverted train, expected over masks"], a, rtol=1e-14)


def test_hidden_layer_example_is_reproducible_and_keep_prob_moves_only_the_mask():
    a1, m1 = hidden_layer_example(4, 0.5)
    a2, m2 = hidden_layer_example(4, 0.5)
    np.testing.assert_array_equal(a1, a2)
    np.testing.assert_array_equal(m1, m2)
    a3, _ = hidden_layer_example(4, 0.2)
    np.testing.assert_array_equal(a1, a3)
    assert np.all((a1 >= 0.3) & (a1 <= 2.0))


def test_inputs_are_not_mutated():
    a, mask = A.copy(), MASK.copy()
    compare_schemes(a, mask, 0.5)
    np.testing.assert_array_equal(a, A)
    np.testing.assert_array_equal(mask, MASK)


def test_wrong_arguments_are_refused_with_the_argument_named():
    with pytest.raises(ValueError, match="scheme"):
        scale_factors("sometimes", 0.5)
    with pytest.raises(ValueError, match="keep_prob"):
        compare_schemes(A, MASK, -0.1)
    with pytest.raises(TypeError, match="mask"):
        compare_schemes(A, MASK.astype(int), 0.5)
    with pytest.raises(ValueError, match="mask"):
        compare_schemes(A, MASK[:2], 0.5)
    with pytest.raises(ValueError, match="n_examples"):
        next_layer_shift("standard", 0.5, n_examples=10**7)
    with pytest.raises(TypeError, match="seed"):
        next_layer_shift("standard", 0.5, seed=-2)
    with pytest.raises(ValueError, match="keep_probs"):
        mismatch_curve([0.5, 2.0])
    with pytest.raises(ValueError, match="mask"):
        worked_example((1.0, 2.0), (True, False, True))
    with pytest.raises(ValueError, match="keep_prob"):
        worked_example(keep_prob=1.5)
    assert set(SCHEMES) == {"standard", "inverted", "forgot to scale"}


def test_next_layer_noise_comes_from_the_masks_only():
    for keep_prob in (0.0, 1.0):  # no randomness: no standard error, the exact expectation
        shift = next_layer_shift("inverted", keep_prob, seed=2)
        np.testing.assert_array_equal(shift.train_std_error, 0.0)
        np.testing.assert_allclose(shift.train_mean, shift.expected_train, rtol=1e-12)
    assert np.all(next_layer_shift("inverted", 0.5, seed=2).train_std_error > 0)


def test_scheme_totals_sum_the_units():
    view = compare_schemes(A, MASK, 0.5)["inverted"]
    assert view.totals == pytest.approx((float((A * MASK).sum() * 2), float(A.sum()), float(A.sum())))


def test_the_default_side_by_side_view_keeps_some_units_and_drops_others():
    for keep_prob in np.round(np.arange(0.1, 0.91, 0.05), 2):
        _, mask = hidden_layer_example(0, float(keep_prob))
        assert mask.any() and not mask.all(), keep_prob


def test_units_within_noise_counts_test_means_inside_two_standard_errors():
    shift = next_layer_shift("inverted", 0.5, 3, n_examples=256)
    inside = np.abs(shift.train_mean - shift.test_mean) <= 2 * shift.train_std_error
    assert shift.units_within_noise == int(inside.sum())
    assert next_layer_shift("forgot to scale", 0.5, 3, n_examples=256).units_within_noise == 0
