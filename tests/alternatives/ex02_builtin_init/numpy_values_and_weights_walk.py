"""NumPy draws assigned with variable.assign, Dense layers found through net._flatten_layers(); Linear with a build method."""

from __future__ import annotations

import keras
import numpy as np


def _dense_layers(net):
    layers = [
        layer
        for layer in net._flatten_layers(include_self=True, recursive=True)
        if isinstance(layer, keras.layers.Dense)
    ]
    if not layers or not net.built or not all(layer.built for layer in layers):
        raise ValueError("the model must be built before its parameters can be initialized")
    return layers


def init_normal(net, mean=0.0, stddev=0.01):
    if stddev <= 0:
        raise ValueError(f"stddev={stddev}: a standard deviation must be positive")
    rng = np.random.default_rng(np.random.randint(2**31))
    for layer in _dense_layers(net):
        layer.kernel.assign(
            rng.normal(mean, stddev, size=layer.kernel.shape).astype(layer.kernel.dtype)
        )
        if layer.bias is not None:  # Dense(use_bias=False) has none
            layer.bias.assign(np.zeros(layer.bias.shape, layer.bias.dtype))
    return net


def init_constant(net, value):
    for layer in _dense_layers(net):
        layer.kernel.assign(value * np.ones(layer.kernel.shape, layer.kernel.dtype))
        if layer.bias is not None:
            layer.bias.assign(0.0 * layer.bias.numpy())
    return net


class Linear(keras.Model):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.d1 = keras.layers.Dense(
            10, kernel_initializer=keras.initializers.RandomNormal(0.0, 0.01)
        )
        self.d2 = keras.layers.Dense(1, kernel_initializer="ones", bias_initializer="ones")

    def build(self, input_shape):
        self.d1.build(input_shape)
        self.d2.build((*input_shape[:-1], 10))

    def call(self, inputs):
        return self.d2(self.d1(inputs))


def xavier_then_constant(hidden_units=8, outputs=1, constant=42.0):
    first = keras.layers.Dense(hidden_units, kernel_initializer=keras.initializers.GlorotUniform())
    second = keras.layers.Dense(outputs, kernel_initializer=keras.initializers.Constant(constant))
    return keras.Sequential([first, second])
