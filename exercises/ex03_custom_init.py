# %% [markdown]
# # ex03: Custom initializers
#
# The lesson is the docstring of the next cell. Each task has a markdown cell, a code
# cell to fill in, and a check cell that grades what this kernel holds now with the
# tests of `make test` (run the code cell first, then its check cell).

# %%
"""Exercise 3 — custom initializers. Book: D2L 4.2.3 “define initializer”.

An *initializer* is anything Keras can call as ``init(shape, dtype=None)`` to get
the starting values of a variable. A layer calls it once, when it builds, with
the variable's shape (``(inputs, units)`` for a Dense kernel) and dtype. You can
hand a layer three kinds of initializer:

* a built-in object: ``keras.initializers.Ones()``, ``Constant(3.0)``,
  ``RandomNormal(stddev=0.01)``, ``HeNormal()``…;
* a plain function ``def init(shape, dtype=None): ...`` returning a tensor;
* an instance of your own subclass of ``keras.initializers.Initializer`` that
  implements ``__call__(self, shape, dtype=None)`` and ``get_config()``.

For a kernel of shape ``(k1, k2, …, c_in, c_out)`` (a Conv2D kernel is
``(3, 3, 32, 64)``), each output unit sums ``fan_in = k1·k2·…·c_in`` inputs: the
product of all dimensions but the last, which is ``shape[0]`` for a Dense kernel.

Keras 3 facts that matter here (checked on Keras 3.15.1 with TensorFlow 2.21.0):

* ``keras.random.uniform/normal(..., seed=None)`` draw from Keras's global seed
  generator (what ``keras.utils.set_random_seed`` seeds): every call gives fresh
  values. With an **int** seed they are *stateless*: the same seed and shape give
  the same values on every call. A ``keras.random.SeedGenerator(seed)`` — and the
  op seed of ``tf.random.uniform(..., seed=s)`` — advance on each call instead.
* A built-in random initializer *instance* picks its seed when it is created, so
  it returns the same values on every call, even when unseeded.
* TensorFlow does not mix dtypes: ``float64_tensor * float32_tensor`` raises.
  The book casts its mask to ``tf.float32``, which breaks for ``float64``
  variables; keep the mask in the data's dtype (or use ``keras.ops.where``).
* Saving a model as ``.keras`` stores each initializer as its class name plus
  ``get_config()``. Loading rebuilds it with ``cls(**config)``, and Keras refuses
  a class it does not know: register yours with
  ``@keras.saving.register_keras_serializable(package=...)`` and return every
  constructor argument from ``get_config()``.
"""

from __future__ import annotations

import math

import keras
from keras import ops

# %% [markdown]
# ## Task `my_init`: An initializer object that fills ones


# %%
def my_init():
    """An initializer object that fills ones (the chapter's ``my_init``).

    It must work as ``Dense(64, kernel_initializer=my_init())`` and honour the
    dtype Keras asks for.

    >>> my_init()((2, 3), dtype="float32").numpy()
    array([[1., 1., 1.], [1., 1., 1.]], dtype=float32)
    >>> layer = keras.layers.Dense(64, kernel_initializer=my_init()); layer.build((None, 20))
    >>> float(ops.min(layer.kernel)), float(ops.max(layer.kernel))
    (1.0, 1.0)
    """
    raise NotImplementedError


# %%
if __name__ == "__main__":
    import kata

    kata.check("ex03", "my_init")


# %% [markdown]
# ## Task `scaled_normal`: A plain-function initializer: N(0, 2/fan_in)


# %%
def scaled_normal(shape, dtype=None):
    """A plain-function initializer: samples of N(0, 2 / fan_in), not truncated.

    ``fan_in`` is the product of all dimensions of ``shape`` but the last, for
    a kernel of any rank (``shape[0]`` for a Dense kernel; ``5·32 = 160`` for a
    ``(5, 32, 16)`` Conv1D kernel; ``3·3·32 = 288`` for a ``(3, 3, 32, 64)``
    Conv2D kernel), so the standard deviation is ``sqrt(2 / fan_in)``. Return a
    tensor of exactly ``shape`` and ``dtype`` (``float32`` when ``dtype`` is
    ``None``); every call draws fresh, independent samples.

    >>> w = scaled_normal((64, 256))
    >>> w.shape, w.dtype, round(float(ops.std(w)), 2)   # sqrt(2 / 64) ≈ 0.177
    (TensorShape([64, 256]), tf.float32, 0.18)
    >>> layer = keras.layers.Dense(10, kernel_initializer=scaled_normal)   # works in a layer
    """
    raise NotImplementedError


# %%
if __name__ == "__main__":
    import kata

    kata.check("ex03", "scaled_normal")


# %% [markdown]
# ## Task `WeirdInit`: The book's custom initializer, seeded and serializable


# %%
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
    global random state, so every call of an unseeded ``WeirdInit()`` (and every
    unseeded instance) gives fresh values (``None`` is not seed 0, and no seed
    is picked once and kept). ``get_config()`` returns ``{"seed": seed}`` and the
    class is registered with Keras, so a model saved as ``.keras`` and loaded
    again keeps its ``WeirdInit`` and seed.

    >>> init = WeirdInit(seed=7)
    >>> bool(ops.all(init((4, 4)) == init((4, 4))))
    True
    >>> init.get_config()
    {'seed': 7}
    >>> layer = keras.layers.Dense(4, kernel_initializer=WeirdInit())
    """

    def __init__(self, seed=None):
        """Keep the seed: ``None`` or an int."""
        raise NotImplementedError

    def __call__(self, shape, dtype=None):
        """A tensor of ``shape`` and ``dtype`` (float32 when ``None``) drawn as above."""
        raise NotImplementedError

    def get_config(self):
        """``{"seed": seed}``: what ``WeirdInit(**config)`` needs to rebuild it."""
        raise NotImplementedError


# %%
if __name__ == "__main__":
    import kata

    kata.check("ex03", "WeirdInit")
