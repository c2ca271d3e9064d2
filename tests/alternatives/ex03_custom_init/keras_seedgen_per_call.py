"""keras.random with a fresh SeedGenerator per call, a new RandomNormal per call, and a ones lambda."""

from __future__ import annotations

import math

import keras
from keras import ops


def my_init():
    """An initializer that fills ones (a plain function is an initializer too)."""
    return lambda shape, dtype=None: ops.ones(shape, dtype=dtype or "float32")


def scaled_normal(shape, dtype=None):
    """N(0, 2 / fan_in) samples, fan_in = product of all dimensions but the last."""
    fan_in = math.prod(int(d) for d in tuple(shape)[:-1])
    init = keras.initializers.RandomNormal(mean=0.0, stddev=math.sqrt(2.0 / fan_in))
    return init(shape, dtype=dtype or "float32")


@keras.saving.register_keras_serializable(package="alt_keras")
class WeirdInit(keras.initializers.Initializer):
    """0 w.p. 1/2, U[5, 10] w.p. 1/4, U[-10, -5] w.p. 1/4: mask, sign and magnitude apart."""

    def __init__(self, seed=None):
        self.seed = seed

    def __call__(self, shape, dtype=None):
        dtype = dtype or "float32"
        gen = keras.random.SeedGenerator(self.seed) if self.seed is not None else None
        keep = keras.random.uniform(shape, dtype=dtype, seed=gen) < 0.5
        positive = keras.random.uniform(shape, dtype=dtype, seed=gen) < 0.5
        magnitude = keras.random.uniform(shape, minval=5.0, maxval=10.0, dtype=dtype, seed=gen)
        value = ops.where(positive, magnitude, -magnitude)
        return ops.where(keep, value, ops.zeros_like(value))

    def get_config(self):
        return {"seed": self.seed}
