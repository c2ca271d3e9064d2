"""The book's TensorFlow idioms: tf.keras layers with activation=tf.nn.relu (a ReLU() layer for the siamese encoder), the shared layer object added twice, tf.abs in a Lambda."""

from __future__ import annotations

import tensorflow as tf


def _shared_layer(net):
    seen = []
    for layer in net.layers:
        if any(layer is s for s in seen):
            return layer
        seen.append(layer)
    raise ValueError(f"no layer of {net.name} is used twice")


def build_tied_mlp(units=8, outputs=1):
    shared = tf.keras.layers.Dense(units, activation=tf.nn.relu)
    net = tf.keras.models.Sequential()
    net.add(tf.keras.layers.Dense(units, activation=tf.nn.relu))
    net.add(shared)
    net.add(shared)
    net.add(tf.keras.layers.Dense(outputs))
    return net


def are_tied(layer_a, layer_b):
    a, b = layer_a.weights, layer_b.weights
    return len(a) > 0 and len(a) == len(b) and all(id(x) == id(y) for x, y in zip(a, b))


def shared_gradient(net, x):
    shared = _shared_layer(net)
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(net(x))
    (grad,) = tape.gradient(loss, [shared.weights[0]])
    return grad


def build_siamese(input_dim=20, units=8):
    left = tf.keras.Input(shape=(input_dim,))
    right = tf.keras.Input(shape=(input_dim,))
    encoder = tf.keras.layers.Dense(units, activation=tf.keras.layers.ReLU(), name="encoder")
    distance = tf.keras.layers.Lambda(lambda pair: tf.abs(pair[0] - pair[1]))(
        [encoder(left), encoder(right)]
    )
    return tf.keras.Model([left, right], tf.keras.layers.Dense(1, name="head")(distance))
