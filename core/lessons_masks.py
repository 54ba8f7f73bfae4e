"""The maths behind the lessons "Masks" and "Expected activations", on top of core/dropout.py.

Pure NumPy. Every random draw comes from a Generator built from plain integers (a seed, an
iteration, a stream number), so a view is fully determined by the values in its URL.

    layer = synthetic_layer()                                  # inputs (8, 6) -> activations (8, 16)
    view = masked_layer(layer.activations, 0.5, seed=0, iteration=3)
    view.mask, view.scaled_mask, view.output                   # each (8, 16)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from core.dropout import (
    bernoulli_mask,
    check_count,
    check_keep_prob,
    dropout_forward,
    expected_output,
    monte_carlo_moments,
    output_scale,
    output_variance,
    sample_outputs,
)

__all__ = [
    "LAYER_SEED",
    "MAX_ITERATION",
    "MAX_SAMPLES",
    "KeptHistory",
    "Layer",
    "LayerMoments",
    "MaskedLayer",
    "Outcome",
    "RunningMean",
    "UnitExperiment",
    "iteration_rng",
    "kept_fraction_band",
    "kept_history",
    "largest_value",
    "layer_moments",
    "layer_signals",
    "masked_layer",
    "outcome_distribution",
    "running_mean",
    "sample_variance_standard_error",
    "stream_rng",
    "synthetic_layer",
    "unit_experiment",
    "unit_samples",
    "variance_curve",
    "variance_points",
]

LAYER_SEED = 2003  # fixed: ~12% of ReLU outputs are 0 and no unit is dead for the whole batch; masks follow the seed
MAX_ITERATION = 500  # the masks lesson counts forward passes up to here (bounds the history it draws)
MAX_SAMPLES = 20_000  # Monte-Carlo sample counts are bounded so that a URL cannot ask for unbounded work

# Independent random streams: the same seed never reuses a stream between two purposes.
STREAM_MASKS = 1
STREAM_UNIT = 2
STREAM_VARIANCE = 3
STREAM_LAYER = 4


# --- random streams ------------------------------------------------------------------------------


def _check_seed(seed, name: str = "seed") -> int:
    return check_count(seed, name, 0)


def stream_rng(seed: int, stream: int, *extra: int) -> np.random.Generator:
    """A Generator determined by (stream, seed, *extra): non-negative integers only."""
    seed = _check_seed(seed)
    stream = check_count(stream, "stream", 0)
    extra = tuple(check_count(e, "extra", 0) for e in extra)
    return np.random.default_rng([stream, seed, *extra])


def iteration_rng(seed: int, iteration: int) -> np.random.Generator:
    """The Generator of the mask drawn at forward pass `iteration` (1, 2, ...) for `seed`."""
    iteration = check_count(iteration, "iteration", 1)
    return stream_rng(seed, STREAM_MASKS, iteration)


# --- a small hidden layer ------------------------------------------------------------------------


@dataclass(frozen=True)
class Layer:
    """A fixed random layer a = ReLU(inputs @ weights + bias), and the layer after it."""

    inputs: np.ndarray  # (N, n_inputs) the minibatch entering the layer
    weights: np.ndarray  # (n_inputs, D)
    bias: np.ndarray  # (D,)
    activations: np.ndarray  # (N, D) ReLU output: what dropout is applied to
    next_weights: np.ndarray  # (D, n_outputs) weights of the layer the dropped activations feed


def synthetic_layer(n_examples: int = 8, n_units: int = 16, n_inputs: int = 6, n_outputs: int = 4,
                    seed: int = LAYER_SEED) -> Layer:
    """A reproducible hidden layer: inputs (N, n_inputs) in [0, 1], activations (N, n_units) >= 0.

    The bias is slightly positive so that most (not all) ReLU units are active: a learner can
    tell a unit dropped by the mask from one that was already 0 before dropout.
    """
    n_examples = check_count(n_examples, "n_examples", 1)
    n_units = check_count(n_units, "n_units", 1)
    n_inputs = check_count(n_inputs, "n_inputs", 1)
    n_outputs = check_count(n_outputs, "n_outputs", 1)
    rng = np.random.default_rng(_check_seed(seed))
    inputs = rng.random((n_examples, n_inputs))  # (N, n_inputs)
    weights = rng.normal(0.0, 1.0 / math.sqrt(n_inputs), (n_inputs, n_units))  # (n_inputs, D)
    bias = rng.normal(0.3, 0.2, n_units)  # (D,)
    activations = np.maximum(inputs @ weights + bias, 0.0)  # (N, D)
    next_weights = rng.normal(0.0, 1.0 / math.sqrt(n_units), (n_units, n_outputs))  # (D, n_outputs)
    return Layer(inputs, weights, bias, activations, next_weights)


# --- lesson 1: masks -----------------------------------------------------------------------------


@dataclass(frozen=True)
class MaskedLayer:
    """One forward pass of inverted dropout over a batch of activations."""

    mask: np.ndarray  # (N, D) bool: True = kept
    scaled_mask: np.ndarray  # (N, D) mask * scale: 0 or 1/keep_prob ("0s and 2s" at keep_prob 0.5)
    output: np.ndarray  # (N, D) activations * mask / keep_prob
    scale: float  # 1/keep_prob (0 at keep_prob 0, where 1/keep_prob is undefined and nothing is kept)
    n_kept: int  # number of True entries in mask
    kept_fraction: float  # n_kept / mask.size


def masked_layer(activations, keep_prob: float, seed: int, iteration: int) -> MaskedLayer:
    """Inverted dropout (training) on activations (N, D), with the mask of (seed, iteration)."""
    out, cache = dropout_forward(activations, keep_prob, training=True, inverted=True,
                                 rng=iteration_rng(seed, iteration))
    mask = np.broadcast_to(cache.mask, out.shape).copy()
    n_kept = int(mask.sum())
    return MaskedLayer(mask, mask * cache.scale, out, cache.scale, n_kept, n_kept / mask.size)


@dataclass(frozen=True)
class KeptHistory:
    """The fraction of units kept at each forward pass 1..T, and its running average."""

    iterations: np.ndarray  # (T,) 1, 2, ..., T
    kept_fraction: np.ndarray  # (T,) fraction kept by the mask of each iteration
    running_fraction: np.ndarray  # (T,) fraction kept over all masks up to each iteration
    band_per_mask: tuple[float, float]  # keep_prob ± 2 standard errors for one mask of n_units entries
    running_band: tuple[np.ndarray, np.ndarray]  # (T,) each: the band for the running fraction


def kept_fraction_band(keep_prob: float, n_entries) -> tuple[np.ndarray, np.ndarray]:
    """keep_prob ± 2 sqrt(keep_prob (1 - keep_prob) / n), clipped to [0, 1]: where about 95% of
    observed fractions kept over n independent entries fall. n_entries: int or array of ints."""
    keep_prob = check_keep_prob(keep_prob)
    n = np.asarray(n_entries, dtype=float)
    if np.any(n < 1):
        raise ValueError(f"n_entries must be at least 1, got {n_entries!r}")
    half_width = 2.0 * np.sqrt(keep_prob * (1.0 - keep_prob) / n)
    return np.clip(keep_prob - half_width, 0.0, 1.0), np.clip(keep_prob + half_width, 0.0, 1.0)


def kept_history(shape, keep_prob: float, seed: int, iteration: int) -> KeptHistory:
    """The fraction kept by the masks of iterations 1..iteration (the very masks masked_layer draws).

    shape: the mask's shape, e.g. (8, 16). iteration is bounded by MAX_ITERATION.
    """
    keep_prob = check_keep_prob(keep_prob)
    iteration = check_count(iteration, "iteration", 1)
    if iteration > MAX_ITERATION:
        raise ValueError(f"iteration must be at most {MAX_ITERATION}, got {iteration}")
    shape = tuple(int(s) for s in np.atleast_1d(shape))
    size = math.prod(shape)
    iterations = np.arange(1, iteration + 1)
    kept = np.array([bernoulli_mask(shape, keep_prob, iteration_rng(seed, int(i))).mean() for i in iterations])
    running = np.cumsum(kept) / iterations
    low, high = kept_fraction_band(keep_prob, size)
    running_band = kept_fraction_band(keep_prob, size * iterations)
    return KeptHistory(iterations, kept, running, (float(low), float(high)), running_band)


def largest_value(*arrays) -> float:
    """The largest absolute entry over all the arrays (1.0 if every entry is 0): a shared colour-scale top."""
    top = max((float(np.max(np.abs(a))) for a in map(np.asarray, arrays) if a.size), default=0.0)
    return top if top > 0 else 1.0


def layer_signals(layer: Layer, output, example: int = 0):
    """What flows through the layer for one example, for a network diagram.

    output: (N, D) the dropout output of the batch. Returns
    (inputs (n_inputs,), incoming (n_inputs, D) = input_i * weight_ij, outgoing (D, n_outputs) =
    output_j * next_weight_jk (exactly 0 out of a dropped unit), next_input (n_outputs,) = their sums).
    """
    output = np.asarray(output, dtype=float)
    if output.shape != layer.activations.shape:
        raise ValueError(f"output must have the activations' shape {layer.activations.shape}, got {output.shape}")
    example = check_count(example, "example", 0)
    if example >= output.shape[0]:
        raise ValueError(f"example must be below {output.shape[0]}, got {example}")
    inputs = layer.inputs[example]  # (n_inputs,)
    incoming = inputs[:, None] * layer.weights  # (n_inputs, D)
    outgoing = output[example][:, None] * layer.next_weights  # (D, n_outputs)
    return inputs.copy(), incoming, outgoing, outgoing.sum(axis=0)


# --- lesson 2: expected activations --------------------------------------------------------------


def _check_samples(n_samples) -> int:
    n_samples = check_count(n_samples, "n_samples", 2)
    if n_samples > MAX_SAMPLES:
        raise ValueError(f"n_samples must be at most {MAX_SAMPLES}, got {n_samples}")
    return n_samples


def _no_negative_zero(value) -> float:
    """value as a float, with -0.0 turned into 0.0 (0 * negative x must not be shown as "-0")."""
    return float(value) + 0.0


def _check_activation(x) -> float:
    if isinstance(x, (bool, np.bool_)) or not isinstance(x, (int, float, np.integer, np.floating)):
        raise TypeError(f"x must be a real number, got {type(x).__name__} {x!r}")
    x = float(x)
    if not math.isfinite(x):
        raise ValueError(f"x must be finite, got {x!r}")
    return x


def unit_samples(x: float, keep_prob: float, n_samples: int, seed: int, *, inverted: bool = True) -> np.ndarray:
    """The training output of one unit with activation x under n_samples masks: shape (n_samples,).

    Each entry is 0 (dropped) or x * scale (kept), scale = 1/keep_prob (inverted) or 1 (standard).
    """
    x = _check_activation(x)
    n_samples = _check_samples(n_samples)
    return sample_outputs(np.array(x), keep_prob, n_samples, inverted=inverted, rng=stream_rng(seed, STREAM_UNIT))


@dataclass(frozen=True)
class UnitExperiment:
    """One unit with activation x, trained under n_samples masks: the samples and their summaries."""

    x: float  # the unit's activation before dropout
    keep_prob: float
    inverted: bool
    samples: np.ndarray  # (n_samples,) each 0 (dropped) or x * scale (kept)
    kept_value: float  # x * scale: x / keep_prob (inverted), x (standard), 0 at keep_prob 0
    expected: float  # analytic E[out] during training
    variance: float  # analytic Var[out] during training
    test_output: float  # the test-time output: x (inverted) or keep_prob * x (standard)
    mc_mean: float  # mean of the samples
    mc_variance: float  # unbiased sample variance of the samples
    mc_mean_standard_error: float  # sqrt(variance / n_samples): the analytic spread of mc_mean
    mc_variance_standard_error: float  # the analytic spread of mc_variance (sample_variance_standard_error)


def unit_experiment(x: float, keep_prob: float, n_samples: int, seed: int, *, inverted: bool = True) -> UnitExperiment:
    """Draw n_samples masks for one unit (unit_samples) and summarise them next to the analytic values."""
    x = _check_activation(x)
    keep_prob = check_keep_prob(keep_prob)
    samples = unit_samples(x, keep_prob, n_samples, seed, inverted=inverted)
    variance = float(output_variance(x, keep_prob, training=True, inverted=inverted))
    return UnitExperiment(
        x=x, keep_prob=keep_prob, inverted=bool(inverted), samples=samples,
        kept_value=_no_negative_zero(x * output_scale(keep_prob, training=True, inverted=inverted)),
        expected=_no_negative_zero(expected_output(x, keep_prob, training=True, inverted=inverted)),
        variance=variance,
        test_output=_no_negative_zero(expected_output(x, keep_prob, training=False, inverted=inverted)),
        mc_mean=_no_negative_zero(samples.mean()),
        mc_variance=float(samples.var(ddof=1)),
        mc_mean_standard_error=math.sqrt(variance / samples.size),
        mc_variance_standard_error=float(sample_variance_standard_error(x, keep_prob, samples.size,
                                                                        inverted=inverted)),
    )


@dataclass(frozen=True)
class RunningMean:
    """The Monte-Carlo mean after k masks, at a few hundred k (log-spaced), with its analytic band."""

    counts: np.ndarray  # (K,) numbers of masks averaged, increasing, ending at n_samples
    means: np.ndarray  # (K,) mean of the first counts[i] samples
    expected: float  # the analytic E[out]
    band: tuple[np.ndarray, np.ndarray]  # (K,) each: expected ± 2 sqrt(Var[out] / counts)


def running_mean(samples, x: float, keep_prob: float, *, inverted: bool = True, n_points: int = 300) -> RunningMean:
    """Running mean of samples (n,) at about n_points log-spaced counts, against the analytic mean."""
    samples = np.asarray(samples, dtype=float)
    if samples.ndim != 1 or samples.size < 1:
        raise ValueError(f"samples must be a non-empty 1-D array, got shape {samples.shape}")
    x = _check_activation(x)
    n_points = check_count(n_points, "n_points", 2)
    cumulative = np.cumsum(samples) / np.arange(1, samples.size + 1) + 0.0  # (n,); + 0.0 clears -0.0
    counts = np.unique(np.geomspace(1, samples.size, n_points).round().astype(int))  # (K,)
    expected = _no_negative_zero(expected_output(x, keep_prob, training=True, inverted=inverted))
    standard_error = np.sqrt(float(output_variance(x, keep_prob, training=True, inverted=inverted)) / counts)
    return RunningMean(counts, cumulative[counts - 1], expected,
                       (expected - 2.0 * standard_error, expected + 2.0 * standard_error))


@dataclass(frozen=True)
class Outcome:
    """One value the dropout output of a unit can take."""

    value: float  # 0 (dropped) or x * scale (kept)
    label: str  # "dropped", "kept" or "dropped or kept" (when x * scale is 0 too)
    probability: float  # its probability under the Bernoulli(keep_prob) mask
    observed: float  # the fraction of the samples that took it


def outcome_distribution(samples, x: float, keep_prob: float, *, inverted: bool = True) -> list[Outcome]:
    """The two-point distribution of a unit's output (0 with prob. 1 - keep_prob, x*scale with prob.
    keep_prob) next to what the samples (n,) show. Outcomes with probability 0 are left out, and the
    two coincide (one outcome) when x * scale is 0."""
    samples = np.asarray(samples, dtype=float)
    if samples.ndim != 1 or samples.size < 1:
        raise ValueError(f"samples must be a non-empty 1-D array, got shape {samples.shape}")
    x = _check_activation(x)
    keep_prob = check_keep_prob(keep_prob)
    kept_value = _no_negative_zero(x * output_scale(keep_prob, training=True, inverted=inverted))
    if kept_value == 0.0:  # keep_prob 0 (nothing kept) or x = 0 (kept and dropped look the same)
        label = "dropped" if keep_prob == 0.0 else "dropped or kept"
        return [Outcome(0.0, label, 1.0, float(np.mean(samples == 0.0)))]
    outcomes = []
    if keep_prob < 1.0:
        outcomes.append(Outcome(0.0, "dropped", 1.0 - keep_prob, float(np.mean(samples == 0.0))))
    if keep_prob > 0.0:
        outcomes.append(Outcome(kept_value, "kept", keep_prob, float(np.mean(samples == kept_value))))
    return outcomes


def sample_variance_standard_error(x, keep_prob: float, n_samples: int, *, inverted: bool = True) -> np.ndarray:
    """Standard deviation of the unbiased sample variance of n_samples training outputs.

    The output is c * Bernoulli(keep_prob) with c = x * scale, so sigma^2 = c^2 q (1 - q) and the
    fourth central moment is mu4 = c^4 q (1 - q) (1 - 3q + 3q^2); for n samples
    Var[s^2] = (mu4 - sigma^4 (n - 3) / (n - 1)) / n. Shaped like x.
    """
    keep_prob = check_keep_prob(keep_prob)
    n = check_count(n_samples, "n_samples", 2)
    x = np.asarray(x, dtype=float)
    c = x * output_scale(keep_prob, training=True, inverted=inverted)
    q = keep_prob
    sigma2 = c**2 * q * (1.0 - q)
    mu4 = c**4 * q * (1.0 - q) * (1.0 - 3.0 * q + 3.0 * q**2)
    return np.sqrt(np.maximum(mu4 - sigma2**2 * (n - 3.0) / (n - 1.0), 0.0) / n)


def variance_curve(x: float, keep_probs, *, inverted: bool = True) -> np.ndarray:
    """The analytic Var[out] of one unit at each keep_prob in keep_probs (K,): shape (K,).

    Inverted: x^2 (1 - q) / q (it grows without bound as q -> 0; at q = 0 itself nothing is kept,
    so the output is exactly 0 and its variance 0). Standard: x^2 q (1 - q).
    """
    x = _check_activation(x)
    keep_probs = np.asarray(keep_probs, dtype=float)
    return np.array([float(output_variance(x, float(q), training=True, inverted=inverted)) for q in keep_probs])


def variance_points(x: float, keep_probs, n_samples: int, seed: int, *, inverted: bool = True):
    """Monte-Carlo variance of one unit's output at each keep_prob (K,), from n_samples masks each.

    Returns (variances (K,), standard_errors (K,)): the sample variances and the standard
    deviation each would have over repeated experiments (sample_variance_standard_error).
    """
    x = _check_activation(x)
    n_samples = _check_samples(n_samples)
    keep_probs = [check_keep_prob(float(q)) for q in np.asarray(keep_probs, dtype=float).ravel()]
    variances = np.array([
        float(monte_carlo_moments(np.array(x), q, n_samples, inverted=inverted,
                                  rng=stream_rng(seed, STREAM_VARIANCE, i))[1])
        for i, q in enumerate(keep_probs)
    ])
    errors = np.array([float(sample_variance_standard_error(x, q, n_samples, inverted=inverted)) for q in keep_probs])
    return variances, errors


@dataclass(frozen=True)
class LayerMoments:
    """Per unit of one example: the Monte-Carlo training mean against the test-time activation."""

    activations: np.ndarray  # (D,) the unscaled activations a
    mc_mean: np.ndarray  # (D,) mean training output over n_samples masks
    mc_standard_error: np.ndarray  # (D,) sqrt(sample variance / n_samples)
    expected_train: np.ndarray  # (D,) analytic E[out] during training
    test_output: np.ndarray  # (D,) the test-time output (a for inverted, keep_prob * a for standard)

    @property
    def units_within_noise(self) -> int:
        """How many units have their Monte-Carlo mean within ±2 standard errors of the test-time output."""
        return int(np.sum(np.abs(self.mc_mean - self.test_output) <= 2 * self.mc_standard_error + 1e-12))


def layer_moments(activations, keep_prob: float, n_samples: int, seed: int, *, inverted: bool = True) -> LayerMoments:
    """Monte-Carlo moments of dropout on one example's activations (D,) over n_samples masks."""
    activations = np.asarray(activations, dtype=float)
    if activations.ndim != 1:
        raise ValueError(f"activations must be 1-D (one example's units), got shape {activations.shape}")
    n_samples = _check_samples(n_samples)
    mean, variance = monte_carlo_moments(activations, keep_prob, n_samples, inverted=inverted,
                                         rng=stream_rng(seed, STREAM_LAYER))
    return LayerMoments(
        activations=activations.copy(),
        mc_mean=mean,
        mc_standard_error=np.sqrt(variance / n_samples),
        expected_train=expected_output(activations, keep_prob, training=True, inverted=inverted),
        test_output=expected_output(activations, keep_prob, training=False, inverted=inverted),
    )
