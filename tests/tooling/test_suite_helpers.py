"""Tooling tests of ``tests/helpers.py``: the helpers the graded suites build on."""

from __future__ import annotations

import keras
import numpy as np
import pytest
from keras.src.backend.common.variables import AutocastScope

from tests.helpers import fresh_values, put, scramble, snapshot, values


def dense(width=3, units=4, dtype="float32"):
    layer = keras.layers.Dense(units, dtype=dtype)
    layer.build((None, width))
    return layer


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_put_stores_the_values_in_the_same_variable(dtype):
    layer = dense(dtype=dtype)
    kernel = layer.kernel
    new = np.arange(12, dtype=dtype).reshape(3, 4) / 7
    put(kernel, new)
    assert layer.kernel is kernel
    assert kernel.dtype == dtype
    np.testing.assert_array_equal(values(kernel), new)


def test_put_under_an_autocast_scope_still_reaches_the_variable():
    # there, ``v.value`` is a float16 copy, not the variable: put falls back to assign
    layer = dense()
    with AutocastScope("float16"):
        put(layer.kernel, np.ones((3, 4), "float32"))
    np.testing.assert_array_equal(values(layer.kernel), np.ones((3, 4)))


def test_put_of_a_wrong_shape_raises_and_changes_nothing():
    layer = dense()
    before = snapshot([layer.kernel])
    with pytest.raises(ValueError):
        put(layer.kernel, np.ones((4, 3), "float32"))
    np.testing.assert_array_equal(values(layer.kernel), before[0][1])


def test_scramble_gives_every_variable_new_values_in_its_dtype():
    net = keras.Sequential([keras.layers.Dense(4), keras.layers.BatchNormalization()])
    net.build((None, 3))
    before = snapshot(net)
    assert scramble(net) is net
    for (v, old), new in zip(before, net.weights):
        assert new is v
        got = values(v)
        assert got.dtype == old.dtype
        assert np.all((got >= 0.5) & (got <= 1.5)) and not np.array_equal(got, old)


def test_fresh_values_are_a_glorot_kernel_and_zero_biases_in_the_same_variables():
    net = keras.Sequential([keras.layers.Dense(300), keras.layers.Dense(2)])
    net.build((None, 100))
    scramble(net)
    before = list(net.weights)
    fresh_values(net.weights)
    assert list(net.weights) == before and all(a is b for a, b in zip(net.weights, before))
    kernel, bias = values(net.layers[0].kernel), values(net.layers[0].bias)
    limit = np.sqrt(6 / (100 + 300))
    assert np.all(np.abs(kernel) <= limit) and np.abs(kernel).max() > 0.9 * limit
    # the mean of 30000 draws of U(-limit, limit) has a standard deviation of
    # limit / sqrt(3 * 30000), about 0.0033 * limit: 0.05 * limit is 15 of them
    assert abs(kernel.mean()) < 0.05 * limit
    assert np.all(bias == 0) and np.all(values(net.layers[1].bias) == 0)


def test_kind_of_puts_the_right_article():
    """Issue 22: "got a EagerTensor" read wrong; a message names a type with its article."""
    import tensorflow as tf

    from tests.helpers import kind_of

    assert kind_of(tf.constant(1.0)) == "an EagerTensor"
    assert kind_of(1) == "an int" and kind_of([]) == "a list"
