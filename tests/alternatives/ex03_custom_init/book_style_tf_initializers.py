"""The book's TensorFlow idioms: my_init returns TensorFlow's tf.ones_initializer(), scaled_normal uses tf.random.normal, WeirdInit subclasses tf.keras.initializers.Initializer with __call__(self, shape, dtype=None) and the book's mask, cast to the data's own dtype."""

from __future__ import annotations

import math

import keras
import tensorflow as tf


def my_init():
    return tf.ones_initializer()


def scaled_normal(shape, dtype=None):
    shape = [int(d) for d in shape]
    fan_in = math.prod(shape[:-1])
    return tf.random.normal(shape, stddev=math.sqrt(2 / fan_in), dtype=dtype or tf.float32)


@keras.saving.register_keras_serializable(package="alt_book")  # tf.keras has no saving
class WeirdInit(tf.keras.initializers.Initializer):
    def __init__(self, seed=None):
        self.seed = seed

    def __call__(self, shape, dtype=None):
        dtype = dtype or tf.float32
        data = keras.random.uniform(shape, -10, 10, dtype=dtype, seed=self.seed)
        factor = tf.cast(tf.abs(data) >= 5, data.dtype)  # the book casts to tf.float32
        return data * factor

    def get_config(self):
        return {"seed": self.seed}
