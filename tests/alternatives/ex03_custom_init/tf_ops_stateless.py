"""Raw TensorFlow ops: a Ones subclass, tf.random.normal, and tf.random.stateless_uniform for seeds."""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf


class _Ones(keras.initializers.Initializer):
    def __call__(self, shape, dtype=None):
        return tf.ones(shape, dtype=dtype or tf.float32)


def my_init():
    """An initializer object that fills ones."""
    return _Ones()


def scaled_normal(shape, dtype=None):
    """N(0, 2 / fan_in) samples, fan_in = product of all dimensions but the last."""
    fan_in = int(np.prod([int(d) for d in shape][:-1]))
    return tf.random.normal(
        shape, mean=0.0, stddev=np.sqrt(2.0 / fan_in), dtype=dtype or tf.float32
    )


@keras.saving.register_keras_serializable(package="alt_tf")
class WeirdInit(keras.initializers.Initializer):
    """0 w.p. 1/2, U[5, 10] w.p. 1/4, U[-10, -5] w.p. 1/4; stateless when seeded."""

    def __init__(self, seed=None):
        self.seed = seed

    def __call__(self, shape, dtype=None):
        dtype = tf.as_dtype(dtype or "float32")
        if self.seed is None:
            data = tf.random.uniform(shape, -10, 10, dtype=dtype)
        else:
            data = tf.random.stateless_uniform(
                shape, seed=[self.seed, 0], minval=-10, maxval=10, dtype=dtype
            )
        factor = tf.cast(tf.abs(data) >= 5, dtype)  # the book's mask, in the data's dtype
        return data * factor

    def get_config(self):
        return {"seed": self.seed}
