"""A new keras.initializers instance per layer and layer.set_weights (which assigns in place); Linear with string names."""

from __future__ import annotations

import keras
import numpy as np


def _dense(layer):
    """Dense layers under ``layer``, depth first, each once (recursive)."""
    found = [layer] if isinstance(layer, keras.layers.Dense) else []
    for sub in getattr(layer, "layers", []):
        for d in _dense(sub):
            if all(d is not f for f in found):
                found.append(d)
    return found


def _check_built(net):
    layers = _dense(net)
    if not net.built or not all(d.built for d in layers):
        raise ValueError("net is not built: call it once or use net.build(input_shape)")
    return layers


def _zero_bias(layer):
    """The bias's new values as a list for set_weights: [] for a layer without bias."""
    return [] if layer.bias is None else [np.zeros(layer.bias.shape, layer.bias.dtype)]


def init_normal(net, mean=0.0, stddev=0.01):
    if stddev <= 0:
        raise ValueError(f"the standard deviation must be > 0, not {stddev}")
    layers = _check_built(net)
    for layer in layers:
        init = keras.initializers.RandomNormal(mean=mean, stddev=stddev)  # a new seed per layer
        kernel = keras.ops.convert_to_numpy(init(layer.kernel.shape, dtype=layer.kernel.dtype))
        layer.set_weights([kernel] + _zero_bias(layer))
    return net


def init_constant(net, value):
    for layer in _check_built(net):
        layer.set_weights(
            [np.full(layer.kernel.shape, value, layer.kernel.dtype)] + _zero_bias(layer)
        )
    return net


class Linear(keras.Model):
    def __init__(self):
        super().__init__()
        self.d1 = keras.layers.Dense(
            10,
            kernel_initializer=keras.initializers.RandomNormal(stddev=0.01),
            bias_initializer="zeros",
        )
        self.d2 = keras.layers.Dense(1, kernel_initializer="ones", bias_initializer="ones")

    def call(self, x):
        h = self.d1(x)
        return self.d2(h)


def xavier_then_constant(hidden_units=8, outputs=1, constant=42.0):
    net = keras.Sequential()
    net.add(
        keras.layers.Dense(
            hidden_units, kernel_initializer="glorot_uniform", bias_initializer="zeros"
        )
    )
    net.add(
        keras.layers.Dense(outputs, kernel_initializer=keras.initializers.Constant(value=constant))
    )
    return net
