"""Hidden checks for ex06_lazy_init: run when grading, never released.

The promises of the visible suite on other widths and nets."""

import keras
import numpy as np
import pytest
from pytest_check import check

pytestmark = pytest.mark.hidden
task = pytest.mark.task


@task("unbuilt_mlp")
def test_unbuilt_mlp_other_width(ex):
    net = ex.unbuilt_mlp()
    with check:
        assert net.weights == [], "no parameters yet"
    y = net(np.zeros((2, 9), "float32"))
    with check:
        assert tuple(y.shape) == (2, 10), "output (batch, 10)"
    with check:
        assert [tuple(v.shape) for v in net.weights] == [(9, 256), (256,), (256, 10), (10,)]


@task("is_initialized")
def test_is_initialized_other_net(ex):
    net = keras.Sequential([keras.layers.Dense(2), keras.layers.Dense(3)])
    before = ex.is_initialized(net)
    net.build((None, 11))
    after = ex.is_initialized(net)
    with check:
        assert (before, after) == (False, True) and type(after) is bool


@task("materialize")
def test_materialize_other_width(ex):
    net = keras.Sequential([keras.layers.Dense(6), keras.layers.Dense(2)])
    shapes = ex.materialize(net, 13)
    with check:
        assert shapes == [(13, 6), (6,), (6, 2), (2,)], "the shapes for 13 inputs"
    with pytest.raises(ValueError):
        ex.materialize(net, 14)
    with check:
        assert tuple(net.layers[0].kernel.shape) == (13, 6), "a rejected width changes nothing"


@task("input_width")
def test_input_width_flattened_other_shape(ex):
    net = keras.Sequential([keras.layers.Flatten(), keras.layers.Dense(2)])
    net.build((None, 3, 5))
    width = ex.input_width(net)
    with check:
        assert width == 15 and type(width) is int, "3 x 5 inputs flattened: 15"
