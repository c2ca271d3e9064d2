"""Builds with Sequential.add, compares variable ids, picks the gradient by identity, and uses Subtract + Lambda(tf.abs)."""

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
    net = keras.Sequential()
    net.add(keras.layers.Dense(units, activation="relu"))
    shared = keras.layers.Dense(units, activation="relu")
    net.add(shared)
    net.add(shared)
    net.add(keras.layers.Dense(outputs))
    return net


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
    ids_a = [id(v) for v in layer_a.weights]
    ids_b = [id(v) for v in layer_b.weights]
    return bool(ids_a) and ids_a == ids_b


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
    shared = _shared_layer(net)
    x = tf.convert_to_tensor(x, dtype=tf.float32)
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(net(x))
    grads = tape.gradient(loss, net.trainable_variables)
    for v, g in zip(net.trainable_variables, grads, strict=True):
        if v is shared.kernel:
            return g
    raise ValueError("the shared kernel is not trainable")


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
    a = keras.Input(shape=(input_dim,))
    b = keras.Input(shape=(input_dim,))
    encoder = keras.layers.Dense(units, activation="relu", name="encoder")
    diff = keras.layers.Subtract()([encoder(a), encoder(b)])
    distance = keras.layers.Lambda(tf.abs)(diff)
    return keras.Model([a, b], keras.layers.Dense(1)(distance))
