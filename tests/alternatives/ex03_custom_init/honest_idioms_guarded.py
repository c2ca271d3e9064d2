"""Ordinary idioms the run-time guard must let through: keras.saving's registration decorator imported by name, keras.config.floatx() as the default dtype, a __repr__, copy and operator, "{0.shape}".format, a Chinese error message, and the base class's __init__ called by name."""

from __future__ import annotations

import copy
import math
import operator

import keras
from keras import ops
from keras.saving import register_keras_serializable

__all__ = ["WeirdInit", "my_init", "scaled_normal"]


def my_init():
    """An initializer object that fills ones."""
    return copy.copy(keras.initializers.Ones())


def scaled_normal(shape, dtype=None):
    """N(0, 2 / fan_in) samples, fan_in = product of all dimensions but the last."""
    shape = tuple(int(d) for d in shape)
    if not shape:
        raise ValueError(f"形状不能为空：{shape!r}")
    fan_in = math.prod(shape[:-1]) if len(shape) > 1 else 1
    fan_in = operator.mul(fan_in, 1)
    std = math.sqrt(2.0 / fan_in)
    return keras.random.normal(shape, mean=0.0, stddev=std, dtype=dtype or keras.config.floatx())


@register_keras_serializable(package="kata_honest")
class WeirdInit(keras.initializers.Initializer):
    """U(-10, 10) with |x| < 5 zeroed; seeded calls repeat, unseeded ones do not."""

    def __init__(self, seed=None):
        keras.initializers.Initializer.__init__(self)
        self._seed = seed

    @property
    def seed(self):
        return self._seed

    def __call__(self, shape, dtype=None):
        dtype = dtype or keras.config.floatx()
        data = keras.random.uniform(shape, minval=-10.0, maxval=10.0, dtype=dtype, seed=self._seed)
        kept = ops.where(ops.abs(data) >= 5.0, data, ops.zeros_like(data))
        return kept

    def __repr__(self):
        return f"WeirdInit(seed={self._seed}) of {type(self).__name__}"

    def get_config(self):
        return {"seed": self._seed}
