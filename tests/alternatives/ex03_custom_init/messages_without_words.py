"""Guards of its own whose exceptions carry no message at all: a shape without dimensions (scaled_normal) and a seed that is neither None nor an int (WeirdInit) raise ValueError() bare; the mixture drawn from one uniform per element, cut into three intervals."""

from __future__ import annotations

import math

import keras
from keras import ops


def my_init():
    """An initializer object that fills ones, looked up by its Keras name."""
    return keras.initializers.get("ones")


def scaled_normal(shape, dtype=None):
    """N(0, 2 / fan_in), fan_in the product of every dimension but the last."""
    dims = [int(d) for d in shape]
    if not dims:
        raise ValueError()
    fan_in = 1
    for d in dims[:-1]:
        fan_in *= d
    std = math.sqrt(2.0 / fan_in)
    return keras.random.normal(tuple(dims), stddev=std, dtype="float32" if dtype is None else dtype)


@keras.saving.register_keras_serializable(package="alt_bare")
class WeirdInit(keras.initializers.Initializer):
    """u ~ U(0, 1) per element: [0, 0.5) gives 0, [0.5, 0.75) gives 5..10, [0.75, 1) gives -5..-10."""

    def __init__(self, seed=None):
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
            raise ValueError()
        self.seed = seed

    def __call__(self, shape, dtype=None):
        u = keras.random.uniform(shape, dtype=dtype or "float32", seed=self.seed)
        positive = 5.0 + (u - 0.5) * 20.0
        negative = -5.0 - (u - 0.75) * 20.0
        return ops.where(u < 0.5, ops.zeros_like(u), ops.where(u < 0.75, positive, negative))

    def get_config(self):
        return dict(seed=self.seed)
