"""Stores the seed but draws from the global random state, so seeded calls are not reproducible.

A copy of solutions/ex03_custom_init.py with this one mistake.
"""

from __future__ import annotations

import math

import keras
from keras import ops


def my_init():
    """An initializer object that fills ones (the chapter's ``my_init``).

    It must work as ``Dense(64, kernel_initializer=my_init())`` and honour the
    dtype Keras asks for.

    >>> my_init()((2, 3), dtype="float32")
    <tf.Tensor: shape=(2, 3), dtype=float32, numpy=array([[1., 1., 1.], [1., 1., 1.]], ...)>
    >>> layer = keras.layers.Dense(64, kernel_initializer=my_init()); layer.build((None, 20))
    >>> float(ops.min(layer.kernel)), float(ops.max(layer.kernel))
    (1.0, 1.0)
    """
    return keras.initializers.Ones()


def scaled_normal(shape, dtype=None):
    """A plain-function initializer: samples of N(0, 2 / fan_in), not truncated.

    ``fan_in`` is the product of all dimensions of ``shape`` but the last
    (``shape[0]`` for a Dense kernel; ``3·3·32 = 288`` for a ``(3, 3, 32, 64)``
    conv kernel), so the standard deviation is ``sqrt(2 / fan_in)``. Return a
    tensor of exactly ``shape`` and ``dtype`` (``float32`` when ``dtype`` is
    ``None``); every call draws fresh, independent samples.

    >>> w = scaled_normal((64, 256))
    >>> w.shape, w.dtype, round(float(ops.std(w)), 2)   # sqrt(2 / 64) ≈ 0.177
    (TensorShape([64, 256]), tf.float32, 0.18)
    >>> keras.layers.Dense(10, kernel_initializer=scaled_normal)   # works in a layer
    """
    shape = tuple(int(d) for d in shape)
    fan_in = math.prod(shape[:-1])
    return keras.random.normal(
        shape, mean=0.0, stddev=math.sqrt(2.0 / fan_in), dtype=dtype or "float32"
    )


@keras.saving.register_keras_serializable(package="kata")
class WeirdInit(keras.initializers.Initializer):
    """The book's custom initializer: each weight is 0, or large with a random sign.

    Each element is independently

    * ``0`` with probability 1/2,
    * uniform on ``[5, 10]`` with probability 1/4,
    * uniform on ``[-10, -5]`` with probability 1/4

    (the book draws ``U(-10, 10)`` and zeroes the elements with ``|x| < 5``).
    Honour ``dtype``, ``float64`` included. With an int ``seed``, every call with
    the same shape returns the same values (a new ``WeirdInit(seed)`` too), and
    different seeds give different values; with ``seed=None`` draw from Keras's
    global random state. ``get_config()`` returns ``{"seed": seed}`` and the
    class is registered with Keras, so a model saved as ``.keras`` and loaded
    again keeps its ``WeirdInit`` and seed.

    >>> init = WeirdInit(seed=7)
    >>> bool(ops.all(init((4, 4)) == init((4, 4))))
    True
    >>> init.get_config()
    {'seed': 7}
    >>> keras.layers.Dense(4, kernel_initializer=WeirdInit())
    """

    def __init__(self, seed=None):
        """Keep the seed: ``None`` or an int."""
        self.seed = seed

    def __call__(self, shape, dtype=None):
        """A tensor of ``shape`` and ``dtype`` (float32 when ``None``) drawn as above."""
        dtype = dtype or "float32"
        data = keras.random.uniform(shape, minval=-10.0, maxval=10.0, dtype=dtype)
        return ops.where(ops.abs(data) >= 5.0, data, ops.zeros_like(data))

    def get_config(self):
        """``{"seed": seed}``: what ``WeirdInit(**config)`` needs to rebuild it."""
        return {"seed": self.seed}
