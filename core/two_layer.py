"""A small two-layer network with dropout on its hidden layer, its backward pass, three common
backward bugs, and the numerical gradient checks that catch them. Pure NumPy, float64.

    x (N, D) -> z1 = x W1 + b1 -> a = relu(z1) -> h = a * mask / keep_prob -> scores = h W2 + b2
             -> loss = mean softmax cross-entropy

    params, x, y = make_problem(seed=0, sizes=(4, 6, 3), n_examples=1)
    loss, cache = forward(params, x, y, keep_prob=0.5, rng=0)
    grads = backward(cache)                      # dW1, db1, dW2, db2, dh, da
    check = gradient_check(params, x, y, 0.5, mask=cache.dropout.mask)

The backward through dropout is `da = dh * mask / keep_prob`: the SAME scaled mask as the forward
pass, because d(a * mask / keep_prob)/da = mask / keep_prob (the chain rule, nothing extra).
"""

from __future__ import annotations

import numbers
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from core.dropout import (
    DropoutCache,
    bernoulli_mask,
    check_keep_prob,
    dropout_backward,
    dropout_forward,
    make_rng,
    output_scale,
)
from core.gradcheck import numerical_gradient, relative_error

__all__ = [
    "PARAM_NAMES",
    "PASS_THRESHOLD",
    "VARIANTS",
    "ForwardCache",
    "GradCheck",
    "Gradients",
    "LessonCase",
    "Params",
    "backward",
    "backward_new_mask",
    "backward_scaled_twice",
    "backward_without_scale",
    "check_every_variant",
    "forward",
    "gradient_check",
    "gradient_difference",
    "head_loss",
    "hidden_layer_table",
    "lesson_case",
    "loss_with_mask",
    "make_problem",
    "probability_all_dropped",
]

PARAM_NAMES = ("W1", "b1", "W2", "b2")
MAX_UNITS = 64  # bound on every layer size: the numerical check costs two forward passes per weight
MAX_EXAMPLES = 64
# Mixed into every lesson seed. Any value gives honest random draws; this one makes the default view
# (seed 0) keep some hidden units and drop others at every keep_prob from 0.1 to 0.9, so a first look is
# never the degenerate all-dropped or all-kept mask (those come with other seeds, as they should).
LESSON_STREAM = 5


@dataclass(frozen=True)
class Params:
    """The weights of the net: W1 (D, H), b1 (H,), W2 (H, C), b2 (C,)."""

    W1: np.ndarray
    b1: np.ndarray
    W2: np.ndarray
    b2: np.ndarray

    def replace(self, name: str, value: np.ndarray) -> Params:
        """A copy with one parameter swapped (used by the numerical check; self is untouched)."""
        values = {n: getattr(self, n) for n in PARAM_NAMES}
        values[name] = value
        return Params(**values)


@dataclass(frozen=True)
class ForwardCache:
    """What backward needs: the inputs and every intermediate of the forward pass."""

    params: Params
    x: np.ndarray  # (N, D)
    y: np.ndarray  # (N,) int class labels
    z1: np.ndarray  # (N, H) hidden pre-activation
    a: np.ndarray  # (N, H) relu(z1), the hidden activation before dropout
    h: np.ndarray  # (N, H) a * mask * scale, the hidden layer's output after dropout
    dropout: DropoutCache  # the exact mask and scale used
    probs: np.ndarray  # (N, C) softmax of the scores


@dataclass(frozen=True)
class Gradients:
    """Gradients of the loss. dh: at the dropout output (what layer 2 sends back); da: at the relu output."""

    W1: np.ndarray  # (D, H)
    b1: np.ndarray  # (H,)
    W2: np.ndarray  # (H, C)
    b2: np.ndarray  # (C,)
    dh: np.ndarray  # (N, H) dL/dh, arriving from layer 2
    da: np.ndarray  # (N, H) dL/da = dh * mask * scale for the correct backward


# --- the problem -------------------------------------------------------------------------------


def _check_sizes(sizes) -> tuple[int, int, int]:
    if len(sizes) != 3:
        raise ValueError(f"sizes must be (inputs, hidden, classes), got {sizes!r}")
    for s in sizes:
        if isinstance(s, (bool, np.bool_)) or not isinstance(s, numbers.Integral):
            raise TypeError(f"sizes must hold integers, got {sizes!r}")
        if not 1 <= s <= MAX_UNITS:
            raise ValueError(f"each entry of sizes must be between 1 and {MAX_UNITS}, got {sizes!r}")
    return int(sizes[0]), int(sizes[1]), int(sizes[2])


def make_problem(seed=0, sizes=(4, 6, 3), n_examples: int = 1):
    """A reproducible net and minibatch: (params, x (N, D), y (N,)).

    Inputs have magnitude 0.5-1.5 and the hidden biases are chosen so that every hidden
    pre-activation is at least 0.2: every ReLU passes its input, so the only zeros in the hidden
    layer (and in its gradients) come from dropout, and no input sits near the ReLU's kink.
    """
    n_in, n_hidden, n_classes = _check_sizes(sizes)
    if isinstance(n_examples, (bool, np.bool_)) or not isinstance(n_examples, numbers.Integral):
        raise TypeError(f"n_examples must be an integer, got {n_examples!r}")
    if not 1 <= n_examples <= MAX_EXAMPLES:
        raise ValueError(f"n_examples must be between 1 and {MAX_EXAMPLES}, got {n_examples}")
    rng = make_rng(seed)
    x = rng.uniform(0.5, 1.5, (n_examples, n_in)) * rng.choice([-1.0, 1.0], (n_examples, n_in))  # (N, D)
    W1 = rng.normal(0.0, 0.5, (n_in, n_hidden))
    lowest = (x @ W1).min(axis=0)  # (H,)
    b1 = rng.uniform(0.2, 0.6, n_hidden) - np.minimum(lowest, 0.0)  # z1 = x W1 + b1 >= 0.2
    W2 = rng.normal(0.0, 0.05, (n_hidden, n_classes))  # small: scores stay moderate even at 1/keep_prob = 20
    b2 = rng.normal(0.0, 0.2, n_classes)
    y = rng.integers(0, n_classes, n_examples)
    return Params(W1, b1, W2, b2), x, y


# --- forward and backward ----------------------------------------------------------------------


def _frozen_dropout(a: np.ndarray, keep_prob: float, mask) -> tuple[np.ndarray, DropoutCache]:
    """Inverted training dropout with a given mask (the 'frozen' mask of a gradient check)."""
    mask = np.asarray(mask)
    if mask.dtype != bool:
        raise TypeError(f"mask must be a boolean array, got dtype {mask.dtype}")
    if mask.shape != a.shape:
        raise ValueError(f"mask must have the hidden layer's shape {a.shape}, got {mask.shape}")
    scale = output_scale(keep_prob, training=True, inverted=True)
    cache = DropoutCache(mask.copy(), scale, keep_prob, True, True, a.shape, a.dtype)
    return a * mask * scale, cache


def _softmax_loss(scores: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    shifted = scores - scores.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    loss = -float(np.mean(log_probs[np.arange(len(y)), y]))
    return loss, np.exp(log_probs)


def _check_inputs(params: Params, x, y):
    if not isinstance(params, Params):
        raise TypeError(f"params must be a Params, got {type(params).__name__}")
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y)
    if x.ndim != 2 or x.shape[1] != params.W1.shape[0]:
        raise ValueError(f"x must have shape (N, {params.W1.shape[0]}), got {x.shape}")
    if y.shape != (x.shape[0],) or y.dtype.kind not in "iu":
        raise ValueError(f"y must be {x.shape[0]} integer labels, got shape {y.shape} dtype {y.dtype}")
    if y.size and (y.min() < 0 or y.max() >= params.W2.shape[1]):
        raise ValueError(f"y must hold labels in 0..{params.W2.shape[1] - 1}")
    return x, y


def forward(params: Params, x, y, keep_prob: float, *, rng=None, mask=None, training: bool = True):
    """Loss and cache. A fresh mask from `rng` (a Generator or seed), or the given boolean `mask`
    (N, H) frozen. training=False uses every unit (inverted dropout: nothing to scale at test time).
    """
    keep_prob = check_keep_prob(keep_prob)
    x, y = _check_inputs(params, x, y)
    z1 = x @ params.W1 + params.b1  # (N, H)
    a = np.maximum(z1, 0.0)  # (N, H)
    if mask is not None:
        if not training:
            raise ValueError("mask is only used in training (training=True)")
        h, drop = _frozen_dropout(a, keep_prob, mask)
    else:
        h, drop = dropout_forward(a, keep_prob, training=training, inverted=True, rng=rng)
    scores = h @ params.W2 + params.b2  # (N, C)
    loss, probs = _softmax_loss(scores, y)
    return loss, ForwardCache(params, x, y, z1, a, h, drop, probs)


def _backward(cache: ForwardCache, through_dropout: Callable[[np.ndarray], np.ndarray]) -> Gradients:
    """The backward pass, with the dropout step (dh -> da) supplied, so the bugs can swap it."""
    if not isinstance(cache, ForwardCache):
        raise TypeError(f"cache must be the ForwardCache from forward, got {type(cache).__name__}")
    n = cache.x.shape[0]
    dscores = cache.probs.copy()  # (N, C)
    dscores[np.arange(n), cache.y] -= 1.0
    dscores /= n
    dW2 = cache.h.T @ dscores  # (H, C): zero rows for units dropped in every example
    db2 = dscores.sum(axis=0)
    dh = dscores @ cache.params.W2.T  # (N, H)
    da = through_dropout(dh)  # (N, H)
    dz1 = da * (cache.z1 > 0)
    dW1 = cache.x.T @ dz1  # (D, H): zero columns for units dropped in every example
    db1 = dz1.sum(axis=0)
    return Gradients(dW1, db1, dW2, db2, dh, da)


def backward(cache: ForwardCache) -> Gradients:
    """The correct backward pass: da = dh * mask / keep_prob, the forward pass's own scaled mask."""
    return _backward(cache, lambda dh: dropout_backward(dh, cache.dropout))


def backward_without_scale(cache: ForwardCache) -> Gradients:
    """BUG: the binary mask without 1/keep_prob in backward (da = dh * mask). Off by keep_prob."""
    return _backward(cache, lambda dh: dh * cache.dropout.mask)


def backward_scaled_twice(cache: ForwardCache) -> Gradients:
    """BUG: the scaled mask, divided by keep_prob once more (da = dh * mask / keep_prob**2)."""
    return _backward(cache, lambda dh: dropout_backward(dh, cache.dropout) * cache.dropout.scale)


def backward_new_mask(cache: ForwardCache, rng=None, *, fresh_mask=None) -> Gradients:
    """BUG: a fresh mask (drawn from rng, or the given fresh_mask) used in backward instead of the forward's."""
    fresh = bernoulli_mask(cache.a.shape, cache.dropout.keep_prob, rng) if fresh_mask is None else fresh_mask
    return _backward(cache, lambda dh: dh * fresh * cache.dropout.scale)


# --- gradient checks ---------------------------------------------------------------------------


def _lean_loss(params: Params, x: np.ndarray, y: np.ndarray, scaled_mask: np.ndarray) -> float:
    """forward's loss without argument checks or cache (the numerical check calls it ~100 times)."""
    a = np.maximum(x @ params.W1 + params.b1, 0.0)
    return _softmax_loss((a * scaled_mask) @ params.W2 + params.b2, y)[0]


def loss_with_mask(params: Params, x, y, keep_prob: float, mask) -> float:
    """The loss as a function of the parameters with the dropout mask frozen."""
    return forward(params, x, y, keep_prob, mask=mask)[0]


def head_loss(a, params: Params, y, keep_prob: float, mask) -> float:
    """The loss as a function of the hidden activation a (N, H): dropout with a frozen mask, layer 2, loss."""
    a = np.asarray(a, dtype=np.float64)
    h, _ = _frozen_dropout(a, check_keep_prob(keep_prob), mask)
    return _softmax_loss(h @ params.W2 + params.b2, np.asarray(y))[0]


VARIANTS = {
    "correct": "Correct: da = dh · mask / keep_prob, with the forward pass's mask",
    "no_scale": "Bug: binary mask, no 1/keep_prob in backward (da = dh · mask)",
    "new_mask": "Bug: a new mask drawn in backward",
    "scaled_twice": "Bug: scaling twice (da = dh · mask / keep_prob²)",
    "redrawn": "Bug in the check: mask redrawn between numerical evaluations",
}


PASS_THRESHOLD = 1e-7  # a gradient_difference below this means the backward agrees with the numerical gradient


def gradient_difference(analytic, numerical) -> float:
    """||analytic - numerical|| / (||analytic|| + ||numerical||) over all entries (0 when both are 0).

    The measure of the "Improving Deep Neural Networks" course: below 1e-7 the backward is right.
    Unlike the entry-wise maximum (core.gradcheck.relative_error) it is not thrown off by entries
    that are zero up to rounding (1e-20 against 0 is an entry-wise error of 1).
    """
    a = np.asarray(analytic, dtype=np.float64).ravel()
    b = np.asarray(numerical, dtype=np.float64).ravel()
    if a.shape != b.shape:
        raise ValueError(f"analytic and numerical must have the same size, got {a.size} and {b.size}")
    denominator = np.linalg.norm(a) + np.linalg.norm(b)
    return float(np.linalg.norm(a - b) / denominator) if denominator > 0 else 0.0


@dataclass(frozen=True)
class GradCheck:
    """Analytic against numerical gradients for one backward variant."""

    variant: str
    analytic: dict[str, np.ndarray]  # "W1", "b1", "W2", "b2", "a" -> gradient
    numerical: dict[str, np.ndarray]
    errors: dict[str, float]  # gradient_difference per name
    entry_errors: dict[str, float]  # core.gradcheck.relative_error (worst single entry) per name
    forward_mask: np.ndarray  # (N, H) the mask of the forward pass
    backward_mask: np.ndarray  # (N, H) the mask the backward used (a fresh one for "new_mask")

    @property
    def same_mask_in_backward(self) -> bool:
        """True when the backward's mask equals the forward's (a "new" mask can repeat it by chance)."""
        return bool(np.array_equal(self.forward_mask, self.backward_mask))

    @property
    def max_error(self) -> float:
        """The worst of the per-gradient differences."""
        return max(self.errors.values())

    @property
    def passes(self) -> bool:
        """True when every gradient agrees with its numerical estimate (max_error below PASS_THRESHOLD)."""
        return self.max_error < PASS_THRESHOLD


def gradient_check(params: Params, x, y, keep_prob: float, mask, *, variant: str = "correct",
                   rng=None, eps: float = 1e-5, frozen_numerical: dict[str, np.ndarray] | None = None) -> GradCheck:
    """Compare a backward variant (see VARIANTS) with centred differences (L(w + eps) - L(w - eps)) / 2 eps,
    mask frozen.

    mask: boolean (N, H), the forward pass's mask. rng: the randomness of the buggy variants
    ("new_mask": the backward's fresh mask; "redrawn": the masks drawn at every loss evaluation).
    The correct variant agrees to about 1e-9 or better in float64; at keep_prob 0 and 1 there is no
    randomness and no scale to forget, so every variant agrees (the bugs are invisible there).
    frozen_numerical: the numerical gradients of an earlier check of the same problem and mask,
    reused (they do not depend on the backward variant) unless the variant is "redrawn".
    """
    if variant not in VARIANTS:
        raise ValueError(f"variant must be one of {sorted(VARIANTS)}, got {variant!r}")
    keep_prob = check_keep_prob(keep_prob)
    x, y = _check_inputs(params, x, y)
    rng = make_rng(rng)
    _, cache = forward(params, x, y, keep_prob, mask=mask)
    backward_mask = cache.dropout.mask
    if variant == "no_scale":
        grads = backward_without_scale(cache)
    elif variant == "scaled_twice":
        grads = backward_scaled_twice(cache)
    elif variant == "new_mask":
        backward_mask = bernoulli_mask(cache.a.shape, keep_prob, rng)
        grads = backward_new_mask(cache, fresh_mask=backward_mask)
    else:
        grads = backward(cache)
    analytic = {name: getattr(grads, name) for name in PARAM_NAMES} | {"a": grads.da}

    scale = cache.dropout.scale
    frozen = mask * scale  # (N, H) float: the forward pass's scaled mask, fixed for every evaluation

    def scaled_mask():
        """The scaled mask of one loss evaluation: frozen, or (the bug) freshly drawn every time."""
        return bernoulli_mask(frozen.shape, keep_prob, rng) * scale if variant == "redrawn" else frozen

    def loss_of(params_):
        return _lean_loss(params_, x, y, scaled_mask())

    def loss_of_a(a):
        return _softmax_loss((a * scaled_mask()) @ params.W2 + params.b2, y)[0]

    if frozen_numerical is not None and variant != "redrawn":
        numerical = dict(frozen_numerical)
    else:
        numerical = {
            name: numerical_gradient(lambda v, name=name: loss_of(params.replace(name, v)), getattr(params, name),
                                     1.0, eps)
            for name in PARAM_NAMES
        }
        numerical["a"] = numerical_gradient(loss_of_a, cache.a, 1.0, eps)
    errors = {name: gradient_difference(analytic[name], numerical[name]) for name in analytic}
    entry_errors = {name: relative_error(analytic[name], numerical[name]) for name in analytic}
    return GradCheck(variant, analytic, numerical, errors, entry_errors, cache.dropout.mask, backward_mask)


# --- the lesson's case -------------------------------------------------------------------------


@dataclass(frozen=True)
class LessonCase:
    """One reproducible forward and backward pass of the lesson's net, from a seed and keep_prob."""

    params: Params
    x: np.ndarray  # (N, D)
    y: np.ndarray  # (N,)
    keep_prob: float
    loss: float
    cache: ForwardCache
    grads: Gradients
    bug_seed: int  # seeds the randomness of the buggy variants (fresh masks)

    @property
    def mask(self) -> np.ndarray:
        """(N, H) bool, the forward pass's mask."""
        return self.cache.dropout.mask

    @property
    def dropped_everywhere(self) -> np.ndarray:
        """(H,) bool: units dropped in every example, whose incoming and outgoing weights get zero gradient."""
        return ~self.mask.any(axis=0)


def lesson_case(seed, keep_prob: float, n_examples: int = 1, sizes=(4, 6, 3)) -> LessonCase:
    """The net, minibatch and mask that a seed and keep_prob fix (independent streams: moving keep_prob
    keeps the net and the inputs, and the mask's random numbers, so a lower keep_prob drops a superset)."""
    keep_prob = check_keep_prob(keep_prob)
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise TypeError(f"seed must be a non-negative integer, got {seed!r}")
    problem_seq, mask_seq, bug_seq = np.random.SeedSequence([int(seed), LESSON_STREAM]).spawn(3)
    params, x, y = make_problem(np.random.default_rng(problem_seq), sizes, n_examples)
    loss, cache = forward(params, x, y, keep_prob, rng=np.random.default_rng(mask_seq))
    return LessonCase(params, x, y, keep_prob, loss, cache, backward(cache), int(bug_seq.generate_state(1)[0]))


def probability_all_dropped(keep_prob: float, n_hidden: int, n_examples: int = 1) -> float:
    """The probability that a forward pass drops every one of n_hidden units in each of n_examples
    examples: (1 - keep_prob) ** (n_hidden * n_examples), every mask entry an independent draw.
    Then dW1, db1 and da are exactly zero, whatever the backward does with the scale."""
    keep_prob = check_keep_prob(keep_prob)
    for value, name, high in ((n_hidden, "n_hidden", MAX_UNITS), (n_examples, "n_examples", MAX_EXAMPLES)):
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
            raise TypeError(f"{name} must be an integer, got {value!r}")
        if not 1 <= value <= high:
            raise ValueError(f"{name} must be between 1 and {high}, got {value}")
    return float((1.0 - keep_prob) ** (int(n_hidden) * int(n_examples)))


def check_every_variant(case: LessonCase) -> dict[str, GradCheck]:
    """gradient_check of every variant of VARIANTS on the lesson's case (frozen numerical gradients computed once)."""
    if not isinstance(case, LessonCase):
        raise TypeError(f"case must be a LessonCase, got {type(case).__name__}")
    checks: dict[str, GradCheck] = {}
    for variant in VARIANTS:
        frozen = checks["correct"].numerical if "correct" in checks else None
        checks[variant] = gradient_check(case.params, case.x, case.y, case.keep_prob, case.mask, variant=variant,
                                         rng=case.bug_seed, frozen_numerical=frozen)
    return checks


def hidden_layer_table(case: LessonCase, example: int = 0) -> dict[str, np.ndarray]:
    """The dropout backward of one example, unit by unit: columns "unit", "dh" (= dL/dh, from layer 2),
    "mask", "mask/keep_prob", "dh·mask/keep_prob" (each (H,)). The last is da = dL/da, what backward
    passes on to the ReLU."""
    if not isinstance(case, LessonCase):
        raise TypeError(f"case must be a LessonCase, got {type(case).__name__}")
    if isinstance(example, (bool, np.bool_)) or not isinstance(example, numbers.Integral):
        raise TypeError(f"example must be an integer, got {example!r}")
    if not 0 <= example < case.x.shape[0]:
        raise ValueError(f"example must be between 0 and {case.x.shape[0] - 1}, got {example}")
    mask = case.mask[example]
    scaled = mask * case.cache.dropout.scale
    return {
        "unit": np.arange(mask.size),
        "dh": case.grads.dh[example],
        "mask": mask.astype(int),
        "mask/keep_prob": scaled,
        "dh·mask/keep_prob": case.grads.da[example] + 0.0,  # + 0.0 turns -0.0 into 0.0
    }
