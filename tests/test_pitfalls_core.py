"""core/pitfalls.py: every pitfall's bug and fix shown numerically, with tolerances from the sample size;
keep_prob 0 and 1; the sentences the page writes follow the numbers."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from core import mlp
from core import pitfalls as pf
from core.data import load_digits, train_test_split
from core.dropout import bernoulli_mask, dropout_forward

MIDDLE = (0.2, 0.5, 0.8)
Z = 4.5  # tolerances: this many standard errors (a false alarm about once in 150,000 checks)


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits()
    return train_test_split(X, y, n_train=1000, rng=0)


@pytest.fixture(scope="module")
def small_nets(digits):
    """A small network per keep_prob, trained on 300 digits for 30 epochs (about a second in all)."""
    X_train, X_test, y_train, y_test = digits
    return {q: mlp.train(X_train[:300], y_train[:300], X_test, y_test, hidden=(64, 64), keep_prob=q, epochs=30,
                         batch_size=32, optimizer="sgd", learning_rate=0.03, seed=0)
            for q in (0.0, 0.5, 1.0)}


# --- 1. dropout left on at test time ---------------------------------------------------------------


def test_dropout_left_on_gives_different_answers_and_eval_mode_one(digits, small_nets):
    _, X_test, _, y_test = digits
    case = pf.dropout_left_on(small_nets[0.5], X_test, y_test, 10, rng=3)
    # The bug: ten calls on one image are ten different networks' scores.
    assert case.call_proba.shape == (10, 10)
    assert np.ptp(case.call_proba, axis=0).max() > 0.05
    assert case.unstable_fraction > 0
    assert np.unique(case.call_predictions).size > 1  # the image shown does change its answer
    # The fix: with dropout off every call gives the same scores, bit for bit.
    for _ in range(2):
        np.testing.assert_array_equal(case.eval_proba, mlp.predict_proba(small_nets[0.5], X_test)[case.image_index])
    assert case.eval_prediction == case.label  # the image shown is one dropout off gets right
    assert case.error_off == pytest.approx(float(small_nets[0.5].history["test_error"].iloc[-1]))
    predictions = mlp.mc_samples(small_nets[0.5], X_test, 10, rng=3).argmax(axis=-1)
    np.testing.assert_allclose(case.errors_on, (predictions != y_test).mean(axis=1))
    summary = pf.left_on_summary(case, 0.5)
    assert f"{100 * case.unstable_fraction:.1f}%" in summary and f"{100 * case.error_off:.2f}%" in summary
    wrong = int((case.call_predictions != case.label).sum())
    assert f"{wrong} of its 10 calls say another digit" in summary
    comparison = "higher than" if case.errors_on.mean() > case.error_off else "not higher than"
    assert f", {comparison} the" in summary
    assert "gets right with dropout off and whose calls disagree most" in pf.left_on_choice(case)


def test_dropout_left_on_at_keep_prob_1_and_0(digits, small_nets):
    _, X_test, _, y_test = digits
    case = pf.dropout_left_on(small_nets[1.0], X_test, y_test, 10, rng=3)
    np.testing.assert_allclose(case.call_proba, np.broadcast_to(case.eval_proba, case.call_proba.shape), atol=1e-6)
    assert case.unstable_fraction == 0 and np.all(case.errors_on == case.error_off)
    assert "same network" in pf.left_on_summary(case, 1.0)
    assert pf.left_on_choice(case).startswith("No image changes its answer")
    zero = pf.dropout_left_on(small_nets[0.0], X_test, y_test, 10, rng=3)
    assert zero.unstable_fraction == 0 and np.ptp(zero.call_proba, axis=0).max() == 0  # no randomness is left
    assert "same scores" in pf.left_on_summary(zero, 0.0)


# --- 2. the wrong mask shape -----------------------------------------------------------------------


def test_mask_shape_kinds_in_both_layouts():
    assert pf.mask_shape_kind((8, 1), (8, 12)) == "per example"
    assert pf.mask_shape_kind((1, 12), (8, 12)) == "per unit"
    assert pf.mask_shape_kind((8, 12), (8, 12)) == "per entry"
    assert pf.mask_shape_kind((1, 1), (8, 12)) == "constant"
    # The course-notebook layout (units, examples): (D, 1) is the per-unit bug, (1, N) the per-example one.
    assert pf.mask_shape_kind((12, 1), (12, 8), example_axis=1) == "per unit"
    assert pf.mask_shape_kind((1, 8), (12, 8), example_axis=1) == "per example"
    with pytest.raises(ValueError):
        pf.mask_shape_kind((8, 2), (8, 12))
    with pytest.raises(ValueError):
        pf.mask_shape_kind((8,), (8, 12))


@pytest.mark.parametrize("keep_prob", MIDDLE)
def test_wrong_mask_shapes_drop_rows_or_columns_and_the_right_one_entries(keep_prob):
    n, d = 200, 300
    shapes = pf.mask_shapes(keep_prob, seed=4, n_examples=n, n_units=d)
    rows, columns, entries = (shapes.masks[label] for label in pf.MASK_SHAPES)
    assert shapes.kinds == {"(N, 1)": "per example", "(1, D)": "per unit", "(N, D)": "per entry"}
    # (N, 1): every example is all kept or all dropped, and every unit sees the same examples.
    assert set(np.unique(shapes.per_example["(N, 1)"])) <= {0.0, 1.0}
    assert np.all(rows == rows[:, :1])
    assert shapes.examples_without_gradient["(N, 1)"] == int((~rows[:, 0]).sum())
    # (1, D): the same units are dropped for the whole minibatch: they get no gradient this step.
    assert set(np.unique(shapes.per_unit["(1, D)"])) <= {0.0, 1.0}
    assert shapes.units_without_gradient["(1, D)"] == int((~columns[0]).sum())
    # Each wrong mask still keeps about keep_prob of its draws (n or d of them) ...
    for draws, fraction in ((n, rows.mean()), (d, columns.mean())):
        assert abs(fraction - keep_prob) < Z * math.sqrt(keep_prob * (1 - keep_prob) / draws)
    # ... and the right one keeps about keep_prob of every row and column (n * d draws).
    assert abs(entries.mean() - keep_prob) < Z * math.sqrt(keep_prob * (1 - keep_prob) / (n * d))
    assert shapes.units_without_gradient["(N, D)"] == 0 and shapes.examples_without_gradient["(N, D)"] == 0
    assert 0 < shapes.per_unit["(N, D)"].min() < shapes.per_unit["(N, D)"].max() < 1


@pytest.mark.parametrize("keep_prob", [0.0, 1.0])
def test_mask_shapes_at_the_extremes(keep_prob):
    shapes = pf.mask_shapes(keep_prob, seed=0)
    for label in pf.MASK_SHAPES:
        assert np.all(shapes.masks[label] == bool(keep_prob))
        expected = 0 if keep_prob else shapes.masks[label].shape[1]
        assert shapes.units_without_gradient[label] == expected


# --- 3. the comparison flipped ---------------------------------------------------------------------


def test_flipped_bias_formula_and_edges():
    assert pf.flipped_bias(0.5) == 1.0 and pf.flipped_bias(1.0) == 0.0
    assert math.isnan(pf.flipped_bias(0.0))
    assert pf.flipped_bias(0.2) == pytest.approx(4.0) and pf.flipped_bias(0.8) == pytest.approx(0.25)
    grid = pf.flipped_bias(np.array([0.0, 0.25, 1.0]))
    assert math.isnan(grid[0]) and grid[1] == pytest.approx(3.0) and grid[2] == 0.0
    for bad in (-0.1, 1.5, math.nan):
        with pytest.raises(ValueError):
            pf.flipped_bias(bad)


@pytest.mark.parametrize("keep_prob", (0.1, 0.3, 0.5, 0.7, 0.9))
def test_flipped_mean_is_1_minus_q_over_q_times_the_right_one(keep_prob):
    case = pf.flipped_case(keep_prob, seed=2, n_units=16, n_masks=20_000)
    total = case.n_masks * case.activations.size
    # The buggy mask keeps 1 − keep_prob of its entries, the right one keeps keep_prob.
    se_fraction = math.sqrt(keep_prob * (1 - keep_prob) / total)
    assert abs(case.buggy_kept_fraction - (1 - keep_prob)) < Z * se_fraction
    assert abs(case.right_kept_fraction - keep_prob) < Z * se_fraction
    # The bug: mean output (1 − q)/q · x; the fix: x. Per unit, SE = x √((1 − q) / (q T)).
    se_unit = case.activations * math.sqrt((1 - keep_prob) / (keep_prob * case.n_masks))
    assert np.all(np.abs(case.buggy_mean - pf.flipped_bias(keep_prob) * case.activations) < Z * se_unit)
    assert np.all(np.abs(case.right_mean - case.activations) < Z * se_unit)
    assert abs(case.measured_ratio - case.expected_ratio) < Z * case.standard_error
    if keep_prob != 0.5:  # away from 0.5 the bias is far outside the noise
        assert abs(case.measured_ratio - 1.0) > 10 * case.standard_error


def test_flipped_mask_is_the_complement_of_the_right_one():
    u = np.random.default_rng(0).random((50, 40))
    for keep_prob in MIDDLE:
        np.testing.assert_array_equal(pf.flipped_mask(u, keep_prob), ~(u < keep_prob))  # no ties in floats here


def test_flipped_case_at_the_extremes():
    zero = pf.flipped_case(0.0, seed=0)
    assert math.isnan(zero.measured_ratio) and math.isnan(zero.expected_ratio)
    assert np.all(zero.right_mean == 0) and zero.buggy_kept_fraction == 1.0
    one = pf.flipped_case(1.0, seed=0)
    assert one.buggy_kept_fraction == 0.0 and one.measured_ratio == 0.0 and one.expected_ratio == 0.0
    np.testing.assert_allclose(one.right_mean, one.activations)


@pytest.mark.parametrize("keep_prob", (0.0, 0.2, 0.5, 0.8, 1.0))
def test_flipped_summary_follows_the_numbers(keep_prob):
    text = pf.flipped_summary(keep_prob)
    if keep_prob == 0.5:
        assert "invisible" in text
    elif 0 < keep_prob < 1:
        ratio = pf.flipped_bias(keep_prob)
        assert f"= {ratio:.3g} times" in text
        assert ("too large" if ratio > 1 else "too small") in text
    elif keep_prob == 1:
        assert "keeps nothing" in text
    else:
        assert "undefined" in text


# --- 4. "my validation loss is below my training loss" --------------------------------------------


def test_the_reported_training_loss_is_the_dropout_on_one(digits, small_nets):
    X_train, X_test, y_train, y_test = digits
    history = small_nets[0.5].history
    # The fix measures the training loss as test_loss is measured: dropout off, after the epoch.
    assert history["train_loss_eval"].iloc[-1] == pytest.approx(pf.eval_loss(small_nets[0.5], X_train[:300],
                                                                            y_train[:300]), rel=1e-4)
    assert history["test_loss"].iloc[-1] == pytest.approx(pf.eval_loss(small_nets[0.5], X_test, y_test), rel=1e-4)
    # The bug: the loss of thinned networks is well above the loss of the network that is tested.
    assert history["train_loss"].iloc[-1] > 1.5 * history["train_loss_eval"].iloc[-1]
    assert history["train_loss_eval"].iloc[-1] < history["test_loss"].iloc[-1]


def test_loss_gap_counts_and_summaries():
    gap = pf.loss_gap([1, 2, 3], [0.9, 0.5, 0.4], [0.8, 0.2, 0.1], [0.6, 0.35, 0.3])
    assert (gap.last_epoch, gap.epochs_reported_above_test, gap.epochs_eval_above_test) == (3, 3, 1)
    assert gap.reported_above_test and gap.eval_below_test
    text = pf.loss_summary(gap, 0.5)
    assert "0.4000" in text and "4.0 times the 0.1000" in text and "below the test loss 0.3000" in text
    assert "thinned" in text
    earlier = pf.loss_gap([1, 2], [0.9, 0.2], [0.5, 0.1], [0.6, 0.3])
    assert "in 1 of 2 epochs" in pf.loss_summary(earlier, 0.5)
    never = pf.loss_gap([1, 2], [0.2, 0.2], [0.1, 0.1], [0.6, 0.3])
    assert "stays below" in pf.loss_summary(never, 0.5)
    assert "nothing is dropped" in pf.loss_summary(never, 1.0)
    assert "never learns" in pf.loss_summary(never, 0.0)
    with pytest.raises(ValueError):
        pf.loss_gap([1, 2], [0.1], [0.1, 0.2], [0.1, 0.2])


# --- 5. dropout before BatchNorm (variance shift) -------------------------------------------------


@pytest.mark.parametrize(("keep_prob", "mean", "std"), [(0.5, 1.0, 1.0), (0.2, 1.0, 1.0), (0.8, 0.5, 2.0),
                                                        (0.5, 0.0, 1.0)])
def test_variance_shift_formula_against_monte_carlo(keep_prob, mean, std):
    n = 200_000
    shift = pf.variance_shift(keep_prob, seed=5, n_samples=n, mean=mean, std=std)
    assert shift.train_variance_formula == pytest.approx((std**2 + mean**2) / keep_prob - mean**2)
    assert abs(shift.train_variance_measured - shift.train_variance_formula) < Z * shift.train_variance_se
    # Inverted dropout keeps the mean: only the variance shifts.
    assert abs(shift.running_mean - mean) < Z * math.sqrt(shift.train_variance_formula / n)
    # At test time BN meets σ² and divides by the training variance: its outputs are too narrow.
    se_test = std**2 * math.sqrt(2 / (n - 1))  # of a normal sample's variance
    assert abs(shift.test_variance_measured - std**2) < Z * se_test
    assert shift.bug_output_std == pytest.approx(math.sqrt(shift.test_variance_measured /
                                                           shift.train_variance_measured), rel=1e-9)
    assert shift.bug_output_std < 1 - 0.05
    # The fix (dropout after the last BN): BN's statistics are those of x itself, so the outputs have std 1.
    assert shift.fix_output_std == pytest.approx(1.0, abs=1e-12)
    text = pf.variance_summary(shift)
    assert f"{shift.train_variance_formula:.3f}" in text and f"std {shift.bug_output_std:.2f} instead of 1" in text


def test_variance_shift_at_the_extremes():
    one = pf.variance_shift(1.0, seed=0)
    assert one.train_variance_formula == pytest.approx(1.0)
    assert one.train_variance_measured == pytest.approx(one.test_variance_measured)
    assert one.bug_output_std == pytest.approx(1.0) and "does nothing" in pf.variance_summary(one)
    zero = pf.variance_shift(0.0, seed=0)
    assert math.isnan(zero.train_variance_formula) and zero.train_variance_measured == 0
    assert math.isnan(zero.bug_output_std) and np.all(np.isnan(zero.bug_output))
    assert "divides by zero" in pf.variance_summary(zero)
    assert math.isnan(pf.train_variance(1.0, 1.0, 0.0))


def test_density_is_a_histogram_density():
    samples = np.random.default_rng(0).normal(0, 1, 10_000)
    edges = np.linspace(-4, 4, 81)
    values = pf.density(samples, edges)
    inside = np.mean((samples >= -4) & (samples <= 4))
    assert np.sum(values * np.diff(edges)) == pytest.approx(inside)
    assert np.all(pf.density(np.full(5, np.nan), edges) == 0)


# --- 6. dropout before or after the activation ----------------------------------------------------


@pytest.mark.parametrize("keep_prob", [0.0, 0.05, 0.3, 0.5, 0.7, 0.95, 1.0])
@pytest.mark.parametrize("seed", range(5))
def test_relu_identity_is_exact(keep_prob, seed):
    order = pf.activation_order(keep_prob, seed, n_units=64)
    np.testing.assert_array_equal(order.after["ReLU"], order.before["ReLU"])
    assert order.max_difference["ReLU"] == 0.0
    # The identity itself, on more values: ReLU(m z / q) == m ReLU(z) / q exactly, with the core's own dropout.
    z = np.random.default_rng(seed).normal(0, 3, (40, 50))
    dropped_first, _ = dropout_forward(z, keep_prob, rng=seed)
    relu_first, _ = dropout_forward(np.maximum(z, 0.0), keep_prob, rng=seed)
    np.testing.assert_array_equal(np.maximum(dropped_first, 0.0), relu_first)


@pytest.mark.parametrize("keep_prob", MIDDLE)
def test_sigmoid_and_tanh_depend_on_the_order(keep_prob):
    order = pf.activation_order(keep_prob, seed=1, n_units=200)
    mask = order.mask
    np.testing.assert_array_equal(mask, bernoulli_mask(200, keep_prob, _order_mask_seed(1)))  # one mask for both
    # Dropout after the activation: a dropped unit outputs 0 whatever the function.
    for name in pf.ACTIVATIONS:
        assert np.all(order.after[name][~mask] == 0)
    # Sigmoid first-dropped units output sigmoid(0) = 0.5 exactly.
    assert (~mask).any() and np.all(order.before["sigmoid"][~mask] == 0.5)
    np.testing.assert_array_equal(order.dropped_outputs_before["sigmoid"], order.before["sigmoid"][~mask])
    # Tanh: dropped units agree (tanh(0) = 0); kept ones differ: tanh(z / q) against tanh(z) / q.
    assert np.all(order.before["tanh"][~mask] == 0)
    kept = mask & (order.pre_activations != 0)
    z = order.pre_activations[kept]
    np.testing.assert_allclose(order.before["tanh"][kept], np.tanh(z / keep_prob))
    np.testing.assert_allclose(order.after["tanh"][kept], np.tanh(z) / keep_prob)
    assert order.max_difference["tanh"] > 0.01
    text = pf.order_summary(order)
    assert "exactly the same" in text and f"{int((~mask).sum())} dropped units output 0.50" in text
    assert f"{order.max_difference['tanh']:.3g}" in text


def _order_mask_seed(seed: int) -> int:
    return int(np.random.SeedSequence([pf.STREAM_ORDER_MASK, seed]).generate_state(1)[0])


def test_activation_order_at_the_extremes():
    one = pf.activation_order(1.0, seed=0)
    for name in pf.ACTIVATIONS:
        np.testing.assert_array_equal(one.after[name], one.before[name])
    assert "no unit is dropped" in pf.order_summary(one)
    zero = pf.activation_order(0.0, seed=0)
    assert np.all(zero.before["sigmoid"] == 0.5) and np.all(zero.after["sigmoid"] == 0)


def test_bad_arguments():
    for call in (lambda: pf.mask_shapes(1.5, 0), lambda: pf.flipped_case(0.5, -1), lambda: pf.variance_shift(0.5, 0, 1),
                 lambda: pf.activation_order(0.5, 1.5), lambda: pf.mask_shapes(0.5, 0, n_examples=1)):
        with pytest.raises((TypeError, ValueError)):
            call()


@pytest.mark.parametrize("seed", [0, 3])
def test_masks_are_coupled_across_keep_prob(seed):
    """One seed, one set of random numbers at every keep_prob: the units kept at a lower keep_prob are among those
    kept at a higher one, so a live chart dragged down drops units one by one (the mask-shape and order views)."""
    grid = [round(0.05 * i, 2) for i in range(21)]
    for low, high in itertools.pairwise(grid):
        shapes_low, shapes_high = pf.mask_shapes(low, seed), pf.mask_shapes(high, seed)
        for label in pf.MASK_SHAPES:
            assert not (shapes_low.masks[label] & ~shapes_high.masks[label]).any(), (label, low, high)
        assert not (pf.activation_order(low, seed).mask & ~pf.activation_order(high, seed).mask).any(), (low, high)
    assert pf.mask_shapes(1.0, seed).masks["(N, D)"].all() and not pf.mask_shapes(0.0, seed).masks["(N, D)"].any()
