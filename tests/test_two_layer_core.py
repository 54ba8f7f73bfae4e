"""core.two_layer: the backward pass is the derivative of the forward pass (gradient checks with the
mask frozen), each learner bug fails the same check by a wide margin, dropped units get exactly zero
gradient, and wrong arguments are refused."""

from __future__ import annotations

import numpy as np
import pytest

from core.dropout import bernoulli_mask
from core.gradcheck import numerical_gradient
from core.two_layer import (
    PARAM_NAMES,
    PASS_THRESHOLD,
    VARIANTS,
    Params,
    backward,
    backward_new_mask,
    backward_scaled_twice,
    backward_without_scale,
    check_every_variant,
    forward,
    gradient_check,
    gradient_difference,
    head_loss,
    hidden_layer_table,
    lesson_case,
    loss_with_mask,
    make_problem,
    probability_all_dropped,
)

PASS = 1e-7  # the course's threshold for a correct backward in float64
WIDE = 1e-2  # a bug must miss by at least this much: five orders of magnitude above PASS


def _problem(seed, keep_prob, n_examples=1, sizes=(4, 6, 3)):
    params, x, y = make_problem(seed, sizes, n_examples)
    mask = bernoulli_mask((n_examples, sizes[1]), keep_prob, seed + 100)
    return params, x, y, mask


def _mixed_mask_seed(keep_prob, n_examples=1):
    """A seed whose mask keeps some units and drops others (so every bug has something to get wrong)."""
    for seed in range(100):
        mask = _problem(seed, keep_prob, n_examples)[3]
        if mask.any() and not mask.all():
            return seed
    raise AssertionError("no mixed mask in 100 seeds")


# --- the correct backward ----------------------------------------------------------------------


@pytest.mark.parametrize("keep_prob", [0.0, 0.05, 0.3, 0.5, 0.8, 1.0])
@pytest.mark.parametrize("n_examples", [1, 3])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_backward_matches_centred_differences_with_the_mask_frozen(keep_prob, n_examples, seed):
    params, x, y, mask = _problem(seed, keep_prob, n_examples)
    _, cache = forward(params, x, y, keep_prob, mask=mask)
    grads = backward(cache)
    for name in PARAM_NAMES:  # written out here, independently of gradient_check
        numerical = numerical_gradient(
            lambda v, name=name: loss_with_mask(params.replace(name, v), x, y, keep_prob, mask),
            getattr(params, name), 1.0)
        assert gradient_difference(getattr(grads, name), numerical) < PASS, name
    numerical_a = numerical_gradient(lambda a: head_loss(a, params, y, keep_prob, mask), cache.a, 1.0)
    assert gradient_difference(grads.da, numerical_a) < PASS


@pytest.mark.parametrize("keep_prob", [0.0, 0.2, 0.5, 0.9, 1.0])
def test_gradient_check_of_the_correct_backward_passes_for_every_gradient(keep_prob):
    for seed in range(5):
        params, x, y, mask = _problem(seed, keep_prob, 2)
        check = gradient_check(params, x, y, keep_prob, mask, variant="correct")
        assert set(check.errors) == {*PARAM_NAMES, "a"}
        assert check.max_error < PASS, (seed, check.errors)


def test_backward_through_dropout_uses_the_forward_scaled_mask_exactly():
    params, x, y, mask = _problem(3, 0.5, 4)
    _, cache = forward(params, x, y, 0.5, mask=mask)
    grads = backward(cache)
    np.testing.assert_array_equal(grads.da, grads.dh * mask * 2.0)  # 0s and 2s, the forward's own mask
    np.testing.assert_array_equal(cache.h, cache.a * mask * 2.0)


def test_two_step_chain_rule_gives_the_same_gradient():
    """c = a * mask, h = c / keep_prob: dc = dh / keep_prob, da = dc * mask, the one-step result."""
    params, x, y, mask = _problem(4, 0.4, 3)
    _, cache = forward(params, x, y, 0.4, mask=mask)
    grads = backward(cache)
    dc = grads.dh / 0.4
    np.testing.assert_allclose(dc * mask, grads.da, rtol=1e-15, atol=0)


# --- dropped units -----------------------------------------------------------------------------


@pytest.mark.parametrize("keep_prob", [0.3, 0.5, 0.7])
def test_dropped_units_get_exactly_zero_gradient_and_kept_units_do_not(keep_prob):
    seed = _mixed_mask_seed(keep_prob)
    params, x, y, mask = _problem(seed, keep_prob)
    grads = backward(forward(params, x, y, keep_prob, mask=mask)[1])
    dropped = ~mask[0]
    assert np.all(grads.W1[:, dropped] == 0) and np.all(grads.b1[dropped] == 0)  # weights into dropped units
    assert np.all(grads.W2[dropped, :] == 0)  # weights out of dropped units
    assert np.all(grads.W1[:, ~dropped] != 0) and np.all(grads.W2[~dropped, :] != 0)


def test_in_a_batch_only_units_dropped_in_every_example_rest():
    case = lesson_case(5, 0.5, 4)
    everywhere = case.dropped_everywhere
    np.testing.assert_array_equal(everywhere, ~case.mask.any(axis=0))
    assert np.all(case.grads.W1[:, everywhere] == 0)
    assert np.all(case.grads.W1[:, ~everywhere] != 0)


def test_keep_prob_zero_leaves_only_the_output_bias_with_a_gradient():
    case = lesson_case(0, 0.0, 3)
    for name in ("W1", "b1", "W2"):
        assert np.all(getattr(case.grads, name) == 0), name
    assert np.any(case.grads.b2 != 0)
    assert np.isfinite(case.loss)
    for check in check_every_variant(case).values():
        assert check.max_error < PASS
        assert all(np.isfinite(v) for v in check.errors.values())


def test_keep_prob_one_is_plain_backprop_and_every_bug_is_invisible():
    case = lesson_case(1, 1.0, 2)
    assert case.mask.all()
    np.testing.assert_array_equal(case.cache.h, case.cache.a)
    for variant, check in check_every_variant(case).items():
        assert check.max_error < PASS, variant


# --- the bugs ----------------------------------------------------------------------------------


@pytest.mark.parametrize("keep_prob", [0.2, 0.5, 0.8])
@pytest.mark.parametrize("variant", ["no_scale", "scaled_twice"])
def test_a_missing_or_doubled_factor_fails_by_exactly_one_minus_q_over_one_plus_q(keep_prob, variant):
    seed = _mixed_mask_seed(keep_prob, 2)
    params, x, y, mask = _problem(seed, keep_prob, 2)
    check = gradient_check(params, x, y, keep_prob, mask, variant=variant)
    expected = (1 - keep_prob) / (1 + keep_prob)  # |g/q - g| / (|g/q| + |g|), or with q and 1 swapped
    for name in ("W1", "b1", "a"):  # below the dropout layer: off by the factor keep_prob
        assert check.errors[name] == pytest.approx(expected, abs=1e-6), name
        assert check.errors[name] > WIDE
    for name in ("W2", "b2"):  # above it: untouched by the bug
        assert check.errors[name] < PASS, name


@pytest.mark.parametrize("keep_prob", [0.3, 0.5, 0.8])
def test_a_new_mask_in_backward_fails_by_a_wide_margin(keep_prob):
    failures = 0
    for seed in range(6):
        params, x, y, mask = _problem(seed, keep_prob, 4)
        check = gradient_check(params, x, y, keep_prob, mask, variant="new_mask", rng=seed + 50)
        if check.same_mask_in_backward:
            assert check.max_error < PASS  # a repeat of the same mask is no bug on this draw
            continue
        assert check.max_error > WIDE, (seed, check.errors)
        assert check.errors["W2"] < PASS  # the layer above dropout is still right
        failures += 1
    assert failures >= 4  # repeats of a 24-entry mask are rare


@pytest.mark.parametrize("keep_prob", [0.3, 0.5, 0.8])
def test_redrawing_the_mask_between_evaluations_breaks_even_a_correct_backward(keep_prob):
    params, x, y, mask = _problem(_mixed_mask_seed(keep_prob, 4), keep_prob, 4)
    check = gradient_check(params, x, y, keep_prob, mask, variant="redrawn", rng=7)
    assert check.max_error > 0.5  # differences of two random networks divided by 2 eps: noise of size 1/eps


def test_bug_functions_differ_from_the_correct_backward_by_the_expected_factor():
    params, x, y, mask = _problem(_mixed_mask_seed(0.25, 2), 0.25, 2)
    _, cache = forward(params, x, y, 0.25, mask=mask)
    right = backward(cache)
    np.testing.assert_allclose(backward_without_scale(cache).W1, right.W1 * 0.25, rtol=1e-12)
    np.testing.assert_allclose(backward_scaled_twice(cache).W1, right.W1 / 0.25, rtol=1e-12)
    same = backward_new_mask(cache, fresh_mask=mask)
    np.testing.assert_allclose(same.W1, right.W1, rtol=1e-12)


def test_passes_is_the_threshold_of_the_course():
    assert PASS_THRESHOLD == PASS
    checks = check_every_variant(lesson_case(0, 0.5, 1))
    assert checks["correct"].passes and checks["correct"].max_error < PASS_THRESHOLD
    assert not checks["no_scale"].passes and checks["no_scale"].max_error >= PASS_THRESHOLD


def test_probability_all_dropped_is_one_minus_keep_prob_to_the_number_of_entries():
    assert probability_all_dropped(0.5, 6, 1) == pytest.approx(0.015625)  # the lesson's 6 units: 1.6%
    assert probability_all_dropped(0.5, 6, 4) == pytest.approx(0.5 ** 24)
    assert probability_all_dropped(1.0, 6, 4) == 0.0
    assert probability_all_dropped(0.0, 6, 4) == 1.0
    with pytest.raises(ValueError, match="n_hidden"):
        probability_all_dropped(0.5, 0, 1)
    with pytest.raises(TypeError, match="n_examples"):
        probability_all_dropped(0.5, 6, 1.5)


@pytest.mark.parametrize(("keep_prob", "n_examples"), [(0.5, 1), (0.05, 4)])
def test_probability_all_dropped_matches_the_lesson_cases_masks(keep_prob, n_examples):
    """Over many seeds the lesson's masks drop every hidden unit as often as the formula says (±4 SE)."""
    n = 3000
    hits = sum(not lesson_case(seed, keep_prob, n_examples).mask.any() for seed in range(n))
    p = probability_all_dropped(keep_prob, 6, n_examples)
    assert abs(hits / n - p) < 4 * np.sqrt(p * (1 - p) / n), (hits, p)


@pytest.mark.parametrize("keep_prob", [0.05, 0.5])
def test_when_every_unit_is_dropped_only_the_scaling_bugs_must_pass(keep_prob):
    """The page's note on an all-dropped draw: the two scaling bugs pass; a fresh mask that keeps a unit fails."""
    seeds = [s for s in range(400) if not lesson_case(s, keep_prob, 1).mask.any()][:8]
    assert seeds
    for seed in seeds:
        checks = check_every_variant(lesson_case(seed, keep_prob, 1))
        assert checks["no_scale"].passes and checks["scaled_twice"].passes
        new = checks["new_mask"]
        assert new.passes == (not new.backward_mask.any()), seed  # fails exactly when the fresh mask keeps a unit


def test_check_every_variant_covers_all_and_reuses_the_frozen_numerical_gradient():
    case = lesson_case(2, 0.5, 1)
    checks = check_every_variant(case)
    assert list(checks) == list(VARIANTS)
    for variant in ("no_scale", "new_mask", "scaled_twice"):
        for name in PARAM_NAMES:
            np.testing.assert_array_equal(checks[variant].numerical[name], checks["correct"].numerical[name])


# --- the lesson's case, the table, reproducibility, no mutation ------------------------------------


def test_lesson_case_is_reproducible_and_keep_prob_moves_only_the_mask():
    a, b = lesson_case(7, 0.5, 4), lesson_case(7, 0.5, 4)
    np.testing.assert_array_equal(a.mask, b.mask)
    c = lesson_case(7, 0.3, 4)
    np.testing.assert_array_equal(a.params.W1, c.params.W1)
    np.testing.assert_array_equal(a.x, c.x)
    assert not np.array_equal(lesson_case(8, 0.5, 4).params.W1, a.params.W1)


def test_every_hidden_pre_activation_is_clear_of_the_relu_kink():
    for seed in range(20):
        params, x, _ = make_problem(seed, (4, 6, 3), 8)
        assert np.all(x @ params.W1 + params.b1 >= 0.2 - 1e-12)


def test_hidden_layer_table_is_the_dropout_backward_unit_by_unit():
    case = lesson_case(0, 0.5, 2)
    table = hidden_layer_table(case, 1)
    np.testing.assert_array_equal(table["mask"], case.mask[1].astype(int))
    np.testing.assert_array_equal(table["mask/keep_prob"], case.mask[1] * 2.0)
    assert list(table) == ["unit", "dh", "mask", "mask/keep_prob", "dh·mask/keep_prob"]
    np.testing.assert_array_equal(table["dh"], case.grads.dh[1])  # dL/dh, at the dropout output
    np.testing.assert_array_equal(table["dh·mask/keep_prob"], table["dh"] * table["mask/keep_prob"] + 0.0)
    np.testing.assert_array_equal(table["dh·mask/keep_prob"], case.grads.da[1] + 0.0)  # = da, at its input
    assert not np.any(np.signbit(table["dh·mask/keep_prob"][table["mask"] == 0]))  # no "-0.0" on screen
    with pytest.raises(ValueError, match="example"):
        hidden_layer_table(case, 2)


def test_forward_and_backward_do_not_mutate_their_inputs():
    params, x, y, mask = _problem(0, 0.5, 3)
    copies = [p.copy() for p in (params.W1, params.b1, params.W2, params.b2, x, y, mask)]
    _, cache = forward(params, x, y, 0.5, mask=mask)
    backward(cache)
    gradient_check(params, x, y, 0.5, mask, variant="redrawn", rng=0)
    for original, copy in zip((params.W1, params.b1, params.W2, params.b2, x, y, mask), copies, strict=True):
        np.testing.assert_array_equal(original, copy)


def test_test_time_forward_uses_every_unit():
    params, x, y, _ = _problem(0, 0.5, 2)
    _, cache = forward(params, x, y, 0.5, training=False)
    np.testing.assert_array_equal(cache.h, cache.a)


# --- wrong arguments ---------------------------------------------------------------------------


def test_wrong_arguments_are_refused_with_the_argument_named():
    params, x, y, mask = _problem(0, 0.5, 2)
    with pytest.raises(ValueError, match="keep_prob"):
        forward(params, x, y, 1.5, mask=mask)
    with pytest.raises(ValueError, match="mask"):
        forward(params, x, y, 0.5, mask=mask[:, :3])
    with pytest.raises(TypeError, match="mask"):
        forward(params, x, y, 0.5, mask=mask.astype(int))
    with pytest.raises(ValueError, match="x"):
        forward(params, x[:, :2], y, 0.5)
    with pytest.raises(ValueError, match="y"):
        forward(params, x, np.array([0, 7]), 0.5)
    with pytest.raises(TypeError, match="params"):
        forward({"W1": params.W1}, x, y, 0.5)
    with pytest.raises(ValueError, match="variant"):
        gradient_check(params, x, y, 0.5, mask, variant="typo")
    with pytest.raises(ValueError, match="sizes"):
        make_problem(0, (4, 0, 3))
    with pytest.raises(ValueError, match="n_examples"):
        make_problem(0, (4, 6, 3), 10_000)
    with pytest.raises(TypeError, match="seed"):
        lesson_case(-1, 0.5)
    with pytest.raises(TypeError, match="cache"):
        backward("not a cache")
    assert isinstance(params, Params)


def test_the_default_view_keeps_some_units_and_drops_others():
    """LESSON_STREAM's purpose: seed 0 is never the degenerate all-dropped or all-kept mask for 0.1 <= q <= 0.9."""
    for keep_prob in np.round(np.arange(0.1, 0.91, 0.05), 2):
        mask = lesson_case(0, float(keep_prob)).mask
        assert mask.any() and not mask.all(), keep_prob
