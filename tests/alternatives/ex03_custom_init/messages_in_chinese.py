"""Guards of its own whose messages are in Chinese (a learner's own words, in another language): a shape without dimensions and a seed that is neither None nor an int raise ValueError; ones from Constant(value=1), the book's mask as a multiplication."""

from __future__ import annotations

import math

import keras
import numpy as np
from keras import ops


def my_init():
    """全部填 1 的初始化器对象。"""
    return keras.initializers.Constant(value=1)


def scaled_normal(shape, dtype=None):
    """N(0, 2 / fan_in) 的样本；fan_in 是除最后一维以外所有维度的乘积。"""
    dims = tuple(int(d) for d in shape)
    if len(dims) == 0:
        raise ValueError(f"形状 {dims} 没有任何维度：无法计算 fan_in")
    fan_in = int(np.prod(dims[:-1]))
    return keras.random.normal(
        dims, mean=0.0, stddev=math.sqrt(2 / fan_in), dtype=dtype or "float32"
    )


@keras.saving.register_keras_serializable(package="alt_zh")
class WeirdInit(keras.initializers.Initializer):
    """书中的初始化器：U(-10, 10) 中绝对值小于 5 的元素置零。"""

    def __init__(self, seed=None):
        if not (seed is None or (isinstance(seed, int) and not isinstance(seed, bool))):
            raise ValueError(f"seed 必须是 None 或整数，而不是 {seed!r}")
        self.seed = seed

    def __call__(self, shape, dtype=None):
        dtype = dtype or "float32"
        u = keras.random.uniform(shape, minval=-1.0, maxval=1.0, dtype=dtype, seed=self.seed)
        keep = ops.cast(ops.abs(u) >= 0.5, dtype)
        return 10.0 * u * keep

    def get_config(self):
        config = {}
        config["seed"] = self.seed
        return config
