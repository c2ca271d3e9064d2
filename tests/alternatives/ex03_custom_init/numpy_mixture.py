"""NumPy generators: Constant(1.0), np.random.normal, and a three-way mixture drawn with default_rng(seed)."""

from __future__ import annotations

import keras
import numpy as np


def my_init():
    """An initializer object that fills ones."""
    return keras.initializers.Constant(1.0)


def scaled_normal(shape, dtype=None):
    """N(0, 2 / fan_in) samples, fan_in = product of all dimensions but the last."""
    shape = tuple(int(d) for d in shape)
    fan_in = int(np.prod(shape[:-1]))
    return np.random.normal(0.0, np.sqrt(2.0 / fan_in), size=shape).astype(dtype or "float32")


@keras.saving.register_keras_serializable()
class WeirdInit(keras.initializers.Initializer):
    """0 w.p. 1/2, U[5, 10] w.p. 1/4, U[-10, -5] w.p. 1/4, as an explicit mixture."""

    def __init__(self, seed=None):
        self.seed = seed

    def __call__(self, shape, dtype=None):
        shape = tuple(int(d) for d in shape)
        seed = self.seed if self.seed is not None else np.random.randint(2**31)
        rng = np.random.default_rng(seed)
        kind = rng.integers(0, 4, size=shape)  # 0, 1: zero; 2: positive; 3: negative
        magnitude = rng.uniform(5.0, 10.0, size=shape)
        values = np.where(kind == 2, magnitude, np.where(kind == 3, -magnitude, 0.0))
        return values.astype(dtype or "float32")

    def get_config(self):
        return {"seed": self.seed}
