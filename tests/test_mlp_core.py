"""core/mlp.py: the whole network's backward against numerical gradients, training, inference, checks."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest

from core.data import load_digits, make_toy_2d, train_test_split
from core.gradcheck import numerical_gradient, relative_error
from core.mlp import (
    HISTORY_COLUMNS,
    RECIPE,
    Network,
    TrainConfig,
    activation_sparsity,
    describe_recipe,
    hidden_activations,
    init_network,
    loss_and_gradients,
    mc_error_curve,
    mc_logit_gap,
    mc_samples,
    predict_proba,
    predictive_entropy,
    softmax_cross_entropy,
    to_inverted,
    train,
    train_iter,
)

TINY = {"hidden": (16,), "epochs": 3, "batch_size": 16}  # fast settings for the training tests


@pytest.fixture(scope="module")
def toy():
    X, y = make_toy_2d(120, noise=0.2, rng=0)
    return train_test_split(X, y, n_train=80, rng=0)


@pytest.fixture(scope="module")
def digits_small():
    X, y = load_digits()
    X_train, X_test, y_train, y_test = train_test_split(X, y, n_train=300, rng=0)
    return X_train, X_test[:200], y_train, y_test[:200]


# --- gradient checks (float64, masks frozen by reusing the mask seed) ------------------------------


def _tiny_problem(seed=0):
    rng = np.random.default_rng(seed)
    net = init_network((5, 7, 6, 4), rng, np.float64)
    # Non-zero biases so that no ReLU input sits near its kink by accident.
    # Smaller weights keep the scores moderate, so no gradient entry is so tiny that the centred
    # difference's round-off (about 1e-16 * loss / h) dominates it.
    net = Network(tuple(0.5 * w for w in net.weights), tuple(rng.normal(0.0, 0.1, b.shape) for b in net.biases))
    X = rng.normal(size=(8, 5))
    y = rng.integers(0, 4, size=8)
    return net, X, y


@pytest.mark.parametrize("inverted", [True, False])
@pytest.mark.parametrize(("keep_prob", "keep_prob_input"), [(0.6, 0.8), (1.0, 1.0), (0.3, 0.5)])
def test_whole_network_backward_matches_numerical_gradient(inverted, keep_prob, keep_prob_input):
    net, X, y = _tiny_problem()
    mask_seed = 123  # the same seed gives the same masks on every call: the masks are frozen
    options = {"keep_prob": keep_prob, "keep_prob_input": keep_prob_input, "inverted": inverted, "rng": mask_seed}
    _, (dweights, dbiases, dX) = loss_and_gradients(net, X, y, **options)

    def loss_with(layer=None, kind=None):
        def f(value):
            weights, biases = list(net.weights), list(net.biases)
            if kind == "w":
                weights[layer] = value
            elif kind == "b":
                biases[layer] = value
            data = value if kind == "x" else X
            return np.array(loss_and_gradients(Network(tuple(weights), tuple(biases)), data, y, **options)[0])
        return f

    # h = 1e-4 balances the centred difference's truncation error (h^2) against round-off (1e-16 / h)
    # for gradient entries as small as 1e-5; no ReLU input of this problem lies within h of its kink.
    h = 1e-4
    for layer in range(3):
        numeric_w = numerical_gradient(loss_with(layer, "w"), net.weights[layer], np.array(1.0), h=h)
        numeric_b = numerical_gradient(loss_with(layer, "b"), net.biases[layer], np.array(1.0), h=h)
        assert relative_error(dweights[layer], numeric_w) < 1e-7, f"weights[{layer}]"
        assert relative_error(dbiases[layer], numeric_b) < 1e-7, f"biases[{layer}]"
    assert relative_error(dX, numerical_gradient(loss_with(kind="x"), X, np.array(1.0), h=h)) < 1e-7


def test_dropped_units_get_no_gradient_in_that_step():
    net, X, y = _tiny_problem()
    _, (dweights, _, _) = loss_and_gradients(net, X[:1], y[:1], keep_prob=0.5, rng=7)
    # For one example, a hidden unit of layer 1 that was dropped passes no gradient to layer 2's weights
    # from it: its row of dweights[1] is exactly zero.
    from core.mlp import network_forward

    _, caches = network_forward(net, X[:1], keep_prob=0.5, rng=7)
    dropped = ~caches[3].mask.reshape(-1)
    assert dropped.any()
    assert np.all(dweights[1][dropped] == 0.0)


def test_softmax_cross_entropy_of_uniform_scores_is_log_classes():
    loss, dscores = softmax_cross_entropy(np.zeros((3, 5)), np.array([0, 1, 4]))
    assert loss == pytest.approx(math.log(5))
    np.testing.assert_allclose(dscores.sum(axis=1), 0.0, atol=1e-15)


# --- training ------------------------------------------------------------------------------------


def test_loss_decreases_and_history_has_the_columns(digits_small):
    X_train, X_test, y_train, y_test = digits_small
    result = train(X_train, y_train, X_test, y_test, hidden=(32,), keep_prob=0.5, epochs=6,
                   batch_size=16, learning_rate=0.01, schedule="constant", seed=0)
    history = result.history
    assert tuple(history.columns) == HISTORY_COLUMNS
    assert history["epoch"].tolist() == list(range(1, 7))
    assert history["train_loss"].iloc[-1] < 0.6 * history["train_loss"].iloc[0]
    assert history["test_error"].iloc[-1] < history["test_error"].iloc[0]
    assert history["test_error"].iloc[-1] < 0.5  # chance is 0.9 for ten classes


def test_train_loss_eval_is_the_training_loss_with_dropout_off(digits_small):
    """train_loss_eval: cross-entropy of the epoch's network on the training set, dropout off. train_loss: the
    minibatches' objective with dropout on, above it (here even above the test loss: the learners' "why is my
    validation loss lower than my training loss?"); without dropout the two nearly agree."""
    X_train, X_test, y_train, y_test = digits_small
    runs = {q: train(X_train, y_train, X_test, y_test, hidden=(64,), keep_prob=q, epochs=8, seed=0, dtype="float64")
            for q in (0.5, 1.0)}
    for result in runs.values():
        last = result.history.iloc[-1]
        proba = predict_proba(result, X_train)
        assert last["train_loss_eval"] == pytest.approx(-np.log(proba[np.arange(y_train.size), y_train]).mean(),
                                                        rel=1e-12)
        assert last["train_error"] == np.mean(proba.argmax(axis=1) != y_train)
        assert np.isfinite(result.history["train_loss_eval"]).all()
    # Measured: keep_prob 0.5: train_loss 0.97, test_loss 0.77, train_loss_eval 0.67; keep_prob 1: 0.39, 0.50, 0.39.
    dropout, plain = runs[0.5].history.iloc[-1], runs[1.0].history.iloc[-1]
    assert dropout["train_loss"] > dropout["test_loss"] > dropout["train_loss_eval"]
    assert dropout["train_loss"] > 1.2 * dropout["train_loss_eval"]
    assert plain["train_loss"] < 1.1 * plain["train_loss_eval"]


def test_the_defaults_are_the_lessons_recipe_and_describe_themselves():
    assert RECIPE == TrainConfig()
    assert (RECIPE.optimizer, RECIPE.momentum, RECIPE.batch_size, RECIPE.learning_rate, RECIPE.schedule) == (
        "sgd", 0.9, 32, 0.03, "cosine")
    assert describe_recipe() == "SGD with momentum 0.9, minibatches of 32, step 0.03 decayed to 0 along a cosine"
    other = replace(RECIPE, optimizer="adam", batch_size=64, learning_rate=1e-3, schedule="constant")
    assert describe_recipe(other) == "Adam, minibatches of 64, a constant step of 0.001"  # follows the config
    assert describe_recipe(replace(RECIPE, momentum=0.0)).startswith("plain SGD, minibatches of 32")


def test_the_obvious_call_shows_dropout_helping_on_1000_digits():
    """`train(X_train, y_train, X_test, y_test, keep_prob=0.5)` against `keep_prob=1.0`, nothing else set.

    Fair: per seed both runs share the split (1000 training, 797 test images), the initial weights and the
    minibatch order; 8 seeds (about 20 s on one core). Decision rule: a paired t-test over the seeds of the
    difference in wrong test images, t = mean / (sd / sqrt(8)) > 2, which a recipe under which dropout makes no
    difference passes with probability about 4% (7 degrees of freedom, one-sided). Measured with these
    defaults: differences 6, 0, 7, -1, 3, 1, 3, 4 images (mean 2.9 of 797, sd 2.7), t = 3.0. Under the old
    defaults (Adam 1e-3, batches of 64) dropout did not help (issue 12: 2.80% with against 2.55% without).
    """
    X, y = load_digits()
    differences = []
    for seed in range(8):
        X_train, X_test, y_train, y_test = train_test_split(X, y, n_train=1000, rng=seed)
        wrong = {}
        for keep_prob in (0.5, 1.0):
            result = train(X_train, y_train, X_test, y_test, keep_prob=keep_prob, seed=seed)
            wrong[keep_prob] = round(result.history["test_error"].iloc[-1] * y_test.size)
        differences.append(wrong[1.0] - wrong[0.5])
    differences = np.array(differences, dtype=float)
    t = differences.mean() / (differences.std(ddof=1) / math.sqrt(differences.size))
    assert t > 2, (differences, t)


@pytest.mark.parametrize("optimizer", ["adam", "sgd"])
def test_same_seed_same_result_other_seed_other_result(toy, optimizer):
    X_train, X_test, y_train, y_test = toy
    options = {**TINY, "optimizer": optimizer, "learning_rate": 1e-3 if optimizer == "adam" else 0.05}
    first = train(X_train, y_train, X_test, y_test, seed=3, **options)
    again = train(X_train, y_train, X_test, y_test, seed=3, **options)
    other = train(X_train, y_train, X_test, y_test, seed=4, **options)
    for w, w_again in zip(first.network.weights, again.network.weights, strict=True):
        np.testing.assert_array_equal(w, w_again)
    assert first.history.equals(again.history)
    assert not np.array_equal(first.network.weights[0], other.network.weights[0])


def test_train_iter_yields_every_epoch_and_ends_where_train_ends(toy):
    X_train, X_test, y_train, y_test = toy
    results = list(train_iter(X_train, y_train, X_test, y_test, seed=1, **TINY))
    final = train(X_train, y_train, X_test, y_test, seed=1, **TINY)
    assert [len(r.history) for r in results] == [1, 2, 3]
    assert results[-1].history.equals(final.history)
    seen = []
    train(X_train, y_train, seed=1, callback=lambda r: seen.append(r.history["epoch"].iloc[-1]), **TINY)
    assert seen == [1, 2, 3]


def test_training_does_not_modify_its_inputs(toy):
    X_train, X_test, y_train, y_test = toy
    copies = [a.copy() for a in (X_train, X_test, y_train, y_test)]
    train(X_train, y_train, X_test, y_test, **TINY)
    for original, copy in zip((X_train, X_test, y_train, y_test), copies, strict=True):
        np.testing.assert_array_equal(original, copy)


@pytest.mark.parametrize("keep_prob", [0.0, 1.0])
def test_extreme_keep_probs_train_without_nan(toy, keep_prob):
    X_train, X_test, y_train, y_test = toy
    result = train(X_train, y_train, X_test, y_test, keep_prob=keep_prob, keep_prob_input=keep_prob, **TINY)
    assert np.isfinite(result.history.drop(columns="epoch").to_numpy()).all()
    proba = predict_proba(result, X_test, method="mc", n_samples=4, rng=0)
    assert np.isfinite(proba).all()


def test_max_norm_caps_every_unit_incoming_weights(toy):
    X_train, _, y_train, _ = toy
    result = train(X_train, y_train, max_norm=0.5, learning_rate=0.05, **TINY)
    for w in result.network.weights:
        assert np.sqrt((w.astype(np.float64) ** 2).sum(axis=0)).max() <= 0.5 * (1 + 1e-5)


# --- inference -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def trained(toy):
    X_train, X_test, y_train, y_test = toy
    # Adam (not the lessons' SGD recipe): a network whose ReLU bias stands out of the sampling noise in
    # test_averaging_is_exact_for_a_linear_network_but_not_with_relu after only 5 epochs.
    return train(X_train, y_train, X_test, y_test, hidden=(32, 32), keep_prob=0.5, keep_prob_input=0.9,
                 epochs=5, batch_size=16, optimizer="adam", learning_rate=1e-3, seed=0, dtype="float64")


@pytest.mark.parametrize("method", ["weight_scaling", "mc"])
def test_predict_proba_rows_sum_to_one(trained, toy, method):
    X_test = toy[1]
    proba = predict_proba(trained, X_test, method=method, n_samples=7, rng=0)
    assert proba.shape == (X_test.shape[0], 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-12)
    assert (proba >= 0).all()


def test_standard_dropout_equals_inverted_after_rescaling_the_weights(toy):
    X_train, X_test, y_train, y_test = toy
    standard = train(X_train, y_train, X_test, y_test, hidden=(16, 16), keep_prob=0.6, keep_prob_input=0.8,
                     epochs=3, inverted=False, seed=0, dtype="float64")
    inverted = to_inverted(standard)
    assert inverted.config.inverted
    np.testing.assert_allclose(predict_proba(inverted, X_test), predict_proba(standard, X_test), rtol=1e-12)
    # Dropout on: with the same masks the two forms give the same outputs too.
    np.testing.assert_allclose(predict_proba(inverted, X_test, method="mc", n_samples=5, rng=9),
                               predict_proba(standard, X_test, method="mc", n_samples=5, rng=9), rtol=1e-12)
    # The rescaling is not a no-op: the unscaled standard weights used as inverted ones predict differently.
    assert not np.allclose(to_inverted(inverted).network.weights[1], standard.network.weights[1])


def test_mc_with_keep_prob_one_is_exactly_weight_scaling(toy):
    X_train, X_test, y_train, _ = toy
    result = train(X_train, y_train, keep_prob=1.0, **TINY)
    np.testing.assert_allclose(predict_proba(result, X_test, method="mc", n_samples=3, rng=0),
                               predict_proba(result, X_test), rtol=1e-6)


def test_mc_samples_are_reproducible_and_differ_between_masks(trained, toy):
    X_test = toy[1]
    first = mc_samples(trained, X_test, 4, rng=5)
    np.testing.assert_array_equal(first, mc_samples(trained, X_test, 4, rng=5))
    assert first.shape == (4, X_test.shape[0], 2)
    assert not np.allclose(first[0], first[1])


def test_averaging_is_exact_for_a_linear_network_but_not_with_relu(trained, toy):
    X_test = toy[1]
    ks = [4, 400]
    linear = mc_logit_gap(trained, X_test, ks, activation="linear", rng=0)
    relu = mc_logit_gap(trained, X_test, ks, activation="relu", rng=0)
    # Linear: the MC mean is unbiased, so its mean absolute error falls like 1/sqrt(k): a factor
    # sqrt(400 / 4) = 10. Averaged over every logit of the test set, allow 30% for sampling noise.
    assert 10 / 1.3 < linear[0] / linear[1] < 10 * 1.3
    # ReLU: the gap is mostly bias, so 100 times more samples shrink it by far less than 10.
    assert relu[0] / relu[1] < 5
    assert relu[1] > 2 * linear[1]


def test_mc_error_curve_shape_and_range(trained, toy):
    _, X_test, _, y_test = toy
    errors = mc_error_curve(trained, X_test, y_test, [1, 3, 10], repeats=2, rng=0)
    assert errors.shape == (2, 3)
    assert ((errors >= 0) & (errors <= 1)).all()


def test_predictive_entropy_limits():
    entropy = predictive_entropy(np.array([[1.0, 0.0, 0.0], [1 / 3, 1 / 3, 1 / 3]]))
    np.testing.assert_allclose(entropy, [0.0, math.log(3)])


def test_hidden_activations_and_sparsity(trained, toy):
    X_test = toy[1]
    layers = hidden_activations(trained, X_test)
    assert [a.shape for a in layers] == [(X_test.shape[0], 32), (X_test.shape[0], 32)]
    assert all((a >= 0).all() for a in layers)
    sparsity = activation_sparsity(layers[0])
    assert sparsity.shape == (X_test.shape[0],)
    assert ((sparsity >= 0) & (sparsity <= 1)).all()
    np.testing.assert_allclose(sparsity, (layers[0] <= 0).mean(axis=1))


# --- argument checks -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "name"),
    [
        ({"keep_prob": 1.5}, "keep_prob"),
        ({"keep_prob_input": -0.1}, "keep_prob_input"),
        ({"epochs": 0}, "epochs"),
        ({"hidden": (0,)}, "hidden"),
        ({"hidden": (8,) * 20}, "hidden"),
        ({"batch_size": 0}, "batch_size"),
        ({"optimizer": "rmsprop"}, "optimizer"),
        ({"schedule": "step"}, "schedule"),
        ({"learning_rate": -1.0}, "learning_rate"),
        ({"learning_rate": math.nan}, "learning_rate"),
        ({"momentum": 1.0}, "momentum"),
        ({"max_norm": 0.0}, "max_norm"),
        ({"activation": "tanh"}, "activation"),
        ({"seed": -1}, "seed"),
        ({"dtype": "int8"}, "dtype"),
    ],
)
def test_bad_training_options_raise_value_error_naming_the_option(toy, options, name):
    X_train, _, y_train, _ = toy
    with pytest.raises(ValueError, match=name):
        train(X_train, y_train, **{**TINY, **options})


def test_bad_data_raises_value_error_naming_the_array(toy):
    X_train, X_test, y_train, y_test = toy
    with pytest.raises(ValueError, match="X_train"):
        train(X_train[:, 0], y_train, **TINY)
    with pytest.raises(ValueError, match="y_train"):
        train(X_train, y_train[:-1], **TINY)
    with pytest.raises(ValueError, match="X_test"):
        train(X_train, y_train, X_test[:, :1], y_test, **TINY)
    with pytest.raises(ValueError, match="X_train"):
        train(np.full_like(X_train, np.nan), y_train, **TINY)


def test_bad_inference_arguments_raise(trained, toy):
    X_test = toy[1]
    with pytest.raises(ValueError, match="method"):
        predict_proba(trained, X_test, method="average")
    with pytest.raises(ValueError, match="n_samples"):
        predict_proba(trained, X_test, method="mc", n_samples=0)
    with pytest.raises(ValueError, match="X"):
        predict_proba(trained, X_test[:, :1])
    with pytest.raises(TypeError, match="result"):
        predict_proba("not a result", X_test)
    with pytest.raises(ValueError, match="ks"):
        mc_error_curve(trained, X_test, toy[3], [0, 2])
