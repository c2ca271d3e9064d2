"""Hidden checks for ex01_access_params: run when grading, never released."""

import keras
import numpy as np
import pytest
from pytest_check import check

from tests.helpers import wrong_type

pytestmark = pytest.mark.hidden
task = pytest.mark.task


def with_batchnorm():
    net = keras.Sequential(
        [keras.layers.Dense(4), keras.layers.BatchNormalization(), keras.layers.Dense(2)]
    )
    net.build((None, 3))
    return net


def cached_with_batchnorm(models):
    """``with_batchnorm()`` from the session cache (the tests using it only read it)."""
    return models.get("ex01_hidden_with_batchnorm", with_batchnorm)


@task("layer_params")
def test_layer_params_negative_index(ex, models):
    net = cached_with_batchnorm(models)  # its last layer is a Dense, the one before has no kernel
    kernel, bias = ex.layer_params(net, -1)
    with check:
        assert kernel is net.layers[-1].kernel and bias is net.layers[-1].bias, (
            "index -1 is the last layer"
        )


@task("count_params")
def test_count_params_includes_non_trainable(ex, models):
    net = cached_with_batchnorm(models)
    n = ex.count_params(net)
    expected = int(
        sum(np.prod(v.shape) for v in net.weights)
    )  # 4 BatchNorm vectors, 2 non-trainable
    with check:
        assert type(n) is int and n == expected, (
            wrong_type(n, expected)
            or f"got {n!r}, expected {expected} (non-trainable variables count too)"
        )


@task("param_shapes")
def test_param_shapes_non_trainable_in_order(ex, models):
    net = cached_with_batchnorm(models)
    shapes = ex.param_shapes(net)
    with check:
        assert type(shapes) is dict and list(shapes) == [v.path for v in net.weights], (
            "every variable, in net.weights order"
        )
    with check:
        assert [shapes.get(v.path) for v in net.weights] == [
            tuple(int(d) for d in v.shape) for v in net.weights
        ]


@task("find_param")
def test_find_param_shared_layer(ex):
    shared = keras.layers.Dense(3)
    net = keras.Sequential([keras.layers.Dense(3), shared, shared])
    net.build((None, 2))
    found = ex.find_param(net, shared.kernel.path)
    with check:
        assert found is shared.kernel, "a shared layer's kernel is found once, as itself"
