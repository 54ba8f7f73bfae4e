"""core/data.py: the digits file, the 2-D toy sets and the deterministic split."""

from __future__ import annotations

import numpy as np
import pytest

from core.data import load_digits, make_toy_2d, train_test_split


def test_digits_shapes_and_ranges():
    X, y = load_digits()
    assert X.shape == (1797, 64) and y.shape == (1797,)
    assert X.min() == 0.0 and X.max() == 1.0
    assert set(np.unique(y)) == set(range(10))


@pytest.mark.parametrize("shape", ["moons", "spirals"])
def test_toy_set_shapes_balance_and_determinism(shape):
    X, y = make_toy_2d(301, shape=shape, noise=0.1, rng=4)
    assert X.shape == (301, 2) and y.shape == (301,)
    assert X.dtype == np.float64 and y.dtype == np.int64
    assert abs(int((y == 0).sum()) - int((y == 1).sum())) <= 1
    X_again, y_again = make_toy_2d(301, shape=shape, noise=0.1, rng=4)
    np.testing.assert_array_equal(X, X_again)
    np.testing.assert_array_equal(y, y_again)
    X_other, _ = make_toy_2d(301, shape=shape, noise=0.1, rng=5)
    assert not np.array_equal(X, X_other)


def test_noiseless_moons_lie_on_their_half_circles():
    X, y = make_toy_2d(200, shape="moons", noise=0.0, rng=0)
    shifted = X + np.array([0.5, 0.25])  # undo the centring
    upper = shifted[y == 0]
    lower = shifted[y == 1] - np.array([1.0, 0.5])
    np.testing.assert_allclose(np.hypot(*upper.T), 1.0)
    np.testing.assert_allclose(np.hypot(*lower.T), 1.0)
    assert (upper[:, 1] >= 0).all() and (lower[:, 1] <= 0).all()


def test_noiseless_spirals_are_point_symmetric():
    X, y = make_toy_2d(400, shape="spirals", noise=0.0, rng=0)
    radius = np.hypot(*X.T)
    assert radius.max() <= 1.5 + 1e-12
    # Class 1 is class 0 turned by half a turn: the two radius distributions come from the same law.
    assert abs(np.median(radius[y == 0]) - np.median(radius[y == 1])) < 0.2


def test_noise_spreads_the_points_by_its_standard_deviation():
    X_clean, _ = make_toy_2d(4000, noise=0.0, rng=1)
    X_noisy, _ = make_toy_2d(4000, noise=0.3, rng=1)  # same points, same order, plus Gaussian jitter
    jitter = (X_noisy - X_clean).ravel()
    standard_error = 0.3 / np.sqrt(2 * jitter.size)  # of a sample standard deviation
    assert abs(jitter.std() - 0.3) < 5 * standard_error


@pytest.mark.parametrize(
    ("kwargs", "error", "name"),
    [
        ({"n_points": 1}, ValueError, "n_points"),
        ({"n_points": 10**6}, ValueError, "n_points"),
        ({"n_points": 2.5}, TypeError, "n_points"),
        ({"shape": "circles"}, ValueError, "shape"),
        ({"noise": -0.1}, ValueError, "noise"),
        ({"noise": float("nan")}, ValueError, "noise"),
        ({"noise": "lots"}, TypeError, "noise"),
    ],
)
def test_toy_set_bad_arguments(kwargs, error, name):
    with pytest.raises(error, match=name):
        make_toy_2d(**{"n_points": 50, **kwargs})


def test_split_is_deterministic_disjoint_and_complete():
    X = np.arange(40, dtype=float).reshape(20, 2)
    y = np.arange(20)
    X_train, X_test, y_train, y_test = train_test_split(X, y, n_train=15, rng=3)
    assert X_train.shape == (15, 2) and X_test.shape == (5, 2)
    assert sorted(np.concatenate([y_train, y_test]).tolist()) == list(range(20))
    np.testing.assert_array_equal(X_train[:, 0], 2 * y_train)  # rows stay with their labels
    again = train_test_split(X, y, n_train=15, rng=3)
    np.testing.assert_array_equal(again[2], y_train)
    assert not np.array_equal(train_test_split(X, y, n_train=15, rng=4)[2], y_train)
    X_train[:] = -1  # copies: the caller's X is untouched
    assert X.min() == 0


def test_split_by_fraction():
    X, y = np.zeros((100, 3)), np.zeros(100, dtype=int)
    assert train_test_split(X, y)[0].shape[0] == 75
    assert train_test_split(X, y, test_fraction=0.1)[0].shape[0] == 90


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"n_train": 0}, "n_train"),
        ({"n_train": 20}, "n_train"),
        ({"test_fraction": 1.0}, "test_fraction"),
        ({"n_train": 5, "test_fraction": 0.5}, "n_train or test_fraction"),
    ],
)
def test_split_bad_arguments(kwargs, name):
    with pytest.raises(ValueError, match=name):
        train_test_split(np.zeros((20, 2)), np.zeros(20), **kwargs)
    with pytest.raises(ValueError, match="y"):
        train_test_split(np.zeros((20, 2)), np.zeros(19))
