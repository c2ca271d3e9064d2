# %% [markdown]
# # ex07: Custom layers
#
# The lesson is the docstring of the next cell. Each task has a markdown cell, a code
# cell to fill in, and a check cell that grades what this kernel holds now with the
# tests of `make test` (run the code cell first, then its check cell).

# %%
"""Exercise 7 — custom layers. Book: D2L 4.4 “custom layers” (自定义层).

A layer is a subclass of ``keras.layers.Layer``. ``call(self, inputs)`` computes
the output; a layer *with parameters* creates them in ``build(self, input_shape)``,
which Keras runs once, before the first call, with the shape of the first input.
That is how a layer learns its input width: nothing exists before the first call.

>>> class Scale(keras.layers.Layer):
...     def build(self, input_shape):
...         self.w = self.add_weight(name="w", shape=(input_shape[-1],), initializer="ones")
...     def call(self, inputs):
...         return inputs * self.w
>>> layer = Scale()
>>> layer.weights
[]
>>> layer(keras.ops.ones((2, 3))).shape, [v.path for v in layer.weights]
(TensorShape([2, 3]), ['scale/w'])

Keras 3 facts that matter here (checked on Keras 3.15.1 with TensorFlow 2.21.0):

* ``add_weight``'s first parameter is ``shape``; its name is keyword-only. The
  book's ``add_weight('w', shape)`` raises ``ValueError``: write
  ``add_weight(name="w", shape=...)``.
* Only variables made by ``add_weight`` (or ``keras.Variable``) are tracked. A
  ``tf.Variable`` stored on a layer is not: it is missing from ``weights`` and
  ``trainable_weights``, ``count_params()`` ignores it, and training never
  updates it.
* ``model.save("net.keras")`` stores each layer as its class name and
  ``get_config()``; loading calls ``cls(**config)``. Keras refuses a class it
  was not told about: register yours with
  ``@keras.saving.register_keras_serializable(package=...)`` and return every
  constructor argument from ``get_config()``. The script that defined the class
  may not notice (a notebook remembers what it ran); a fresh process does.
* ``layer.set_weights(...)`` and ``variable.assign(...)`` copy values: two layers
  stay tied only when they read the very same variable object, at call time.
"""

from __future__ import annotations

import keras
from keras import ops

# %% [markdown]
# ## Task `CenteredLayer`: A layer without parameters


# %%
class CenteredLayer(keras.layers.Layer):
    """The book's layer without parameters: ``inputs - mean(inputs)``.

    The mean is taken over **every** element of the input (the whole batch), as
    the book's ``X - tf.reduce_mean(X)``; the output has the input's shape. The
    layer creates no variable: its ``weights`` stay ``[]``. After a ``Dense`` in a
    ``Sequential`` the output's mean is 0 up to float error.

    >>> CenteredLayer()(keras.ops.convert_to_tensor([1.0, 2.0, 3.0, 4.0, 5.0])).numpy()
    array([-2., -1.,  0.,  1.,  2.], dtype=float32)
    """

    def call(self, inputs):
        """``inputs`` minus the mean of all its elements."""
        return inputs - ops.mean(inputs)


# %%
if __name__ == "__main__":
    import kata

    kata.check("ex07", "CenteredLayer")


# %% [markdown]
# ## Task `MyDense`: A layer with parameters, created in build


# %%
@keras.saving.register_keras_serializable(package="kata")
class MyDense(keras.layers.Layer):
    """The book's dense layer: ``relu(inputs @ kernel + bias)``.

    ``MyDense(units)`` creates nothing; ``build(input_shape)`` creates the two
    variables with ``add_weight(name=...)``: ``kernel`` of shape
    ``(input_shape[-1], units)`` drawn from N(0, 0.05²) (the book's
    ``tf.random_normal_initializer()``, Keras's ``"random_normal"``) and ``bias`` of shape ``(units,)``, zeros. Both are tracked: they are the
    layer's ``weights`` and ``trainable_weights`` (kernel first) and count in
    ``count_params()``. The class is registered with Keras
    (``@keras.saving.register_keras_serializable``) and ``get_config()`` holds
    ``units``, so ``MyDense.from_config(layer.get_config())`` makes a layer
    like it and a model holding it round-trips through a ``.keras`` file.

    >>> layer = MyDense(3)
    >>> layer.weights
    []
    >>> layer(keras.ops.ones((2, 5))).shape
    TensorShape([2, 3])
    >>> [v.path for v in layer.weights], layer.count_params()
    (['my_dense/kernel', 'my_dense/bias'], 18)
    >>> MyDense.from_config(layer.get_config()).units
    3
    """

    def __init__(self, units, **kwargs):
        """Keep ``units``; pass ``**kwargs`` (``name``, ``dtype``…) to ``super().__init__``."""
        super().__init__(**kwargs)
        self.units = units

    def build(self, input_shape):
        """Create ``kernel`` and ``bias`` with ``add_weight(name=..., shape=..., initializer=...)``."""
        self.kernel = self.add_weight(
            name="kernel",
            shape=(input_shape[-1], self.units),
            initializer="random_normal",
        )
        self.bias = self.add_weight(name="bias", shape=(self.units,), initializer="zeros")

    def call(self, inputs):
        """``relu(inputs @ kernel + bias)``."""
        return ops.relu(ops.matmul(inputs, self.kernel) + self.bias)

    def get_config(self):
        """The base layer's config plus ``units``."""
        return {**super().get_config(), "units": self.units}


# %%
if __name__ == "__main__":
    import kata

    kata.check("ex07", "MyDense")


# %% [markdown]
# ## Task `TiedTranspose`: A decoder tied to an encoder's kernel


# %%
class TiedTranspose(keras.layers.Layer):
    """A decoder whose kernel is the transpose of ``dense``'s kernel: ``inputs @ kernelᵀ + bias``.

    ``dense`` is a ``keras.layers.Dense`` (the encoder, ``units`` = the code width)
    that runs before this layer, so it is built when this one builds. The decoder
    reads ``dense.kernel`` at call time, **the same variable object** (never a copy
    made at build time): a change to the encoder's kernel changes the decoder's
    output, and a gradient reaches that kernel through both layers. Its ``weights``
    include the encoder's kernel itself and a bias of its own, created in
    ``build`` with shape ``(dense's input width,)`` and zeros. No activation.

    >>> encoder = keras.layers.Dense(2)
    >>> encoder.build((None, 4))
    >>> decoder = TiedTranspose(encoder)
    >>> decoder(keras.ops.ones((1, 2))).shape
    TensorShape([1, 4])
    >>> any(v is encoder.kernel for v in decoder.weights)
    True
    """

    def __init__(self, dense, **kwargs):
        """Keep ``dense``; pass ``**kwargs`` to ``super().__init__``."""
        super().__init__(**kwargs)
        self.dense = dense

    def build(self, input_shape):
        """Create the bias (zeros, as wide as the encoder's input)."""
        self.bias = self.add_weight(
            name="bias", shape=(self.dense.kernel.shape[0],), initializer="zeros"
        )

    def call(self, inputs):
        """``inputs @ transpose(dense.kernel) + bias``, the kernel read now."""
        return ops.matmul(inputs, ops.transpose(self.dense.kernel)) + self.bias


# %%
if __name__ == "__main__":
    import kata

    kata.check("ex07", "TiedTranspose")


# %% [markdown]
# ## Task `tied_autoencoder`: One kernel, used twice


# %%
def tied_autoencoder(input_dim: int, code_dim: int) -> keras.Model:
    """A built functional autoencoder with one kernel used twice.

    ``keras.Input((input_dim,))``, then ``Dense(code_dim)`` named ``"encoder"``
    (no activation), then ``TiedTranspose`` of that encoder named ``"decoder"``:
    outputs of shape ``(batch, input_dim)``. ``model.weights`` holds the
    encoder's kernel **once** (three variables: that kernel, the encoder's bias,
    the decoder's bias), and the gradient of a loss on the reconstruction with
    respect to that kernel is the sum of the gradients of its two uses. Every
    call makes a new model.

    >>> model = tied_autoencoder(6, 2)
    >>> [tuple(v.shape) for v in model.weights]
    [(6, 2), (2,), (6,)]
    >>> model(keras.ops.ones((3, 6))).shape
    TensorShape([3, 6])
    """
    inputs = keras.Input((input_dim,))
    encoder = keras.layers.Dense(code_dim, name="encoder")
    outputs = TiedTranspose(encoder, name="decoder")(encoder(inputs))
    return keras.Model(inputs, outputs)


# %%
if __name__ == "__main__":
    import kata

    kata.check("ex07", "tied_autoencoder")
