"""Every exception raised with no message at all: ValueError() bare; the tests grade the type, never words."""

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
    raise ValueError()


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
