"""tf.random.normal / tf.fill with variable.assign, net.weights walked by path; book-style Flatten + relu in xavier_then_constant."""

from __future__ import annotations

import keras
import tensorflow as tf


def _dense_layers(net):
    out = []

    def walk(layer):
        if isinstance(layer, keras.layers.Dense):
            if not any(layer is seen for seen in out):
                out.append(layer)
            return
        for sub in getattr(layer, "layers", []):
            walk(sub)

    walk(net)
    if not out or not net.built or any(not d.built for d in out):
        raise ValueError("build the net first (it has no parameters yet)")
    return out


def init_normal(net, mean=0.0, stddev=0.01):
    if not stddev > 0:
        raise ValueError("stddev must be positive")
    for d in _dense_layers(net):
        d.kernel.assign(tf.random.normal(tuple(d.kernel.shape), mean=mean, stddev=stddev))
        if d.bias is not None:  # Dense(use_bias=False) has none
            d.bias.assign(tf.zeros_like(d.bias))
    return net


def init_constant(net, value):
    for d in _dense_layers(net):
        d.kernel.assign(tf.fill(tuple(d.kernel.shape), tf.constant(value, d.kernel.dtype)))
        if d.bias is not None:
            d.bias.assign(tf.zeros(tuple(d.bias.shape), d.bias.dtype))
    return net


class Linear(tf.keras.Model):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.d1 = tf.keras.layers.Dense(
            10, kernel_initializer=tf.random_normal_initializer(mean=0, stddev=0.01)
        )
        self.d2 = tf.keras.layers.Dense(
            1,
            kernel_initializer=tf.keras.initializers.Ones(),
            bias_initializer=tf.keras.initializers.Ones(),
        )

    def call(self, inputs):
        return self.d2(self.d1(inputs))


def xavier_then_constant(hidden_units=8, outputs=1, constant=42.0):
    return tf.keras.Sequential(
        [
            tf.keras.layers.Flatten(),
            tf.keras.layers.Dense(
                hidden_units,
                activation="relu",
                kernel_initializer=tf.keras.initializers.GlorotUniform(),
            ),
            tf.keras.layers.Dense(
                outputs, kernel_initializer=tf.keras.initializers.Constant(constant)
            ),
        ]
    )
