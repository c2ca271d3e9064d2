# %% [markdown]
# # ex05: Tied (shared) parameters
#
# The lesson is the docstring of the next cell. Each task has a markdown cell, a code
# cell to fill in, and a check cell that grades what this kernel holds now with the
# tests of `make test` (run the code cell first, then its check cell).

# %%
"""Exercise 5 — tied (shared) parameters. Book: D2L 4.2, sharing, the “共享” of the chapter's
title: no numbered section.

To share parameters between layers, build the layer **once** and use the same
layer object several times. Every use reads the same ``kernel`` and ``bias``
variables: changing one use changes them all, and training updates them with
the gradients of every use.

>>> shared = keras.layers.Dense(8, activation="relu")
>>> net = keras.Sequential([keras.layers.Dense(8, activation="relu"), shared, shared, keras.layers.Dense(1)])
>>> net.build((None, 20))
>>> net.layers[1] is net.layers[2], net.layers[1].kernel is net.layers[2].kernel
(True, True)

"Tied" means *the same variable object* (``a is b``). Two variables that merely
hold equal values are not tied: the next training step moves them apart.

Keras 3 facts that matter here (checked on Keras 3.15.1 with TensorFlow 2.21.0):

* ``Sequential.layers`` lists a shared layer once per use (the book's check
  ``len(net.layers) == 3`` no longer holds), but ``net.weights``,
  ``net.trainable_variables`` and ``net.count_params()`` count a shared variable
  **once**: the net above has 6 variables, not 8.
* Keras variables are unhashable and ``==`` compares element-wise, so compare
  them with ``is`` (or ``id``), never with ``==``, ``in`` or a ``set``.
* ``tf.GradientTape().gradient(loss, shared.kernel)`` returns **one** tensor that
  already adds up the contributions of every use of the shared layer.
* In the functional API, calling one layer on two inputs shares it too: that is
  how a siamese network encodes both of its inputs with the same weights.
"""

from __future__ import annotations

import keras
import numpy as np  # noqa: F401  (used in the examples; yours to use)
import tensorflow as tf


def _shared_layer(net):
    """The first layer that ``net.layers`` lists more than once (by identity)."""
    layers = list(net.layers)
    for i, layer in enumerate(layers):
        if any(other is layer for other in layers[i + 1 :]):
            return layer
    raise ValueError(
        f"no layer of {net.name} is used twice: expected a tied net such as build_tied_mlp() returns"
    )


# %% [markdown]
# ## Task `build_tied_mlp`: One layer used twice


# %%
def build_tied_mlp(units: int = 8, outputs: int = 1) -> keras.Sequential:
    """The chapter's tied MLP, not yet built.

    ``Sequential`` of ``Dense(units, relu)``, then **one** ``Dense(units, relu)``
    instance used twice in a row, then ``Dense(outputs)``. Every call makes a
    new net with layers of its own: two nets from two calls share nothing.

    >>> net = build_tied_mlp()
    >>> net.layers[1] is net.layers[2]
    True
    >>> net.build((None, 20)); len(net.layers), len(net.weights)
    (4, 6)
    """
    shared = keras.layers.Dense(units, activation="relu")
    return keras.Sequential(
        [
            keras.layers.Dense(units, activation="relu"),
            shared,
            shared,
            keras.layers.Dense(outputs),
        ]
    )


# %%
if __name__ == "__main__":
    import kata

    kata.check("ex05", "build_tied_mlp")


# %% [markdown]
# ## Task `are_tied`: Tied means the very same variables


# %%
def are_tied(layer_a, layer_b) -> bool:
    """``True`` exactly when the two layers share all their parameters.

    Both layers must have parameters, the same number of them, and each variable
    of ``layer_a`` must be the very same object as the corresponding variable of
    ``layer_b``. All of ``layer.weights`` count, trainable or not (a frozen
    layer keeps its parameters; a BatchNormalization's moving statistics are
    parameters too). Equal values in distinct variables are *not* tied, nor are
    distinct variables with equal paths (two separate ``build_siamese()``
    models both hold ``encoder/kernel``); layers without parameters (a
    ``Flatten``, an unbuilt ``Dense``) are not tied.

    >>> shared = keras.layers.Dense(8)
    >>> net = keras.Sequential([keras.layers.Dense(8), shared, shared, keras.layers.Dense(1)])
    >>> net.build((None, 4))
    >>> are_tied(net.layers[1], net.layers[2])
    True
    >>> are_tied(net.layers[0], net.layers[1])
    False
    """
    a, b = list(layer_a.weights), list(layer_b.weights)
    if not a or len(a) != len(b):
        return False
    return all(x is y for x, y in zip(a, b, strict=True))


# %%
if __name__ == "__main__":
    import kata

    kata.check("ex05", "are_tied")


# %% [markdown]
# ## Task `shared_gradient`: The gradient of a shared kernel adds up both uses


# %%
def shared_gradient(net, x):
    """The gradient of ``reduce_sum(net(x))`` w.r.t. the shared layer's kernel.

    ``net`` is a net as ``build_tied_mlp`` returns (built or not yet built). The
    answer is **one** tensor of the kernel's shape: the sum of the contributions
    of both uses of the shared layer (the shared layer of the net given to this
    call). ``ValueError`` if no layer of ``net`` is used twice.

    >>> net = build_tied_mlp(units=4)
    >>> shared_gradient(net, np.ones((3, 5), "float32")).shape
    TensorShape([4, 4])
    """
    shared = _shared_layer(net)
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(net(x))
    return tape.gradient(y, shared.kernel)


# %%
if __name__ == "__main__":
    import kata

    kata.check("ex05", "shared_gradient")


# %% [markdown]
# ## Task `build_siamese`: A functional model with one shared encoder


# %%
def build_siamese(input_dim: int = 20, units: int = 8) -> keras.Model:
    """A functional siamese net: one encoder shared by two inputs.

    Two inputs of width ``input_dim``; one ``Dense(units, relu)`` layer named
    ``"encoder"`` encodes both; the output is ``Dense(1)`` applied to the
    absolute difference of the two encodings, of shape ``(batch, 1)``. Every
    call makes a new model: two models share no variable.

    >>> model = build_siamese()
    >>> len(model.weights)            # the encoder's kernel and bias, once
    4
    >>> model([np.ones((2, 20)), np.zeros((2, 20))]).shape
    TensorShape([2, 1])
    """
    left = keras.Input(shape=(input_dim,), name="left")
    right = keras.Input(shape=(input_dim,), name="right")
    encoder = keras.layers.Dense(units, activation="relu", name="encoder")
    distance = keras.ops.abs(encoder(left) - encoder(right))
    output = keras.layers.Dense(1, name="head")(distance)
    return keras.Model(inputs=[left, right], outputs=output)


# %%
if __name__ == "__main__":
    import kata

    kata.check("ex05", "build_siamese")
