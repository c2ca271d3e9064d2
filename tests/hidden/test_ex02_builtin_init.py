"""Hidden checks for ex02_builtin_init: run when grading, never released.

The promises of the visible suite on other inputs: other widths, means, standard
deviations and constants, so an answer fitted to the visible cases loses them."""

import keras
import numpy as np
import pytest
from pytest_check import check

from kata.testing.stats import assert_normal, assert_uniform
from tests.helpers import put, scramble

pytestmark = pytest.mark.hidden
task = pytest.mark.task


def wide_net():
    """Dense(96) on 80 inputs, then Dense(5): 7680 values in the first kernel."""
    net = keras.Sequential([keras.layers.Dense(96), keras.layers.Dense(5)])
    net.build((None, 80))
    return net


def wide(models):
    """``wide_net()`` from the session cache, every value scrambled (non-zero biases too)."""
    return scramble(models.get("ex02_hidden_wide", wide_net))


@task("init_normal")
def test_init_normal_other_mean_and_stddev(ex, models):
    net = wide(models)
    kernel = net.layers[0].kernel
    out = ex.init_normal(net, mean=-2.0, stddev=0.25)
    with check:
        assert out is net and net.layers[0].kernel is kernel, "in place, returning the net"
    with check:
        assert_normal(kernel, -2.0, 0.25, what="kernel values after init_normal(net, -2.0, 0.25)")
    with check:
        assert all(not np.any(layer.bias.numpy()) for layer in net.layers), "zero biases"


@task("init_constant")
def test_init_constant_other_value(ex, models):
    net = wide(models)
    ex.init_constant(net, 0.125)
    for layer in net.layers:
        with check:
            assert np.all(layer.kernel.numpy() == 0.125), "every kernel all 0.125"
        with check:
            assert not np.any(layer.bias.numpy()), "every bias zeros"


@task("init_constant")
def test_init_constant_unbuilt_changes_nothing(ex):
    net = keras.Sequential([keras.layers.Dense(3)])
    with pytest.raises(ValueError):
        ex.init_constant(net, 2.0)
    with check:
        assert net.weights == [] and not net.built, "an unbuilt net stays unbuilt"


@task("Linear")
def test_linear_other_input_width(ex):
    net = ex.Linear()
    x = np.full((3, 6), 0.5, dtype="float32")
    y = keras.ops.convert_to_numpy(net(x))
    with check:
        assert y.shape == (3, 1), "output shape (batch, 1)"
    with check:
        assert tuple(net.d1.kernel.shape) == (6, 10) and np.all(net.d2.kernel.numpy() == 1)
    with check:
        assert not np.any(net.d1.bias.numpy()) and np.all(net.d2.bias.numpy() == 1)
    hidden = x @ net.d1.kernel.numpy() + net.d1.bias.numpy()
    with check:
        assert np.allclose(y, hidden @ net.d2.kernel.numpy() + 1.0, atol=1e-5), "d2(d1(x))"


@task("xavier_then_constant")
def test_xavier_then_constant_other_arguments(ex):
    net = ex.xavier_then_constant(hidden_units=40, outputs=3, constant=-1.5)
    with check:
        assert net.weights == [], "not built"
    net.build((None, 60))
    dense = [layer for layer in net.layers if isinstance(layer, keras.layers.Dense)]
    with check:
        assert [d.units for d in dense] == [40, 3], "Dense(hidden_units), Dense(outputs)"
    if len(dense) == 2:
        limit = float(np.sqrt(6 / (60 + 40)))
        with check:
            assert_uniform(dense[0].kernel, -limit, limit, what="the first kernel (60 x 40)")
        with check:
            assert np.all(dense[1].kernel.numpy() == -1.5), "the second kernel all -1.5"
        with check:
            assert not any(np.any(d.bias.numpy()) for d in dense), "zero biases"
        put(dense[1].kernel, np.zeros((40, 3), "float32"))  # nothing shared: see the next call
        again = ex.xavier_then_constant(hidden_units=40, outputs=3, constant=-1.5)
        with check:
            assert again is not net and again.weights == [], "every call a new, unbuilt net"
