"""Hidden checks for ex04_set_params: run when grading, never released.

The promises of the visible suite on other variables, values and nets."""

import keras
import numpy as np
import pytest
from pytest_check import check

from tests.helpers import assert_unchanged, scramble, snapshot

pytestmark = pytest.mark.hidden
task = pytest.mark.task


@task("add_one")
def test_add_one_vector_float64(ex):
    v = keras.Variable(np.array([-1.5, 0.0, 2.25]), dtype="float64")
    out = ex.add_one(v)
    with check:
        assert out is v and v.dtype == "float64", "the same variable, float64 kept"
    with check:
        assert np.array_equal(v.numpy(), [-0.5, 1.0, 3.25]), "every element plus one"


@task("set_first_element")
def test_set_first_element_3d_other_value(ex):
    start = np.arange(24, dtype="float32").reshape(2, 3, 4) + 1
    v = keras.Variable(start)
    out = ex.set_first_element(v, -7.0)
    want = start.copy()
    want[0, 0, 0] = -7.0
    with check:
        assert out is v and np.array_equal(v.numpy(), want), "only [0, 0, 0] becomes -7"


def small():
    net = keras.Sequential([keras.layers.Dense(3), keras.layers.Dense(2)])
    net.build((None, 5))
    return net


def pair(models):
    """Two separate nets of one architecture from the session cache."""
    return models.get("ex04_hidden_src", small), models.get("ex04_hidden_dst", small)


@task("copy_params")
def test_copy_params_other_nets(ex, models):
    src, dst = pair(models)
    scramble(src)
    scramble(dst)
    dst_vars = list(dst.weights)
    ex.copy_params(src, dst)
    for s, d, mine in zip(src.weights, dst.weights, dst_vars, strict=True):
        with check:
            assert d is mine and d is not s, "dst keeps its own variables"
        with check:
            assert np.array_equal(d.numpy(), s.numpy()), "the values copied"


@task("copy_params")
def test_copy_params_mismatch_changes_nothing(ex, models):
    src, _dst = pair(models)
    other = keras.Sequential([keras.layers.Dense(3), keras.layers.Dense(4)])
    other.build((None, 5))
    before = snapshot(other)
    with pytest.raises(ValueError):
        ex.copy_params(src, other)
    with check:
        assert_unchanged(other, before)


@task("freeze")
def test_freeze_a_whole_model(ex):
    net = keras.Sequential([keras.layers.Dense(3), keras.layers.Dense(1)])
    net.build((None, 2))
    out = ex.freeze(net)
    with check:
        assert out is net and net.trainable_weights == [], "nothing trainable left"
    with check:
        assert len(net.non_trainable_weights) == 4, "the same four variables, non-trainable"
