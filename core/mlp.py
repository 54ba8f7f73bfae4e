"""A small ReLU multilayer perceptron with dropout, trained by minibatch SGD (momentum) or Adam.

    result = train(X_train, y_train, X_test, y_test, keep_prob=0.5, seed=0)   # the lessons' recipe (RECIPE)
    result.history      # DataFrame: epoch, train_loss, train_loss_eval, train_error, test_loss, test_error
    proba = predict_proba(result, X)     # (N, C): weight scaling (dropout off, activations scaled)
    proba = predict_proba(result, X, method="mc", n_samples=50, rng=1)   # Monte-Carlo average over masks

The network is `input -> dropout(keep_prob_input) -> [affine -> ReLU -> dropout(keep_prob)] * L ->
affine -> softmax`. Dropout goes through core/dropout.py in its inverted form (scale 1/keep_prob while
training, nothing at test time) or its standard form (nothing while training, scale by keep_prob at
test time, which is the same as scaling the next layer's weights by keep_prob).

Layers come in forward/backward pairs (cs231n style); `network_forward` / `network_backward` chain
them and `loss_and_gradients` adds the softmax cross-entropy. Randomness comes from one seed, split
into three independent streams (initial weights, minibatch order, dropout masks), so two runs that
differ only in keep_prob start from the same weights and see the same minibatches.

TrainConfig's defaults are the recipe every lesson trains with (`RECIPE`, described in words by
`describe_recipe`): SGD with momentum 0.9, minibatches of 32, step 0.03 decayed to 0 along a cosine,
40 epochs, two hidden layers of 256. Under it hidden dropout (keep_prob 0.5) lowers the test error on
1000 digits; under Adam at 1e-3 with the same epochs it does not (README, benchmarks/reproduce_results.py).
"""

from __future__ import annotations

import functools
import itertools
import math
import numbers
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from core.dropout import check_keep_prob, dropout_backward, dropout_forward, make_rng

__all__ = [
    "HISTORY_COLUMNS",
    "RECIPE",
    "Network",
    "TrainConfig",
    "TrainResult",
    "activation_sparsity",
    "affine_backward",
    "affine_forward",
    "describe_recipe",
    "hidden_activations",
    "init_network",
    "loss_and_gradients",
    "mc_error_curve",
    "mc_logit_gap",
    "mc_samples",
    "network_backward",
    "network_forward",
    "predict_proba",
    "predictive_entropy",
    "relu_backward",
    "relu_forward",
    "softmax",
    "softmax_cross_entropy",
    "to_inverted",
    "train",
    "train_iter",
]

# train_loss: the training objective, the mean loss of the epoch's minibatches with dropout ON (as trained);
# train_loss_eval, train_error, test_loss, test_error: measured after the epoch with dropout OFF (test time).
HISTORY_COLUMNS = ("epoch", "train_loss", "train_loss_eval", "train_error", "test_loss", "test_error")
ACTIVATIONS = ("relu", "linear")
OPTIMIZERS = ("adam", "sgd")
SCHEDULES = ("cosine", "constant")
METHODS = ("weight_scaling", "mc")
MAX_UNITS = 4096  # per hidden layer: bounds memory and time whatever a caller asks for
MAX_LAYERS = 8
MAX_EPOCHS = 10_000


# --- layers: forward and backward side by side ---------------------------------------------------


def affine_forward(x, w, b):
    """out = x @ w + b. x: (N, D), w: (D, M), b: (M,). Returns out (N, M) and the cache (x, w)."""
    return x @ w + b, (x, w)


def affine_backward(dout, cache):
    """dout: (N, M) -> dx (N, D), dw (D, M), db (M,)."""
    x, w = cache
    return dout @ w.T, x.T @ dout, dout.sum(axis=0)


def relu_forward(x):
    """out = max(x, 0), same shape as x. The cache is the boolean 'x > 0'."""
    positive = x > 0
    return x * positive, positive


def relu_backward(dout, cache):
    """dx = dout where the input was positive, 0 elsewhere."""
    return dout * cache


def softmax(scores):
    """Row-wise softmax of scores (N, C), computed stably (the row maximum is subtracted first)."""
    shifted = scores - scores.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=1, keepdims=True)


def softmax_cross_entropy(scores, y):
    """Mean cross-entropy of softmax(scores) against labels y, and its gradient.

    scores: (N, C); y: (N,) ints in [0, C). Returns loss (float) and dscores (N, C).
    """
    n = scores.shape[0]
    shifted = scores - scores.max(axis=1, keepdims=True)
    log_proba = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    loss = -float(log_proba[np.arange(n), y].mean())
    dscores = np.exp(log_proba)
    dscores[np.arange(n), y] -= 1.0
    return loss, dscores / n


# --- the network ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Network:
    """Weights and biases of the affine layers, input to output: weights[i] (D_i, D_{i+1}), biases[i] (D_{i+1},)."""

    weights: tuple[np.ndarray, ...]
    biases: tuple[np.ndarray, ...]

    @property
    def layer_sizes(self) -> tuple[int, ...]:
        return (self.weights[0].shape[0], *(w.shape[1] for w in self.weights))


def init_network(layer_sizes: Sequence[int], rng=None, dtype=np.float64) -> Network:
    """He initialisation: w ~ N(0, 2 / fan_in) (right for ReLU), biases 0. layer_sizes: (D_in, H1, ..., C)."""
    rng = make_rng(rng)
    weights = tuple(
        (rng.standard_normal((fan_in, fan_out)) * math.sqrt(2.0 / fan_in)).astype(dtype)
        for fan_in, fan_out in itertools.pairwise(layer_sizes)
    )
    biases = tuple(np.zeros(fan_out, dtype=dtype) for fan_out in layer_sizes[1:])
    return Network(weights, biases)


def network_forward(net: Network, X, *, keep_prob=0.5, keep_prob_input=1.0, training=True, inverted=True,
                    rng=None, activation="relu"):
    """Class scores for X (N, D): (N, C), and the caches network_backward needs.

    Dropout (keep_prob_input) on the input, ReLU (or identity) then dropout (keep_prob) after every hidden
    layer, none on the output. `rng` draws the masks: pass the same int seed twice to get the same masks.
    """
    rng = make_rng(rng)
    caches = []
    a, cache = dropout_forward(X, keep_prob_input, training=training, inverted=inverted, rng=rng)
    caches.append(cache)
    last = len(net.weights) - 1
    for i, (w, b) in enumerate(zip(net.weights, net.biases, strict=True)):
        z, affine_cache = affine_forward(a, w, b)
        caches.append(affine_cache)
        if i == last:
            return z, caches
        if activation == "relu":
            h, relu_cache = relu_forward(z)
        else:
            h, relu_cache = z, None
        caches.append(relu_cache)
        a, cache = dropout_forward(h, keep_prob, training=training, inverted=inverted, rng=rng)
        caches.append(cache)
    raise AssertionError("unreachable: a network has at least one layer")


def network_backward(dscores, caches):
    """Gradients of network_forward: dscores (N, C) -> (dweights, dbiases, dX), in the Network's order."""
    dweights, dbiases = [], []
    n_layers = (len(caches) + 2) // 3  # input dropout + per hidden (affine, relu, dropout) + output affine
    dout, dw, db = affine_backward(dscores, caches[-1])
    dweights.append(dw)
    dbiases.append(db)
    for layer in range(n_layers - 2, -1, -1):
        affine_cache, relu_cache, dropout_cache = caches[1 + 3 * layer: 4 + 3 * layer]
        dout = dropout_backward(dout, dropout_cache)
        if relu_cache is not None:
            dout = relu_backward(dout, relu_cache)
        dout, dw, db = affine_backward(dout, affine_cache)
        dweights.append(dw)
        dbiases.append(db)
    dX = dropout_backward(dout, caches[0])
    return tuple(dweights[::-1]), tuple(dbiases[::-1]), dX


def loss_and_gradients(net: Network, X, y, *, keep_prob=0.5, keep_prob_input=1.0, inverted=True, rng=None,
                       activation="relu"):
    """Training loss (softmax cross-entropy, dropout on) and its gradients (dweights, dbiases, dX)."""
    scores, caches = network_forward(net, X, keep_prob=keep_prob, keep_prob_input=keep_prob_input, training=True,
                                     inverted=inverted, rng=rng, activation=activation)
    loss, dscores = softmax_cross_entropy(scores, y)
    return loss, network_backward(dscores, caches)


# --- configuration and argument checks -----------------------------------------------------------


@dataclass(frozen=True)
class TrainConfig:
    """How a network was trained: every option of `train`, with its default and why.

    The defaults are the lessons' recipe (RECIPE): the Training lab and Inference pages, the precompute
    store and benchmarks/reproduce_results.py all train with them.
    """

    hidden: tuple[int, ...] = (256, 256)  # units per hidden layer (the paper used 2-3 layers of 1024+)
    keep_prob: float = 0.5  # hidden layers: the paper's choice
    keep_prob_input: float = 1.0  # input layer: the paper used 0.8 on MNIST; 1.0 switches it off
    epochs: int = 40  # passes over the training set: enough for both runs to fit 1000 digits (train error ~0)
    batch_size: int = 32  # examples per gradient step: small batches add gradient noise, as dropout does
    optimizer: str = "sgd"  # "sgd" (with momentum) or "adam". With Adam at 1e-3 and these epochs hidden dropout
    #                          does not lower the digits' test error (the dropout run is still learning)
    learning_rate: float = 0.03  # the largest step (before the schedule); about 1e-3 suits "adam"
    schedule: str = "cosine"  # "cosine": the step shrinks to 0 by the last epoch (settles dropout's noisy
    #                             weights); "constant": the same step throughout
    momentum: float = 0.9  # "sgd" only: each step is 0.9 times the previous step plus the new gradient step
    max_norm: float | None = None  # cap on each unit's incoming weight-vector norm (the paper: 3-4); None = off
    inverted: bool = True  # inverted dropout (scale while training) or standard (scale at test time)
    activation: str = "relu"  # "relu", or "linear" to see that averaging is exact for a linear network
    seed: int = 0  # initial weights, minibatch order and masks all follow from it
    dtype: str = "float32"  # float32 is twice as fast; float64 for gradient checks


@dataclass(frozen=True)
class TrainResult:
    """A trained network, its configuration and the per-epoch history (a DataFrame with HISTORY_COLUMNS)."""

    network: Network
    config: TrainConfig
    records: tuple[tuple[float, ...], ...]  # one row per epoch, in the order of HISTORY_COLUMNS
    n_classes: int

    @functools.cached_property
    def history(self) -> pd.DataFrame:
        """A row per epoch, columns HISTORY_COLUMNS (built on first use)."""
        history = pd.DataFrame(list(self.records), columns=list(HISTORY_COLUMNS))
        return history.astype({"epoch": np.int64})


RECIPE = TrainConfig()  # the lessons' training recipe: TrainConfig's defaults, defined once


def describe_recipe(config: TrainConfig = RECIPE) -> str:
    """The optimiser part of a configuration in words, e.g. "SGD with momentum 0.9, minibatches of 32, step
    0.03 decayed to 0 along a cosine" (what the pages print, so that the text cannot drift from the runs)."""
    if config.optimizer == "sgd":
        rule = f"SGD with momentum {config.momentum:g}" if config.momentum else "plain SGD"
    else:
        rule = "Adam"
    step = (f"step {config.learning_rate:g} decayed to 0 along a cosine" if config.schedule == "cosine"
            else f"a constant step of {config.learning_rate:g}")
    return f"{rule}, minibatches of {config.batch_size}, {step}"


def _check_int(value, name: str, low: int, high: int) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be a whole number, got {type(value).__name__} {value!r}")
    if not low <= value <= high:
        raise ValueError(f"{name} must be between {low} and {high}, got {value}")
    return int(value)


def _check_positive(value, name: str) -> float:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__} {value!r}")
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"{name} must be a finite positive number, got {value!r}")
    return float(value)


def _check_choice(value, name: str, options: Sequence[str]) -> str:
    if value not in options:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, options))}, got {value!r}")
    return value


def _check_config(config: TrainConfig) -> TrainConfig:
    hidden = config.hidden
    if isinstance(hidden, (numbers.Integral, np.integer)):
        hidden = (hidden,)
    if not isinstance(hidden, Sequence) or len(hidden) > MAX_LAYERS:
        raise ValueError(f"hidden must be a sequence of at most {MAX_LAYERS} layer sizes, got {config.hidden!r}")
    hidden = tuple(_check_int(h, "hidden", 1, MAX_UNITS) for h in hidden)
    if not isinstance(config.inverted, (bool, np.bool_)):
        raise TypeError(f"inverted must be True or False, got {config.inverted!r}")
    return replace(
        config,
        hidden=hidden,
        keep_prob=check_keep_prob(config.keep_prob),
        keep_prob_input=check_keep_prob(config.keep_prob_input, "keep_prob_input"),
        epochs=_check_int(config.epochs, "epochs", 1, MAX_EPOCHS),
        batch_size=_check_int(config.batch_size, "batch_size", 1, 1_000_000),
        optimizer=_check_choice(config.optimizer, "optimizer", OPTIMIZERS),
        learning_rate=_check_positive(config.learning_rate, "learning_rate"),
        schedule=_check_choice(config.schedule, "schedule", SCHEDULES),
        momentum=_check_momentum(config.momentum),
        max_norm=None if config.max_norm is None else _check_positive(config.max_norm, "max_norm"),
        inverted=bool(config.inverted),
        activation=_check_choice(config.activation, "activation", ACTIVATIONS),
        seed=_check_int(config.seed, "seed", 0, 2**63 - 1),
        dtype=_check_choice(str(np.dtype(config.dtype)), "dtype", ("float32", "float64")),
    )


def _check_momentum(value) -> float:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"momentum must be a real number, got {type(value).__name__} {value!r}")
    if not 0.0 <= value < 1.0:
        raise ValueError(f"momentum must be in [0, 1), got {value!r}")
    return float(value)


def _check_data(X, y, name_x: str, name_y: str, dtype) -> tuple[np.ndarray, np.ndarray]:
    X = np.asarray(X)
    y = np.asarray(y)
    if X.ndim != 2 or X.shape[0] == 0 or X.dtype.kind not in "biuf":
        raise ValueError(f"{name_x} must be a non-empty 2-D array of numbers (N, D), got shape {X.shape}")
    if not np.all(np.isfinite(X)):
        raise ValueError(f"{name_x} must hold finite numbers only")
    if y.shape != (X.shape[0],) or y.dtype.kind not in "iu" or (y.size and y.min() < 0):
        raise ValueError(f"{name_y} must be non-negative integer labels of shape ({X.shape[0]},), got "
                         f"shape {y.shape} and dtype {y.dtype}")
    return X.astype(dtype), y.astype(np.int64)


# --- optimisers: a step function per rule, state kept by the caller ----------------------------


def _adam_step(params, grads, state, learning_rate, step, beta1=0.9, beta2=0.999, eps=1e-8):
    """Adam (Kingma & Ba 2015) in its cheaper equivalent form: in-place update of the trainer's own arrays.

    p -= lr * sqrt(1 - beta2^t) / (1 - beta1^t) * m / (sqrt(v) + eps * sqrt(1 - beta2^t))
    """
    first, second = state
    root_correction2 = math.sqrt(1 - beta2**step)
    step_size = learning_rate * root_correction2 / (1 - beta1**step)
    for p, g, m, v in zip(params, grads, first, second, strict=True):
        m *= beta1
        m += (1 - beta1) * g
        v *= beta2
        square = np.square(g)
        square *= 1 - beta2
        v += square
        denominator = np.sqrt(v, out=square)  # reuse the temporary
        denominator += eps * root_correction2
        update = np.divide(m, denominator, out=denominator)
        update *= step_size
        p -= update


def _sgd_step(params, grads, state, learning_rate, momentum):
    """SGD with (heavy-ball) momentum: v = momentum v - lr g; p += v."""
    (velocity,) = state
    for p, g, v in zip(params, grads, velocity, strict=True):
        v *= momentum
        v -= learning_rate * g
        p += v


def _apply_max_norm(weights, max_norm):
    """Rescale every column (a unit's incoming weights) whose L2 norm exceeds max_norm down to max_norm."""
    for w in weights:
        norms = np.sqrt((w * w).sum(axis=0))
        w *= np.minimum(1.0, max_norm / np.maximum(norms, 1e-12)).astype(w.dtype)


# --- training ------------------------------------------------------------------------------------


def _evaluate(net, X, y, config, n_classes):
    """Test-time loss and error (dropout off, weight scaling) of net on (X, y)."""
    scores, _ = network_forward(net, X, keep_prob=config.keep_prob, keep_prob_input=config.keep_prob_input,
                                training=False, inverted=config.inverted, rng=0, activation=config.activation)
    loss, _ = softmax_cross_entropy(scores.astype(np.float64), y)
    return loss, float(np.mean(scores.argmax(axis=1) != y))


def train_iter(X_train, y_train, X_test=None, y_test=None, **options) -> Iterator[TrainResult]:
    """Train like `train`, yielding a TrainResult (with the history so far) after every epoch.

    A page can draw the curves while the network trains: `for result in train_iter(...): draw(result.history)`.
    """
    config = _check_config(TrainConfig(**options))
    dtype = np.dtype(config.dtype)
    X_train, y_train = _check_data(X_train, y_train, "X_train", "y_train", dtype)
    has_test = X_test is not None
    if has_test:
        X_test, y_test = _check_data(X_test, y_test, "X_test", "y_test", dtype)
        if X_test.shape[1] != X_train.shape[1]:
            raise ValueError(f"X_test has {X_test.shape[1]} features but X_train has {X_train.shape[1]}")
    n_classes = int(max(y_train.max(), y_test.max() if has_test else 0)) + 1
    init_rng, order_rng, mask_rng = (np.random.default_rng(s) for s in np.random.SeedSequence(config.seed).spawn(3))
    start = init_network((X_train.shape[1], *config.hidden, n_classes), init_rng, dtype)
    weights = [w.copy() for w in start.weights]  # the trainer's own arrays, updated in place
    biases = [b.copy() for b in start.biases]
    params = weights + biases
    if config.optimizer == "adam":
        state = ([np.zeros_like(p) for p in params], [np.zeros_like(p) for p in params])
    else:
        state = ([np.zeros_like(p) for p in params],)
    n, step, rows = X_train.shape[0], 0, []
    steps_per_epoch = -(-n // config.batch_size)
    total_steps = steps_per_epoch * config.epochs
    with threadpool_limits(limits=1, user_api="blas"):  # one BLAS thread: concurrent sessions share the cores
        for epoch in range(1, config.epochs + 1):
            order = order_rng.permutation(n)
            batch_losses = []
            for begin in range(0, n, config.batch_size):
                batch = order[begin: begin + config.batch_size]
                net = Network(tuple(weights), tuple(biases))
                loss, (dweights, dbiases, _) = loss_and_gradients(
                    net, X_train[batch], y_train[batch], keep_prob=config.keep_prob,
                    keep_prob_input=config.keep_prob_input, inverted=config.inverted, rng=mask_rng,
                    activation=config.activation)
                batch_losses.append(loss * batch.size)
                learning_rate = config.learning_rate
                if config.schedule == "cosine":
                    learning_rate *= 0.5 * (1.0 + math.cos(math.pi * step / total_steps))
                step += 1
                grads = list(dweights) + list(dbiases)
                if config.optimizer == "adam":
                    _adam_step(params, grads, state, learning_rate, step)
                else:
                    _sgd_step(params, grads, state, learning_rate, config.momentum)
                if config.max_norm is not None:
                    _apply_max_norm(weights, config.max_norm)
            snapshot = Network(tuple(w.copy() for w in weights), tuple(b.copy() for b in biases))
            train_loss_eval, train_error = _evaluate(snapshot, X_train, y_train, config, n_classes)
            test_loss, test_error = _evaluate(snapshot, X_test, y_test, config, n_classes) if has_test else (
                math.nan, math.nan)
            rows.append((epoch, sum(batch_losses) / n, train_loss_eval, train_error, test_loss, test_error))
            yield TrainResult(snapshot, config, tuple(rows), n_classes)


def train(X_train, y_train, X_test=None, y_test=None, *, callback: Callable[[TrainResult], None] | None = None,
          **options) -> TrainResult:
    """Train an MLP with dropout and return the final TrainResult.

    X_train: (N, D) features, y_train: (N,) integer labels; X_test, y_test: optional held-out set, scored
    after every epoch. Options are the fields of TrainConfig (hidden, keep_prob, keep_prob_input, epochs,
    batch_size, optimizer, learning_rate, schedule, momentum, max_norm, inverted, activation, seed, dtype).
    callback(result) is called after every epoch. The same arguments give the same result, bit for bit.

    history columns (HISTORY_COLUMNS): train_loss is the mean training objective of the epoch's minibatches
    (dropout on, the weights moving during the epoch); train_loss_eval, train_error, test_loss and test_error
    are measured at test time (dropout off) after the epoch. With dropout, train_loss is usually above
    test_loss while train_loss_eval is below it: the training loss was measured on thinned networks.

    The defaults are the lessons' recipe (RECIPE): `train(X_train, y_train, X_test, y_test, keep_prob=0.5)`
    against `keep_prob=1.0` is the Training lab's comparison.
    """
    result = None
    for result in train_iter(X_train, y_train, X_test, y_test, **options):
        if callback is not None:
            callback(result)
    return result


# --- inference -----------------------------------------------------------------------------------


def _check_result(result) -> TrainResult:
    if not isinstance(result, TrainResult):
        raise TypeError(f"result must be the TrainResult returned by train, got {type(result).__name__}")
    return result


def _check_features(result: TrainResult, X) -> np.ndarray:
    X = np.asarray(X)
    d = result.network.weights[0].shape[0]
    if X.ndim != 2 or X.shape[1] != d or X.dtype.kind not in "biuf":
        raise ValueError(f"X must be a 2-D array of numbers with {d} columns, got shape {X.shape}")
    return X.astype(result.config.dtype)


def mc_samples(result: TrainResult, X, n_samples: int = 50, *, rng=None, activation: str | None = None,
               logits: bool = False, chunk_rows: int = 65_536) -> np.ndarray:
    """Class probabilities (or logits) of X under n_samples independent dropout masks: (n_samples, N, C).

    The masks are drawn exactly as in training (dropout on). activation overrides the trained one
    (e.g. "linear" to show that averaging is exact without the ReLU).
    """
    result = _check_result(result)
    X = _check_features(result, X)
    n_samples = _check_int(n_samples, "n_samples", 1, 100_000)
    activation = _check_choice(activation or result.config.activation, "activation", ACTIVATIONS)
    rng = make_rng(rng)
    config = result.config
    per_chunk = max(1, chunk_rows // X.shape[0])
    out = np.empty((n_samples, X.shape[0], result.n_classes), dtype=np.float64)
    with threadpool_limits(limits=1, user_api="blas"):
        for begin in range(0, n_samples, per_chunk):
            count = min(per_chunk, n_samples - begin)
            stacked = np.tile(X, (count, 1))  # (count * N, D): one mask row per copy
            scores, _ = network_forward(result.network, stacked, keep_prob=config.keep_prob,
                                        keep_prob_input=config.keep_prob_input, training=True,
                                        inverted=config.inverted, rng=rng, activation=activation)
            scores = scores.astype(np.float64)
            out[begin: begin + count] = (scores if logits else softmax(scores)).reshape(count, X.shape[0], -1)
    return out


def _weight_scaled_scores(result: TrainResult, X, activation: str) -> np.ndarray:
    config = result.config
    with threadpool_limits(limits=1, user_api="blas"):
        scores, _ = network_forward(result.network, X, keep_prob=config.keep_prob,
                                    keep_prob_input=config.keep_prob_input, training=False,
                                    inverted=config.inverted, rng=0, activation=activation)
    return scores.astype(np.float64)


def predict_proba(result: TrainResult, X, *, method: str = "weight_scaling", n_samples: int = 50,
                  rng=None) -> np.ndarray:
    """Class probabilities (N, C) for X (N, D); each row sums to 1.

    method "weight_scaling": one pass with dropout off (the standard form scales by keep_prob; the
    inverted form already did so while training). method "mc": the mean of softmax outputs over
    n_samples passes with freshly sampled masks (Srivastava et al. 2014, section 7.5; Gal & Ghahramani 2016).
    """
    result = _check_result(result)
    _check_choice(method, "method", METHODS)
    X = _check_features(result, X)
    if method == "mc":
        return mc_samples(result, X, n_samples, rng=rng).mean(axis=0)
    _check_int(n_samples, "n_samples", 1, 100_000)
    return softmax(_weight_scaled_scores(result, X, result.config.activation))


def predictive_entropy(proba) -> np.ndarray:
    """Entropy in nats of each row of proba (..., C): 0 for a certain prediction, log C for a uniform one."""
    proba = np.asarray(proba, dtype=np.float64)
    return -np.sum(np.where(proba > 0, proba * np.log(np.where(proba > 0, proba, 1.0)), 0.0), axis=-1)


def mc_error_curve(result: TrainResult, X, y, ks: Sequence[int], *, repeats: int = 5, rng=None) -> np.ndarray:
    """Test error of Monte-Carlo averaging over k masks, for each k in ks and each repeat: (repeats, len(ks)).

    Each repeat draws max(ks) masks once and scores the running average after k of them, so the
    k-curve of one repeat is one sequence of samples (as a learner would add samples one by one).
    """
    result = _check_result(result)
    X = _check_features(result, X)
    y = np.asarray(y)
    if y.shape != (X.shape[0],):
        raise ValueError(f"y must have shape ({X.shape[0]},), got {y.shape}")
    ks = np.asarray([_check_int(k, "ks", 1, 10_000) for k in ks], dtype=np.int64)
    repeats = _check_int(repeats, "repeats", 1, 1_000)
    rng = make_rng(rng)
    errors = np.empty((repeats, ks.size))
    for r in range(repeats):
        samples = mc_samples(result, X, int(ks.max()), rng=rng)  # (K, N, C)
        running = np.cumsum(samples, axis=0)  # sum of the first k samples at index k - 1
        errors[r] = (running[ks - 1].argmax(axis=-1) != y).mean(axis=1)
    return errors


def mc_logit_gap(result: TrainResult, X, ks: Sequence[int], *, activation: str | None = None,
                 rng=None) -> np.ndarray:
    """Mean |MC average of the logits over k masks - weight-scaled logits|, for each k in ks: (len(ks),).

    With activation "linear" the network's output is linear in every mask, so its expectation is the
    weight-scaled output exactly and the gap shrinks like 1/sqrt(k). With "relu" it levels off: weight
    scaling is only an approximation of the average.
    """
    result = _check_result(result)
    X = _check_features(result, X)
    activation = _check_choice(activation or result.config.activation, "activation", ACTIVATIONS)
    ks = np.asarray([_check_int(k, "ks", 1, 10_000) for k in ks], dtype=np.int64)
    samples = mc_samples(result, X, int(ks.max()), rng=rng, activation=activation, logits=True)  # (K, N, C)
    running_mean = np.cumsum(samples, axis=0)[ks - 1] / ks[:, None, None]
    reference = _weight_scaled_scores(result, X, activation)
    return np.abs(running_mean - reference).mean(axis=(1, 2))


def hidden_activations(result: TrainResult, X) -> list[np.ndarray]:
    """Test-time activations of every hidden layer (after the ReLU, before any scaling): [(N, H1), (N, H2), ...]."""
    result = _check_result(result)
    a = _check_features(result, X)
    net, config = result.network, result.config
    out = []
    with threadpool_limits(limits=1, user_api="blas"):
        a = a * (1.0 if config.inverted else config.keep_prob_input)
        for w, b in zip(net.weights[:-1], net.biases[:-1], strict=True):
            h = a @ w + b
            h = np.maximum(h, 0) if config.activation == "relu" else h
            out.append(h.astype(np.float64))
            a = h * (1.0 if config.inverted else config.keep_prob)
    return out


def activation_sparsity(activations: np.ndarray, threshold: float = 0.0) -> np.ndarray:
    """Fraction of units whose activation is at most threshold, per example: (N, H) -> (N,)."""
    activations = np.asarray(activations, dtype=np.float64)
    if activations.ndim != 2:
        raise ValueError(f"activations must be 2-D (N, H), got shape {activations.shape}")
    return (activations <= threshold).mean(axis=1)


def to_inverted(result: TrainResult) -> TrainResult:
    """The same trained model expressed as inverted dropout: weights after a dropout layer times its keep_prob.

    A standard-dropout network scales the dropout layer's output by keep_prob at test time; folding that
    factor into the next layer's weights gives a network that needs no scaling at test time and, trained
    with inverted dropout on the same masks, would have had the same outputs all along.
    An inverted result is returned unchanged.
    """
    result = _check_result(result)
    if result.config.inverted:
        return result
    config = result.config
    factors = [config.keep_prob_input] + [config.keep_prob] * (len(result.network.weights) - 1)
    weights = tuple(w * np.asarray(f, dtype=w.dtype) for w, f in zip(result.network.weights, factors, strict=True))
    network = Network(weights, tuple(b.copy() for b in result.network.biases))
    return TrainResult(network, replace(config, inverted=True), result.records, result.n_classes)
