"""Checks net.layers[1] is net.layers[2] by hand, differentiates all layers' outputs with a persistent tape, and one Lambda on the pair."""

from __future__ import annotations

import keras
import numpy as np  # noqa: F401  (used in the examples; yours to use)
import tensorflow as tf


def build_tied_mlp(units: int = 8, outputs: int = 1) -> keras.Sequential:
    """The chapter's tied MLP, not yet built.

    ``Sequential`` of ``Dense(units, relu)``, then **one** ``Dense(units, relu)``
    instance used twice in a row, then ``Dense(outputs)``.

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
    ``layer_b``. Equal values in distinct variables are *not* tied; layers
    without parameters (a ``Flatten``, an unbuilt ``Dense``) are not tied.

    >>> are_tied(net.layers[1], net.layers[2])
    True
    >>> are_tied(net.layers[0], net.layers[1])
    False
    """
    if len(layer_a.weights) == 0 or len(layer_a.weights) != len(layer_b.weights):
        return False
    for va, vb in zip(layer_a.weights, layer_b.weights, strict=True):
        if va is not vb:
            return False
    return True


def shared_gradient(net, x):
    """The gradient of ``reduce_sum(net(x))`` w.r.t. the shared layer's kernel.

    ``net`` is a net as ``build_tied_mlp`` returns (built or not yet built). The
    answer is **one** tensor of the kernel's shape: the sum of the contributions
    of both uses of the shared layer. ``ValueError`` if no layer of ``net`` is
    used twice.

    >>> net = build_tied_mlp(units=4)
    >>> shared_gradient(net, np.ones((3, 5), "float32")).shape
    TensorShape([4, 4])
    """
    layers = net.layers
    if len(layers) < 3 or layers[1] is not layers[2]:
        raise ValueError("net.layers[1] is not shared with net.layers[2]: not a tied net")
    with tf.GradientTape(persistent=True) as tape:
        out = net(np.asarray(x, dtype="float32"))
        total = tf.reduce_sum(out)
    grad = tape.gradient(total, layers[1].kernel)
    del tape
    return grad


def build_siamese(input_dim: int = 20, units: int = 8) -> keras.Model:
    """A functional siamese net: one encoder shared by two inputs.

    Two inputs of width ``input_dim``; one ``Dense(units, relu)`` layer named
    ``"encoder"`` encodes both; the output is ``Dense(1)`` applied to the
    absolute difference of the two encodings, of shape ``(batch, 1)``.

    >>> model = build_siamese()
    >>> len(model.weights)            # the encoder's kernel and bias, once
    4
    >>> model([np.ones((2, 20)), np.zeros((2, 20))]).shape
    TensorShape([2, 1])
    """
    inputs = [keras.Input(shape=(input_dim,)) for _ in range(2)]
    encoder = keras.layers.Dense(units, activation="relu", name="encoder")
    encoded = [encoder(t) for t in inputs]
    distance = keras.layers.Lambda(lambda pair: tf.abs(pair[0] - pair[1]))(encoded)
    return keras.Model(inputs=inputs, outputs=keras.layers.Dense(1, name="score")(distance))
