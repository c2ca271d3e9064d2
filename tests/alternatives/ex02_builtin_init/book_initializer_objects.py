"""The book's initializer objects: tf.keras.initializers.RandomNormal(mean=0, stddev=0.01), tf.zeros_initializer(), tf.ones_initializer(), activation=tf.nn.relu; in-place re-initialization through layer.weights[0].assign(...)."""

from __future__ import annotations

import tensorflow as tf


def _dense_layers(net):
    found = []

    def walk(layer):
        for sub in getattr(layer, "layers", []):
            if isinstance(sub, tf.keras.layers.Dense):
                if all(sub is not d for d in found):
                    found.append(sub)
            else:
                walk(sub)

    walk(net)
    if not net.built or any(not d.built for d in found):
        raise ValueError("the net is not built yet: call it on data first")
    if not found:
        raise ValueError("the net has no Dense layer")
    return found


def init_normal(net, mean=0.0, stddev=0.01):
    if stddev <= 0:
        raise ValueError(f"stddev must be positive, got {stddev}")
    for layer in _dense_layers(net):
        kernel = layer.weights[0]  # a Dense layer's weights are [kernel] or [kernel, bias]
        kernel.assign(tf.random.normal(kernel.shape, mean, stddev, dtype=kernel.dtype))
        if layer.use_bias:
            layer.weights[1].assign(tf.zeros(layer.weights[1].shape, layer.weights[1].dtype))
    return net


def init_constant(net, value):
    for layer in _dense_layers(net):
        kernel = layer.weights[0]
        kernel.assign(tf.constant(value, kernel.dtype, shape=kernel.shape))
        if layer.use_bias:
            layer.weights[1].assign(tf.zeros(layer.weights[1].shape, layer.weights[1].dtype))
    return net


class Linear(tf.keras.Model):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.d1 = tf.keras.layers.Dense(
            10,
            kernel_initializer=tf.keras.initializers.RandomNormal(mean=0, stddev=0.01),
            bias_initializer=tf.zeros_initializer(),
        )
        self.d2 = tf.keras.layers.Dense(
            1,
            kernel_initializer=tf.ones_initializer(),
            bias_initializer=tf.ones_initializer(),
        )

    def call(self, input):
        output = self.d1(input)
        output = self.d2(output)
        return output


def xavier_then_constant(hidden_units=8, outputs=1, constant=42.0):
    net = tf.keras.models.Sequential()
    net.add(
        tf.keras.layers.Dense(
            hidden_units,
            activation=tf.nn.relu,
            kernel_initializer=tf.keras.initializers.GlorotUniform(),
            bias_initializer=tf.zeros_initializer(),
        )
    )
    net.add(
        tf.keras.layers.Dense(
            outputs,
            kernel_initializer=tf.keras.initializers.Constant(constant),
            bias_initializer=tf.zeros_initializer(),
        )
    )
    return net
