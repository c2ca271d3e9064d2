"""Hidden checks for ex03_custom_init: run when grading, never released.

The promises of the visible suite on other shapes, dtypes and seeds."""

import math

import keras
import numpy as np
import pytest
from pytest_check import check

from kata.testing.stats import as_array, assert_independent, assert_normal

pytestmark = pytest.mark.hidden
task = pytest.mark.task


def dtype_of(x) -> str:
    return keras.backend.standardize_dtype(x.dtype)


@task("my_init")
def test_my_init_other_shape_and_dtype(ex):
    w = ex.my_init()((3, 7, 2), dtype="float64")
    with check:
        assert tuple(w.shape) == (3, 7, 2) and dtype_of(w) == "float64", "shape and dtype"
    with check:
        assert np.all(as_array(w) == 1.0), "all ones"


@task("scaled_normal")
def test_scaled_normal_other_kernels(ex):
    for shape in ((96, 80), (4, 4, 6, 40)):
        fan_in = math.prod(shape[:-1])
        w = ex.scaled_normal(shape)
        with check:
            assert tuple(w.shape) == shape and dtype_of(w) == "float32", "shape, float32"
        with check:
            assert_normal(w, 0.0, math.sqrt(2 / fan_in), what=f"scaled_normal({shape})")


@task("WeirdInit")
def test_weird_init_other_seeds(ex):
    shape = (24, 40)
    a, b = ex.WeirdInit(seed=1234)(shape), ex.WeirdInit(seed=1234)(shape)
    other = ex.WeirdInit(seed=4321)(shape)
    with check:
        assert np.array_equal(as_array(a), as_array(b)), "one seed, the same values"
    with check:
        assert_independent(a, other, what="two seeds")
    with check:
        assert ex.WeirdInit(seed=1234).get_config() == {"seed": 1234}
    values = as_array(a)
    with check:
        assert np.all((values == 0) | ((np.abs(values) >= 5) & (np.abs(values) <= 10))), (
            "0 or a magnitude in [5, 10]"
        )


@task("WeirdInit")
def test_weird_init_float64_other_seed(ex):
    w = ex.WeirdInit(seed=3)((8, 8), dtype="float64")
    with check:
        assert dtype_of(w) == "float64" and tuple(w.shape) == (8, 8), "the dtype asked for"
