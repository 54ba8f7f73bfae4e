"""The gradient-check helpers themselves: right on known derivatives, and able to catch a wrong one."""

import numpy as np
import pytest

from core.gradcheck import numerical_gradient, relative_error


def test_numerical_gradient_of_known_functions():
    rng = np.random.default_rng(0)
    x, dout = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    assert relative_error(numerical_gradient(lambda z: z**3, x, dout), 3 * x**2 * dout) < 1e-8
    w = rng.standard_normal((4, 2))
    upstream = rng.standard_normal((3, 2))
    assert relative_error(numerical_gradient(lambda z: z @ w, x, upstream), upstream @ w.T) < 1e-8


def test_numerical_gradient_does_not_modify_x():
    x = np.array([1.0, 2.0])
    numerical_gradient(lambda z: z * 2, x, np.ones(2))
    np.testing.assert_array_equal(x, [1.0, 2.0])


def test_relative_error_detects_a_wrong_gradient():
    true = np.array([1.0, -2.0, 0.5])
    assert relative_error(true, true) == 0.0
    assert relative_error(np.zeros(3), np.zeros(3)) == 0.0
    assert relative_error(true, 2 * true) == pytest.approx(1 / 3)
    assert relative_error(true, true * (1 + 1e-9)) < 1e-9


def test_bad_arguments():
    with pytest.raises(ValueError, match="shape"):
        relative_error(np.ones(2), np.ones(3))
    with pytest.raises(ValueError, match="h"):
        numerical_gradient(lambda z: z, np.ones(2), np.ones(2), h=0)
