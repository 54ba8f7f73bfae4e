"""Generators of runnable NumPy code that reproduces a lesson's view from its settings.

Pure Python: each generator returns the source of a small script as a string. The numbers are
written with repr(), the shortest text that reads back as the very same float, so the script
recomputes exactly (bit for bit) what the page showed. Tests exec every snippet and compare.

    code = masks_snippet(0.3, seed=2, iteration=1)                        # imports core (run from the project)
    code = masks_snippet(0.3, seed=2, iteration=1, self_contained=True)   # NumPy only, runs anywhere
    namespace = {}; exec(code, namespace); namespace["output"]            # (8, 16), as the Masks page
    code = unit_samples_snippet(1.5, 0.3, 2000, seed=0, inverted=True)    # "Expected activations", one unit
"""

from __future__ import annotations

import math
import numbers

from core import lessons_masks as lm
from core.dropout import _BLOCK, check_keep_prob

__all__ = ["masks_snippet", "unit_samples_snippet"]


def _check_int(value, name: str, low: int, high: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__} {value!r}")
    if value < low or (high is not None and value > high):
        bound = f"from {low} to {high}" if high is not None else f"at least {low}"
        raise ValueError(f"{name} must be {bound}, got {value}")
    return int(value)


_MASKS_WITH_CORE = '''\
"""Dropout Lab, lesson "Masks": keep_prob={keep_prob}, seed={seed}, forward pass {iteration}.

Recomputes the page's mask, scaled mask and output with the app's own core.
Run it from the Dropout Lab folder (it imports core/): python masks_view.py
"""
import numpy as np

from core.dropout import dropout_forward
from core.lessons_masks import iteration_rng, synthetic_layer

keep_prob, seed, iteration = {keep_prob}, {seed}, {iteration}

activations = synthetic_layer().activations  # (8, 16): the lesson's fixed ReLU layer
rng = iteration_rng(seed, iteration)  # forward pass `iteration` draws its own mask
output, cache = dropout_forward(activations, keep_prob, training=True, inverted=True, rng=rng)
mask = np.broadcast_to(cache.mask, output.shape)  # (8, 16) bool: True = kept
scaled_mask = mask * cache.scale  # 0 (dropped) or 1 / keep_prob (kept)

if __name__ == "__main__":
    np.set_printoptions(precision=3, suppress=True, linewidth=120)
    print(f"kept {{mask.sum()}} of {{mask.size}} units (fraction {{mask.mean():.3f}}), scale {{cache.scale:.4g}}")
    print("scaled mask:", scaled_mask, "output = activations * scaled mask:", output, sep="\\n")
'''

_MASKS_SELF_CONTAINED = '''\
"""Dropout Lab, lesson "Masks": keep_prob={keep_prob}, seed={seed}, forward pass {iteration}.

Recomputes the page's mask, scaled mask and output with NumPy alone (no Dropout Lab code needed):
python masks_view.py
"""
import math

import numpy as np

keep_prob, seed, iteration = {keep_prob}, {seed}, {iteration}

# The lesson's fixed hidden layer: a = ReLU(inputs @ weights + bias), always drawn from seed {layer_seed}.
layer_rng = np.random.default_rng({layer_seed})
inputs = layer_rng.random((8, 6))  # (8, 6): a minibatch of 8 examples
weights = layer_rng.normal(0.0, 1.0 / math.sqrt(6), (6, 16))  # (6, 16)
bias = layer_rng.normal(0.3, 0.2, 16)  # (16,)
activations = np.maximum(inputs @ weights + bias, 0.0)  # (8, 16)


{bernoulli}

rng = np.random.default_rng([{stream}, seed, iteration])  # forward pass `iteration` draws its own mask
mask = bernoulli_mask(activations.shape, keep_prob, rng)  # (8, 16) bool: True = kept
scale = 1.0 / keep_prob if keep_prob > 0 else 0.0  # inverted dropout; keep_prob 0 keeps nothing to scale
output = activations * mask * scale  # (8, 16)
scaled_mask = mask * scale  # 0 (dropped) or 1 / keep_prob (kept)

if __name__ == "__main__":
    np.set_printoptions(precision=3, suppress=True, linewidth=120)
    print(f"kept {{mask.sum()}} of {{mask.size}} units (fraction {{mask.mean():.3f}}), scale {{scale:.4g}}")
    print("scaled mask:", scaled_mask, "output = activations * scaled mask:", output, sep="\\n")
'''


_BERNOULLI = '''\
def bernoulli_mask(shape, keep_prob, rng):
    """True with probability keep_prob, drawn as the app draws it: one random byte per entry.

    With keep_prob * 256 = K + r (K whole), a byte b keeps its entry if b < K, drops it if b > K,
    and on a tie a uniform float decides (kept if below r): P(keep) = (K + r) / 256 = keep_prob.
    """
    size = math.prod(shape)
    if keep_prob in (0.0, 1.0):  # rng still moves on by the words any other keep_prob would take
        rng.bit_generator.random_raw(1 + size // {block} * {block_words} + -(-(size % {block}) // 8))
        return np.full(shape, keep_prob == 1.0)
    whole, remainder = divmod(keep_prob * 256.0, 1.0)
    ties_rng = np.random.default_rng(int(rng.bit_generator.random_raw()))  # ties get a generator of their own
    mask = np.empty(size, dtype=bool)
    for start in range(0, size, {block}):  # blocks of {block} entries
        block = mask[start:start + {block}]
        random_bytes = rng.bit_generator.random_raw(-(-block.size // 8)).view(np.uint8)[:block.size]
        np.less(random_bytes, int(whole), out=block)
        ties = np.flatnonzero(random_bytes == int(whole))
        if ties.size:
            block[ties] = ties_rng.random(ties.size) < remainder
    return mask.reshape(shape)
'''


def _bernoulli_source() -> str:
    """The app's mask sampling (core.dropout.bernoulli_mask) written out with NumPy alone."""
    return _BERNOULLI.format(block=_BLOCK, block_words=_BLOCK // 8)


def masks_snippet(keep_prob: float, seed: int, iteration: int, *, self_contained: bool = False) -> str:
    """Python source that recomputes the Masks lesson's view (mask, scaled_mask, output, activations).

    keep_prob, seed, iteration: the page's settings (iteration from 1 to lessons_masks.MAX_ITERATION).
    self_contained=False imports core (run from the project folder); True needs NumPy only and
    re-implements the layer and the app's mask sampling. Both define `activations` (8, 16),
    `mask` (8, 16) bool, `scaled_mask` and `output` (8, 16) when executed, and print them as a script.
    """
    keep_prob = check_keep_prob(keep_prob)
    seed = _check_int(seed, "seed", 0)
    iteration = _check_int(iteration, "iteration", 1, lm.MAX_ITERATION)
    if not isinstance(self_contained, bool):
        raise TypeError(f"self_contained must be True or False, got {self_contained!r}")
    if self_contained:
        return _MASKS_SELF_CONTAINED.format(keep_prob=repr(keep_prob), seed=seed, iteration=iteration,
                                            layer_seed=lm.LAYER_SEED, stream=lm.STREAM_MASKS,
                                            bernoulli=_bernoulli_source())
    return _MASKS_WITH_CORE.format(keep_prob=repr(keep_prob), seed=seed, iteration=iteration)


_UNIT_WITH_CORE = '''\
"""Dropout Lab, lesson "Expected activations": one unit with activation x={x} under {n_samples} masks,
keep_prob={keep_prob}, seed={seed}, {variant} dropout.

Recomputes the page's samples, their mean and variance, and the analytic values, with the app's core.
Run it from the Dropout Lab folder (it imports core/): python unit_samples.py
"""
import numpy as np

from core.dropout import expected_output, output_variance
from core.lessons_masks import unit_samples

x, keep_prob, n_samples, seed, inverted = {x}, {keep_prob}, {n_samples}, {seed}, {inverted}

samples = unit_samples(x, keep_prob, n_samples, seed, inverted=inverted)  # (n_samples,) each 0 or x * scale
mc_mean = samples.mean()
mc_variance = samples.var(ddof=1)  # unbiased sample variance
expected = float(expected_output(x, keep_prob, training=True, inverted=inverted))
variance = float(output_variance(x, keep_prob, training=True, inverted=inverted))

if __name__ == "__main__":
    print(f"Monte-Carlo mean {{mc_mean:.4f}} (analytic {{expected:.4f}}), "
          f"variance {{mc_variance:.4f}} (analytic {{variance:.4f}}) over {{n_samples}} masks")
'''

_UNIT_SELF_CONTAINED = '''\
"""Dropout Lab, lesson "Expected activations": one unit with activation x={x} under {n_samples} masks,
keep_prob={keep_prob}, seed={seed}, {variant} dropout.

Recomputes the page's samples, their mean and variance, and the analytic values, with NumPy alone:
python unit_samples.py
"""
import math

import numpy as np

x, keep_prob, n_samples, seed, inverted = {x}, {keep_prob}, {n_samples}, {seed}, {inverted}


{bernoulli}

mask = bernoulli_mask((n_samples,), keep_prob, np.random.default_rng([{stream}, seed]))  # one draw per mask
if inverted:
    scale = 1.0 / keep_prob if keep_prob > 0 else 0.0  # kept units are scaled up during training
else:
    scale = 1.0  # standard dropout: kept units pass unchanged (test time multiplies by keep_prob)
samples = np.broadcast_to(np.float64(x), mask.shape) * mask  # (n_samples,) 0 or x
if scale != 1.0:
    samples = samples * scale  # 0 or x * scale
mc_mean = samples.mean()
mc_variance = samples.var(ddof=1)  # unbiased sample variance
expected = x * keep_prob * scale  # E[out]: x (inverted), keep_prob * x (standard), 0 at keep_prob 0
variance = (x * scale) ** 2 * keep_prob * (1 - keep_prob)  # Var[out]

if __name__ == "__main__":
    print(f"Monte-Carlo mean {{mc_mean:.4f}} (analytic {{expected:.4f}}), "
          f"variance {{mc_variance:.4f}} (analytic {{variance:.4f}}) over {{n_samples}} masks")
'''


def unit_samples_snippet(x: float, keep_prob: float, n_samples: int, seed: int, *, inverted: bool = True,
                         self_contained: bool = False) -> str:
    """Python source that recomputes the "Expected activations" view of one unit (lessons_masks.unit_samples).

    x: the unit's activation; n_samples: number of masks (2 to lessons_masks.MAX_SAMPLES); inverted:
    inverted (True) or standard (False) dropout. When executed the script defines `samples`
    (n_samples,), `mc_mean`, `mc_variance`, and the analytic `expected` and `variance`.
    """
    if isinstance(x, bool) or not isinstance(x, numbers.Real) or not math.isfinite(float(x)):
        raise TypeError(f"x must be a finite real number, got {type(x).__name__} {x!r}")
    keep_prob = check_keep_prob(keep_prob)
    n_samples = _check_int(n_samples, "n_samples", 2, lm.MAX_SAMPLES)
    seed = _check_int(seed, "seed", 0)
    for flag, name in ((inverted, "inverted"), (self_contained, "self_contained")):
        if not isinstance(flag, bool):
            raise TypeError(f"{name} must be True or False, got {flag!r}")
    values = {"x": repr(float(x)), "keep_prob": repr(keep_prob), "n_samples": n_samples, "seed": seed,
              "inverted": inverted, "variant": "inverted" if inverted else "standard"}
    if self_contained:
        return _UNIT_SELF_CONTAINED.format(**values, stream=lm.STREAM_UNIT, bernoulli=_bernoulli_source())
    return _UNIT_WITH_CORE.format(**values)
