"""The dropout bugs people ship, each computed next to its fix (lesson "Pitfalls").

Pure NumPy. One section per pitfall, in the lesson's order:

1. dropout left on at test time       dropout_left_on(result, X, y, n_calls, rng)
2. the wrong mask shape               mask_shapes(keep_prob, seed), mask_shape_kind(mask_shape, activation_shape)
3. the comparison flipped             flipped_mask(u, keep_prob), flipped_bias(keep_prob), flipped_case(...)
4. training loss measured dropout-on  loss_gap(epochs, train_loss, train_loss_eval, test_loss), eval_loss(...)
5. dropout before BatchNorm           variance_shift(keep_prob, seed), train_variance(mean, std, keep_prob)
6. dropout before the activation      activation_order(keep_prob, seed)

Every function takes keep_prob (the probability of KEEPING a unit) and a seed or Generator, and is
well defined at keep_prob 0 and 1: where a quantity is undefined there (a division by keep_prob), it
is None or NaN, never an exception or a silent infinity.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from core import mlp
from core.dropout import check_count, check_keep_prob, dropout_forward, make_rng

__all__ = [
    "ACTIVATIONS",
    "BN_MEAN",
    "BN_STD",
    "MASK_SHAPES",
    "ActivationOrder",
    "DropoutLeftOn",
    "FlippedCase",
    "LossGap",
    "MaskShapes",
    "VarianceShift",
    "activation_order",
    "density",
    "dropout_left_on",
    "eval_loss",
    "flipped_bias",
    "flipped_case",
    "flipped_mask",
    "flipped_summary",
    "left_on_choice",
    "left_on_summary",
    "loss_gap",
    "loss_summary",
    "mask_shape_kind",
    "mask_shapes",
    "order_summary",
    "train_variance",
    "variance_shift",
    "variance_summary",
]

# Separate random streams per pitfall (so that one view's draws never move another's).
STREAM_SHAPES, STREAM_FLIPPED, STREAM_BN, STREAM_ORDER_VALUES, STREAM_ORDER_MASK = 31, 32, 33, 34, 35


def _seed(seed) -> int:
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    return int(seed)


# --- 1. dropout left on at test time ---------------------------------------------------------------


@dataclass(frozen=True)
class DropoutLeftOn:
    """n_calls forward passes of a trained network with dropout left ON, against one pass with it off."""

    image_index: int  # the test image shown: right with dropout off, and its calls disagree most
    image: np.ndarray  # (64,) its pixels
    label: int  # its true digit
    call_proba: np.ndarray  # (n_calls, C) class probabilities of each call with dropout on
    call_predictions: np.ndarray  # (n_calls,) the digit each call predicts
    eval_proba: np.ndarray  # (C,) probabilities with dropout off (model.eval(): one deterministic answer)
    eval_prediction: int
    errors_on: np.ndarray  # (n_calls,) test error of each dropout-on call over the whole test set
    error_off: float  # test error with dropout off
    unstable_fraction: float  # share of test images whose n_calls predictions are not all the same


def dropout_left_on(result: mlp.TrainResult, X, y, n_calls: int = 10, *, rng=None) -> DropoutLeftOn:
    """What `model.train()` (PyTorch) or `model(x, training=True)` (Keras) at test time does to predictions.

    Every call draws fresh masks, exactly as in training (mlp.mc_samples), so the same image gets
    different scores and sometimes a different digit. X: (N, D) test images, y: (N,) labels.
    """
    n_calls = check_count(n_calls, "n_calls", 2)
    y = np.asarray(y)
    samples = mlp.mc_samples(result, X, n_calls, rng=make_rng(rng))  # (n_calls, N, C)
    predictions = samples.argmax(axis=-1)  # (n_calls, N)
    eval_proba = mlp.predict_proba(result, X)  # (N, C)
    eval_predictions = eval_proba.argmax(axis=1)
    distinct = np.array([np.unique(predictions[:, i]).size for i in range(predictions.shape[1])])
    # Shown: an image the network gets right with dropout off (if any), among those the one with the most
    # distinct answers, then the one whose calls agree least with dropout off, then the first.
    agreement = (predictions == eval_predictions[None, :]).sum(axis=0)
    wrong_off = eval_predictions != y
    order = np.lexsort((np.arange(distinct.size), agreement, -distinct, wrong_off))
    chosen = int(order[0])
    return DropoutLeftOn(
        image_index=chosen,
        image=np.asarray(X)[chosen].astype(np.float64),
        label=int(y[chosen]),
        call_proba=samples[:, chosen, :],
        call_predictions=predictions[:, chosen],
        eval_proba=eval_proba[chosen],
        eval_prediction=int(eval_predictions[chosen]),
        errors_on=(predictions != y[None, :]).mean(axis=1),
        error_off=float((eval_predictions != y).mean()),
        unstable_fraction=float((distinct > 1).mean()),
    )


# --- 2. the wrong mask shape -----------------------------------------------------------------------

# The three masks a learner writes for activations of shape (N, D) = (examples, units).
MASK_SHAPES = ("(N, 1)", "(1, D)", "(N, D)")


def mask_shape_kind(mask_shape, activation_shape, example_axis: int = 0) -> str:
    """What a mask of `mask_shape`, broadcast over activations of `activation_shape` (2-D), drops.

    "per example": each example all kept or all dropped; "per unit": the same units dropped for the
    whole minibatch; "per entry": dropout; "constant": one draw for everything. example_axis 1 is the
    course-notebook layout (units, examples).
    """
    mask_shape, activation_shape = tuple(mask_shape), tuple(activation_shape)
    if len(activation_shape) != 2 or len(mask_shape) != 2 or example_axis not in (0, 1):
        raise ValueError(f"need 2-D shapes and example_axis 0 or 1, got {mask_shape}, {activation_shape}, "
                         f"{example_axis}")
    np.broadcast_shapes(mask_shape, activation_shape)  # raises if they do not broadcast
    if np.broadcast_shapes(mask_shape, activation_shape) != activation_shape:
        raise ValueError(f"a mask {mask_shape} does not fit activations {activation_shape}")
    unit_axis = 1 - example_axis
    varies_by_example = mask_shape[example_axis] == activation_shape[example_axis] > 1
    varies_by_unit = mask_shape[unit_axis] == activation_shape[unit_axis] > 1
    return {(True, True): "per entry", (True, False): "per example", (False, True): "per unit",
            (False, False): "constant"}[(varies_by_example, varies_by_unit)]


@dataclass(frozen=True)
class MaskShapes:
    """The three masks on one minibatch of activations (N, D) and what each does to the gradient."""

    keep_prob: float
    masks: dict[str, np.ndarray]  # MASK_SHAPES label -> (N, D) bool, the mask broadcast to the activations
    kinds: dict[str, str]  # label -> what it drops: mask_shape_kind of the shape drawn
    per_example: dict[str, np.ndarray]  # label -> (N,) fraction of units kept in each example
    per_unit: dict[str, np.ndarray]  # label -> (D,) fraction of examples in which each unit is kept
    units_without_gradient: dict[str, int]  # label -> units dropped in EVERY example: no gradient this step
    examples_without_gradient: dict[str, int]  # label -> examples with every unit dropped: they teach nothing


def mask_shapes(keep_prob: float, seed: int, n_examples: int = 8, n_units: int = 12) -> MaskShapes:
    """`rng.random(shape) < keep_prob` with shape (N, 1), (1, D) and (N, D), broadcast over (N, D).

    The gradient of the layer below reaches unit j from example i only where the mask keeps (i, j):
    dz = dout * mask / keep_prob. So a column of zeros is a unit that learns nothing this step, and a
    row of zeros an example that teaches nothing.
    """
    keep_prob = check_keep_prob(keep_prob)
    n, d = check_count(n_examples, "n_examples", 2), check_count(n_units, "n_units", 2)
    streams = np.random.SeedSequence([STREAM_SHAPES, _seed(seed)]).spawn(3)
    masks, kinds = {}, {}
    for label, shape, stream in zip(MASK_SHAPES, ((n, 1), (1, d), (n, d)), streams, strict=True):
        rng = np.random.default_rng(stream)
        masks[label] = np.broadcast_to(rng.random(shape) < keep_prob, (n, d)).copy()  # the line as written
        kinds[label] = mask_shape_kind(shape, (n, d))
    return MaskShapes(
        keep_prob=keep_prob,
        masks=masks,
        kinds=kinds,
        per_example={k: m.mean(axis=1) for k, m in masks.items()},
        per_unit={k: m.mean(axis=0) for k, m in masks.items()},
        units_without_gradient={k: int((~m.any(axis=0)).sum()) for k, m in masks.items()},
        examples_without_gradient={k: int((~m.any(axis=1)).sum()) for k, m in masks.items()},
    )


# --- 3. the comparison flipped ---------------------------------------------------------------------


def flipped_mask(uniform, keep_prob: float) -> np.ndarray:
    """The buggy mask `u > keep_prob`: keeps each entry with probability 1 − keep_prob."""
    return np.asarray(uniform) > check_keep_prob(keep_prob)


def flipped_bias(keep_prob) -> np.ndarray | float:
    """E[buggy output] / E[right output] = (1 − keep_prob) / keep_prob (the buggy code still divides by keep_prob).

    1 at keep_prob 0.5 (the bug is invisible there), 0 at keep_prob 1 (`u > 1` keeps nothing), NaN at 0
    (undefined: the division by keep_prob). Accepts a number or an array of them.
    """
    q = np.asarray(keep_prob, dtype=np.float64)
    if np.any(~np.isfinite(q)) or np.any((q < 0) | (q > 1)):
        raise ValueError(f"keep_prob must be in [0, 1], got {keep_prob!r}")
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(q > 0, (1.0 - q) / np.where(q > 0, q, 1.0), np.nan)
    return float(ratio) if ratio.ndim == 0 else ratio


@dataclass(frozen=True)
class FlippedCase:
    """One activation vector through the buggy and the right layer, over many masks drawn from the same u."""

    keep_prob: float
    activations: np.ndarray  # (D,) x
    n_masks: int
    buggy_mean: np.ndarray  # (D,) mean over masks of x * (u > keep_prob) / keep_prob
    right_mean: np.ndarray  # (D,) mean over masks of x * (u < keep_prob) / keep_prob
    buggy_kept_fraction: float  # fraction of entries the buggy masks keep (about 1 − keep_prob)
    right_kept_fraction: float  # ... and the right ones (about keep_prob)
    measured_ratio: float  # sum of buggy means / sum of x (NaN at keep_prob 0)
    expected_ratio: float  # flipped_bias(keep_prob) (NaN at keep_prob 0)
    standard_error: float  # of measured_ratio, from the sample size (0 at keep_prob 0 or 1)


def flipped_case(keep_prob: float, seed: int, n_units: int = 16, n_masks: int = 4000) -> FlippedCase:
    """The flipped comparison measured: the same uniform draws u give the right mask (u < keep_prob)
    and the buggy one (u > keep_prob), which are each other's complement; both divide by keep_prob."""
    keep_prob = check_keep_prob(keep_prob)
    n_units, n_masks = check_count(n_units, "n_units", 1), check_count(n_masks, "n_masks", 2)
    rng = np.random.default_rng([STREAM_FLIPPED, _seed(seed)])
    x = np.round(rng.uniform(0.5, 2.0, n_units), 2)  # (D,) positive activations (after a ReLU)
    u = rng.random((n_masks, n_units))  # (T, D)
    buggy, right = flipped_mask(u, keep_prob), u < keep_prob
    scale = 1.0 / keep_prob if keep_prob > 0 else math.nan
    if keep_prob > 0:
        buggy_mean, right_mean = (x * m.mean(axis=0) * scale for m in (buggy, right))
        measured = float(buggy_mean.sum() / x.sum())
        # Each mask's buggy total / x.sum() is a sum of x_j * Bernoulli(1 − q) / q: its variance is
        # q (1 − q) / q² · Σ x² / (Σ x)², divided by n_masks for the mean.
        se = math.sqrt((1 - keep_prob) * keep_prob * (x**2).sum() / n_masks) / (keep_prob * x.sum())
    else:  # nothing can be divided by keep_prob = 0: the right layer outputs 0 (the core's convention)
        buggy_mean, right_mean = np.full(n_units, math.nan), np.zeros(n_units)
        measured, se = math.nan, 0.0
    return FlippedCase(keep_prob, x, n_masks, buggy_mean, right_mean, float(buggy.mean()), float(right.mean()),
                       measured, flipped_bias(keep_prob), se)


# --- 4. "my validation loss is below my training loss" --------------------------------------------


def eval_loss(result: mlp.TrainResult, X, y) -> float:
    """Mean cross-entropy of the trained network on (X, y) with dropout OFF (what test_loss measures)."""
    proba = mlp.predict_proba(result, X)
    y = np.asarray(y)
    picked = proba[np.arange(y.size), y]
    return float(-np.mean(np.log(np.maximum(picked, np.finfo(np.float64).tiny))))


@dataclass(frozen=True)
class LossGap:
    """The three loss curves of one run, summed up: which one is really above which."""

    last_epoch: int
    train_loss: float  # last epoch, dropout on (what the training loop reports)
    train_loss_eval: float  # last epoch, dropout off
    test_loss: float  # last epoch, dropout off
    epochs_reported_above_test: int  # epochs in which the reported training loss exceeds the test loss
    epochs_eval_above_test: int  # ... and the training loss measured with dropout off does
    reported_above_test: bool  # at the last epoch
    eval_below_test: bool  # at the last epoch


def loss_gap(epochs, train_loss, train_loss_eval, test_loss) -> LossGap:
    """Compare the reported training loss (dropout on), the same measured with dropout off, and the test loss.

    Each argument is one value per epoch (same length, at least 1).
    """
    arrays = [np.asarray(a, dtype=np.float64) for a in (epochs, train_loss, train_loss_eval, test_loss)]
    if arrays[0].ndim != 1 or arrays[0].size == 0 or any(a.shape != arrays[0].shape for a in arrays):
        raise ValueError("epochs, train_loss, train_loss_eval and test_loss must be 1-D of one non-zero length")
    epochs, on, off, test = arrays
    return LossGap(int(epochs[-1]), float(on[-1]), float(off[-1]), float(test[-1]), int((on > test).sum()),
                   int((off > test).sum()), bool(on[-1] > test[-1]), bool(off[-1] < test[-1]))


# --- 5. dropout before BatchNorm (variance shift) -------------------------------------------------

BN_MEAN = 1.0  # the unit's activation before dropout, x ~ N(BN_MEAN, BN_STD²): a ReLU-like unit with mean > 0
BN_STD = 1.0


def train_variance(mean: float, std: float, keep_prob: float) -> float:
    """Var[x * m / keep_prob] for x ~ (mean, std²) and m ~ Bernoulli(keep_prob): (σ² + μ²) / keep_prob − μ².

    NaN at keep_prob 0 (undefined: everything is dropped and nothing can be divided by 0).
    """
    keep_prob = check_keep_prob(keep_prob)
    if keep_prob == 0:
        return math.nan
    return (std**2 + mean**2) / keep_prob - mean**2


@dataclass(frozen=True)
class VarianceShift:
    """A BatchNorm after dropout: the variance it learns in training against the one it meets at test time."""

    keep_prob: float
    mean: float  # μ of the unit before dropout
    std: float  # σ
    n_samples: int
    train_variance_formula: float  # (σ² + μ²) / keep_prob − μ² (NaN at keep_prob 0)
    train_variance_measured: float  # of the dropout outputs (what BN's running variance converges to)
    train_variance_se: float  # standard error of the measured variance (from its sample's fourth moment)
    test_variance_formula: float  # σ²: at test time dropout is off
    test_variance_measured: float
    running_mean: float  # what BN tracked in training (≈ μ: inverted dropout keeps the mean)
    bug_output: np.ndarray  # (n,) BN outputs at test time with dropout before BN: (x − running mean) / √(running var)
    fix_output: np.ndarray  # (n,) ... with dropout after the last BN: BN saw x in training too
    bug_output_std: float  # √(σ² / train variance) < 1: the shifted test-time outputs
    fix_output_std: float  # ≈ 1


def variance_shift(keep_prob: float, seed: int, n_samples: int = 20_000, *, mean: float = BN_MEAN,
                   std: float = BN_STD) -> VarianceShift:
    """Measure the variance shift of Li et al. (2019) on one unit: x ~ N(mean, std²), inverted dropout, then BN.

    BN keeps the training-time mean and variance of its input as running statistics and uses them at test
    time (PyTorch `model.eval()`). With dropout before BN, training feeds BN x·m/keep_prob, whose variance is
    larger than the σ² of the x it sees at test time, so the test-time outputs are too narrow. At keep_prob 0
    the running variance is 0 and normalising by it is undefined: the outputs are NaN.
    """
    keep_prob = check_keep_prob(keep_prob)
    n_samples = check_count(n_samples, "n_samples", 2)
    rng = np.random.default_rng([STREAM_BN, _seed(seed)])
    x = rng.normal(mean, std, n_samples)  # (n,) the unit's activation before dropout (train and test)
    train_input, _ = dropout_forward(x, keep_prob, training=True, rng=rng)  # what BN sees in training
    running_mean, running_var = float(train_input.mean()), float(train_input.var(ddof=1))
    fourth = float(np.mean((train_input - running_mean) ** 4))
    se = math.sqrt(max(fourth - running_var**2, 0.0) / n_samples)  # Var(s²) ≈ (m4 − σ⁴) / n
    with np.errstate(divide="ignore", invalid="ignore"):
        bug = (x - running_mean) / math.sqrt(running_var) if running_var > 0 else np.full(n_samples, math.nan)
    fix = (x - x.mean()) / x.std(ddof=1)  # BN before dropout: its statistics are x's in both phases
    return VarianceShift(
        keep_prob, float(mean), float(std), n_samples, train_variance(mean, std, keep_prob), running_var, se,
        float(std**2), float(x.var(ddof=1)), running_mean, bug, fix,
        float(np.std(bug, ddof=1)) if running_var > 0 else math.nan, float(np.std(fix, ddof=1)),
    )


def density(samples, edges) -> np.ndarray:
    """Histogram of samples on the bin edges (B + 1,) as a density (integrates to the share inside): (B,)."""
    samples = np.asarray(samples, dtype=np.float64)
    samples = samples[np.isfinite(samples)]
    edges = np.asarray(edges, dtype=np.float64)
    counts, _ = np.histogram(samples, bins=edges)
    widths = np.diff(edges)
    return counts / (max(samples.size, 1) * widths)


# --- 6. dropout before or after the activation ----------------------------------------------------

ACTIVATIONS = {
    "ReLU": lambda z: np.maximum(z, 0.0),
    "sigmoid": lambda z: 1.0 / (1.0 + np.exp(-z)),
    "tanh": np.tanh,
}


@dataclass(frozen=True)
class ActivationOrder:
    """One layer's pre-activations z, one mask, and both orders for each activation function."""

    keep_prob: float
    pre_activations: np.ndarray  # (D,) z
    mask: np.ndarray  # (D,) bool, the one mask both orders use
    after: dict[str, np.ndarray]  # name -> (D,) dropout(f(z)): the usual order
    before: dict[str, np.ndarray]  # name -> (D,) f(dropout(z))
    max_difference: dict[str, float]  # name -> max |after − before|
    dropped_outputs_before: dict[str, np.ndarray]  # name -> what the dropped units output when dropout comes first


def activation_order(keep_prob: float, seed: int, n_units: int = 12) -> ActivationOrder:
    """dropout(f(z)) against f(dropout(z)) on the same mask, for ReLU, sigmoid and tanh.

    With ReLU and inverted dropout they are equal exactly: m / keep_prob >= 0, so
    max(m z / keep_prob, 0) = m max(z, 0) / keep_prob. With a sigmoid a dropped unit outputs
    sigmoid(0) = 0.5 when dropout comes first; with tanh the dropped units agree (tanh(0) = 0) but the
    kept ones differ: tanh(z / keep_prob) is not tanh(z) / keep_prob.
    """
    keep_prob = check_keep_prob(keep_prob)
    n_units = check_count(n_units, "n_units", 1)
    z = np.round(np.random.default_rng([STREAM_ORDER_VALUES, _seed(seed)]).uniform(-2.5, 2.5, n_units), 2)
    mask_seed = int(np.random.SeedSequence([STREAM_ORDER_MASK, _seed(seed)]).generate_state(1)[0])
    dropped_z, cache = dropout_forward(z, keep_prob, training=True, rng=mask_seed)  # the same seed: the same mask
    mask = np.broadcast_to(cache.mask, z.shape).copy()
    after, before, gaps, dropped = {}, {}, {}, {}
    for name, f in ACTIVATIONS.items():
        after[name], _ = dropout_forward(f(z), keep_prob, training=True, rng=mask_seed)
        before[name] = f(dropped_z)
        gaps[name] = float(np.max(np.abs(after[name] - before[name])))
        dropped[name] = before[name][~mask]
    return ActivationOrder(keep_prob, z, mask, after, before, gaps, dropped)


# --- the sentences the page writes from these numbers (tested against them) -------------------------


def _n(value: float, digits: int = 2) -> str:
    return f"{value:.{digits}f}"


def left_on_summary(case: DropoutLeftOn, keep_prob: float) -> str:
    """What the ten calls show, in one or two sentences that follow the numbers."""
    keep_prob = check_keep_prob(keep_prob)
    n_calls = case.call_predictions.size
    answers = np.unique(case.call_predictions)
    mean_on = float(case.errors_on.mean())
    if keep_prob == 1:
        return (f"At keep_prob 1 nothing is dropped, so dropout on and off are the same network: all {n_calls} "
                f"calls agree on every test image and the test error is {100 * case.error_off:.2f}% either way.")
    if keep_prob == 0:
        return (f"At keep_prob 0 every call drops every hidden unit, so all {n_calls} calls return the same scores "
                "(the output layer's biases alone): nothing random is left, and the network never learned either.")
    if answers.size == 1 and case.unstable_fraction == 0:
        scores_move = bool(np.ptp(case.call_proba, axis=0).max() > 0)
        return (f"Here all {n_calls} calls agree on every test image at keep_prob {keep_prob:.2f}"
                + (", but the scores still move from call to call." if scores_move else "."))
    wrong = int((case.call_predictions != case.label).sum())
    image = (f"Test image {case.image_index} is {'an' if case.label == 8 else 'a'} {case.label}; with dropout off "
             f"the network says {case.eval_prediction}. With dropout left on, {wrong} of its {n_calls} calls say "
             f"another digit ({', '.join(str(int(d)) for d in answers)} all come up).")
    comparison = "higher than" if mean_on > case.error_off else "not higher than"
    return (f"{image} Over all test images, {100 * case.unstable_fraction:.1f}% get more than one answer in "
            f"{n_calls} calls, and the mean test error with dropout on is {100 * mean_on:.2f}%, {comparison} "
            f"the {100 * case.error_off:.2f}% with dropout off.")


def left_on_choice(case: DropoutLeftOn) -> str:
    """Why this test image is the one shown, in a sentence that is true of it."""
    right = case.eval_prediction == case.label
    varies = np.unique(case.call_predictions).size > 1
    if right and varies:
        return "The image shown is one the network gets right with dropout off and whose calls disagree most."
    if varies:
        return "The image shown is the one whose calls disagree most (the network gets none of those right)."
    if right:
        return "No image changes its answer here, so the image shown is simply the first one the network gets right."
    return "No image changes its answer here, and the network gets none right: the image shown is the first."


def flipped_summary(keep_prob: float) -> str:
    """The flipped comparison's effect at this keep_prob, in words."""
    keep_prob = check_keep_prob(keep_prob)
    if keep_prob == 0:
        return ("At keep_prob 0 the buggy mask keeps every unit (u > 0 is almost always true) and then divides by 0: "
                "the layer's output is undefined, while the right layer outputs 0.")
    if keep_prob == 1:
        return ("At keep_prob 1 the buggy mask keeps nothing (u > 1 is never true): the layer outputs 0 instead of "
                "passing its input through.")
    ratio = flipped_bias(keep_prob)
    if keep_prob == 0.5:
        return ("At keep_prob 0.5 the bug is invisible: u > 0.5 keeps half the units just as u < 0.5 does, so the "
                "expected output is right. It keeps the complementary units, which no average can tell apart. Move "
                "keep_prob away from 0.5.")
    direction = "too large" if ratio > 1 else "too small"
    return (f"At keep_prob {keep_prob:.2f} the buggy mask keeps each unit with probability {1 - keep_prob:.2f} but the "
            f"code still divides by {keep_prob:.2f}, so the expected output is (1 − {keep_prob:.2f}) / {keep_prob:.2f} "
            f"= {ratio:.3g} times the right one: {direction}.")


def loss_summary(gap: LossGap, keep_prob: float) -> str:
    """What the three losses of the run say at its last epoch, in words that follow the numbers."""
    keep_prob = check_keep_prob(keep_prob)
    if keep_prob == 0:
        return ("At keep_prob 0 every hidden unit is dropped in every step, so the network never learns and none of "
                "these losses means much: move keep_prob up.")
    factor = gap.train_loss / gap.train_loss_eval if gap.train_loss_eval > 0 else math.inf
    first = (f"After epoch {gap.last_epoch} the training loss the loop reports is {gap.train_loss:.4f}, "
             f"{factor:.1f} times the {gap.train_loss_eval:.4f} measured on the same images with dropout off, "
             f"which is {'below' if gap.eval_below_test else 'not below'} the test loss {gap.test_loss:.4f}.")
    if keep_prob == 1:
        return (f"{first} At keep_prob 1 nothing is dropped: the two training losses differ only because the reported "
                "one is averaged over the epoch while the weights still move.")
    if gap.reported_above_test:
        return (f"{first} So the reported training loss is above the test loss although the network fits its "
                "training images better: it is the loss of randomly thinned networks, not of the network you test.")
    if gap.epochs_reported_above_test:
        return (f"{first} The reported loss was above the test loss in {gap.epochs_reported_above_test} of "
                f"{gap.last_epoch} epochs, though not in the last one.")
    return (f"{first} In this run the reported loss stays below the test loss, yet it overstates the training loss by "
            "that factor: try another seed or keep_prob.")


def variance_summary(shift: VarianceShift) -> str:
    """What BatchNorm does with the training-time variance at test time, in words."""
    if shift.keep_prob == 0:
        return ("At keep_prob 0 dropout outputs only zeros in training, so BatchNorm's running variance is 0 and "
                "normalising by it at test time divides by zero (frameworks add a small eps and blow the outputs up).")
    if shift.keep_prob == 1:
        return ("At keep_prob 1 dropout does nothing: BatchNorm sees the same variance in training and at test time, "
                f"σ² = {shift.test_variance_formula:.2f}, and its test-time outputs have std "
                f"{shift.bug_output_std:.2f}.")
    return (f"In training BatchNorm's input has variance (σ² + μ²) / keep_prob − μ² = "
            f"{shift.train_variance_formula:.3f} (measured: {shift.train_variance_measured:.3f} ± "
            f"{2 * shift.train_variance_se:.3f}); that is its running variance. At test time dropout is off and the "
            f"input's variance is σ² = {shift.test_variance_formula:.2f}, so BatchNorm's outputs have std "
            f"{shift.bug_output_std:.2f} instead of 1: every layer after it sees inputs it was not trained on.")


def order_summary(order: ActivationOrder) -> str:
    """What the order changes for each activation function, in words."""
    relu_gap = order.max_difference["ReLU"]
    parts = ["ReLU: the two orders give exactly the same outputs." if relu_gap == 0
             else f"ReLU: the two orders differ by up to {relu_gap:.3g}."]
    dropped_sigmoid = order.dropped_outputs_before["sigmoid"]
    if dropped_sigmoid.size:
        parts.append(f"Sigmoid: the {dropped_sigmoid.size} dropped unit{'s' if dropped_sigmoid.size > 1 else ''} "
                     f"output {_n(float(dropped_sigmoid.max()), 2)} when dropout comes first, not 0.")
    else:
        parts.append("Sigmoid: no unit is dropped in this draw; a dropped unit would output sigmoid(0) = 0.5 when "
                     "dropout comes first.")
    tanh_gap = order.max_difference["tanh"]
    if tanh_gap > 0:
        parts.append(f"Tanh: dropped units agree (tanh(0) = 0), but kept ones differ by up to {tanh_gap:.3g}, "
                     "since tanh(z / keep_prob) is not tanh(z) / keep_prob.")
    else:
        parts.append("Tanh: the two orders agree in this draw: no kept unit is scaled by a 1 / keep_prob other "
                     "than 1.")
    return " ".join(parts)
